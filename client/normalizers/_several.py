"""Cells that hold several identifiers of one kind: ``06-1234 5678 / 06-8765 4321``.

Two identifiers in one cell are never merged into one made-up identifier and never cut down to
one. Where a separator cannot be part of an identifier of the kind (a line break, ``;``, `` / ``,
`` en ``, and for numbers and plates a comma) the cell is *split*: each part is an identifier of
its own. The single-value ``normalize`` of such a kind refuses a cell that holds a separator, so
that nothing merges by accident. Where a separator can be part of one identifier (a line break
in an address, ``Jansen & Zn``, a comma in ``Popescu, Ana <ana@x.nl>``) the cell is split only
when every part is an identifier on its own, else it is read as one.
"""

from __future__ import annotations

import re

from client.errors import NormalizationError

#: More parts than this are a pasted list, not the identifiers of one signal.
MAX_PARTS = 5

_CODES = r"\n|;|,|\s+/\s+|\s+(?:en|of|and|or|&)\s+"
#: Kinds whose identifiers never hold these separators: always split, never read as one.
STRICT: dict[str, re.Pattern[str]] = {
    "phone": re.compile(_CODES, re.IGNORECASE),
    "iban": re.compile(_CODES, re.IGNORECASE),
    "kvk": re.compile(_CODES, re.IGNORECASE),
    "plate": re.compile(rf"{_CODES}|/|\+", re.IGNORECASE),
    "person": re.compile(
        r"\n|;|/|\+|\s+(?:en|and|&)\s+|\s&|&\s",
        re.IGNORECASE,
    ),
}
#: Kinds where a separator may belong to one identifier: split only if every part is one.
LOOSE: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"[;\n,]|\s+(?:/|en|of|and|or)\s+|\s+", re.IGNORECASE),
    "url": re.compile(r"[;\n,]|\s+(?:/|en|of|and|or)\s+|\s+", re.IGNORECASE),
    "operator": re.compile(r"[;\n]|(?<![^a-z0-9][tdbTDB]) / (?![abAB]\b)"),
    # '14 en 16' is two house numbers at one street: refused by the address rules, not split
    "address": re.compile(r"[;\n]|\s+(?:/|en|&)\s+(?=[^\W\d])", re.IGNORECASE),
}


#: The characters each kind's separators need; a comma only where it separates values.
_MARKS = {
    "phone": frozenset("\n\r;,/&"),
    "iban": frozenset("\n\r;,/&"),
    "kvk": frozenset("\n\r;,/&"),
    "plate": frozenset("\n\r;,/&+"),
    "person": frozenset("\n\r;/&+"),
    "email": frozenset("\n\r;, \t"),
    "url": frozenset("\n\r;, \t"),
    "operator": frozenset("\n\r;/"),
    "address": frozenset("\n\r;/&"),
}
_NO_MARKS: frozenset[str] = frozenset()


def has_marks(kind: str, text: str) -> bool:
    """Say cheaply whether text may hold a separator of its kind (most identifiers do not)."""
    if not _MARKS.get(kind, _NO_MARKS).isdisjoint(text):
        return True
    if " " not in text or kind == "operator":
        return False
    lowered = text.lower()
    return " en " in lowered or " of " in lowered or " and " in lowered or " or " in lowered


_DUTCH_POSTCODE = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{3} ?[A-Za-z]{2}(?![0-9A-Za-z])")
_DIGIT = re.compile(r"[0-9]")


def incomplete(kind: str, part: str) -> bool:
    """Say cheaply that a part of a cell cannot be an identifier on its own.

    An address line without a digit besides its postcode ('3811 AB Amersfoort') has no house
    number: the cell is one address written over several lines, and is read whole at once.
    """
    return kind == "address" and _DIGIT.search(_DUTCH_POSTCODE.sub(" ", part)) is None


def parts(kind: str, text: str) -> list[str]:
    """Return the non-empty parts of a cell split at the kind's separators (one if none)."""
    pattern = STRICT.get(kind) or LOOSE.get(kind)
    if pattern is None or pattern.search(text) is None:
        return [text]
    found = [part.strip() for part in pattern.split(text)]
    return [part for part in found if part and not part.isspace()]


def refuse_several(kind: str, text: str) -> None:
    """Refuse a single value that holds a separator of a kind that is always split."""
    pattern = STRICT.get(kind)
    if pattern is None or not has_marks(kind, text):
        return
    if pattern.search(text) and len(parts(kind, text)) > 1:
        raise NormalizationError(
            kind, f"several {kind} values in one cell (each is read on its own from the cell)"
        )
