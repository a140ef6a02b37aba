"""The Dutch analyst guide keeps up with the app: its screenshots exist and its options are real."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from client.cli import main

DOCS = Path(__file__).resolve().parents[2] / "docs"
GUIDE = (DOCS / "analist.md").read_text(encoding="utf-8")


def test_every_screenshot_of_the_guide_exists_and_every_app_screenshot_is_used() -> None:
    named = set(re.findall(r"\(screenshots/(app-[a-z-]+\.png)\)", GUIDE))
    present = {path.name for path in (DOCS / "screenshots").glob("app-*.png")}

    assert named
    assert named == present


def _options() -> list[str]:
    command = main.commands["app"]
    assert isinstance(command, click.Command)
    return [name for param in command.params for name in param.opts if name.startswith("--")]


@pytest.mark.parametrize(
    "option", ["--no-browser", "--port", "--matcher", "--key-file", "--ledger"]
)
def test_the_guide_names_options_the_command_has(option: str) -> None:
    assert option in _options()
    assert f"`{option}" in GUIDE


def test_the_client_guide_points_analysts_to_the_app() -> None:
    assert "[analist.md](analist.md)" in (DOCS / "client.md").read_text(encoding="utf-8")
