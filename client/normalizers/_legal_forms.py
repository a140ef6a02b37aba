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
    # written out in full, as deeds and permit forms do
    "besloten vennootschap met beperkte aansprakelijkheid",
    "besloten vennootschap",
    "naamloze vennootschap",
    "vennootschap onder firma",
    "commanditaire vennootschap",
    "onderlinge waarborgmaatschappij",
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
    "sp zoo",
    "ek",
    "ev",
    "sc",
    "i l",
    "il",
    "in liquidatie",
    "gesellschaft mit beschrankter haftung",
    "aktiengesellschaft",
    "kommanditgesellschaft",
    "eingetragener kaufmann",
    "societate cu raspundere limitata",
    "societate pe actiuni",
    "private limited company",
    "public limited company",
    "limited liability company",
    "societe anonyme",
    "societe a responsabilite limitee",
    "societe privee a responsabilite limitee",
    "sociedad limitada",
    "sociedad anonima",
    "spolka z ograniczona odpowiedzialnoscia",
    "korlatolt felelossegu tarsasag",
    "druzhestvo s ogranichena otgovornost",
)
#: Markers between a legal name and a trade name: h.o.d.n. (handelend onder de naam), t/a, d/b/a.
TRADING_AS = re.compile(
    r"(?<![a-z0-9])(?:"
    r"(?:t[^a-z0-9]{0,3})?h[^a-z0-9]{0,3}o[^a-z0-9]{0,3}d[^a-z0-9]{0,3}n"
    r"|(?:(?:ook|tevens|mede) )?handelende? onder de (?:handels)?na(?:a)?m(?:en)?"
    r"|(?:ook|tevens) bekend als|also trading as|a ?/ ?k ?/ ?a"
    r"|t ?/ ?a|d ?/ ?b ?/ ?a|dba|trading as|doing business as"
    r")(?![a-z0-9])"
)
#: A name that is, joined up, a marker would read as a marker when normalized again.
JOINED_MARKERS = frozenset({"hodn", "thodn", "dba"})


def _by_edge_word(forms: tuple[str, ...], *, last: bool) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Index forms by their last (or first) word, longest forms first."""
    table: dict[str, list[tuple[str, ...]]] = {}
    for form in forms:
        words = tuple(form.split(" "))
        table.setdefault(words[-1] if last else words[0], []).append(words)
    return {word: tuple(sorted(found, key=len, reverse=True)) for word, found in table.items()}


def _dotted(forms: tuple[str, ...]) -> tuple[str, ...]:
    """Add each short one-word form letter by letter, as written with dots: G.m.b.H. → 'g m b h'."""
    spelled = tuple(" ".join(form) for form in forms if " " not in form and len(form) <= 5)
    return forms + tuple(form for form in spelled if form not in forms)


_END = _by_edge_word(_dotted(_FORMS_ANYWHERE_AT_THE_ENDS + _FORMS_AT_THE_END), last=True)
_START = _by_edge_word(_dotted(_FORMS_ANYWHERE_AT_THE_ENDS), last=False)
#: Every form written as one word ('b v' → 'bv'): a name that joins up to one is only a form.
JOINED_FORMS = frozenset(
    form.replace(" ", "") for form in _FORMS_ANYWHERE_AT_THE_ENDS + _FORMS_AT_THE_END
)


def _strip_one(words: list[str]) -> tuple[list[str], tuple[str, ...]] | None:
    """Return words without one legal form at the end (or else the start) and that form, or
    None if none."""
    for form in _END.get(words[-1], ()):
        size = len(form)
        if len(words) >= size and tuple(words[-size:]) == form:
            return words[:-size], form
    for form in _START.get(words[0], ()):
        size = len(form)
        if len(words) > size and tuple(words[:size]) == form:
            return words[size:], form
    return None


def strip_forms(words: list[str]) -> list[str]:
    """Return the words of a name without the legal forms at its ends (repeatedly: 'B.V. i.o.')."""
    return split_forms(words)[0]


#: suffixes that tell a status or a liability rule, not what kind of legal entity a firm is
_NOT_A_FORM = frozenset(
    {"u a", "ua", "w a", "wa", "b a", "ba", "i o", "io", "in oprichting", "i l", "il"}
    | {"in liquidatie", "eenmanszaak"}
)
#: forms written out in full, as their one-word code (each code is itself a form of the lists)
_LONG_FORMS = {
    "besloten vennootschap met beperkte aansprakelijkheid": "bv",
    "besloten vennootschap": "bv",
    "naamloze vennootschap": "nv",
    "vennootschap onder firma": "vof",
    "commanditaire vennootschap": "cv",
    "cooperatieve vereniging": "cooperatie",
    "gesellschaft mit beschrankter haftung": "gmbh",
    "aktiengesellschaft": "ag",
    "kommanditgesellschaft": "kg",
    "eingetragener kaufmann": "ek",
    "societate cu raspundere limitata": "srl",
    "societate pe actiuni": "sa",
    "private limited company": "ltd",
    "limited": "ltd",
    "public limited company": "plc",
    "limited liability company": "llc",
    "societe anonyme": "sa",
    "societe a responsabilite limitee": "sarl",
    "societe privee a responsabilite limitee": "sprl",
    "sociedad limitada": "sl",
    "sociedad anonima": "sa",
    "spolka z ograniczona odpowiedzialnoscia": "spzoo",
    "korlatolt felelossegu tarsasag": "kft",
    "druzhestvo s ogranichena otgovornost": "ood",
}
_ONE_WORD_FORMS = frozenset(
    form for form in _FORMS_ANYWHERE_AT_THE_ENDS + _FORMS_AT_THE_END if " " not in form
)


def form_code(form: tuple[str, ...]) -> str | None:
    """Return the one-word code of a legal form ('b v' → 'bv'), None for a status or liability
    suffix (i.o., U.A.) or an eenmanszaak, which has no registered name of its own."""
    written = " ".join(form)
    if written in _NOT_A_FORM:
        return None
    code = _LONG_FORMS.get(written, written.replace(" ", ""))
    return code if code in _ONE_WORD_FORMS else None


def split_forms(words: list[str]) -> tuple[list[str], str | None]:
    """Return the words of a name without the legal forms at its ends, and the code of the
    first legal form taken off (None when the name carries none)."""
    code: str | None = None
    while words:
        found = _strip_one(words)
        if found is None:
            break
        words, taken = found
        if code is None:
            code = form_code(taken)
    return words, code
