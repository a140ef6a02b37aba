"""The data-path tests' world: the real ingest, detection and retention on SQLite and PostgreSQL.

A test that takes ``world`` runs once per backend in ``datapath_support.BACKENDS``; each
PostgreSQL run uses a database of its module's own. Modules that need another world (only
PostgreSQL, or the API's factories) define their own ``world``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from datapath_support import BACKENDS, World, open_world, postgres_database
from flask import Flask

from matcher import create_app
from tests.conftest import scratch_database


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    with open_world(request.param, tmp_path, url) as opened:
        yield opened


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database for the migration tests: a new SQLite file, or a new PostgreSQL one."""
    with scratch_database(tmp_path / "migrated.sqlite3") as url:
        yield url


@pytest.fixture
def migration_app(fresh_database_url: str, pepper_file: Path, tmp_path: Path) -> Flask:
    """The matcher on the fresh database, for ``db upgrade`` to a revision and back."""
    return create_app(
        {
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": fresh_database_url,
            "PEPPER_FILE": str(pepper_file),
            "INSTANCE_PATH": str(tmp_path),
        }
    )
