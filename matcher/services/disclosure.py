"""Disclosure: each involved agency's analyst (the data owner) approves or declines, with a
legal basis; when all have approved the alert is released to them, one decline sends it back to
triage. The coordinator asks; the coordinator does not answer for an agency.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from matcher.errors import Conflict, Forbidden, InvalidRequest
from matcher.models import Alert, AlertAgency, AlertStatus, DisclosureDecision, UserRole, utcnow
from matcher.services.actors import Actor, load_alert
from matcher.services.alert_history import record_step
from matcher.services.alerts import release_alert

S = AlertStatus
#: legal bases a data owner may name when approving disclosure (code → what it stands for)
LEGAL_BASES: dict[str, str] = {
    "gdpr_6_1_e": "Public task, GDPR art. 6(1)(e)",
    "riec_covenant": "RIEC covenant",
    "wpg_art_18": "Police Data Act (Wpg) art. 18",
    "bibob": "Bibob Act",
    "wgs": "Data Processing by Partnerships Act (WGS)",
}


def open_requests(session: Session, alert: Alert) -> None:
    """Ask every involved agency for its answer (a new request starts over)."""
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


def decide(
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
    record_step(session, alert, actor, action="approve" if approve else "decline")
    session.flush()
    if not approve:
        record_step(session, alert, actor, action="disclosure_declined", to_status=S.TRIAGE)
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
