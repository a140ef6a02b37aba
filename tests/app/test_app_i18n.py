"""Every text of the app's pages has Dutch, and every catalogue entry is still used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from client.app import i18n

APP = Path(__file__).resolve().parents[2] / "client" / "app"
_CALL = re.compile(r"""_\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+|'(?:[^'\\]|\\.)*')""")
_PIECE = re.compile(r""""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'""")


def texts() -> set[str]:
    found: set[str] = set()
    for path in [*APP.glob("templates/*.html"), *APP.glob("*.py")]:
        for call in _CALL.finditer(path.read_text(encoding="utf-8")):
            found.add("".join(a or b for a, b in _PIECE.findall(call.group(1))))
    return found


def labels() -> set[str]:
    return {
        *i18n.ROLE_LABELS.values(),
        "address (one column)",
        *i18n.CATEGORY_LABELS.values(),
        *i18n.STATUS_LABELS.values(),
        *i18n._CHOICE_ERRORS.values(),
        i18n._SPENT,
        i18n._HOST,
        *(text for pair in i18n._ERRORS.values() for text in pair),
    }


def test_every_page_text_has_dutch() -> None:
    missing = sorted((texts() | labels()) - set(i18n.DUTCH))
    assert missing == []


def test_the_catalogue_holds_no_text_that_is_gone() -> None:
    unused = sorted(set(i18n.DUTCH) - texts() - labels() - {"Something went wrong"})
    assert unused == []


@pytest.mark.parametrize("english", sorted(i18n.DUTCH))
def test_dutch_keeps_the_placeholders(english: str) -> None:
    assert re.findall(r"{\w+}", i18n.DUTCH[english]) == re.findall(r"{\w+}", english)
