"""What an agency sees of alerts: only released ones, its own refs, others' contact points.

Never another agency's references, never a token, never the cluster (which could name alerts
that were not released to this agency).
"""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, col, select

from client.wire import AlertEvidence, AlertParty, AlertSignal, Category, ReleasedAlert
from matcher.errors import NotFound
from matcher.models import Agency, AgencyKind, Alert, AlertAgency, AlertStatus, Signal, SignalToken
from matcher.services.alert_detail import evidence_items
from matcher.services.explanations import Facts, explain
from matcher.services.observation import Observed, observed_or_detected


def released_alerts_for_agency(session: Session, *, agency_id: int) -> list[ReleasedAlert]:
    """Return the alerts released to an agency: its own refs, and only who else to contact."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound("No such agency.")
    statement = (
        select(Alert)
        .join(AlertAgency, col(AlertAgency.alert_id) == col(Alert.id))
        .where(col(AlertAgency.agency_id) == agency_id, col(Alert.released_at).is_not(None))
        .order_by(col(Alert.released_at).desc(), col(Alert.id).desc())
    )
    if agency.kind != AgencyKind.POLICE:
        # an embargo protects a police investigation: only police agencies keep seeing the alert
        statement = statement.where(col(Alert.status) != AlertStatus.EMBARGOED)
    return [_released(session, alert, agency_id) for alert in session.exec(statement)]


def _released(session: Session, alert: Alert, agency_id: int) -> ReleasedAlert:
    # the agency's signals holding the alert's token or any token of its evidence
    tokens = select(Alert.token).where(
        or_(col(Alert.id) == alert.id, col(Alert.link_id) == alert.id)
    )
    own = session.exec(
        select(col(Signal.ref), col(Signal.category), col(Signal.observed_on))
        .where(
            col(Signal.agency_id) == agency_id,
            col(Signal.id).in_(
                select(SignalToken.signal_id).where(col(SignalToken.token).in_(tokens))
            ),
        )
        .order_by(col(Signal.observed_on), col(Signal.ref))
    )
    others = session.exec(
        select(Agency, AlertAgency.signal_count)
        .join(AlertAgency, col(AlertAgency.agency_id) == col(Agency.id))
        .where(col(AlertAgency.alert_id) == alert.id, col(AlertAgency.agency_id) != agency_id)
        .order_by(col(Agency.name))
    )
    assert alert.id is not None and alert.released_at is not None
    period = observed_or_detected(session, alert)
    return ReleasedAlert(
        alert_id=alert.id,
        kind=alert.kind,
        level=alert.level,
        status=alert.status,
        released_at=alert.released_at,
        first_observed=period.first,
        last_observed=period.last,
        explanation=explain(released_facts(alert, period, session)),
        strength=alert.strength,
        evidence=_evidence(session, alert.id),
        own_signals=[
            AlertSignal(ref=ref, category=Category(category), observed_on=observed_on)
            for ref, category, observed_on in own
        ],
        other_agencies=[
            AlertParty(
                agency=other.name,
                region=other.region,
                contact_point=other.contact_point,
                signals=count,
            )
            for other, count in others
        ],
    )


def _evidence(session: Session, alert_id: int) -> list[AlertEvidence]:
    """Return the kinds and levels of an alert's evidence, each once, exact or near."""
    return [
        AlertEvidence(kind=item.kind, level=item.level, match=item.match)
        for item in evidence_items(session, alert_id)
    ]


def released_facts(alert: Alert, period: Observed, session: Session | None = None) -> Facts:
    """Return the facts an involved agency may read in an alert's explanation.

    ``period`` is the observation period the agency may know: of every signal once the alert is
    released, of its own signals before. Given a session, the explanation names all the alert's
    evidence, near matches included.
    """
    shared: list[tuple[str, str]] = []
    if session is not None and alert.id is not None:
        shared = [(item.kind, item.level) for item in evidence_items(session, alert.id)]
    return Facts(
        kind=alert.kind,
        level=alert.level,
        agencies=alert.agency_count,
        regions=alert.region_count,
        signals=alert.signal_count,
        first_observed=period.first,
        last_observed=period.last,
        shared=shared,
    )
