"""Alert strength: strong, medium or weak, from how identifying the evidence is. Never a score.

Each (kind, level) has a grade, declared here in one place:

* ``identifying``: points at one phone, mailbox, account, company, vehicle, dwelling or person
  (phone, e-mail, IBAN, KvK number, plate, address unit, name + date of birth).
* ``partial``: an operator's legal or trade name, a web host: names like 'Salon Luna' recur in
  many towns, so a name points at a business only together with other evidence.
* ``weak``: a name without date of birth, a building: many people share one.

A level is ``near`` when its tokens come from a neighbourhood (a swapped digit pair, a one-letter
difference); the others are ``exact``. A token that more than ``HUB_SIGNALS`` signals hold is a hub
(a switchboard, a shared office) and counts as weak whatever its level.

The rules, in order:

1. ``strong``: exact identifying evidence (not a hub).
2. ``medium``: near identifying evidence; or exact partial evidence (the same legal name); or
   evidence of two or more kinds corroborating each other.
3. ``weak``: everything else: a person's name only, a building only, a hub only, a business
   name one character apart only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from client.wire import NEAR_LEVELS

Grade = Literal["identifying", "partial", "weak"]
STRENGTHS = ("strong", "medium", "weak")
#: a token held by more signals than this links too much to identify anything
HUB_SIGNALS = 12

GRADES: dict[tuple[str, str], Grade] = {
    ("phone", "e164"): "identifying",
    ("phone", "e164_swap"): "identifying",
    ("email", "mailbox"): "identifying",
    ("iban", "iban"): "identifying",
    ("kvk", "kvk"): "identifying",
    ("plate", "plate"): "identifying",
    ("address", "unit"): "identifying",
    ("address", "building"): "weak",
    ("person", "name_dob"): "identifying",
    ("person", "near_dob"): "identifying",
    ("person", "name"): "weak",
    ("operator", "legal_name"): "partial",
    ("operator", "legal_near"): "partial",
    ("operator", "trade_name"): "partial",
    ("url", "host"): "partial",
}
_NEAR = {(kind.value, level) for kind, levels in NEAR_LEVELS.items() for level in levels}


@dataclass(frozen=True)
class Evidence:
    """One shared token of an alert: its kind and level, and how many signals hold it."""

    kind: str
    level: str
    signals: int

    @property
    def near(self) -> bool:
        return is_near(self.kind, self.level)

    @property
    def grade(self) -> Grade:
        if self.signals > HUB_SIGNALS:
            return "weak"
        return GRADES.get((self.kind, self.level), "weak")


def is_near(kind: str, level: str) -> bool:
    """Say whether a level's tokens come from a neighbourhood rather than the exact value."""
    return (kind, level) in _NEAR


def grade_rank(kind: str, level: str) -> int:
    """Order levels for linking: exact identifying first, weak last."""
    grade = GRADES.get((kind, level), "weak")
    return {"identifying": 0, "partial": 2, "weak": 3}[grade] + (1 if is_near(kind, level) else 0)


def strength(evidence: Iterable[Evidence]) -> str:
    """Return strong, medium or weak for an alert's evidence, by the rules above."""
    items = list(evidence)
    if any(item.grade == "identifying" and not item.near for item in items):
        return "strong"
    if any(
        item.grade == "identifying" or (item.grade == "partial" and not item.near) for item in items
    ):
        return "medium"
    if len({item.kind for item in items}) >= 2:
        return "medium"
    return "weak"


__all__ = ["GRADES", "HUB_SIGNALS", "STRENGTHS", "Evidence", "grade_rank", "is_near", "strength"]
