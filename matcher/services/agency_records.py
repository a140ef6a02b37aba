"""What an analyst may see of the agency's own records: batches, signals, and their alerts.

An agency must not learn whether another agency holds an identifier unless an alert was
released to it (threat model). So a signal's state names an alert only once that alert was
released to the agency, or while the agency is asked to approve its disclosure (asking the data
owner reveals the match by nature). Tokens are never shown; references are the agency's own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from matcher.models import (
    Agency,
    AgencyKind,
    Alert,
    AlertAgency,
    AlertStatus,
    Batch,
    DisclosureDecision,
    Signal,
    SignalToken,
)

T = TypeVar("T")
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows and the total that matched."""

    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _check_paging(page: int, per_page: int) -> None:
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        from matcher.errors import InvalidRequest

        raise InvalidRequest(f"page starts at 1; per_page is 1 to {MAX_PER_PAGE}.")


def list_batches(
    session: Session, *, agency_id: int, page: int = 1, per_page: int = 25
) -> Page[Batch]:
    """Return the agency's accepted batches (receipts), newest first."""
    _check_paging(page, per_page)
    total = session.exec(
        select(func.count()).select_from(Batch).where(col(Batch.agency_id) == agency_id)
    ).one()
    rows = session.exec(
        select(Batch)
        .where(col(Batch.agency_id) == agency_id)
        .order_by(col(Batch.received_at).desc(), col(Batch.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page(list(rows), int(total), page, per_page)


@dataclass(frozen=True)
class SignalState:
    """One of the agency's signals and the alerts it may know about."""

    ref: str
    category: str
    observed_on: dt.date
    retain_until: dt.date
    batch_id: str
    released_alerts: list[int]
    requested_alerts: list[int]


def _known_alert(agency: Agency) -> object:
    """Return the condition under which this agency may know of an alert."""
    pending = select(DisclosureDecision.alert_id).where(
        col(DisclosureDecision.agency_id) == agency.id,
        col(DisclosureDecision.decision) == "pending",
    )
    known = or_(
        col(Alert.released_at).is_not(None),
        (col(Alert.status) == AlertStatus.DISCLOSURE_REQUESTED) & col(Alert.id).in_(pending),
    )
    if agency.kind != AgencyKind.POLICE:
        known = known & (col(Alert.status) != AlertStatus.EMBARGOED)
    return known


def list_signals(
    session: Session, *, agency_id: int, page: int = 1, per_page: int = 50
) -> Page[SignalState]:
    """Return the agency's signals, newest first, each with the alerts it may know about."""
    _check_paging(page, per_page)
    agency = session.get(Agency, agency_id)
    if agency is None:
        return Page([], 0, page, per_page)
    total = session.exec(
        select(func.count()).select_from(Signal).where(col(Signal.agency_id) == agency_id)
    ).one()
    signals = session.exec(
        select(Signal)
        .where(col(Signal.agency_id) == agency_id)
        .order_by(col(Signal.observed_on).desc(), col(Signal.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    released, requested = _alerts_of(session, agency, [signal.id or 0 for signal in signals])
    items = [
        SignalState(
            ref=signal.ref,
            category=signal.category,
            observed_on=signal.observed_on,
            retain_until=signal.retain_until,
            batch_id=signal.batch_id,
            released_alerts=sorted(released.get(signal.id or 0, ())),
            requested_alerts=sorted(requested.get(signal.id or 0, ())),
        )
        for signal in signals
    ]
    return Page(items, int(total), page, per_page)


def _alerts_of(
    session: Session, agency: Agency, signal_ids: list[int]
) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    released: dict[int, set[int]] = defaultdict(set)
    requested: dict[int, set[int]] = defaultdict(set)
    if not signal_ids:
        return released, requested
    rows = session.exec(
        select(SignalToken.signal_id, Alert.id, Alert.released_at)
        .join(Alert, col(Alert.token) == col(SignalToken.token))
        .join(AlertAgency, col(AlertAgency.alert_id) == col(Alert.id))
        .where(col(SignalToken.signal_id).in_(signal_ids))
        .where(col(AlertAgency.agency_id) == agency.id)
        .where(_known_alert(agency))  # type: ignore[arg-type]
    )
    for signal_id, alert_id, released_at in rows:
        (released if released_at is not None else requested)[signal_id].add(alert_id or 0)
    return released, requested


@dataclass(frozen=True)
class OwnSignal:
    """One of the agency's own signals in an alert."""

    ref: str
    category: str
    observed_on: dt.date


def own_signals(session: Session, *, alert: Alert, agency_id: int) -> list[OwnSignal]:
    """Return the agency's own signals that hold the alert's token."""
    if alert.token is None:
        return []
    rows = session.exec(
        select(col(Signal.ref), col(Signal.category), col(Signal.observed_on))
        .join(SignalToken, col(SignalToken.signal_id) == col(Signal.id))
        .where(col(SignalToken.token) == alert.token, col(Signal.agency_id) == agency_id)
        .order_by(col(Signal.observed_on), col(Signal.ref))
    )
    return [OwnSignal(ref, category, observed_on) for ref, category, observed_on in rows]


@dataclass(frozen=True)
class DisclosureRequest:
    """An alert whose disclosure awaits this agency's answer, as far as the agency may see it."""

    alert_id: int
    kind: str
    level: str
    other_agencies: int
    own_signals: int
    requested_at: dt.datetime


def pending_requests(session: Session, *, agency: Agency) -> Sequence[DisclosureRequest]:
    """Return the disclosure requests awaiting this agency's answer, oldest first."""
    statement = (
        select(Alert, AlertAgency.signal_count)
        .join(DisclosureDecision, col(DisclosureDecision.alert_id) == col(Alert.id))
        .join(
            AlertAgency,
            (col(AlertAgency.alert_id) == col(Alert.id))
            & (col(AlertAgency.agency_id) == agency.id),
        )
        .where(
            col(DisclosureDecision.agency_id) == agency.id,
            col(DisclosureDecision.decision) == "pending",
            col(Alert.status) == AlertStatus.DISCLOSURE_REQUESTED,
        )
        .order_by(col(Alert.updated_at), col(Alert.id))
    )
    return [
        DisclosureRequest(
            alert_id=alert.id or 0,
            kind=alert.kind,
            level=alert.level,
            other_agencies=max(alert.agency_count - 1, 0),
            own_signals=signal_count,
            requested_at=alert.updated_at,
        )
        for alert, signal_count in session.exec(statement)
    ]
