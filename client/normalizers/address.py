"""Addresses: a Dutch postcode with house number and addition is the canonical core.

Canonical forms (the country code first, the addition after a dash):

* Dutch with postcode: ``NL 3811AB 14-A``; street and city are left out, the postcode settles them.
* foreign with postcode: ``DE 10115 invalidenstrasse 117``; postcodes abroad cover more streets.
* without postcode: ``NL hoofdstraat 14-A, amersfoort``; street and city folded and joined.

The country comes from the text (a leading or trailing upper-case ISO code, or a trailing country
name), else from the ``country=`` context, else it is NL. Levels: ``unit`` (with the addition)
and ``building`` (without it); an address without an addition gives its building key at
``no_addition``, which yields the same token as ``building``.
"""

from __future__ import annotations

import functools
import re

from client.errors import NormalizationError
from client.normalizers import _countries, _place
from client.normalizers._dutch_fast import dutch_with_postcode
from client.normalizers._house import (
    NUMBER_WORDS,
    House,
    addition_tokens,
    find_house,
    segment_addition,
    several_numbers,
)
from client.normalizers._placeholders import PLACEHOLDER_RULE, is_placeholder
from client.normalizers._text import (
    CACHE_SIZE,
    check_context,
    check_text,
    context_value,
    fold,
    words,
)

KIND = "address"
DEFAULT_COUNTRY = "NL"
_CONTEXT = frozenset({"country"})

#: 's-Hertogenbosch, 's Gravenhage, 't Zand: the article belongs to the name, not a house letter.
#: Not after a dash: in '1-s-a' the 's' is a house letter of its own.
_ARTICLE = re.compile(r"(?<![a-z0-9\-])'?([st])['\-] ?(?=[a-z])|(?<![a-z0-9])'([st]) (?=[a-z])")
_SEGMENT_BREAKS = re.compile(r"[;|\n\r]")
_NOISE = re.compile(r"[^a-z0-9,/\- ]+")
_SPACES = re.compile(r" +")
_UNIT = re.compile(
    r"(?<![a-z0-9])(?:bus|bte|boite|apartament|appartement|app|apt|ap|bloc|bl|scara|sc|etaj"
    r"|whg|wohnung|kamer|room|unit|flat|et(?= ?[0-9]))"
    # a letter needs a space ('bus A'), else 'Bust' would be 'bus T' and read back differently
    r"(?: ?([0-9]{1,4})| ([a-z][0-9]{0,3}))(?![a-z0-9])"
)
_LETTERS = re.compile(r"[a-z]")
_FIRST_DIGIT = re.compile(r"[0-9]")
#: A city is its letters: digits there are district numbers or stray parts of other fields.
_CITY_WORDS = re.compile(r"[a-z]+")
_CANONICAL = re.compile(
    r"([A-Z]{2} (?:[0-9A-Z]+ )?(?:[a-z0-9]+ )?[1-9][0-9]{0,4})((?:-[0-9A-Z]+)*)((?:, [a-z]+)?)"
)


def _clean(folded: str) -> str:
    """Keep letters, digits and the separators the grammar reads: comma, dash, slash, space."""
    # The checks before each substitution keep the common, already tidy address cheap.
    if "'" in folded or "s-" in folded or "t-" in folded:
        folded = _ARTICLE.sub(r"\1\2", folded).replace("'", "")
    if "&" in folded or "+" in folded:
        folded = folded.replace("&", " en ").replace("+", " en ")
    if "t/m" in folded or "t / m" in folded:
        folded = folded.replace("t / m", " tot ").replace("t/m", " tot ")
    if "\n" in folded or ";" in folded or "|" in folded or "\r" in folded:
        folded = _SEGMENT_BREAKS.sub(",", folded)
    folded = _NOISE.sub(" ", folded)
    return _SPACES.sub(" ", folded) if "  " in folded else folded


def _opens_segment(text: str, position: int) -> bool:
    before = text[:position].rstrip(" ")
    return not before or before.endswith(",")


def _take_postcode(country: str, text: str) -> tuple[str | None, str]:
    """Take the postcode out of the text; prefer one that opens a segment, else the last one."""
    pattern = _countries.POSTCODE_PATTERNS.get(country)
    if pattern is None:
        return None, text
    first = pattern.search(text)
    if first is None:
        return None, text
    if pattern.search(text, first.end()) is None:
        chosen = first
    else:
        found = list(pattern.finditer(text))
        opening = [m for m in found if _opens_segment(text, m.start())]
        chosen = opening[0] if opening else found[-1]
    # 'l-1234' (LU), 'md-2001' (MD), '00-950' (PL), 'sw1a 2aa' (GB): digits and letters only.
    written = chosen.group(0).removeprefix("l-").removeprefix("md-")
    postcode = written.replace(" ", "").replace("-", "").upper()
    return postcode, text[: chosen.start()] + "," + text[chosen.end() :]


def _take_units(text: str) -> tuple[tuple[str, ...], str]:
    """Take apartment, block and bus markers (ap. 34, bl. A, bus 3) out as addition tokens."""
    # A marker before any digit is a street name ('Bus 1'), not a unit: so it is read back alike.
    digit = _FIRST_DIGIT.search(text)
    if digit is None or not _UNIT.search(text, digit.end()):
        return (), text
    head, tail = text[: digit.end()], text[digit.end() :]
    tokens = tuple(
        token for pair in _UNIT.findall(tail) for token in addition_tokens(pair[0] or pair[1])
    )
    return tokens, head + _UNIT.sub(" ", tail)


def _locate_house(segments: list[str]) -> tuple[int, House]:
    """Return the first segment holding a house number, and the number found in it."""
    for index, segment in enumerate(segments):
        house = find_house(segment)
        if house is not None:
            return index, house
    raise NormalizationError(KIND, "no house number")


def _street_and_city(segments: list[str], index: int, before: str, after: str) -> tuple[str, str]:
    """Return the street text and the city text around the house number found in segment index."""
    if _LETTERS.search(before):
        street_text, rest = before, after
    else:
        street_text, rest = after, ""
    if _LETTERS.search(rest):
        return street_text, rest
    others = segments[index + 1 :] + segments[:index]
    for other in others:
        if _LETTERS.search(other) and not any(c.isdigit() for c in other):
            return street_text, other
    return street_text, ""


def normalize(raw: str, /, **context: str) -> str:
    """Return the canonical address; the country in the text wins over the country= context."""
    text = check_text(KIND, raw, placeholders=False)
    if context:
        check_context(KIND, context, _CONTEXT)
    return _normalize(text, context_value(context, "country"))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _normalize(text: str, hint: str | None) -> str:
    """Normalize a stripped address; cached, since hotels and parks recur across many rows."""
    if is_placeholder(KIND, text):
        raise NormalizationError(KIND, PLACEHOLDER_RULE)
    country, cleaned = country_and_text(text, hint)
    if country == "NL":
        fast = dutch_with_postcode(cleaned)
        if fast is not None:
            return fast
    return parse(country, cleaned)


def country_and_text(text: str, hint: str | None) -> tuple[str, str]:
    """Return the address's country and its cleaned, folded text without the country."""
    country, text = _countries.code_in_text(text)
    folded = _clean(fold(text))
    if country is None:
        country, folded = _countries.name_in_text(folded)
    if country is None:
        country = _countries.country_hint(KIND, hint) if hint else DEFAULT_COUNTRY
    return country, folded


def parse(country: str, folded: str) -> str:
    """Return the canonical form of a cleaned address text: the general path, any shape."""
    postcode, folded = _take_postcode(country, folded)
    # Apartment and block markers are foreign habits; Dutch additions are read by the grammar.
    units, folded = ((), folded) if country == "NL" else _take_units(folded)
    segments = [segment.strip(" -/") for segment in folded.split(",")]
    floors: tuple[str, ...] = ()
    for position, segment in enumerate(segments):
        tokens = segment_addition(segment)
        if tokens is not None:
            floors, segments[position] = floors + tokens, ""
    index, house = _locate_house(segments)
    if several_numbers(segments[index], house):
        raise NormalizationError(KIND, "several house numbers in one address")
    suffix = "".join(f"-{token}" for token in house.addition + floors + units)
    if postcode and country == "NL":
        return f"NL {postcode} {house.number}{suffix}"
    segment = segments[index]
    street_text, city_text = _street_and_city(
        segments, index, segment[: house.start], segment[house.end :]
    )
    street = _place.street(country, words(street_text))
    # 'No/1' must not make a street 'no': its canonical form would read it as 'number 1';
    # nor '1/00000' a street '00000': read again, its digits would be the house number
    if not street or street in NUMBER_WORDS or not any(char.isalpha() for char in street):
        raise NormalizationError(KIND, "no street name")
    if postcode:
        return f"{country} {postcode} {street} {house.number}{suffix}"
    city = _place.city(_CITY_WORDS.findall(city_text))
    if not city:
        raise NormalizationError(KIND, "no postcode and no city")
    return f"{country} {street} {house.number}{suffix}, {city}"


def match_keys(canonical: str) -> list[tuple[str, str]]:
    """Return the unit key and the building key (the address without its addition).

    An address written without an addition gives its building key at the level
    ``no_addition``: the same token as ``building`` (its spec shares that level's token domain),
    labelled so that the matcher can tell one spelling lacking the other's addition (near
    evidence) from two different additions of one building (weak).
    """
    found = _CANONICAL.fullmatch(canonical)
    if found is None:
        raise NormalizationError(KIND, "not a canonical address")
    if found[2]:
        return [("unit", canonical), ("building", found[1] + found[3])]
    return [("unit", canonical), ("no_addition", canonical)]
