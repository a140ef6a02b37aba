"""Person names: folded, order-free, optionally combined with a date of birth.

``Popescu, Ana Maria``, ``Ana-Maria Popescu`` and ``POPESCU Ana Maria`` all become
``ana maria popescu``: diacritics dropped (ș ş → s, ő → o), Cyrillic transliterated, the name
parts sorted. Working-name noise goes: text in brackets and digits (``Talehana (37)`` →
``talehana``), and titles (Dhr., Mevr., Mr, Dr). A date of birth (context ``dob=``) is
appended after a bar: ``ana maria popescu|1990-03-07``; reading that back gives the same value.

Levels: ``name`` (weak evidence on its own) and, only with a date of birth, ``name_dob``.
"""

from __future__ import annotations

import functools
import re

from client.errors import NormalizationError
from client.normalizers._dates import parse_date
from client.normalizers._placeholders import PLACEHOLDER_RULE, is_placeholder
from client.normalizers._several import refuse_several
from client.normalizers._text import (
    CACHE_SIZE,
    check_context,
    check_text,
    context_value,
    drop_apostrophes,
    refuse_lost_letters,
    refuse_placeholder,
)
from client.normalizers._text import fold as fold_text

KIND = "person"
MAX_NAME_PARTS = 8
_CONTEXT = frozenset({"dob"})
_BRACKETS = re.compile(r"\([^)]*\)?|\[[^\]]*\]?|\{[^}]*\}?")
_LETTERS = re.compile(r"[a-z]+")
_TITLES = frozenset(
    {"dhr", "mevr", "mw", "mevrouw", "meneer", "mr", "mrs", "ms", "miss", "dr", "drs", "ir", "prof"}
)
_CANONICAL = re.compile(
    rf"[a-z]+(?: [a-z]+){{0,{MAX_NAME_PARTS - 1}}}(\|[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}})?"
)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _name(text: str) -> str:
    """Return the sorted, folded parts of a name without brackets, digits or titles.

    Cached: one person recurs across many rows and exports, and folding is the costly part.
    """
    folded = drop_apostrophes(fold_text(text))
    if "(" in folded or "[" in folded or "{" in folded:
        folded = _BRACKETS.sub(" ", folded)
    # Titles go wherever they stand: after sorting, 'Zeta Dr' would otherwise start with one.
    found = _LETTERS.findall(folded)
    parts = [part for part in found if part not in _TITLES] or found
    if not parts:
        raise NormalizationError(KIND, "no letters in the name")
    if len(parts) > MAX_NAME_PARTS:
        raise NormalizationError(KIND, f"more than {MAX_NAME_PARTS} name parts")
    return " ".join(sorted(parts))


def normalize(raw: str, /, **context: str) -> str:
    """Return 'sorted name parts', followed by '|yyyy-mm-dd' when a date of birth is known."""
    text = check_text(KIND, raw, placeholders=False)
    if context:
        check_context(KIND, context, _CONTEXT)
    dob_text = context_value(context, "dob")
    dob = parse_date(KIND, dob_text) if dob_text else None
    if "|" in text:
        text, _, written = text.rpartition("|")
        written_dob = parse_date(KIND, written)
        if dob is not None and dob != written_dob:
            raise NormalizationError(KIND, "date of birth after '|' differs from the dob context")
        dob = written_dob
    name = _checked_name(text)
    return f"{name}|{dob}" if dob else name


def _checked_name(text: str) -> str:
    """Return the canonical name; refuse placeholders (written or read) and lost letters."""
    if is_placeholder(KIND, text):
        raise NormalizationError(KIND, PLACEHOLDER_RULE)
    refuse_lost_letters(KIND, text)
    name = refuse_placeholder(KIND, _name(text))
    # a name whose parts sort into 'a en f' would be split as two persons when read again
    refuse_several(KIND, name)
    return name


def match_keys(canonical: str) -> list[tuple[str, str]]:
    """Return the name key, and the name-and-date-of-birth key when a date is part of it."""
    found = _CANONICAL.fullmatch(canonical)
    if found is None:
        raise NormalizationError(KIND, "not a canonical person name")
    if found.group(1) is None:
        return [("name", canonical)]
    return [("name", canonical[: found.start(1)]), ("name_dob", canonical)]
