"""docs/architecture.md lists every module of the product, and only those that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("client", "matcher", "keyservice")
_ROW = re.compile(r"^\| `([a-z0-9_/]+\.py)` \|", re.MULTILINE)


def documented_modules() -> set[str]:
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    return set(_ROW.findall(text.split("\n## Modules\n", 1)[1]))


def tree_modules() -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }


def test_the_module_table_equals_the_tree() -> None:
    documented = documented_modules()
    tree = tree_modules()

    assert sorted(tree - documented) == [], "add these modules to docs/architecture.md"
    assert sorted(documented - tree) == [], "these modules are gone: remove their rows"


def test_the_specs_come_first() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    sections = re.findall(r"^## (.+)$", text, re.MULTILINE)

    assert sections[0] == "Start here: the two specs"
    assert "`client/kinds.py`" in text and "`matcher/alert_states.py`" in text
