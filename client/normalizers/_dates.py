"""Dates of birth as analysts write them: ISO, Dutch day-first, with month names, or as digits.

The result is always ISO (``1990-03-07``). Day-first is the Dutch convention, so ``07-03-1990``
is 7 March; ``7-mrt-1990``, ``7 febr. 1990`` and an Excel serial number (``32939``, what a date
cell becomes when its column was formatted as a number) are read too. Refused rather than
guessed: two-digit years, an unknown day or month (``00-00-1985``, the register's way of
saying 'unknown'), dates before 1905 (nobody in a case file is that old: ``1900-01-01`` is a
placeholder) and dates in the future. The last is the one rule that reads the clock; it only
ever refuses, and a real date of birth is in the past on every machine, so two agencies never
get different tokens from it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from client.errors import NormalizationError
from client.normalizers._text import tidy

_ISO = re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?:[ t]00:00(?::00)?)?")
_DAY_FIRST = re.compile(r"([0-9]{1,2})[-/. ]([0-9]{1,2})[-/. ]([0-9]{4})")
_WRITTEN = re.compile(r"([0-9]{1,2})\.?[-/. ]*([a-z]+)\.?[-/. ]*([0-9]{4})")
_MONTH_FIRST = re.compile(r"([a-z]+)\.?[-/. ]*([0-9]{1,2})(?:st|nd|rd|th)?,?[-/. ]*([0-9]{4})")
#: Days since 1899-12-30 (Excel's day zero), five digits: 1927 to 2173; '1990' is a year.
_SERIAL = re.compile(r"([1-9][0-9]{4})(?:\.0+)?")
_EXCEL_DAY_ZERO = dt.date(1899, 12, 30)
_UNKNOWN_PART = re.compile(
    r"(?:0{1,2}[-/. ]0{1,2}[-/. ][0-9]{4}|[0-9]{4}[-/. ]0{1,2}[-/. ]0{1,2}"
    r"|0{1,2}[-/. ][0-9]{1,2}[-/. ][0-9]{4}|[0-9]{4}[-/. ][0-9]{1,2}[-/. ]0{1,2}"
    r"|[0-9]{1,2}[-/. ]0{1,2}[-/. ][0-9]{4}|[0-9]{4}[-/. ]0{1,2}[-/. ][0-9]{1,2})"
)
_COMPACT = re.compile(r"[0-9]{8}")
_TWO_DIGIT_YEAR = re.compile(r"[0-9]{1,2}[-/. ][0-9a-z]{1,9}\.?[-/. ][0-9]{2}")
_MONTHS = {
    "jan": 1,
    "januari": 1,
    "january": 1,
    "feb": 2,
    "febr": 2,
    "februari": 2,
    "february": 2,
    "mrt": 3,
    "maa": 3,
    "maart": 3,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "mei": 5,
    "may": 5,
    "jun": 6,
    "juni": 6,
    "june": 6,
    "jul": 7,
    "jl": 7,
    "juli": 7,
    "july": 7,
    "aug": 8,
    "augustus": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "okt": 10,
    "oct": 10,
    "oktober": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
FIRST_YEAR = 1900
LAST_YEAR = 2099
#: The earliest plausible date of birth; earlier ones are placeholders (1900-01-01) or typos.
EARLIEST = "1905-01-01"
FUTURE_RULE = "date of birth is in the future"


def _date(kind: str, year: int, month: int, day: int) -> str:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NormalizationError(kind, f"date of birth outside {FIRST_YEAR}-{LAST_YEAR}")
    # Raised outside the except block, so no library exception hangs on as __context__.
    try:
        iso = dt.date(year, month, day).isoformat()
    except ValueError:
        iso = ""
    if not iso:
        raise NormalizationError(kind, "date of birth does not exist")
    if iso < EARLIEST:
        raise NormalizationError(kind, f"date of birth before {EARLIEST} (a placeholder?)")
    return iso


def _compact(kind: str, digits: str) -> str:
    """Read yyyymmdd, else ddmmyyyy (a month is never 19 or 20, so the two rarely collide)."""
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    if FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12:
        return _date(kind, year, month, day)
    return _date(kind, int(digits[4:]), int(digits[2:4]), int(digits[:2]))


def parse_date(kind: str, text: str) -> str:
    """Return a date of birth in ISO form, or refuse it naming the rule."""
    iso = _parse(kind, tidy(text))
    if iso > dt.date.today().isoformat():
        raise NormalizationError(kind, FUTURE_RULE)
    return iso


@functools.lru_cache(maxsize=8192)
def _parse(kind: str, text: str) -> str:
    """Read a date of birth into ISO form (cached: one export holds few distinct dates)."""
    value = text.strip().lower()
    if _UNKNOWN_PART.fullmatch(value):
        raise NormalizationError(kind, "date of birth has an unknown day or month (00)")
    if found := _ISO.fullmatch(value):
        return _date(kind, int(found[1]), int(found[2]), int(found[3]))
    if found := _DAY_FIRST.fullmatch(value):
        return _date(kind, int(found[3]), int(found[2]), int(found[1]))
    if (found := _WRITTEN.fullmatch(value)) and found[2] in _MONTHS:
        return _date(kind, int(found[3]), _MONTHS[found[2]], int(found[1]))
    if (found := _MONTH_FIRST.fullmatch(value)) and found[1] in _MONTHS:
        return _date(kind, int(found[3]), _MONTHS[found[1]], int(found[2]))
    if _COMPACT.fullmatch(value):
        return _compact(kind, value)
    if found := _SERIAL.fullmatch(value):
        serial = _EXCEL_DAY_ZERO + dt.timedelta(days=int(found[1]))
        return _date(kind, serial.year, serial.month, serial.day)
    if len(value) == 4 and value.isdigit():
        raise NormalizationError(kind, "date of birth is only a year")
    if _TWO_DIGIT_YEAR.fullmatch(value):
        raise NormalizationError(kind, "date of birth has a two-digit year")
    raise NormalizationError(kind, "date of birth is not a date (use yyyy-mm-dd or dd-mm-yyyy)")
