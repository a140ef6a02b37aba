"""House numbers and additions: ``14A``, ``14-a``, ``100-2``, ``100 II``, ``263-H``, ``14 hs``.

Works on folded (lower-case ASCII) text. An addition is a run of parts after the number; each
part becomes one canonical token and the tokens are joined by dashes: ``14 A 2 hoog`` gives
number 14, addition ``A-2``, and reading ``14-A-2`` back gives the same tokens. Ground-floor
words (``hs``, ``huis``, ``bg``) and the letter H all mean the ground floor and become ``H``;
roman floors I to IV become digits (so ``100 II`` is ``100-2``); a lone letter is kept as a
letter (V and X included: those are house letters far more often than floors).
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

_PART = (
    r"(?:huis|hs|bg|bis|iv|iii|ii|i|h)(?![a-z])"
    r"|[0-9]{1,2} ?(?:e ?)?(?:hoog|verdieping|etage)(?![a-z])"
    r"|[0-9]{1,4}(?![0-9])"
    r"|[a-z](?![a-z])"
)
#: A house number and its addition parts, as two groups; 'nr. 12' is number 12.
HOUSE_PATTERN = (
    r"(?:(?:huisnummer|nummer|numar|nr|no) ?)?"
    r"0*([1-9][0-9]{0,4})(?![0-9])"  # the whole digit run: '123456' is no house number
    rf"((?: ?[-/]? ?(?:{_PART}))*)(?![a-z0-9])"
)
_HOUSE = re.compile(rf"(?<![a-z0-9]){HOUSE_PATTERN}")
_PARTS = re.compile(
    r"(huis|hs|bg|h)(?![a-z])"
    r"|(bis)(?![a-z])"
    r"|(iv|iii|ii|i)(?![a-z])"
    r"|([0-9]{1,2}) ?(?:e ?)?(?:hoog|verdieping|etage)(?![a-z])"
    r"|([0-9]{1,4})(?![0-9])"
    r"|([a-z])(?![a-z])"
)
_DIGIT = re.compile(r"[0-9]")
_LONGEST_NUMBER_WORD = len("huisnummer ")
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}


class House(NamedTuple):
    """Where a house number was found in a text, and its canonical number and addition."""

    start: int
    end: int
    number: str
    addition: tuple[str, ...]


@functools.lru_cache(maxsize=1024)
def addition_tokens(text: str) -> tuple[str, ...]:
    """Return the canonical tokens of the addition parts in text (few distinct texts: cached)."""
    tokens: list[str] = []
    for ground, bis, roman, floor, digits, letter in _PARTS.findall(text):
        if ground:
            tokens.append("H")
        elif bis:
            tokens.append("BIS")
        elif roman:
            tokens.append(_ROMAN[roman])
        elif floor or digits:
            tokens.append(str(int(floor or digits)))
        else:
            tokens.append(letter.upper())
    return tuple(tokens)


def find_house(segment: str) -> House | None:
    """Return the last house number in a segment (street names may hold numbers before it)."""
    digit = _DIGIT.search(segment)
    if digit is None:
        return None
    # Start just before the first digit: far enough back for 'huisnummer ', no street scanning.
    # Repeated search gives finditer's matches (left to right, not overlapping), only faster.
    last = _HOUSE.search(segment, max(0, digit.start() - _LONGEST_NUMBER_WORD))
    if last is None:
        return None
    while (following := _HOUSE.search(segment, last.end())) is not None:
        last = following
    return House(last.start(), last.end(), last.group(1), addition_tokens(last.group(2)))
