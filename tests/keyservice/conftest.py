"""Fixtures for the key service: its app on a fresh database and key folder, agencies, keys.

The key service's database is SQLite in a per-test folder by default; with TEST_DATABASE_URL it
is a PostgreSQL database of its own (``kp_<hex>``), created once per session and emptied after
each test. Redis fixtures use a unique key prefix per test and delete their keys afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from keyservice import agencies, create_app, db, keys

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _admin(url: str) -> Any:
    import psycopg

    target = make_url(url).set(drivername="postgresql")
    return psycopg.connect(
        target.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
    )


@pytest.fixture(scope="session")
def keyservice_postgres_url() -> Iterator[str | None]:
    """A PostgreSQL database of the key service's own when TEST_DATABASE_URL is set, else None."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield None
        return
    name = f"kp_{secrets.token_hex(6)}"
    with _admin(base) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with _admin(base) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def keyservice_database_url(keyservice_postgres_url: str | None, tmp_path: Path) -> Iterator[str]:
    """The key service's database for one test: a new SQLite file, or the emptied PostgreSQL one."""
    if keyservice_postgres_url is None:
        yield f"sqlite:///{tmp_path / 'keyservice.sqlite'}"
        return
    yield keyservice_postgres_url
    engine = create_engine(keyservice_postgres_url)
    with engine.begin() as conn:
        # TRUNCATE, because the evaluation log refuses DELETE by design
        conn.execute(text("TRUNCATE evaluation_log, key_epoch, agency RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def make_keyservice(keyservice_database_url: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build key service apps on the test database and key folder (settings may be overridden)."""
    built: list[Flask] = []

    def make(**settings: Any) -> Flask:
        config = {
            "TESTING": True,
            "KEYSERVICE_DATABASE_URL": keyservice_database_url,
            "KEYSERVICE_KEY_DIR": str(tmp_path / "keys"),
            "KEYSERVICE_REDIS_URL": "",
        }
        config.update(settings)
        app = create_app(config)
        built.append(app)
        return app

    yield make
    for app in built:
        app.extensions["keyservice.engine"].dispose()


@pytest.fixture
def keyservice_app(make_keyservice: Callable[..., Flask]) -> Flask:
    """The key service with in-memory limits."""
    return make_keyservice()


@pytest.fixture
def key_epoch(keyservice_app: Flask) -> keys.KeyEpoch:
    """Epoch 1's key, generated as the CLI does."""
    with keyservice_app.app_context(), db.get_engine().begin() as conn:
        return keys.generate_key(conn, Path(keyservice_app.config["KEYSERVICE_KEY_DIR"]), epoch=1)


@pytest.fixture
def make_agency_token(keyservice_app: Flask) -> Callable[..., str]:
    """Register an agency and return its bearer token."""

    def make(name: str = "Gemeente Utrecht", daily_quota: int = 100_000) -> str:
        with keyservice_app.app_context(), db.get_engine().begin() as conn:
            _, token = agencies.add_agency(conn, name, daily_quota=daily_quota)
        return token

    return make


@pytest.fixture
def transport(keyservice_app: Flask) -> httpx.WSGITransport:
    """An in-process HTTP transport to the real key service app."""
    return httpx.WSGITransport(app=keyservice_app)


@pytest.fixture
def redis_settings() -> Iterator[dict[str, str]]:
    """Key service settings for Redis under a unique key prefix, deleted after the test."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        client.close()
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not reachable at TEST_REDIS_URL")
    prefix = f"kp-test-{secrets.token_hex(6)}:"
    try:
        yield {"KEYSERVICE_REDIS_URL": REDIS_URL, "KEYSERVICE_REDIS_PREFIX": prefix}
    finally:
        stale = list(client.scan_iter(match=prefix + "*"))
        if stale:
            client.delete(*stale)
        client.close()
