"""Refuse free text (notes, reasons, references) that holds an identifier.

Coordinators write notes on alerts; a note must never smuggle in what the tokens hide (design
non-negotiable 1). The guard looks for phone numbers (Dutch and the foreign regions seen in
the field), e-mail addresses, web addresses, IBANs, Dutch postcodes, citizen service numbers
(BSN), Chamber of Commerce numbers and Dutch licence plates. A refusal names the kinds found,
never the text that matched, and the caller stores nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import phonenumbers
from stdnum import iban
from stdnum.nl import bsn

from matcher.errors import InvalidRequest

MAX_NOTE_CHARS = 1000
#: regions whose national formats we look for besides the Netherlands (see docs/domain)
PHONE_REGIONS = ("NL", "BE", "DE", "RO", "BG", "HU", "PL", "ES", "NG", "TH", "CO", "VE")

MIN_PHONE_DIGITS = 8
MAX_PHONE_DIGITS = 17  # E.164's 15 digits, and an international "00" written out
#: abbreviations that follow a year ("opgericht in 1995 BV"), not postcode letters
YEAR_WORDS = frozenset({"BV", "NV", "CV", "NL", "EU", "EN", "OF", "IN", "OP", "TE", "AM", "PM"})

_DATE = re.compile(r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}")
_DATES = re.compile(
    r"(?<![0-9])(?:[0-9]{1,2}[-/.][0-9]{1,2}[-/.](?:[0-9]{4}|[0-9]{2})"
    r"|[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2})(?![0-9])"
)
_DIGIT_RUN = re.compile(r"\+?[0-9][0-9 ().-]*[0-9]")
_SEPARATORS = re.compile(r"[ ().-]+")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_WEB = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
# Dutch postcode: four digits (no leading zero) and two capitals; SA, SD and SS are never issued.
# Lower case is only taken without a space ("1234ab"): "2024 en" is a year and a word.
_POSTCODE = re.compile(r"\b[1-9][0-9]{3}(?:\s?(?!SA|SD|SS)[A-Z]{2}|(?i:(?!sa|sd|ss)[a-z]{2}))\b")
_IBAN_START = re.compile(r"(?i)\b[A-Z]{2}[0-9]{2}")
_NINE_DIGITS = re.compile(r"(?<![0-9])[0-9]{4}[.\s]?[0-9]{2}[.\s]?[0-9]{3}(?![0-9])")
_KVK = re.compile(r"(?i)\bkvk[\s:.#-]*(?:nummer|nr\.?)?[\s:.#-]*[0-9]{2}\.?[0-9]{2}\.?[0-9]{4}\b")
# Dutch sidecodes in their written form (with dashes), letters and digits mixed
_PLATE = re.compile(
    r"\b(?:[A-Z]{2}-[0-9]{2}-[0-9]{2}|[0-9]{2}-[0-9]{2}-[A-Z]{2}|[0-9]{2}-[A-Z]{2}-[0-9]{2}"
    r"|[A-Z]{2}-[0-9]{2}-[A-Z]{2}|[A-Z]{2}-[A-Z]{2}-[0-9]{2}|[0-9]{2}-[A-Z]{2}-[A-Z]{2}"
    r"|[0-9]{2}-[A-Z]{3}-[0-9]|[0-9]-[A-Z]{3}-[0-9]{2}|[A-Z]{2}-[0-9]{3}-[A-Z]"
    r"|[A-Z]-[0-9]{3}-[A-Z]{2}|[A-Z]{3}-[0-9]{2}-[A-Z]|[0-9]-[A-Z]{2}-[0-9]{3})\b"
)


class NoteRefused(InvalidRequest):
    """A note holds what looks like an identifier; it was not stored."""

    code = "note_refused"

    def __init__(self, kinds: list[str], *, location: str = "note") -> None:
        super().__init__(
            f"The text was not saved: it seems to contain {', '.join(kinds)}. Free text may not "
            "hold identifiers; refer to the alert number instead.",
            fields=[{"location": location, "rule": kind} for kind in kinds],
        )
        self.kinds = kinds


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


def _has_phone(text: str) -> bool:
    # a date followed by a number ("01-01-2019 1") would otherwise read as one long number
    without_dates = _DATES.sub(" ; ", text)
    for region in PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(without_dates, region):
            if _looks_like_phone(match.raw_string):
                return True
    return _has_grouped_phone(without_dates)


def _has_email(text: str) -> bool:
    return _EMAIL.search(text) is not None


def _has_web_address(text: str) -> bool:
    return _WEB.search(text) is not None


def _is_year_and_word(candidate: str) -> bool:
    digits, _, letters = candidate.partition(" ")
    return bool(letters) and 1900 <= int(digits) <= 2099 and letters in YEAR_WORDS


def _has_postcode(text: str) -> bool:
    return any(not _is_year_and_word(match.group(0)) for match in _POSTCODE.finditer(text))


def _has_iban(text: str) -> bool:
    for start in _IBAN_START.finditer(text):
        # take the letters and digits that follow, across the spaces of the printed form
        compact = re.sub(r"\s", "", text[start.start() : start.start() + 48])
        compact = re.match(r"[A-Za-z0-9]*", compact).group(0)  # type: ignore[union-attr]
        if any(iban.is_valid(compact[:length]) for length in range(15, min(len(compact), 34) + 1)):
            return True
    return False


def _has_bsn(text: str) -> bool:
    return any(bsn.is_valid(match.group(0)) for match in _NINE_DIGITS.finditer(text))


def _has_kvk(text: str) -> bool:
    return _KVK.search(text) is not None


def _has_plate(text: str) -> bool:
    return _PLATE.search(text) is not None


#: what each check looks for, in the words a refusal uses
CHECKS: dict[str, Callable[[str], bool]] = {
    "phone number": _has_phone,
    "e-mail address": _has_email,
    "web address": _has_web_address,
    "IBAN": _has_iban,
    "postcode": _has_postcode,
    "citizen service number (BSN)": _has_bsn,
    "KvK number": _has_kvk,
    "licence plate": _has_plate,
}


def identifiers_in(text: str) -> list[str]:
    """Return the kinds of identifier the text seems to hold (empty when it is clean)."""
    return [kind for kind, check in CHECKS.items() if check(text)]


def check_text(text: str, *, location: str = "note", max_chars: int = MAX_NOTE_CHARS) -> str:
    """Return the text stripped, or raise NoteRefused/InvalidRequest without echoing it."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidRequest(
            "The text is empty.",
            code="note_empty",
            fields=[{"location": location, "rule": "required"}],
        )
    if len(cleaned) > max_chars:
        raise InvalidRequest(
            f"The text is longer than {max_chars} characters.",
            code="note_too_long",
            fields=[{"location": location, "rule": "max_length"}],
        )
    kinds = identifiers_in(cleaned)
    if kinds:
        raise NoteRefused(kinds, location=location)
    return cleaned
