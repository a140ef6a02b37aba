"""Phone numbers: E.164 (``+31612345678``), validated with libphonenumber.

Numbers written without a country code are read in the region hint (``region="RO"``) or, without
one, as Dutch. That default is a trap for foreign numbers written nationally: ``0721 234 567`` is
a valid Dutch number (+31721234567) and a valid Romanian one (+40721234567). ``parse`` reports
whether the region was assumed, so callers can mark such signals as less certain.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat
from phonenumbers.phonenumber import CountryCodeSource

from client.errors import NormalizationError
from client.normalizers._phone_fast import parse_plain
from client.normalizers._text import (
    check_context,
    check_text,
    context_value,
    placeholder_on_failure,
)

KIND = "phone"
DEFAULT_REGION = "NL"
_CONTEXT = frozenset({"region"})
_URI_SCHEME = re.compile(r"(?:tel|callto|sms):(?://)?", re.IGNORECASE)
_WHATSAPP = re.compile(
    r"(?:https?://)?(?:www\.)?"
    r"(?:wa\.me/|(?:api|web)\.whatsapp\.com/send/?\?(?:[^#]*?&)?phone=|whatsapp://send/?\?(?:[^#]*?&)?phone=)"
    r"\+?([0-9]*)",
    re.IGNORECASE,
)
_NUMBER_STARTS = frozenset("+0123456789(")
_E164 = re.compile(r"\+[1-9][0-9]{5,15}")
#: Where the country code was read from the number itself rather than from a region.
_WRITTEN_INTERNATIONALLY = frozenset(
    {CountryCodeSource.FROM_NUMBER_WITH_PLUS_SIGN, CountryCodeSource.FROM_NUMBER_WITH_IDD}
)
_PARSE_ERRORS = {
    NumberParseException.INVALID_COUNTRY_CODE: "unknown country calling code",
    NumberParseException.NOT_A_NUMBER: "not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    NumberParseException.TOO_SHORT_NSN: "too short",
    NumberParseException.TOO_LONG: "too long",
}


class PhoneResult(NamedTuple):
    """A parsed number; region_assumed means it was only valid under the default region."""

    e164: str
    region_assumed: bool


def _region_hint(region: str | None) -> str | None:
    """Return the hint as an upper-case ISO code; an empty hint (an empty cell) is no hint."""
    if region is None or not region.strip():
        return None
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise NormalizationError(KIND, "region hint is not an ISO 3166 country code")
    return code


def _strip_link(text: str) -> str:
    """Return the number inside a tel: URI or a WhatsApp link (which is always international)."""
    if text[0] in _NUMBER_STARTS:
        return text
    scheme = _URI_SCHEME.match(text)
    if scheme:
        return text[scheme.end() :].strip()
    lowered = text.lower()
    if "wa.me" in lowered or "whatsapp" in lowered:
        link = _WHATSAPP.match(text)
        if link:
            if not link.group(1):
                raise NormalizationError(KIND, "WhatsApp link without a phone number")
            return "+" + link.group(1)
    return text


def _library_parse(text: str, region: str) -> tuple[PhoneNumber | None, str]:
    """Return (number, '') or (None, the rule); the library's exception does not leave here."""
    try:
        return phonenumbers.parse(text, region, keep_raw_input=True), ""
    except NumberParseException as error:
        return None, _PARSE_ERRORS.get(error.error_type, "not a phone number")


class _LibraryAnswer(NamedTuple):
    """libphonenumber's verdict on a text: the number, or the rule it breaks (rule is '')."""

    e164: str
    international: bool
    rule: str


@functools.lru_cache(maxsize=8192)
def _library_answer(text: str, region: str) -> _LibraryAnswer:
    """Ask libphonenumber; cached with refusals too, since 'onbekend' or '06-123' recur."""
    number, rule = _library_parse(text, region)
    if number is None:
        return _LibraryAnswer("", False, rule)
    international = number.country_code_source in _WRITTEN_INTERNATIONALLY
    if not phonenumbers.is_valid_number(number):
        where = "" if international else f" in region {region}"
        return _LibraryAnswer("", international, f"not a valid phone number{where}")
    return _LibraryAnswer(
        phonenumbers.format_number(number, PhoneNumberFormat.E164), international, ""
    )


def _parse_with_library(text: str, region: str) -> tuple[str, bool]:
    """Return (E.164, written with a country code) using libphonenumber, or refuse the text."""
    answer = _library_answer(text, region)
    if answer.rule:
        raise NormalizationError(KIND, answer.rule)
    return answer.e164, answer.international


@placeholder_on_failure(KIND)
def parse(raw: str, *, region: str | None = None) -> PhoneResult:
    """Return the number in E.164 and whether its country was assumed rather than written."""
    text = _strip_link(check_text(KIND, raw, placeholders=False))
    hint = _region_hint(region)
    used_region = hint or DEFAULT_REGION
    plain = parse_plain(text, used_region)
    e164, international = plain if plain else _parse_with_library(text, used_region)
    return PhoneResult(e164, region_assumed=not international and hint is None)


def normalize(raw: str, /, **context: str) -> str:
    """Return the number in E.164; a region hint only matters for nationally written numbers."""
    if context:
        check_context(KIND, context, _CONTEXT)
    return parse(raw, region=context_value(context, "region")).e164


def match_keys(canonical: str) -> list[tuple[str, str]]:
    """Return the one key of a number: its E.164 form."""
    if not _E164.fullmatch(canonical):
        raise NormalizationError(KIND, "not a canonical E.164 number")
    return [("e164", canonical)]
