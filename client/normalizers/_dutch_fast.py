"""A fast path for the two shapes most Dutch addresses in exports take.

``Hoofdstraat 14-A, 3811 AB Amersfoort`` (street, house, postcode, city) and ``3811AB 14A``
(postcode, house) need none of the general parser's segment and street logic: one regex finds
postcode, number and addition. Anything else (digits in the street name, a second postcode,
dashes in names) returns None and goes through the general path; a property test checks that
both give the same answer wherever the fast path answers.
"""

from __future__ import annotations

import re

from client.normalizers._house import HOUSE_PATTERN, addition_tokens

_WORDS = r"[a-z]+(?: [a-z]+)*"
_POSTCODE = r"([1-9][0-9]{3}) ?([a-z]{2})"
_STREET_FIRST = re.compile(rf"(?:{_WORDS} )?{HOUSE_PATTERN}[ ,]+{_POSTCODE}(?:[ ,]+{_WORDS})?[ ,]*")
_POSTCODE_FIRST = re.compile(rf"{_POSTCODE}[ ,]+{HOUSE_PATTERN}[ ,]*")


def dutch_with_postcode(cleaned: str) -> str | None:
    """Return the canonical form of a plainly written Dutch address, or None to parse it fully."""
    # The first character tells the shape apart; trying both would cost a failed match.
    if cleaned[:1].isdigit():
        found = _POSTCODE_FIRST.fullmatch(cleaned)
        if found is None:
            return None
        digits, letters, number, parts = found.groups()
    else:
        found = _STREET_FIRST.fullmatch(cleaned)
        if found is None:
            return None
        number, parts, digits, letters = found.groups()
    suffix = "".join(f"-{token}" for token in addition_tokens(parts)) if parts else ""
    return f"NL {digits}{letters.upper()} {number}{suffix}"
