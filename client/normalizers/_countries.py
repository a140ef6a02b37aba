"""Countries for addresses: names and codes as analysts write them, found in text; postcodes."""

from __future__ import annotations

import re

import phonenumbers

from client.errors import NormalizationError
from client.normalizers._text import fold, words

#: Every ISO 3166-1 alpha-2 code (libphonenumber keeps the list current), plus the common 'UK'.
ISO_CODES = frozenset(phonenumbers.SUPPORTED_REGIONS) | {"UK"}
_CODE_ALIASES = {"UK": "GB"}

#: Folded country names (Dutch, English, own language) of the countries agencies meet most.
_NAMES: dict[str, str] = {
    "nederland": "NL",
    "netherlands": "NL",
    "the netherlands": "NL",
    "holland": "NL",
    "belgie": "BE",
    "belgium": "BE",
    "belgique": "BE",
    "duitsland": "DE",
    "germany": "DE",
    "deutschland": "DE",
    "roemenie": "RO",
    "romania": "RO",
    "bulgarije": "BG",
    "bulgaria": "BG",
    "hongarije": "HU",
    "hungary": "HU",
    "magyarorszag": "HU",
    "polen": "PL",
    "poland": "PL",
    "polska": "PL",
    "spanje": "ES",
    "spain": "ES",
    "espana": "ES",
    "frankrijk": "FR",
    "france": "FR",
    "italie": "IT",
    "italy": "IT",
    "italia": "IT",
    "oostenrijk": "AT",
    "austria": "AT",
    "osterreich": "AT",
    "zwitserland": "CH",
    "switzerland": "CH",
    "schweiz": "CH",
    "luxemburg": "LU",
    "luxembourg": "LU",
    "verenigd koninkrijk": "GB",
    "united kingdom": "GB",
    "engeland": "GB",
    "tsjechie": "CZ",
    "czechia": "CZ",
    "czech republic": "CZ",
    "slowakije": "SK",
    "slovakia": "SK",
    "portugal": "PT",
    "oekraine": "UA",
    "ukraine": "UA",
    "moldavie": "MD",
    "moldova": "MD",
    "nigeria": "NG",
    "thailand": "TH",
    "colombia": "CO",
    "venezuela": "VE",
    "suriname": "SR",
    "marokko": "MA",
    "morocco": "MA",
    "turkije": "TR",
    "turkey": "TR",
}

#: The last word of every name, to rule out most texts with one set lookup.
LAST_WORDS = frozenset(name.rsplit(" ", 1)[-1] for name in _NAMES)

#: Postcode shapes on folded (lower-case) text; countries not listed have no postcode rule.
_POSTCODES: dict[str, str] = {
    "NL": r"[1-9][0-9]{3} ?[a-z]{2}",
    "BE": r"[1-9][0-9]{3}",
    "DE": r"[0-9]{5}",
    "RO": r"[0-9]{6}",
    "BG": r"[1-9][0-9]{3}",
    "HU": r"[1-9][0-9]{3}",
    "PL": r"[0-9]{2}-[0-9]{3}",
    "ES": r"[0-9]{5}",
    "FR": r"[0-9]{5}",
    "IT": r"[0-9]{5}",
    "AT": r"[1-9][0-9]{3}",
    "CH": r"[1-9][0-9]{3}",
    "LU": r"(?:l-)?[0-9]{4}",
    "CZ": r"[1-7][0-9]{2} ?[0-9]{2}",
    "SK": r"[089][0-9]{2} ?[0-9]{2}",
    "PT": r"[1-9][0-9]{3}-[0-9]{3}",
    "GB": r"[a-z]{1,2}[0-9][a-z0-9]? ?[0-9][a-z]{2}",
    "UA": r"[0-9]{5}",
    "MD": r"(?:md-)?[0-9]{4}",
    "TH": r"[1-9][0-9]{4}",
}
_LEADING_CODE = re.compile(r"([A-Z]{2})[ -]+(?=[0-9a-z])")
_TRAILING_CODE = re.compile(r",\s*([A-Z]{2})\s*$")
POSTCODE_PATTERNS: dict[str, re.Pattern[str]] = {
    code: re.compile(rf"(?<![a-z0-9]){shape}(?![a-z0-9])") for code, shape in _POSTCODES.items()
}


#: Postcodes with a country prefix, as letters are addressed across borders: B-2000, D-47533.
#: The old international vehicle codes (B, D, F, ...) and ISO codes, upper case, then a dash.
_VEHICLE_CODES = {"B": "BE", "D": "DE", "F": "FR", "L": "LU", "A": "AT", "I": "IT", "E": "ES"}
_VEHICLE_CODES |= {"P": "PT", "H": "HU", "CH": "CH", "GB": "GB", "UK": "GB"}
_PREFIXED_POSTCODE = re.compile(r"(?<![A-Za-z0-9])([A-Z]{1,2}) ?- ?(?=[0-9])")


def _prefixed_postcode(text: str) -> tuple[str | None, str]:
    """Take the country prefix off a postcode written 'B-2000' or 'D-47533' anywhere in text."""
    for found in _PREFIXED_POSTCODE.finditer(text):
        prefix = found.group(1)
        code = _VEHICLE_CODES.get(prefix) or (prefix if prefix in ISO_CODES else None)
        pattern = POSTCODE_PATTERNS.get(code or "")
        if code and pattern and pattern.match(text[found.end() :].lower()):
            return code, text[: found.start()] + " " + text[found.end() :]
    return None, text


def code_for_name(name: str) -> str | None:
    """Return the ISO code for a folded country name (one to three words), if it is one."""
    return _NAMES.get(name)


def country_hint(kind: str, value: str) -> str:
    """Return the ISO code of a country hint given as a code or a name, or refuse it."""
    code = value.strip().upper()
    if len(code) == 2 and code in ISO_CODES:
        return _CODE_ALIASES.get(code, code)
    named = _NAMES.get(" ".join(words(fold(value))))
    if named is None:
        raise NormalizationError(kind, "country hint is not a known country code or name")
    return named


def canonical_code(code: str) -> str:
    """Return the ISO code for a code written in an address (UK becomes GB)."""
    return _CODE_ALIASES.get(code, code)


def code_in_text(text: str) -> tuple[str | None, str]:
    """Take a leading or trailing upper-case ISO code off the raw text (NL-3811AB, '..., RO')."""
    trailing = _TRAILING_CODE.search(text) if "," in text[-6:] else None
    for found in (_LEADING_CODE.match(text), trailing):
        if found and found.group(1) in ISO_CODES:
            rest = text[: found.start()] + " " + text[found.end() :]
            return canonical_code(found.group(1)), rest
    if "-" in text:
        return _prefixed_postcode(text)
    return None, text


def name_in_text(cleaned: str) -> tuple[str | None, str]:
    """Take a trailing country name off cleaned text ('..., Roemenië', '... Nederland')."""
    tail = cleaned.rstrip(" ,").rsplit(" ", 3)
    if len(tail) < 2 or tail[-1].lstrip(",") not in LAST_WORDS:
        return None, cleaned
    for size in (3, 2, 1):
        if len(tail) > size:
            name = " ".join(tail[-size:]).lstrip(",").strip()
            named = code_for_name(name)
            if named and "," not in name:
                return named, " ".join(tail[:-size])
    return None, cleaned
