"""Alert strength: strong, medium or weak, from how identifying the evidence is. Never a score.

How identifying each (kind, level) is, and whether it is an exact or a near level, is declared in
the kind specs (:mod:`client.kinds`, ``Level.strength`` and ``Level.match``):

* ``identifying``: points at one phone, mailbox, account, company, vehicle, dwelling or person
  (phone, e-mail, IBAN, KvK number, plate, address unit, name + date of birth).
* ``partial``: an operator's registered name (its legal name with its legal form), a web host:
  close to one business, but the register does not make it unique.
* ``weak``: a name alone (a person's name without date of birth, an operator's legal or trade
  name without its legal form: 'Salon Luna' recurs in many towns), a building.

A level is ``near`` when its tokens come from a neighbourhood (a swapped digit pair, a one-letter
difference, an address lacking the other's addition); the others are ``exact``. A token that more
than ``HUB_SIGNALS`` signals hold is a hub (a switchboard, a shared office) and counts as weak
whatever its level.

The rules, in order (docs/linkage.md, after issue 9):

1. ``strong``: exact identifying evidence (not a hub).
2. ``medium``: near identifying evidence; partial evidence, exact or one letter apart (a registered
   name with the same legal form: the name corroborated by its form); or evidence of two or more
   kinds corroborating each other.
3. ``weak``: everything else: a name only, a building only, a hub only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from client import kinds

Grade = Literal["identifying", "partial", "weak"]
STRENGTHS = ("strong", "medium", "weak")
#: a token held by more signals than this links too much to identify anything
HUB_SIGNALS = 12


def level_grade(kind: str, level: str) -> Grade:
    """Return how identifying a level is, from its kind's spec (weak for an unknown level)."""
    spec = kinds.spec(kind)
    found = spec.level(level) if spec is not None else None
    if found is None:
        return "weak"
    grade: Grade = found.strength.value
    return grade


@dataclass(frozen=True)
class Evidence:
    """One shared token of an alert: its kind and level, and how many signals hold it."""

    kind: str
    level: str
    signals: int
    #: the signals holding the token, when known: corroboration needs two kinds on one set
    held: frozenset[int] = frozenset()

    @property
    def near(self) -> bool:
        return is_near(self.kind, self.level)

    @property
    def brings_signals(self) -> bool:
        """Say whether this evidence may bring new signals into a link (matcher.services.links).

        Only identifying evidence of the value itself does: not a hub, and not a label that
        shares another level's token (``address/no_addition``: a number written without its
        addition may be any dwelling of the building, so it links only what else links).
        """
        return self.grade == "identifying" and not _is_label(self.kind, self.level)

    @property
    def grade(self) -> Grade:
        if self.signals > HUB_SIGNALS:
            return "weak"
        return level_grade(self.kind, self.level)


def _is_label(kind: str, level: str) -> bool:
    spec = kinds.spec(kind)
    found = spec.level(level) if spec is not None else None
    return found is not None and found.shares_domain is not None


def is_near(kind: str, level: str) -> bool:
    """Say whether a level's tokens come from a neighbourhood rather than the exact value."""
    spec = kinds.spec(kind)
    found = spec.level(level) if spec is not None else None
    return found is not None and found.match is kinds.Match.NEAR


def grade_rank(kind: str, level: str) -> int:
    """Order levels for linking: exact identifying first, weak last."""
    grade = level_grade(kind, level)
    return {"identifying": 0, "partial": 2, "weak": 3}[grade] + (1 if is_near(kind, level) else 0)


def strength(evidence: Iterable[Evidence]) -> str:
    """Return strong, medium or weak for an alert's evidence, by the rules above."""
    items = list(evidence)
    if any(item.grade == "identifying" and not item.near for item in items):
        return "strong"
    if any(item.grade in ("identifying", "partial") for item in items):
        return "medium"
    if _corroborated(items):
        return "medium"
    return "weak"


def _corroborated(items: list[Evidence]) -> bool:
    """Say whether evidence of two kinds holds the same signals (when their signals are known).

    A building and a name of the same two signals corroborate each other; a building of three
    signals (one of them another dwelling) and a name of two of them do not.
    """
    kinds_by_signals: dict[frozenset[int], set[str]] = {}
    for item in items:
        kinds_by_signals.setdefault(item.held, set()).add(item.kind)
    return any(len(found) >= 2 for found in kinds_by_signals.values())


__all__ = ["HUB_SIGNALS", "STRENGTHS", "Evidence", "grade_rank", "is_near", "strength"]
