"""Near-match keys: small neighbourhoods of a canonical value, tokenized at their own levels.

Two spellings of one identifier that differ by an ordinary clerical error share at least one
near key; two different identifiers usually do not. The matcher still compares tokens for
equality only: no similarity score and no Bloom filter ever leaves the agency.

The near levels, what they mean and how identifying they are, are declared in the kind specs
(client/kinds.py); this module computes their keys. Per kind (documented in docs/linkage.md):

* ``phone`` / ``e164_swap``: one key per adjacent digit pair of the national number, the pair
  written in sorted order and its position named. ``0626303434`` and ``0626330434`` share the key
  of the swapped pair; another last digit changes every key, so it does not link.
* ``person`` / ``near_dob`` (only with a date of birth): the name and each one-letter deletion of
  it, each with the date of birth written as year and the sorted (day, month) pair. Names one
  substitution, insertion, deletion or adjacent transposition apart share a key (symmetric
  deletion), and so do day/month swaps; a date one day off does not.
* ``operator`` / ``legal_near``: the legal name and each one-letter deletion of it; digits stay,
  so 'Club Amor 12' and 'Club Amor 123' do not link.

Names shorter than ``MIN_LENGTH`` get no near keys (too many neighbours), names longer than
``MAX_LENGTH`` neither (the cap on tokens per identifier).
"""

from __future__ import annotations

from collections.abc import Callable

from client import kinds
from client.errors import NormalizationError
from client.kinds import Kind

#: fewer letters than this: a one-letter difference is too often another name
MIN_LENGTH = 6
#: more letters than this: no near keys, so that no identifier yields more than MAX_NEAR_KEYS
MAX_LENGTH = 30
MAX_NEAR_KEYS = MAX_LENGTH + 1
#: digits of an E.164 number left out of the pairs: the country code and the first digit after it
_PHONE_PREFIX = 3


def letter_deletions(text: str) -> list[str]:
    """Return text and every distinct text one letter shorter, in a fixed order.

    Digits and spaces stay: 'Club 21' and 'Club 2' are other businesses, and deleting a space
    would join two name parts into another name.
    """
    found = [text, *(text[:i] + text[i + 1 :] for i, char in enumerate(text) if char.isalpha())]
    return list(dict.fromkeys(found))


def _phone(canonical: str) -> list[str]:
    digits = canonical.lstrip("+")
    keys = []
    for i in range(_PHONE_PREFIX, len(digits) - 1):
        first, second = digits[i], digits[i + 1]
        if first != second:
            pair = first + second if first < second else second + first
            keys.append(f"{i}:{digits[:i]}{pair}{digits[i + 2 :]}")
    return keys


def _dob_key(dob: str) -> str:
    """Return 'yyyy-a-b' with day and month in sorted order: a day/month swap keeps the key."""
    year, month, day = dob.split("-")
    low, high = sorted((month, day))
    return f"{year}-{low}-{high}"


def _person(canonical: str) -> list[str]:
    name, bar, dob = canonical.partition("|")
    letters = name.replace(" ", "")
    if not bar or not MIN_LENGTH <= len(letters) <= MAX_LENGTH:
        return []
    suffix = "|" + _dob_key(dob)
    return [variant + suffix for variant in letter_deletions(name)]


def _operator(canonical: str) -> list[str]:
    legal = canonical.split("|", 1)[0]
    if not MIN_LENGTH <= sum(char.isalpha() for char in legal) <= MAX_LENGTH:
        return []
    return letter_deletions(legal)


_NEIGHBOURHOODS: dict[str, Callable[[str], list[str]]] = {
    Kind.PHONE: _phone,
    Kind.PERSON: _person,
    Kind.OPERATOR: _operator,
}


def near_keys(kind: str, canonical: str) -> list[tuple[str, str]]:
    """Return the (near level, value) keys of a canonical value; none for kinds without one."""
    neighbourhood = _NEIGHBOURHOODS.get(kind)
    level = _level_name(kind)
    if neighbourhood is None or level is None:
        return []
    try:
        values = neighbourhood(canonical)
    except ValueError:
        raise NormalizationError(str(kind), "not a canonical value") from None
    return [(level, value) for value in values[:MAX_NEAR_KEYS]]


def with_near_keys(
    kind: str, exact: Callable[[str], list[tuple[str, str]]]
) -> Callable[[str], list[tuple[str, str]]]:
    """Return a match-key function: the exact keys of a canonical value, then its near keys."""
    neighbourhood = _NEIGHBOURHOODS.get(kind)
    level = _level_name(kind)
    if neighbourhood is None or level is None:
        return exact

    def keys(canonical: str) -> list[tuple[str, str]]:
        found = exact(canonical)  # validates the canonical form first
        near = neighbourhood(canonical)[:MAX_NEAR_KEYS]
        return found + [(level, value) for value in near]

    return keys


def most_keys(kind: str) -> int:
    """Return the most near keys one identifier of kind can yield."""
    return MAX_NEAR_KEYS if kind in _NEIGHBOURHOODS and _level_name(kind) else 0


def _level_name(kind: str) -> str | None:
    """Return the name of the kind's near level, declared in its spec (client/kinds.py)."""
    level = kinds.near_level(kind)
    return level.name if level is not None else None
