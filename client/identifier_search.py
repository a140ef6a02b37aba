"""Find identifiers written in free text: the finders each kind spec gives the note guard.

They live with the kinds (not the matcher) so that one spec entry declares both how a kind is
normalized and how it is recognised in a coordinator's note. Each finder answers only yes or
no: the guard names the kinds found, never the text that matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import phonenumbers
from stdnum import iban
from stdnum.nl import bsn

#: regions whose national formats we look for besides the Netherlands (see docs/domain)
PHONE_REGIONS = ("NL", "BE", "DE", "RO", "BG", "HU", "PL", "ES", "NG", "TH", "CO", "VE")

MIN_PHONE_DIGITS = 8
MAX_PHONE_DIGITS = 17  # E.164's 15 digits, and an international "00" written out
#: abbreviations that follow a year ("opgericht in 1995 BV"), not postcode letters
YEAR_WORDS = frozenset({"BV", "NV", "CV", "NL", "EU", "EN", "OF", "IN", "OP", "TE", "AM", "PM"})

Finder = Callable[[str], bool]

_DATE = re.compile(r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}")
_DATES = re.compile(
    r"(?<![0-9])(?:[0-9]{1,2}[-/.][0-9]{1,2}[-/.](?:[0-9]{4}|[0-9]{2})"
    r"|[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2})(?![0-9])"
)
_DIGIT_RUN = re.compile(r"\+?[0-9][0-9 ().-]*[0-9]")
_SEPARATORS = re.compile(r"[ ().-]+")
# Dutch postcode: four digits (no leading zero) and two capitals; SA, SD and SS are never issued.
# Lower case is only taken without a space ("1234ab"): "2024 en" is a year and a word.
_POSTCODE = re.compile(r"\b[1-9][0-9]{3}(?:\s?(?!SA|SD|SS)[A-Z]{2}|(?i:(?!sa|sd|ss)[a-z]{2}))\b")
_IBAN_START = re.compile(r"(?i)\b[A-Z]{2}[0-9]{2}")
_NINE_DIGITS = re.compile(r"(?<![0-9])[0-9]{4}[.\s]?[0-9]{2}[.\s]?[0-9]{3}(?![0-9])")

#: patterns a plain search recognises
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
WEB_ADDRESS = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
KVK = re.compile(r"(?i)\bkvk[\s:.#-]*(?:nummer|nr\.?)?[\s:.#-]*[0-9]{2}\.?[0-9]{2}\.?[0-9]{4}\b")
# Dutch sidecodes in their written form (with dashes), letters and digits mixed
PLATE = re.compile(
    r"\b(?:[A-Z]{2}-[0-9]{2}-[0-9]{2}|[0-9]{2}-[0-9]{2}-[A-Z]{2}|[0-9]{2}-[A-Z]{2}-[0-9]{2}"
    r"|[A-Z]{2}-[0-9]{2}-[A-Z]{2}|[A-Z]{2}-[A-Z]{2}-[0-9]{2}|[0-9]{2}-[A-Z]{2}-[A-Z]{2}"
    r"|[0-9]{2}-[A-Z]{3}-[0-9]|[0-9]-[A-Z]{3}-[0-9]{2}|[A-Z]{2}-[0-9]{3}-[A-Z]"
    r"|[A-Z]-[0-9]{3}-[A-Z]{2}|[A-Z]{3}-[0-9]{2}-[A-Z]|[0-9]-[A-Z]{2}-[0-9]{3})\b"
)


def searching(pattern: re.Pattern[str]) -> Finder:
    """Return a finder that says whether the pattern occurs anywhere in a text."""

    def found(text: str) -> bool:
        return pattern.search(text) is not None

    return found


def _looks_like_phone(raw: str) -> bool:
    # short German and Belgian numbers also match dates ("3-5-2024"): demand a full-length number
    return sum(char.isdigit() for char in raw) >= MIN_PHONE_DIGITS and not _DATE.fullmatch(raw)


def _valid_somewhere(candidate: str) -> bool:
    for region in PHONE_REGIONS:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


def _has_grouped_phone(text: str) -> bool:
    """Find numbers the matcher misses when other digits stand next to them ("1 06 1234 5678")."""
    for run in _DIGIT_RUN.finditer(text):
        groups = [group for group in _SEPARATORS.split(run.group(0)) if group]
        for start in range(len(groups)):
            # phone numbers are written from a national (0) or international (+, 00) prefix
            if not groups[start].startswith(("0", "+")):
                continue
            for end in range(start + 1, len(groups) + 1):
                candidate = "".join(groups[start:end])
                digits = sum(char.isdigit() for char in candidate)
                if digits > MAX_PHONE_DIGITS:
                    break
                if digits >= MIN_PHONE_DIGITS and _valid_somewhere(candidate):
                    return True
    return False


def has_phone(text: str) -> bool:
    """Say whether the text holds a phone number valid in one of PHONE_REGIONS."""
    # a date followed by a number ("01-01-2019 1") would otherwise read as one long number
    without_dates = _DATES.sub(" ; ", text)
    for region in PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(without_dates, region):
            if _looks_like_phone(match.raw_string):
                return True
    return _has_grouped_phone(without_dates)


def _is_year_and_word(candidate: str) -> bool:
    digits, _, letters = candidate.partition(" ")
    return bool(letters) and 1900 <= int(digits) <= 2099 and letters in YEAR_WORDS


def has_postcode(text: str) -> bool:
    """Say whether the text holds a Dutch postcode (not a year followed by a short word)."""
    return any(not _is_year_and_word(match.group(0)) for match in _POSTCODE.finditer(text))


def has_iban(text: str) -> bool:
    """Say whether the text holds an IBAN with a valid checksum, printed with or without spaces."""
    for start in _IBAN_START.finditer(text):
        # take the letters and digits that follow, across the spaces of the printed form
        compact = re.sub(r"\s", "", text[start.start() : start.start() + 48])
        compact = re.match(r"[A-Za-z0-9]*", compact).group(0)  # type: ignore[union-attr]
        if any(iban.is_valid(compact[:length]) for length in range(15, min(len(compact), 34) + 1)):
            return True
    return False


def has_bsn(text: str) -> bool:
    """Say whether the text holds a citizen service number (nine digits passing the 11-test)."""
    return any(bsn.is_valid(match.group(0)) for match in _NINE_DIGITS.finditer(text))
