"""Refuse free text (notes, reasons, references) that holds an identifier.

Coordinators write notes on alerts; a note must never smuggle in what the tokens hide (design
non-negotiable 1). The guard looks for every kind whose spec (:mod:`client.kinds`) names a note
guard: phone numbers (Dutch and the foreign regions seen in the field), e-mail addresses, web
addresses, IBANs, Dutch postcodes, Chamber of Commerce numbers and Dutch licence plates; and
for citizen service numbers (BSN), which are no kind. A refusal names the kinds found,
never the text that matched, and the caller stores nothing.
"""

from __future__ import annotations

from client import identifier_search as search
from client import kinds
from client.kinds import NoteGuard, Text
from matcher.errors import InvalidRequest

MAX_NOTE_CHARS = 1000

#: identifiers the guard looks for that are no kind of their own (never tokenized)
NOT_A_KIND: tuple[NoteGuard, ...] = (
    NoteGuard(
        "citizen service number (BSN)",
        Text("a citizen service number (BSN)", "een burgerservicenummer (BSN)"),
        search.has_bsn,
    ),
)


def guards() -> list[NoteGuard]:
    """Return what the guard looks for: each registered kind's finder, then the others."""
    return [spec.note_guard for spec in kinds.specs() if spec.note_guard] + list(NOT_A_KIND)


class NoteRefused(InvalidRequest):
    """A note holds what looks like an identifier; it was not stored."""

    code = "note_refused"

    def __init__(self, kinds: list[str], *, location: str = "note") -> None:
        super().__init__(
            f"The text was not saved: it seems to contain {', '.join(kinds)}. Free text may not "
            "hold identifiers; refer to the alert number instead.",
            fields=[{"location": location, "rule": kind} for kind in kinds],
        )
        self.kinds = kinds


def identifiers_in(text: str) -> list[str]:
    """Return the kinds of identifier the text seems to hold (empty when it is clean)."""
    return [guard.rule for guard in guards() if guard.find(text)]


def check_text(text: str, *, location: str = "note", max_chars: int = MAX_NOTE_CHARS) -> str:
    """Return the text stripped, or raise NoteRefused/InvalidRequest without echoing it."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidRequest(
            "The text is empty.",
            code="note_empty",
            fields=[{"location": location, "rule": "required"}],
        )
    if len(cleaned) > max_chars:
        raise InvalidRequest(
            f"The text is longer than {max_chars} characters.",
            code="note_too_long",
            fields=[{"location": location, "rule": "max_length"}],
        )
    kinds = identifiers_in(cleaned)
    if kinds:
        raise NoteRefused(kinds, location=location)
    return cleaned
