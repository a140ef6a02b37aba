"""IBANs: compact upper case (``NL91ABNA0417164300``), mod-97 checked with python-stdnum."""

from __future__ import annotations

import re

from stdnum import iban as stdnum_iban
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from client.errors import NormalizationError
from client.normalizers._text import check_context, check_text, placeholder_on_failure

KIND = "iban"
_NO_CONTEXT: frozenset[str] = frozenset()
_LABEL = re.compile(r"iban\s*:?\s*", re.IGNORECASE)
_SHAPE = re.compile(r"[A-Za-z]{2}[0-9]{2}[A-Za-z0-9 .\-]{8,40}")
_CANONICAL = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}")
_RULES: tuple[tuple[type[ValidationError], str], ...] = (
    (InvalidChecksum, "mod-97 checksum fails"),
    (InvalidLength, "wrong length for its country"),
    (InvalidComponent, "unknown country or malformed account part"),
    (InvalidFormat, "not in IBAN format"),
)


def _validate(text: str) -> tuple[str, str]:
    """Return (compact IBAN, '') or ('', the rule it breaks); no library error leaves here."""
    try:
        return stdnum_iban.validate(text), ""
    except ValidationError as error:
        return "", next((r for kind, r in _RULES if isinstance(error, kind)), "not a valid IBAN")


@placeholder_on_failure(KIND)
def normalize(raw: str, /, **context: str) -> str:
    """Return the IBAN compact and upper-case, after checking its length, country and checksum."""
    text = check_text(KIND, raw, placeholders=False)
    if context:
        check_context(KIND, context, _NO_CONTEXT)
    label = _LABEL.match(text)
    if label:
        text = text[label.end() :]
    if not _SHAPE.fullmatch(text):
        raise NormalizationError(KIND, "not in IBAN format (country code, check digits, account)")
    compact, rule = _validate(text)
    if rule:
        raise NormalizationError(KIND, rule)
    return compact


def match_keys(canonical: str) -> list[tuple[str, str]]:
    """Return the one key of an IBAN: its compact form."""
    if not _CANONICAL.fullmatch(canonical):
        raise NormalizationError(KIND, "not a canonical IBAN")
    return [("iban", canonical)]
