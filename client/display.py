"""Text from a server, made safe for the analyst's terminal.

A server's text (an agency's contact point, an alert's explanation, an error message) reaches the
terminal as it was stored. Control characters in it could move the cursor, rewrite earlier lines
or change the terminal's title, and bidirectional overrides could make text read differently
from what it is. They are dropped before anything is printed; line breaks become spaces.
"""

from __future__ import annotations

import unicodedata
from typing import Any

#: control (Cc) and format (Cf) characters, plus the line and paragraph separators
_UNSAFE = frozenset({"Cc", "Cf", "Zl", "Zp"})
_SPACES = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


def printable(text: str) -> str:
    """Return text without control, format and separator characters (breaks become spaces)."""
    if text.isprintable():
        return text
    spaced = text.translate(_SPACES)
    return "".join(char for char in spaced if unicodedata.category(char) not in _UNSAFE)


def printable_data(value: Any) -> Any:
    """Return JSON-like data with every string in it made printable."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable(str(key)): printable_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [printable_data(item) for item in value]
    return value
