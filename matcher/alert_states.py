"""The alert statuses, each declared once as a spec that the workflow, services and pages ask.

    new ─► triage ─► dismissed | no_action | disclosure_requested ─► disclosed
              ─► case_proposed ─► handed_over ─► closed
    side states: embargoed, merged, expired

A :class:`StateSpec` says what an alert in that status is: open (still being worked on),
terminal (left the workflow for good), releasable to the involved agencies, markable as a
benign hub (and the status marking moves it to), whether a possible victim can still be
flagged, whether other alerts may be merged into it, and which workflow actions
(:class:`matcher.services.workflow.Action`) may leave it. Who may take an action, and where it
leads, is the action's rule in :mod:`matcher.services.workflow`; which statuses it starts from
is read from here. Adding a status is one entry here and its words; :func:`register` adds one
at run time (tests add a throwaway status) and :func:`unregister` removes it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from client.kinds import Text
from matcher.models import AlertStatus

#: longest status the alert table stores
MAX_NAME_CHARS = 24


@dataclass(frozen=True)
class StateSpec:
    """Everything the product knows about one alert status."""

    name: str
    label: Text
    #: the workflow actions that may start from this status
    actions: frozenset[str]
    open: bool = False
    terminal: bool = False
    releasable: bool = True
    hub_markable: bool = False
    #: the status a benign-hub marking moves the alert to (None: it keeps its status)
    hub_marked_status: str | None = None
    victim_flaggable: bool = True
    accepts_merges: bool = True
    #: new evidence of the alert's link joins it (matcher.services.links); once released or set
    #: aside, new evidence raises a new alert instead, so that nobody misses it
    takes_evidence: bool = False

    def __post_init__(self) -> None:
        if not 0 < len(self.name) <= MAX_NAME_CHARS or not self.name.isidentifier():
            raise ValueError(f"a status is 1 to {MAX_NAME_CHARS} letters, digits or underscores")


S = AlertStatus


def _actions(*names: str) -> frozenset[str]:
    return frozenset(names)


_TRIAGE_CHOICES = ("assign", "dismiss", "no_action", "embargo", "merge", "expire")
_SET_ASIDE = ("close", "reopen", "merge", "expire")

BUILT_IN: tuple[StateSpec, ...] = (
    StateSpec(
        S.NEW,
        Text("New", "Nieuw"),
        _actions(*_TRIAGE_CHOICES),
        open=True,
        hub_markable=True,
        hub_marked_status=S.NO_ACTION,
        takes_evidence=True,
    ),
    StateSpec(
        S.TRIAGE,
        Text("In triage", "In triage"),
        _actions(*_TRIAGE_CHOICES, "request_disclosure"),
        open=True,
        takes_evidence=True,
        hub_markable=True,
        hub_marked_status=S.NO_ACTION,
    ),
    StateSpec(
        S.DISMISSED,
        Text("Dismissed (false positive)", "Afgewezen (vals positief)"),
        _actions(*_SET_ASIDE),
        releasable=False,
        hub_markable=True,
    ),
    StateSpec(
        S.NO_ACTION,
        Text("No action", "Geen actie"),
        _actions(*_SET_ASIDE),
        hub_markable=True,
    ),
    StateSpec(
        S.DISCLOSURE_REQUESTED,
        Text("Disclosure requested", "Verstrekking gevraagd"),
        _actions("embargo", "expire"),
        open=True,
    ),
    StateSpec(
        S.DISCLOSED,
        Text("Disclosed", "Verstrekt"),
        _actions("propose_case", "embargo", "expire"),
        open=True,
    ),
    StateSpec(
        S.CASE_PROPOSED,
        Text("Case proposed", "Casus voorgesteld"),
        _actions("hand_over", "embargo", "expire"),
        open=True,
    ),
    StateSpec(
        S.HANDED_OVER,
        Text("Handed over", "Overgedragen"),
        _actions("close", "embargo", "expire"),
        victim_flaggable=False,
    ),
    StateSpec(
        S.CLOSED,
        Text("Closed", "Gesloten"),
        _actions(),
        terminal=True,
        victim_flaggable=False,
    ),
    StateSpec(
        S.EMBARGOED,
        Text("Embargoed", "Onder embargo"),
        _actions("lift_embargo", "expire"),
        releasable=False,
    ),
    StateSpec(
        S.MERGED,
        Text("Merged", "Samengevoegd"),
        _actions(),
        terminal=True,
        releasable=False,
        victim_flaggable=False,
        accepts_merges=False,
    ),
    StateSpec(
        S.EXPIRED,
        Text("Expired", "Verlopen"),
        _actions(),
        terminal=True,
        releasable=False,
        victim_flaggable=False,
        accepts_merges=False,
    ),
)

_REGISTRY: dict[str, StateSpec] = {state.name: state for state in BUILT_IN}


def spec(name: str | None) -> StateSpec | None:
    """Return the spec of a status, None for a status nobody declared."""
    return _REGISTRY.get(name) if isinstance(name, str) else None


def states() -> tuple[StateSpec, ...]:
    """Return every declared status, in workflow order."""
    return tuple(_REGISTRY.values())


def names() -> list[str]:
    """Return the names of every declared status."""
    return list(_REGISTRY)


def sources(action: str) -> frozenset[str]:
    """Return the statuses an action may start from."""
    return frozenset(state.name for state in _REGISTRY.values() if action in state.actions)


def _flag(name: str | None, flag: str) -> bool:
    found = spec(name)
    return bool(getattr(found, flag)) if found is not None else False


def is_open(name: str | None) -> bool:
    """Tell whether an alert in this status is still being worked on."""
    return _flag(name, "open")


def is_releasable(name: str | None) -> bool:
    """Tell whether a coordinator may release an alert in this status to the agencies."""
    return _flag(name, "releasable")


def is_hub_markable(name: str | None) -> bool:
    """Tell whether an alert in this status may be marked as a benign hub."""
    return _flag(name, "hub_markable")


def is_victim_flaggable(name: str | None) -> bool:
    """Tell whether a possible victim may still be flagged on an alert in this status."""
    return _flag(name, "victim_flaggable")


def taking_evidence() -> list[str]:
    """Return the statuses in which an alert takes new evidence of its link."""
    return [state.name for state in states() if state.takes_evidence]


def accepts_merges(name: str | None) -> bool:
    """Tell whether other alerts may be merged into an alert in this status."""
    return _flag(name, "accepts_merges")


def register(new: StateSpec) -> None:
    """Add a status; refuse a name that is taken."""
    if new.name in _REGISTRY:
        raise ValueError(f"the status {new.name!r} is already declared")
    _REGISTRY[new.name] = new


def unregister(name: str) -> None:
    """Remove a status added by :func:`register`; the built-in ones stay."""
    if name in {state.value for state in AlertStatus}:
        raise ValueError(f"the built-in status {name!r} cannot be removed")
    _REGISTRY.pop(name, None)


@contextmanager
def registered(new: StateSpec) -> Iterator[StateSpec]:
    """Declare a status for the duration of a block, then remove it again."""
    register(new)
    try:
        yield new
    finally:
        unregister(new.name)
