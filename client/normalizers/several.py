"""Normalize a whole cell, which may hold several identifiers of its kind (see _several).

``normalize_cell("phone", "06-12345678 / 06-87654321")`` gives both numbers;
``normalize_cell("address", "Hoofdstraat 14\\n3811 AB Amersfoort")`` gives one address, since
neither line is an address on its own. Parts that fail are reported by their rule next to the
parts that were read, so a valid identifier is never lost to an invalid neighbour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from client.errors import NormalizationError
from client.normalizers import _several
from client.normalizers._text import check_text

ONE_DOB_RULE = "one date of birth for several persons in the cell: used for none of them"


class CellValues(NamedTuple):
    """The canonical forms read from one cell, and the rules of the parts that were refused."""

    values: list[str]
    refused: list[str]


def may_hold_several(kind: str, raw: str) -> bool:
    """Say cheaply whether a cell holds a separator of its kind (most cells do not)."""
    if not _several.has_marks(kind, raw):
        return False
    pattern = _several.STRICT.get(kind) or _several.LOOSE.get(kind)
    return pattern is not None and pattern.search(raw.strip()) is not None


def normalize_cell(
    kind: str, normalize: Callable[..., str], raw: str, /, **context: str
) -> CellValues:
    """Return every identifier in the cell, split where the kind's separators are unambiguous."""
    text = check_text(kind, raw) if _several.STRICT.get(kind) is None else _cell_text(kind, raw)
    pieces = _several.parts(kind, text)
    if len(pieces) == 1:
        return CellValues([normalize(raw, **context)], [])
    if len(pieces) > _several.MAX_PARTS:
        raise NormalizationError(kind, f"more than {_several.MAX_PARTS} {kind} values in one cell")
    refused: list[str] = []
    if kind == "person" and context.get("dob", "").strip():
        context = {key: value for key, value in context.items() if key != "dob"}
        refused.append(ONE_DOB_RULE)
    values: list[str] = []
    # Rules, not the exceptions: a kept exception's traceback would hold this frame in a cycle.
    errors: list[str] = []
    loose = kind in _several.LOOSE
    if loose and any(_several.incomplete(kind, piece) for piece in pieces):
        try:
            return CellValues([normalize(raw, **context)], [])
        except NormalizationError:
            pass  # not one identifier either: read the parts
    for piece in pieces:
        try:
            value = normalize(piece, **context)
        except NormalizationError as error:
            errors.append(error.rule)
            if loose and len(errors) == 1:
                try:  # one address over two lines, say: the whole cell is the identifier
                    return CellValues([normalize(raw, **context)], [])
                except NormalizationError:
                    pass  # not one identifier either: keep the parts that are
            continue
        if value not in values:
            values.append(value)
    if not values:
        raise NormalizationError(kind, errors[0])
    if kind == "person" and _shared_surname(values):
        raise NormalizationError(kind, "several persons in one cell, not each with a full name")
    return CellValues(values, refused + [f"one of several values: {rule}" for rule in errors])


def _cell_text(kind: str, raw: str) -> str:
    """Check a cell of an always-split kind as text (length, emptiness, placeholder) only."""
    try:
        return check_text(kind, raw)
    except NormalizationError as error:
        if not error.rule.startswith("several "):
            raise
    return raw.strip()


def _shared_surname(names: list[str]) -> bool:
    """Say whether one name is a single word beside fuller ones ('Ana & Maria Ionescu')."""
    sizes = {name.split("|")[0].count(" ") for name in names}
    return 0 in sizes and len(sizes) > 1
