"""An alert's history: every step, answer and note as an ``alert_event``, and in the audit log."""

from __future__ import annotations

from sqlmodel import Session

from matcher import audit
from matcher.models import Alert, AlertEvent, utcnow
from matcher.services import noteguard, status_counts
from matcher.services.actors import Actor, coordinator_alert


def record_step(
    session: Session,
    alert: Alert,
    actor: Actor,
    *,
    action: str,
    to_status: str | None = None,
    note: str | None = None,
) -> AlertEvent:
    """Write one step to the history and the audit log (a note only as 'there was one')."""
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
    if to_status is not None:
        status_counts.refresh(session, [alert.id or 0])
    return event


def add_note(session: Session, *, alert_id: int, actor: Actor, note: str) -> AlertEvent:
    """Add a coordinator's note to an alert's history, refused if it holds an identifier."""
    alert = coordinator_alert(session, alert_id, actor)
    checked = noteguard.check_text(note)
    event = record_step(session, alert, actor, action="note", note=checked)
    session.flush()
    return event
