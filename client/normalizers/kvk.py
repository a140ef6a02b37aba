"""Chamber of Commerce (KvK) numbers: exactly 8 digits, spaces, dots and dashes ignored.

KvK numbers carry no check digit. A 12-digit branch number (vestigingsnummer) names a
location, not the business, and is refused with a rule saying so. A KvK number with a leading 0
that a spreadsheet turned into 7 digits is refused too: guessing the lost digit is not safe.
"""

from __future__ import annotations

import re

from client.errors import NormalizationError
from client.normalizers._text import check_context, check_text, placeholder_on_failure

KIND = "kvk"
_NO_CONTEXT: frozenset[str] = frozenset()
_LABEL = re.compile(r"k\.?v\.?k\.?(?:[- ]?(?:nummer|nr\.?|no\.?))?\s*:?\s*", re.IGNORECASE)
_SEPARATORS = re.compile(r"[ .\-]+")
_DIGITS = re.compile(r"[0-9]+")
_CANONICAL = re.compile(r"[0-9]{8}")


@placeholder_on_failure(KIND)
def normalize(raw: str, /, **context: str) -> str:
    """Return the 8 digits of a KvK number."""
    text = check_text(KIND, raw, placeholders=False)
    if context:
        check_context(KIND, context, _NO_CONTEXT)
    label = _LABEL.match(text)
    if label:
        text = text[label.end() :]
    digits = _SEPARATORS.sub("", text)
    if not _DIGITS.fullmatch(digits):
        raise NormalizationError(KIND, "holds characters other than digits and separators")
    if len(digits) == 12:
        raise NormalizationError(KIND, "12 digits is a branch number (vestigingsnummer)")
    if len(digits) != 8:
        raise NormalizationError(KIND, "not 8 digits")
    if digits == "00000000":
        raise NormalizationError(KIND, "all zeros")
    return digits


def match_keys(canonical: str) -> list[tuple[str, str]]:
    """Return the one key of a KvK number: its 8 digits."""
    if not _CANONICAL.fullmatch(canonical):
        raise NormalizationError(KIND, "not a canonical KvK number")
    return [("kvk", canonical)]
