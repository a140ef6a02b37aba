"""The docs keep up with the code: every setting, API route and admin command is documented."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from flask import Flask

from matcher import config, create_app
from matcher.api import PREFIX
from matcher.instance import init_instance

DOCS = Path(__file__).resolve().parent.parent / "docs"
#: commands Flask itself adds to every FlaskGroup; documented by Flask
FLASK_BUILTINS = {"run", "shell", "routes"}


@pytest.fixture(scope="module")
def plain_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """An app on an untouched instance folder: routes and commands only, no database use."""
    settings = {"INSTANCE_PATH": str(tmp_path_factory.mktemp("docs-instance"))}
    init_instance(settings, environ={})
    return create_app(settings)


@pytest.fixture(scope="module")
def operations() -> str:
    return (DOCS / "operations.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def api() -> str:
    return (DOCS / "api.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[str]:
    for name, command in sorted(group.commands.items()):
        if not prefix and name in FLASK_BUILTINS:
            continue
        if isinstance(command, click.Group):
            yield from command_paths(command, (*prefix, name))
        else:
            yield " ".join((*prefix, name))


@pytest.mark.parametrize("setting", config.SETTINGS, ids=lambda setting: setting.name)
def test_every_setting_is_documented(setting: config.Setting, operations: str) -> None:
    assert f"`{setting.name}`" in operations
    assert f"`{setting.env_var}`" in operations


def test_every_api_route_is_documented(plain_app: Flask, api: str) -> None:
    missing = []
    for rule in plain_app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):  # type: ignore[operator]
            if f"`{method} {path}`" not in api:
                missing.append(f"{method} {path}")
    assert missing == []


def test_every_admin_command_is_documented(plain_app: Flask, operations: str) -> None:
    from matcher.commands import main

    commands = sorted(set(command_paths(plain_app.cli)) | set(command_paths(main)))

    assert commands, "no commands found"
    missing = [name for name in commands if f"kruispunt-matcher {name}" not in operations]
    assert missing == []


@pytest.mark.parametrize(
    "topic",
    [
        "gunicorn --workers",
        "postgresql+psycopg://",
        "db upgrade",
        "## Migrations",
        "## Backups",
        "## Key rotation",
        "**Pepper.**",
        "## Scheduled jobs (cron)",
        "purge",
    ],
)
def test_operations_cover_deployment_and_upkeep(topic: str, operations: str) -> None:
    assert topic in operations
