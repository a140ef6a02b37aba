"""docs/keyservice.md documents every setting, route and CLI command the key service has."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from flask import Flask

from keyservice.commands import main
from keyservice.config import SETTINGS

DOC = (Path(__file__).parent.parent.parent / "docs" / "keyservice.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            names += _commands(command, f"{prefix}{name} ")
        else:
            names.append(f"{prefix}{name}")
    return names


@pytest.mark.parametrize("setting", [s.name for s in SETTINGS])
def test_every_setting_is_documented(setting: str) -> None:
    assert f"`{setting}`" in DOC


def test_every_route_is_documented(keyservice_app: Flask) -> None:
    routes = [
        f"{method} {rule.rule}"
        for rule in keyservice_app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    assert len(routes) == 5
    for route in routes:
        assert f"`{route}`" in DOC, route


@pytest.mark.parametrize("command", _commands(main))
def test_every_command_is_documented(command: str) -> None:
    assert f"`{command}" in DOC
