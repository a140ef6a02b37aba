"""Benign hubs: tokens many unrelated signals share (a hotel switchboard, a platform address).

A coordinator marks one with a reason; ingest then skips it
(:func:`matcher.services.overlap.without_benign_hubs`) and its alert goes to no action. The
marking is reversible; both directions are audited and written to the alert's history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from matcher import alert_states
from matcher.errors import Conflict, Forbidden
from matcher.models import Alert, AlertStatus, BenignHub, UserRole
from matcher.services import noteguard
from matcher.services.actors import Actor, coordinator_alert
from matcher.services.alert_detail import visible_to
from matcher.services.alert_history import record_step

S = AlertStatus


def mark(session: Session, *, alert_id: int, actor: Actor, reason: str) -> Alert:
    """Mark an alert's token as a harmless shared hub: ingest skips it, the alert stops."""
    alert = coordinator_alert(session, alert_id, actor)
    checked = noteguard.check_text(reason, location="reason", max_chars=200)
    if alert.token is None:
        raise Conflict("No signal holds this alert's token any more.", code="no_token")
    if session.get(BenignHub, alert.token) is not None:
        raise Conflict("This token is marked as a benign hub already.", code="hub_exists")
    state = alert_states.spec(alert.status)
    if state is None or not state.hub_markable:
        raise Conflict(
            f"An alert with status '{alert.status}' cannot be marked as a hub.",
            code="illegal_transition",
        )
    session.add(BenignHub(token=alert.token, reason=checked, marked_by=actor.user_id))
    target = state.hub_marked_status
    record_step(session, alert, actor, action="mark_benign_hub", to_status=target, note=checked)
    session.flush()
    return alert


def unmark(session: Session, *, alert_id: int, actor: Actor) -> Alert:
    """Undo a hub marking: the token raises alerts again and the alert returns to triage."""
    alert = coordinator_alert(session, alert_id, actor)
    hub = session.get(BenignHub, alert.token) if alert.token is not None else None
    if hub is None:
        raise Conflict("This token is not marked as a benign hub.", code="no_hub")
    session.delete(hub)
    target = S.TRIAGE if alert.status == S.NO_ACTION else None
    record_step(session, alert, actor, action="unmark_benign_hub", to_status=target)
    session.flush()
    return alert


def marking_of(session: Session, alert: Alert) -> BenignHub | None:
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


def list_marked(session: Session, actor: Actor, *, limit: int = 200) -> list[HubMarking]:
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
