"""docs/dashboard.md keeps up with the code: every page, workflow action and legal basis."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from matcher.services import workflow

DOC = (Path(__file__).resolve().parents[2] / "docs" / "dashboard.md").read_text(encoding="utf-8")


def test_every_dashboard_route_is_documented(app: Flask) -> None:
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("dashboard."):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):  # type: ignore[operator]
            if f"`{method} {path}`" not in DOC:
                missing.append(f"{method} {path}")

    assert missing == []


@pytest.mark.parametrize("action", list(workflow.Action))
def test_every_workflow_action_is_documented(action: workflow.Action) -> None:
    assert f"| `{action}` |" in DOC


@pytest.mark.parametrize("route", workflow.CASE_ROUTES)
def test_every_case_route_is_documented(route: str) -> None:
    assert f"`{route}`" in DOC


def test_the_screenshots_the_docs_show_exist() -> None:
    shown = re.findall(r"\]\((screenshots/[a-z-]+\.png)\)", DOC)

    assert len(shown) == 7  # five at laptop width, two at phone width
    for path in shown:
        assert (Path(__file__).resolve().parents[2] / "docs" / path).stat().st_size > 10_000
