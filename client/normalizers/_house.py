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

_FLOOR_WORD = r"(?:hoog|verdieping|verd|etage)(?![a-z])"
_ORDINALS = {"eerste": "1", "tweede": "2", "derde": "3", "vierde": "4", "vijfde": "5"}
#: Words after a number that name another dwelling at it: red numbers (business premises in
#: Genoa and elsewhere), upstairs, rear and front dwellings; a black number is the plain one.
_DWELLINGS = {
    "rood": "R",
    "rosso": "R",
    "rouge": "R",
    "boven": "BOVEN",
    "bovenwoning": "BOVEN",
    "achter": "ACHTER",
    "voor": "VOOR",
    "zwart": "",
    "nero": "",
}
_PART = (
    r"(?:huis|hs|bg|bis|iv|iii|ii|i|h)(?![a-z])"
    rf"|(?:[0-9]{{1,2}} ?(?:ste|de|e)? ?|(?:{'|'.join(_ORDINALS)}) ?){_FLOOR_WORD}"
    r"|begane grond(?![a-z])"
    rf"|(?:{'|'.join(_DWELLINGS)})(?![a-z])"
    r"|[0-9]{1,4}(?![0-9])"
    r"|[a-z](?![a-z])"
)
#: Words that announce a house number ('nr. 12'): never a street name of their own.
NUMBER_WORDS = ("huisnummer", "nummer", "numar", "nr", "no")
#: A house number and its addition parts, as two groups; 'nr. 12' is number 12.
HOUSE_PATTERN = (
    rf"(?:(?:{'|'.join(NUMBER_WORDS)}) ?)?"
    r"0*([1-9][0-9]{0,4})(?![0-9])"  # the whole digit run: '123456' is no house number
    rf"((?: ?[-/]? ?(?:{_PART}))*)(?![a-z0-9])"
)
_HOUSE = re.compile(rf"(?<![a-z0-9]){HOUSE_PATTERN}")
_PARTS = re.compile(
    r"(huis|hs|bg|h|begane grond)(?![a-z])"
    r"|(bis)(?![a-z])"
    r"|(iv|iii|ii|i)(?![a-z])"
    rf"|(?:([0-9]{{1,2}}) ?(?:ste|de|e)? ?|({'|'.join(_ORDINALS)}) ?){_FLOOR_WORD}"
    rf"|({'|'.join(_DWELLINGS)})(?![a-z])"
    r"|([0-9]{1,4})(?![0-9])"
    r"|([a-z])(?![a-z])"
)
#: A part of an address that only says which floor or dwelling: 'Hoofdstraat 14, 3e etage'.
_ADDITION_SEGMENT = re.compile(
    rf"(?:[0-9]{{1,2}} ?(?:ste|de|e)? ?|(?:{'|'.join(_ORDINALS)}) ?){_FLOOR_WORD}"
    rf"|begane grond|(?:{'|'.join(_DWELLINGS)})(?: ?(?:woning|huis))?"
)
#: A number joined to the house number by 'en', 'of', 't/m': two houses, not one.
_SECOND_NUMBER = re.compile(r"[0-9][a-z]?(?: ?- ?[a-z0-9]+)? (?:en|of|t/m|tm|tot) ?$")
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
    for ground, bis, roman, floor, ordinal, dwelling, digits, letter in _PARTS.findall(text):
        if ground:
            tokens.append("H")
        elif bis:
            tokens.append("BIS")
        elif roman:
            tokens.append(_ROMAN[roman])
        elif floor or digits:
            tokens.append(str(int(floor or digits)))
        elif ordinal:
            tokens.append(_ORDINALS[ordinal])
        elif dwelling:
            if _DWELLINGS[dwelling]:
                tokens.append(_DWELLINGS[dwelling])
        else:
            tokens.append(letter.upper())
    return tuple(tokens)


def segment_addition(segment: str) -> tuple[str, ...] | None:
    """Return the addition tokens of a segment that only names a floor or dwelling, else None."""
    if _ADDITION_SEGMENT.fullmatch(segment) is None:
        return None
    return addition_tokens(segment.replace("woning", "").replace("huis", ""))


def several_numbers(segment: str, house: House) -> bool:
    """Say whether another house number stands just before this one ('14 en 16', '3 t/m 7')."""
    return _SECOND_NUMBER.search(segment, 0, house.start) is not None


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
