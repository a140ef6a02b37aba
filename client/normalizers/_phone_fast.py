"""A fast path for plainly written phone numbers: libphonenumber's answer in a tenth of the time.

libphonenumber's ``parse`` + ``is_valid_number`` cost about 60 µs per number, too slow for the
client's hot path. Most numbers in agency exports are written plainly (``06-12345678``,
``+40 721 234 567``, ``0031 6 12345678``): digits with separators and at most a ``+`` or ``00``
prefix. For those, and only for countries whose metadata is simple (one region per calling code,
a national prefix that starts with 0 or cannot apply to the number), this module applies
libphonenumber's own validity patterns directly. Anything else returns None and goes to
libphonenumber itself; a property test checks that both paths agree.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

_PLAIN = re.compile(r"(\+|00)?([0-9(][0-9 .\-/()]{5,30})")
_PLAIN_NATIONAL_PREFIX = re.compile(r"0[0-9]*")
_TYPE_DESCRIPTIONS = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


class _Plan(NamedTuple):
    """What the fast path needs to know about one region's numbering plan."""

    country_code: int
    #: number length -> one regex for libphonenumber's is_valid_number at that length
    valid_by_length: dict[int, re.Pattern[str]]
    idd_is_00: bool
    national_prefix_is_0: bool
    #: a national prefix for parsing other than '0[0-9]*' (Colombia's '0([3579]|...)?'), if any
    other_national_prefix: re.Pattern[str] | None


def _description(metadata: object, name: str) -> tuple[frozenset[int], str] | None:
    description = getattr(metadata, name, None)
    pattern = getattr(description, "national_number_pattern", None) if description else None
    if pattern is None:
        return None
    return frozenset(getattr(description, "possible_length", ()) or ()), pattern


def _validity_by_length(metadata: object) -> dict[int, re.Pattern[str]]:
    """Compile, per length, 'the general pattern and one type pattern match' (is_valid_number)."""
    general = _description(metadata, "general_desc")
    if general is None:
        return {}
    types = [d for d in (_description(metadata, n) for n in _TYPE_DESCRIPTIONS) if d]
    by_length: dict[int, re.Pattern[str]] = {}
    for length in general[0]:
        # A type without lengths of its own inherits the general ones, as in libphonenumber.
        fitting = [pattern for lengths, pattern in types if not lengths or length in lengths]
        if fitting:
            alternatives = "|".join(f"(?:{p})" for p in fitting)
            by_length[length] = re.compile(f"(?=(?:{general[1]})$)(?:{alternatives})")
    return by_length


@functools.cache
def _plan(region: str) -> _Plan | None:
    """Return the region's plan, or None when its metadata is too irregular for the fast path."""
    metadata = PhoneMetadata.metadata_for_region(region, None)
    if metadata is None or metadata.country_code is None:
        return None
    if len(COUNTRY_CODE_TO_REGION_CODE.get(metadata.country_code, ())) != 1:
        return None
    prefix_for_parsing = metadata.national_prefix_for_parsing
    # A national number that does not start with 0 must be safe from prefix stripping; any other
    # prefix is checked per number (libphonenumber strips what this pattern matches at the start).
    other_prefix = None
    if prefix_for_parsing is not None and not _PLAIN_NATIONAL_PREFIX.fullmatch(prefix_for_parsing):
        other_prefix = re.compile(prefix_for_parsing)
    valid_by_length = _validity_by_length(metadata)
    if not valid_by_length:
        return None
    return _Plan(
        country_code=metadata.country_code,
        valid_by_length=valid_by_length,
        idd_is_00=metadata.international_prefix == "00",
        national_prefix_is_0=metadata.national_prefix == "0" and prefix_for_parsing == "0",
        other_national_prefix=other_prefix,
    )


def _is_valid(plan: _Plan, national: str) -> bool:
    """Mirror libphonenumber's is_valid_number for a national significant number."""
    regex = plan.valid_by_length.get(len(national))
    return regex is not None and regex.fullmatch(national) is not None


def _international(digits: str) -> str | None:
    """Return E.164 for digits that start with a calling code, if the fast path can decide."""
    for size in (1, 2, 3):
        regions = COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:size]))
        if regions:
            national = digits[size:]
            plan = _plan(regions[0])
            if plan is None or not national:
                return None
            if plan.other_national_prefix and plan.other_national_prefix.match(national):
                return None  # libphonenumber may strip a prefix here: let it decide
            if national[0] == "0":
                # '+31 (0)6...': libphonenumber drops the national prefix after the country code.
                if not plan.national_prefix_is_0:
                    return None
                national = national[1:]
                if not national or national[0] == "0":
                    return None
            return f"+{plan.country_code}{national}" if _is_valid(plan, national) else None
    return None


def parse_plain(text: str, region: str) -> tuple[str, bool] | None:
    """Return (E.164, written with a country code) for a plainly written valid number, else None."""
    match = _PLAIN.fullmatch(text)
    if match is None:
        return None
    prefix, body = match.groups()
    digits = body.replace(" ", "").replace("-", "").replace(".", "").replace("/", "")
    if "(" in digits or ")" in digits:
        digits = digits.replace("(", "").replace(")", "")
    if prefix == "+":
        e164 = _international(digits)
        return None if e164 is None else (e164, True)
    plan = _plan(region)
    if plan is None:
        return None
    if prefix == "00":
        if not plan.idd_is_00 or digits[0] == "0":
            return None
        e164 = _international(digits)
        return None if e164 is None else (e164, True)
    if digits[0] != "0" or not plan.national_prefix_is_0:
        return None
    national = digits[1:]
    if not national or national[0] == "0" or not _is_valid(plan, national):
        return None
    return f"+{plan.country_code}{national}", False
