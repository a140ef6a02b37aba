"""Server text is printable before it reaches a terminal, whatever the server stored."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from client.display import printable, printable_data


@given(st.text())
def test_no_control_or_format_character_survives(text: str) -> None:
    shown = printable(text)

    assert all(unicodedata.category(char) not in {"Cc", "Cf", "Zl", "Zp"} for char in shown)


@given(st.text(st.characters(categories=["L", "N", "P", "Zs"])))
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert printable(text) == text


def test_nested_data_is_cleaned_keys_and_all() -> None:
    data = {"a\x1b": ["x\x07", {"b": "\u202ey"}], "n": 3}

    assert printable_data(data) == {"a": ["x", {"b": "y"}], "n": 3}
