"""The recommended next step on an alert: one action, and why, for each stage of the workflow."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

#: status → (the action to take next, why); statuses without an entry wait for someone else
RECOMMENDED: dict[str, tuple[str, LazyString]] = {
    "new": ("assign", _l("Take it into triage: check the explanation and the timeline.")),
    "triage": (
        "request_disclosure",
        _l("When the overlap looks real, ask the agencies involved to disclose their cases."),
    ),
    "disclosed": ("propose_case", _l("Propose a case route to the agencies involved.")),
    "case_proposed": ("hand_over", _l("Record the hand-over with the receiver's case number.")),
    "handed_over": ("close", _l("Close the alert once the receiver has taken the case.")),
    "dismissed": ("close", _l("Close the alert, or reopen it if new signals change the picture.")),
    "no_action": ("close", _l("Close the alert, or reopen it if new signals change the picture.")),
}
WAITING: dict[str, LazyString] = {
    "disclosure_requested": _l("Wait for the data owners' answers; they appear below."),
    "embargoed": _l("The police have put this alert under embargo; wait until they lift it."),
}


@dataclass(frozen=True)
class NextStep:
    """The action to press first (None: nothing to do now) and the sentence that says why."""

    action: str | None
    reason: str


def recommend(status: str, actions: Sequence[str]) -> NextStep | None:
    """Return the recommended step for an alert in status, given what the user may do."""
    found = RECOMMENDED.get(status)
    if found is not None and found[0] in actions:
        return NextStep(action=found[0], reason=str(found[1]))
    waiting = WAITING.get(status)
    if waiting is not None:
        return NextStep(action=None, reason=str(waiting))
    return None
