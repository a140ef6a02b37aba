"""The alert workflow: who may move an alert from which status to which, checked on the server.

    new ─► triage ─► dismissed | no_action | disclosure_requested
                                             │ each involved agency's analyst approves or
                                             │ declines with a legal basis
                                             ▼
                     disclosed ─► case_proposed ─► handed_over ─► closed
    side states: embargoed (police only; hides the alert from other agencies' analysts),
                 merged (into another alert), expired (retention)

Transitions are data (:data:`TRANSITIONS`); :func:`apply` is the only way to take one. Purposes
stay separated by role: coordinators triage and propose cases, the data owners (analysts of the
involved agencies) approve disclosure, only police users embargo, an administrator only expires.
A possible-victim flag routes a case to care, never to enforcement. Every change is written to
the alert's history (``alert_event``) and to the audit log. No Flask here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlmodel import Session, col, select

from matcher import audit
from matcher.errors import Conflict, Forbidden, InvalidRequest, NotFound
from matcher.models import (
    Agency,
    AgencyKind,
    Alert,
    AlertAgency,
    AlertEvent,
    AlertStatus,
    BenignHub,
    DisclosureDecision,
    UserAccount,
    UserRole,
    utcnow,
)
from matcher.services import noteguard
from matcher.services.alert_detail import AlertDetail, get_alert, visible_to
from matcher.services.alerts import release_alert
from matcher.services.users import user_regions

S = AlertStatus
#: legal bases a data owner may name when approving disclosure (code → what it stands for)
LEGAL_BASES: dict[str, str] = {
    "gdpr_6_1_e": "Public task, GDPR art. 6(1)(e)",
    "riec_covenant": "RIEC covenant",
    "wpg_art_18": "Police Data Act (Wpg) art. 18",
    "bibob": "Bibob Act",
    "wgs": "Data Processing by Partnerships Act (WGS)",
}
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
    """One allowed move: from which statuses, to which, by whom."""

    sources: frozenset[str]
    target: str | None  # None: computed (lifting an embargo restores the status before it)
    roles: frozenset[str]
    police_only: bool = False


_OPEN = frozenset({S.NEW, S.TRIAGE, S.DISCLOSURE_REQUESTED, S.DISCLOSED, S.CASE_PROPOSED})
_COORDINATOR = frozenset({UserRole.COORDINATOR})
TRANSITIONS: dict[Action, Transition] = {
    Action.ASSIGN: Transition(frozenset({S.NEW, S.TRIAGE}), S.TRIAGE, _COORDINATOR),
    Action.DISMISS: Transition(frozenset({S.NEW, S.TRIAGE}), S.DISMISSED, _COORDINATOR),
    Action.NO_ACTION: Transition(frozenset({S.NEW, S.TRIAGE}), S.NO_ACTION, _COORDINATOR),
    Action.REQUEST_DISCLOSURE: Transition(
        frozenset({S.TRIAGE}), S.DISCLOSURE_REQUESTED, _COORDINATOR
    ),
    Action.PROPOSE_CASE: Transition(frozenset({S.DISCLOSED}), S.CASE_PROPOSED, _COORDINATOR),
    Action.HAND_OVER: Transition(frozenset({S.CASE_PROPOSED}), S.HANDED_OVER, _COORDINATOR),
    Action.CLOSE: Transition(
        frozenset({S.HANDED_OVER, S.DISMISSED, S.NO_ACTION}), S.CLOSED, _COORDINATOR
    ),
    Action.REOPEN: Transition(frozenset({S.DISMISSED, S.NO_ACTION}), S.TRIAGE, _COORDINATOR),
    Action.EMBARGO: Transition(
        _OPEN | {S.HANDED_OVER},
        S.EMBARGOED,
        frozenset({UserRole.COORDINATOR, UserRole.ANALYST}),
        police_only=True,
    ),
    Action.LIFT_EMBARGO: Transition(
        frozenset({S.EMBARGOED}),
        None,
        frozenset({UserRole.COORDINATOR, UserRole.ANALYST}),
        police_only=True,
    ),
    Action.MERGE: Transition(
        frozenset({S.NEW, S.TRIAGE, S.DISMISSED, S.NO_ACTION}), S.MERGED, _COORDINATOR
    ),
    Action.EXPIRE: Transition(
        _OPEN | {S.DISMISSED, S.NO_ACTION, S.HANDED_OVER, S.EMBARGOED},
        S.EXPIRED,
        frozenset({UserRole.ADMIN}),
    ),
}


@dataclass(frozen=True)
class Actor:
    """A signed-in user as the workflow sees them: role, agency and regions."""

    user_id: int
    role: str
    agency_id: int | None = None
    agency_kind: str | None = None
    regions: frozenset[str] = field(default_factory=frozenset)

    @property
    def name(self) -> str:
        return audit.user_actor(self.user_id)

    @property
    def is_police(self) -> bool:
        return self.agency_kind == AgencyKind.POLICE

    @property
    def viewer_regions(self) -> set[str] | None:
        """Regions whose alerts this user may see as a coordinator; None: every region."""
        if self.role == UserRole.ADMIN:
            return None
        return set(self.regions) if self.role == UserRole.COORDINATOR else set()


def actor_for(session: Session, user: UserAccount) -> Actor:
    """Return the workflow's view of a user."""
    agency = session.get(Agency, user.agency_id) if user.agency_id is not None else None
    return Actor(
        user_id=user.id or 0,
        role=user.role,
        agency_id=user.agency_id,
        agency_kind=agency.kind if agency is not None else None,
        regions=frozenset(user_regions(user)),
    )


def _involves(session: Session, alert_id: int, agency_id: int | None) -> bool:
    if agency_id is None:
        return False
    row = session.get(AlertAgency, (alert_id, agency_id))
    return row is not None


def load_alert(session: Session, alert_id: int, actor: Actor) -> Alert:
    """Return the alert if the actor may see it; NotFound otherwise (existence is not revealed)."""
    if actor.role in (UserRole.COORDINATOR, UserRole.ADMIN):
        query = select(Alert).where(col(Alert.id) == alert_id)
        regions = actor.viewer_regions
        if regions is not None:
            query = query.where(visible_to(regions))
        alert = session.exec(query).first()
    elif actor.role == UserRole.ANALYST and _involves(session, alert_id, actor.agency_id):
        alert = session.get(Alert, alert_id)
        if alert is not None and alert.status == S.EMBARGOED and not actor.is_police:
            alert = None
    else:
        alert = None
    if alert is None:
        raise NotFound("No such alert, or not one you may see.")
    return alert


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
    involved = _involves(session, alert.id or 0, actor.agency_id)
    return [action for action in Action if may(action, alert, actor, involved=involved)]


def _event(
    session: Session,
    alert: Alert,
    actor: Actor,
    *,
    action: str,
    to_status: str | None = None,
    note: str | None = None,
) -> AlertEvent:
    now = utcnow()
    event = AlertEvent(
        alert_id=alert.id or 0,
        at=now,
        actor=actor.name,
        action=action,
        from_status=alert.status,
        to_status=to_status,
        note=note,
    )
    session.add(event)
    audit.record(
        session,
        actor=actor.name,
        action=f"alert.{action}",
        subject=f"alert:{alert.id}",
        details={"from_status": alert.status, "to_status": to_status, "note": note is not None},
    )
    if to_status is not None:
        alert.status = to_status
    alert.updated_at = now
    session.add(alert)
    return event


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
    involved = _involves(session, alert_id, actor.agency_id)
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
        _open_decisions(session, alert)
    elif action == Action.PROPOSE_CASE:
        alert.case_route = _route(alert, options.case_route)
    elif action == Action.HAND_OVER:
        alert.external_reference = _external_reference(options.external_reference)
    elif action == Action.MERGE:
        alert.merged_into = _merge_target(session, alert, actor, options.merge_into)
    elif action == Action.LIFT_EMBARGO:
        target = _status_before_embargo(session, alert_id)
    _event(session, alert, actor, action=action, to_status=target, note=checked_note)
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
    if target.status in (S.MERGED, S.EXPIRED):
        raise Conflict("That alert was merged or expired itself.", code="bad_merge_target")
    return target_id


def _open_decisions(session: Session, alert: Alert) -> None:
    involved = session.exec(
        select(AlertAgency.agency_id).where(col(AlertAgency.alert_id) == alert.id)
    ).all()
    if len(involved) < 2:
        raise Conflict("This alert no longer involves two agencies.", code="not_releasable")
    for agency_id in involved:
        # a new request starts over: earlier answers stay in the alert's history
        session.merge(
            DisclosureDecision(alert_id=alert.id or 0, agency_id=agency_id, decision="pending")
        )


def decide_disclosure(
    session: Session, *, alert_id: int, actor: Actor, approve: bool, legal_basis: str | None
) -> Alert:
    """Record a data owner's answer; all approved discloses, one decline sends it back to triage."""
    if actor.role != UserRole.ANALYST or actor.agency_id is None:
        raise Forbidden("Only an analyst of an involved agency answers for it.", code="not_owner")
    alert = load_alert(session, alert_id, actor)
    decision = session.get(DisclosureDecision, (alert_id, actor.agency_id))
    if alert.status != S.DISCLOSURE_REQUESTED or decision is None or decision.decision != "pending":
        raise Conflict("No disclosure request awaits your agency's answer.", code="no_request")
    if approve and legal_basis not in LEGAL_BASES:
        raise InvalidRequest(
            "Name the legal basis for disclosure.",
            code="bad_legal_basis",
            fields=[{"location": "legal_basis", "rule": "one_of"}],
        )
    decision.decision = "approved" if approve else "declined"
    decision.legal_basis = legal_basis if approve else None
    decision.decided_by = actor.name
    decision.decided_at = utcnow()
    session.add(decision)
    _event(session, alert, actor, action="approve" if approve else "decline")
    session.flush()
    if not approve:
        _event(session, alert, actor, action="disclosure_declined", to_status=S.TRIAGE)
    elif all(item.decision == "approved" for item in decisions(session, alert_id)):
        release_alert(session, alert_id=alert_id, actor=actor.name)
    session.flush()
    session.refresh(alert)
    return alert


def decisions(session: Session, alert_id: int) -> Sequence[DisclosureDecision]:
    """Return each involved agency's answer to the disclosure request."""
    return session.exec(
        select(DisclosureDecision)
        .where(col(DisclosureDecision.alert_id) == alert_id)
        .order_by(col(DisclosureDecision.agency_id))
    ).all()


def set_possible_victim(session: Session, *, alert_id: int, actor: Actor, flag: bool) -> Alert:
    """Flag (or unflag) a possible victim: a proposed case is then routed to care."""
    alert = _coordinator_alert(session, alert_id, actor)
    if alert.status in (S.HANDED_OVER, S.CLOSED, S.MERGED, S.EXPIRED):
        raise Conflict("The case has left the workflow; flag it with the receiver.", code="closed")
    action = "flag_possible_victim" if flag else "unflag_possible_victim"
    alert.possible_victim = flag
    if flag and alert.case_route not in (None, CARE_ROUTE):
        alert.case_route = CARE_ROUTE
    _event(session, alert, actor, action=action)
    session.flush()
    return alert


def add_note(session: Session, *, alert_id: int, actor: Actor, note: str) -> AlertEvent:
    """Add a coordinator's note to an alert's history, refused if it holds an identifier."""
    alert = _coordinator_alert(session, alert_id, actor)
    checked = noteguard.check_text(note)
    event = _event(session, alert, actor, action="note", note=checked)
    session.flush()
    return event


def _coordinator_alert(session: Session, alert_id: int, actor: Actor) -> Alert:
    if actor.role != UserRole.COORDINATOR:
        raise Forbidden("Only coordinators do this.", code="role_not_allowed")
    return load_alert(session, alert_id, actor)


def mark_benign_hub(session: Session, *, alert_id: int, actor: Actor, reason: str) -> Alert:
    """Mark an alert's token as a harmless shared hub: ingest skips it, the alert stops."""
    alert = _coordinator_alert(session, alert_id, actor)
    checked = noteguard.check_text(reason, location="reason", max_chars=200)
    if alert.token is None:
        raise Conflict("No signal holds this alert's token any more.", code="no_token")
    if session.get(BenignHub, alert.token) is not None:
        raise Conflict("This token is marked as a benign hub already.", code="hub_exists")
    if alert.status not in (S.NEW, S.TRIAGE, S.DISMISSED, S.NO_ACTION):
        raise Conflict(
            f"An alert with status '{alert.status}' cannot be marked as a hub.",
            code="illegal_transition",
        )
    session.add(BenignHub(token=alert.token, reason=checked, marked_by=actor.user_id))
    target = S.NO_ACTION if alert.status in (S.NEW, S.TRIAGE) else None
    _event(session, alert, actor, action="mark_benign_hub", to_status=target, note=checked)
    session.flush()
    return alert


def unmark_benign_hub(session: Session, *, alert_id: int, actor: Actor) -> Alert:
    """Undo a hub marking: the token raises alerts again and the alert returns to triage."""
    alert = _coordinator_alert(session, alert_id, actor)
    hub = session.get(BenignHub, alert.token) if alert.token is not None else None
    if hub is None:
        raise Conflict("This token is not marked as a benign hub.", code="no_hub")
    session.delete(hub)
    target = S.TRIAGE if alert.status == S.NO_ACTION else None
    _event(session, alert, actor, action="unmark_benign_hub", to_status=target)
    session.flush()
    return alert


def is_benign_hub(session: Session, alert: Alert) -> BenignHub | None:
    """Return the hub marking of the alert's token, if any."""
    return session.get(BenignHub, alert.token) if alert.token is not None else None


@dataclass(frozen=True)
class HubMarking:
    """A benign hub as the hub list shows it: the alert that raised it and why it was marked."""

    alert_id: int
    kind: str
    level: str
    status: str
    reason: str
    marked_by: int | None
    marked_at: dt.datetime


def list_benign_hubs(session: Session, actor: Actor, *, limit: int = 200) -> list[HubMarking]:
    """Return the hubs marked on alerts the coordinator may see, newest first."""
    if actor.role not in (UserRole.COORDINATOR, UserRole.ADMIN):
        raise Forbidden("Only coordinators see benign hubs.", code="role_not_allowed")
    query = select(Alert, BenignHub).join(BenignHub, col(BenignHub.token) == col(Alert.token))
    regions = actor.viewer_regions
    if regions is not None:
        query = query.where(visible_to(regions))
    rows = session.exec(query.order_by(col(BenignHub.marked_at).desc()).limit(limit))
    return [
        HubMarking(
            alert.id or 0,
            alert.kind,
            alert.level,
            alert.status,
            hub.reason,
            hub.marked_by,
            hub.marked_at,
        )
        for alert, hub in rows
    ]


def actor_names(session: Session, actors: Sequence[str]) -> dict[str, str]:
    """Return usernames for audit actors of the form 'user:<id>' (others keep their name)."""
    ids = {int(name[5:]) for name in actors if name.startswith("user:") and name[5:].isdigit()}
    names = {name: name for name in actors}
    if ids:
        rows = session.exec(select(UserAccount).where(col(UserAccount.id).in_(sorted(ids))))
        names.update({audit.user_actor(user.id or 0): user.username for user in rows})
    return names


def coordinators_for(session: Session, actor: Actor) -> list[UserAccount]:
    """Return the active coordinators an alert can be assigned to by this coordinator."""
    rows = session.exec(
        select(UserAccount)
        .where(col(UserAccount.role) == UserRole.COORDINATOR, col(UserAccount.active))
        .order_by(col(UserAccount.username))
    )
    return [user for user in rows if user_regions(user) & set(actor.regions)]
