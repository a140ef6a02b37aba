"""Legal forms and 'trading as' markers in operator names, Dutch and foreign.

Forms are word sequences on folded text (``B.V.`` folds to ``b v``, ``BV`` to ``bv``), stripped
from the end of a name and, for the forms that are written first (``Stichting X``), from the start.
"""

from __future__ import annotations

import re

_FORMS_ANYWHERE_AT_THE_ENDS = (
    "b v",
    "bv",
    "n v",
    "nv",
    "v o f",
    "vof",
    "c v",
    "cv",
    "eenmanszaak",
    "stichting",
    "vereniging",
    "cooperatie",
    "cooperatieve vereniging",
)
_FORMS_AT_THE_END = (
    "u a",
    "ua",
    "w a",
    "wa",
    "b a",
    "ba",
    "i o",
    "io",
    "in oprichting",
    "srl",
    "s r l",
    "sa",
    "s a",
    "eood",
    "ood",
    "ad",
    "kft",
    "zrt",
    "nyrt",
    "bt",
    "sp z o o",
    "spzoo",
    "sp j",
    "s c",
    "gmbh",
    "ag",
    "ug",
    "kg",
    "e k",
    "e v",
    "ltd",
    "limited",
    "llc",
    "inc",
    "plc",
    "bvba",
    "bv ba",
    "sprl",
    "sl",
    "s l",
    "sarl",
    "sas",
    "spa",
    "s p a",
)
#: Markers between a legal name and a trade name: h.o.d.n. (handelend onder de naam), t/a, d/b/a.
TRADING_AS = re.compile(
    r"(?<![a-z0-9])(?:"
    r"h[^a-z0-9]{0,3}o[^a-z0-9]{0,3}d[^a-z0-9]{0,3}n"
    r"|handelende? onder de (?:handels)?naam"
    r"|t ?/ ?a|d ?/ ?b ?/ ?a|dba|trading as|doing business as"
    r")(?![a-z0-9])"
)
#: A name that is, joined up, a marker would read as a marker when normalized again.
JOINED_MARKERS = frozenset({"hodn", "dba"})


def _by_length(forms: tuple[str, ...]) -> dict[int, frozenset[tuple[str, ...]]]:
    table: dict[int, set[tuple[str, ...]]] = {}
    for form in forms:
        words = tuple(form.split(" "))
        table.setdefault(len(words), set()).add(words)
    return {size: frozenset(found) for size, found in sorted(table.items(), reverse=True)}


_END = _by_length(_FORMS_ANYWHERE_AT_THE_ENDS + _FORMS_AT_THE_END)
_START = _by_length(_FORMS_ANYWHERE_AT_THE_ENDS)
#: Every form written as one word ('b v' → 'bv'): a name that joins up to one is only a form.
JOINED_FORMS = frozenset(
    form.replace(" ", "") for form in _FORMS_ANYWHERE_AT_THE_ENDS + _FORMS_AT_THE_END
)


def strip_forms(words: list[str]) -> list[str]:
    """Return the words of a name without the legal forms at its ends (repeatedly: 'B.V. i.o.')."""
    changed = True
    while changed and words:
        changed = False
        for size, forms in _END.items():
            if len(words) >= size and tuple(words[-size:]) in forms:
                words = words[:-size]
                changed = True
                break
        for size, forms in _START.items():
            if len(words) > size and tuple(words[:size]) in forms:
                words = words[size:]
                changed = True
                break
    return words
