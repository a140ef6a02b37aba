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
* ``operator`` / ``legal_near`` and ``reg_near``: the legal name and each one-letter deletion of
  it; digits stay, so 'Club Amor 12' and 'Club Amor 123' do not link. A name written with a legal
  form gets them twice: at ``legal_near`` as they are, and at ``reg_near`` each with the form's
  code (``diamondsalon:bv``), so that only a name with the same form shares those; a name
  without a form gets ``legal_near`` keys only.

Names shorter than ``MIN_LENGTH`` get no near keys (too many neighbours), names longer than
``MAX_LENGTH`` neither (the cap on tokens per identifier).
"""

from __future__ import annotations

from collections.abc import Callable

from client import kinds
from client.errors import NormalizationError
from client.kinds import Kind
from client.normalizers import operator

#: fewer letters than this: a one-letter difference is too often another name
MIN_LENGTH = 6
#: more letters than this: no near keys, so that no identifier yields more than MAX_NEAR_KEYS
#: keys per near level
MAX_LENGTH = 30
#: the most keys one near level yields for one identifier
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


def _phone(canonical: str) -> list[tuple[str, str]]:
    digits = canonical.lstrip("+")
    keys = []
    for i in range(_PHONE_PREFIX, len(digits) - 1):
        first, second = digits[i], digits[i + 1]
        if first != second:
            pair = first + second if first < second else second + first
            keys.append(("e164_swap", f"{i}:{digits[:i]}{pair}{digits[i + 2 :]}"))
    return keys


def _dob_key(dob: str) -> str:
    """Return 'yyyy-a-b' with day and month in sorted order: a day/month swap keeps the key."""
    year, month, day = dob.split("-")
    low, high = sorted((month, day))
    return f"{year}-{low}-{high}"


def _person(canonical: str) -> list[tuple[str, str]]:
    name, bar, dob = canonical.partition("|")
    letters = name.replace(" ", "")
    if not bar or not MIN_LENGTH <= len(letters) <= MAX_LENGTH:
        return []
    suffix = "|" + _dob_key(dob)
    return [("near_dob", variant + suffix) for variant in letter_deletions(name)]


def _operator(canonical: str) -> list[tuple[str, str]]:
    legal, form, _ = operator.parts(canonical)
    if not MIN_LENGTH <= sum(char.isalpha() for char in legal) <= MAX_LENGTH:
        return []
    variants = letter_deletions(legal)
    keys = [("legal_near", variant) for variant in variants]
    if form is not None:
        suffix = operator.FORM_MARK + form
        keys += [("reg_near", variant + suffix) for variant in variants]
    return keys


_NEIGHBOURHOODS: dict[str, Callable[[str], list[tuple[str, str]]]] = {
    Kind.PHONE: _phone,
    Kind.PERSON: _person,
    Kind.OPERATOR: _operator,
}
#: the near levels each neighbourhood yields (declared in the kind specs, client/kinds.py)
_YIELDS: dict[str, frozenset[str]] = {
    Kind.PHONE: frozenset({"e164_swap"}),
    Kind.PERSON: frozenset({"near_dob"}),
    Kind.OPERATOR: frozenset({"legal_near", "reg_near"}),
}


def near_keys(kind: str, canonical: str) -> list[tuple[str, str]]:
    """Return the (near level, value) keys of a canonical value; none for kinds without one."""
    neighbourhood = _neighbourhood(kind)
    if neighbourhood is None:
        return []
    try:
        return neighbourhood(canonical)[: most_keys(kind)]
    except ValueError:
        raise NormalizationError(str(kind), "not a canonical value") from None


def with_near_keys(
    kind: str, exact: Callable[[str], list[tuple[str, str]]]
) -> Callable[[str], list[tuple[str, str]]]:
    """Return a match-key function: the exact keys of a canonical value, then its near keys."""
    neighbourhood = _neighbourhood(kind)
    if neighbourhood is None:
        return exact

    most = most_keys(kind)

    def keys(canonical: str) -> list[tuple[str, str]]:
        found = exact(canonical)  # validates the canonical form first
        return found + neighbourhood(canonical)[:most]

    return keys


def most_keys(kind: str) -> int:
    """Return the most near keys one identifier of kind can yield (MAX_NEAR_KEYS per level)."""
    return MAX_NEAR_KEYS * len(_YIELDS[kind]) if _neighbourhood(kind) is not None else 0


def _neighbourhood(kind: str) -> Callable[[str], list[tuple[str, str]]] | None:
    """Return the kind's neighbourhood when its spec declares the near levels it yields."""
    neighbourhood = _NEIGHBOURHOODS.get(kind)
    if neighbourhood is None:
        return None
    declared = {level.name for level in kinds.near_levels(kind)}
    return neighbourhood if declared >= _YIELDS[kind] else None
