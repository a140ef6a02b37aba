"""The alert workflow: who may move an alert from which status to which, checked on the server.

    new ─► triage ─► dismissed | no_action | disclosure_requested
                                             │ each involved agency's analyst approves or
                                             │ declines with a legal basis
                                             ▼
                     disclosed ─► case_proposed ─► handed_over ─► closed
    side states: embargoed (police only; hides the alert from other agencies' analysts),
                 merged (into another alert), expired (retention)

Which statuses an action starts from is declared in the status specs (:mod:`matcher.alert_states`);
who may take it and where it leads is data here (:data:`TRANSITIONS`); :func:`apply` is the
only way to take one. Disclosure
answers live in :mod:`matcher.services.disclosure`, benign hubs in
:mod:`matcher.services.benign_hubs`, scope rules in :mod:`matcher.services.actors`. Purposes
stay separated by role: coordinators triage and propose cases, the data owners (analysts of the
involved agencies) approve disclosure, only police users embargo, an administrator only expires.
A possible-victim flag routes a case to care, never to enforcement. Every change is written to
the alert's history (``alert_event``) and to the audit log. No Flask here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, col, select

from matcher import alert_states, audit
from matcher.errors import Conflict, Forbidden, InvalidRequest
from matcher.models import (
    Alert,
    AlertEvent,
    AlertStatus,
    UserAccount,
    UserRole,
)
from matcher.services import noteguard
from matcher.services.actors import Actor, coordinator_alert, involves, load_alert
from matcher.services.alert_detail import AlertDetail, get_alert
from matcher.services.alert_history import record_step
from matcher.services.disclosure import open_requests
from matcher.services.users import user_regions

S = AlertStatus
#: where a case can go; a possible victim goes to care only
CASE_ROUTES = ("riec", "police", "municipal_enforcement", "bibob", "care_referral")
CARE_ROUTE = "care_referral"
_EXTERNAL_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 /._-]{0,79}")


class Action(StrEnum):
    """What a user can do to an alert's status."""

    ASSIGN = "assign"
    DISMISS = "dismiss"
    NO_ACTION = "no_action"
    REQUEST_DISCLOSURE = "request_disclosure"
    PROPOSE_CASE = "propose_case"
    HAND_OVER = "hand_over"
    CLOSE = "close"
    REOPEN = "reopen"
    EMBARGO = "embargo"
    LIFT_EMBARGO = "lift_embargo"
    MERGE = "merge"
    EXPIRE = "expire"


@dataclass(frozen=True)
class Transition:
    """One allowed move: to which status, by whom; the statuses it starts from are in the spec."""

    action: str
    target: str | None  # None: computed (lifting an embargo restores the status before it)
    roles: frozenset[str]
    police_only: bool = False

    @property
    def sources(self) -> frozenset[str]:
        """Return the statuses this move starts from (those whose spec lists the action)."""
        return alert_states.sources(self.action)


_COORDINATOR = frozenset({UserRole.COORDINATOR})
_COORDINATOR_OR_ANALYST = frozenset({UserRole.COORDINATOR, UserRole.ANALYST})


def _rule(action: Action, target: str | None, roles: frozenset[str], **options: bool) -> Transition:
    return Transition(action, target, roles, **options)


TRANSITIONS: dict[Action, Transition] = {
    Action.ASSIGN: _rule(Action.ASSIGN, S.TRIAGE, _COORDINATOR),
    Action.DISMISS: _rule(Action.DISMISS, S.DISMISSED, _COORDINATOR),
    Action.NO_ACTION: _rule(Action.NO_ACTION, S.NO_ACTION, _COORDINATOR),
    Action.REQUEST_DISCLOSURE: _rule(
        Action.REQUEST_DISCLOSURE, S.DISCLOSURE_REQUESTED, _COORDINATOR
    ),
    Action.PROPOSE_CASE: _rule(Action.PROPOSE_CASE, S.CASE_PROPOSED, _COORDINATOR),
    Action.HAND_OVER: _rule(Action.HAND_OVER, S.HANDED_OVER, _COORDINATOR),
    Action.CLOSE: _rule(Action.CLOSE, S.CLOSED, _COORDINATOR),
    Action.REOPEN: _rule(Action.REOPEN, S.TRIAGE, _COORDINATOR),
    Action.EMBARGO: _rule(Action.EMBARGO, S.EMBARGOED, _COORDINATOR_OR_ANALYST, police_only=True),
    Action.LIFT_EMBARGO: _rule(
        Action.LIFT_EMBARGO, None, _COORDINATOR_OR_ANALYST, police_only=True
    ),
    Action.MERGE: _rule(Action.MERGE, S.MERGED, _COORDINATOR),
    Action.EXPIRE: _rule(Action.EXPIRE, S.EXPIRED, frozenset({UserRole.ADMIN})),
}


def open_alert(session: Session, alert_id: int, actor: Actor) -> AlertDetail:
    """Return a coordinator's full view of an alert and audit that it was seen."""
    if actor.role not in (UserRole.COORDINATOR, UserRole.ADMIN):
        raise Forbidden("Only coordinators see alerts in full.")
    detail = get_alert(session, alert_id, viewer_regions=actor.viewer_regions)
    audit.record(
        session,
        actor=actor.name,
        action="alert.view",
        subject=f"alert:{alert_id}",
        details={"status": detail.alert.status},
    )
    return detail


def may(action: Action, alert: Alert, actor: Actor, *, involved: bool = True) -> bool:
    """Tell whether the actor may take this action on the alert in its current status."""
    rule = TRANSITIONS[action]
    if alert.status not in rule.sources or actor.role not in rule.roles:
        return False
    if rule.police_only and not actor.is_police:
        return False
    # a police analyst acts only on alerts that involve the analyst's own agency
    return actor.role != UserRole.ANALYST or involved


def allowed_actions(session: Session, alert: Alert, actor: Actor) -> list[Action]:
    """Return the actions the actor may take now (what the page offers as buttons)."""
    involved = involves(session, alert.id or 0, actor.agency_id)
    return [action for action in Action if may(action, alert, actor, involved=involved)]


def _status_before_embargo(session: Session, alert_id: int) -> str:
    last = session.exec(
        select(AlertEvent)
        .where(col(AlertEvent.alert_id) == alert_id, col(AlertEvent.action) == Action.EMBARGO)
        .order_by(col(AlertEvent.at).desc(), col(AlertEvent.id).desc())
    ).first()
    return last.from_status if last is not None and last.from_status else S.TRIAGE


def _checked_note(note: str | None) -> str | None:
    return noteguard.check_text(note) if note is not None and note.strip() else None


@dataclass(frozen=True)
class Options:
    """What some actions need besides the alert: a case route, a reference, a target, a user."""

    case_route: str | None = None
    external_reference: str | None = None
    merge_into: int | None = None
    assignee_id: int | None = None


def apply(
    session: Session,
    *,
    alert_id: int,
    action: Action,
    actor: Actor,
    note: str | None = None,
    options: Options = Options(),
) -> Alert:
    """Take one transition after checking scope, role and status; refuse anything else."""
    alert = load_alert(session, alert_id, actor)
    involved = involves(session, alert_id, actor.agency_id)
    if not may(action, alert, actor, involved=involved):
        rule = TRANSITIONS[action]
        if actor.role not in rule.roles or (rule.police_only and not actor.is_police):
            raise Forbidden("Your role may not do this.", code="role_not_allowed")
        raise Conflict(
            f"An alert with status '{alert.status}' cannot take the action '{action}'.",
            code="illegal_transition",
        )
    checked_note = _checked_note(note)
    target = TRANSITIONS[action].target
    if action == Action.ASSIGN:
        alert.assigned_to = _assignee(session, actor, options.assignee_id)
    elif action == Action.REQUEST_DISCLOSURE:
        open_requests(session, alert)
    elif action == Action.PROPOSE_CASE:
        alert.case_route = _route(alert, options.case_route)
    elif action == Action.HAND_OVER:
        alert.external_reference = _external_reference(options.external_reference)
    elif action == Action.MERGE:
        alert.merged_into = _merge_target(session, alert, actor, options.merge_into)
    elif action == Action.LIFT_EMBARGO:
        target = _status_before_embargo(session, alert_id)
    record_step(session, alert, actor, action=action, to_status=target, note=checked_note)
    session.flush()
    return alert


def _assignee(session: Session, actor: Actor, assignee_id: int | None) -> int:
    if assignee_id is None or assignee_id == actor.user_id:
        return actor.user_id
    user = session.get(UserAccount, assignee_id)
    if user is None or not user.active or user.role != UserRole.COORDINATOR:
        raise InvalidRequest("Assign the alert to an active coordinator.", code="bad_assignee")
    if not user_regions(user) & set(actor.regions):
        raise InvalidRequest("That coordinator works in other regions.", code="bad_assignee")
    return assignee_id


def _route(alert: Alert, route: str | None) -> str:
    if route not in CASE_ROUTES:
        raise InvalidRequest(
            f"The case route is one of: {', '.join(CASE_ROUTES)}.", code="bad_case_route"
        )
    if alert.possible_victim and route != CARE_ROUTE:
        raise Conflict(
            "A possible victim is referred to care, not to enforcement.", code="victim_to_care"
        )
    return route


def _external_reference(reference: str | None) -> str:
    text = (reference or "").strip()
    if not _EXTERNAL_REFERENCE.fullmatch(text):
        raise InvalidRequest(
            "The external reference is 1 to 80 letters, digits, spaces and / . _ -.",
            code="bad_external_reference",
            fields=[{"location": "external_reference", "rule": "pattern"}],
        )
    return noteguard.check_text(text, location="external_reference", max_chars=80)


def _merge_target(session: Session, alert: Alert, actor: Actor, target_id: int | None) -> int:
    if target_id is None or target_id == alert.id:
        raise InvalidRequest("Name another alert to merge into.", code="bad_merge_target")
    target = load_alert(session, target_id, actor)
    if not alert_states.accepts_merges(target.status):
        raise Conflict("That alert was merged or expired itself.", code="bad_merge_target")
    return target_id


def set_possible_victim(session: Session, *, alert_id: int, actor: Actor, flag: bool) -> Alert:
    """Flag (or unflag) a possible victim: a proposed case is then routed to care."""
    alert = coordinator_alert(session, alert_id, actor)
    if not alert_states.is_victim_flaggable(alert.status):
        raise Conflict("The case has left the workflow; flag it with the receiver.", code="closed")
    action = "flag_possible_victim" if flag else "unflag_possible_victim"
    alert.possible_victim = flag
    if flag and alert.case_route not in (None, CARE_ROUTE):
        alert.case_route = CARE_ROUTE
    record_step(session, alert, actor, action=action)
    session.flush()
    return alert
