"""Street and city names for addresses without a postcode: one spelling per place.

Names are folded, abbreviations expanded, and the words joined without spaces, so that
``Hoofdstr.``, ``Hoofd straat`` and ``HOOFDSTRAAT`` agree, as do ``Jan v. Galenstraat`` and
``Jan van Galenstraat``. Expansion happens before joining (whole words) and once after
joining (word endings), so the result is a fixed point: normalizing it again changes nothing.
"""

from __future__ import annotations

_DUTCH_WORDS = {
    "burg": "burgemeester",
    "st": "sint",
    "mr": "meester",
    "dr": "doctor",
    "prof": "professor",
    "pr": "prins",
    "kon": "koning",
    "gen": "generaal",
    "ds": "dominee",
    "v": "van",
    "1e": "eerste",
    "2e": "tweede",
    "3e": "derde",
    "4e": "vierde",
    "5e": "vijfde",
}
_FRENCH_WORDS = {"av": "avenue", "bd": "boulevard", "ch": "chaussee", "bld": "boulevard"}
_ROMANIAN_WORDS = {
    "str": "strada",
    "bd": "bulevardul",
    "bdul": "bulevardul",
    "dul": "bulevardul",
    "b": "",  # the 'b' of 'B-dul' (bulevardul), which folding splits off
    "sos": "soseaua",
    "cal": "calea",
    "al": "aleea",
    "spl": "splaiul",
    "int": "intrarea",
}
_WORDS_BY_COUNTRY: dict[str, dict[str, str]] = {
    "NL": _DUTCH_WORDS,
    "BE": {**_DUTCH_WORDS, **_FRENCH_WORDS},
    "FR": _FRENCH_WORDS,
    "LU": _FRENCH_WORDS,
    "RO": _ROMANIAN_WORDS,
    "MD": _ROMANIAN_WORDS,
}
_DUTCH_ENDINGS = (
    ("str", "straat"),
    ("ln", "laan"),
    ("pln", "plein"),
    ("pl", "plein"),
    ("wg", "weg"),
    ("gr", "gracht"),
    ("kd", "kade"),
    ("sngl", "singel"),
    ("dk", "dijk"),
)
_GERMAN_ENDINGS = (("str", "strasse"),)
_ENDINGS_BY_COUNTRY: dict[str, tuple[tuple[str, str], ...]] = {
    "NL": _DUTCH_ENDINGS,
    "BE": _DUTCH_ENDINGS,
    "DE": _GERMAN_ENDINGS,
    "AT": _GERMAN_ENDINGS,
    "CH": _GERMAN_ENDINGS,
}
_CITY_ALIASES = {
    "sgravenhage": "denhaag",
    "thehague": "denhaag",
    "shertogenbosch": "denbosch",
    "bucharest": "bucuresti",
    "boekarest": "bucuresti",
    "brussels": "brussel",
    "bruxelles": "brussel",
}


def street(country: str, parts: list[str]) -> str:
    """Return the canonical street name for its folded words."""
    expansions = _WORDS_BY_COUNTRY.get(country)
    if expansions:
        parts = [expansions.get(part, part) for part in parts]
    joined = "".join(parts)
    if expansions:
        # 'd r' joins to 'dr', which its own canonical form would read as one word: 'doctor'
        joined = expansions.get(joined, joined)
    for short, full in _ENDINGS_BY_COUNTRY.get(country, ()):
        if joined.endswith(short):
            return joined[: -len(short)] + full
    return joined


def city(parts: list[str]) -> str:
    """Return the canonical city name for its folded words."""
    joined = "".join(parts)
    return _CITY_ALIASES.get(joined, joined)
