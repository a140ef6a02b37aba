"""Reading and releasing alerts: coordinators see their regions, agencies what was released.

Sorting is transparent, never a score: ``recent`` orders by the last time the overlap grew;
``agencies`` by how many agencies share the token; ``strength`` by how widely the overlap
reaches: the number of regions, then of agencies, then of signals. The detail view, the
cluster and the explanation sentence live in :mod:`matcher.services.alert_detail`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, false, func
from sqlmodel import Session, col, select

from matcher import alert_states, audit
from matcher.errors import Conflict, InvalidRequest, NotFound
from matcher.models import (
    Agency,
    Alert,
    AlertAgency,
    AlertEvent,
    AlertStatus,
    DisclosureDecision,
    utcnow,
)
from matcher.services import list_bits, periods, status_counts
from matcher.services.alert_detail import (
    AgencyInvolvement,
    AlertDetail,
    ClusterLink,
    LinkedAlert,
    TimelineEntry,
    explain,
    get_alert,
    involving,
    visible_to,
)
from matcher.services.observation import Observed, observed
from matcher.services.released import released_alerts_for_agency

__all__ = [
    "SORTS",
    "AgencyInvolvement",
    "AlertDetail",
    "AlertFilter",
    "AlertPage",
    "AlertSummary",
    "ClusterLink",
    "LinkedAlert",
    "TimelineEntry",
    "explain",
    "get_alert",
    "list_alerts",
    "release_alert",
    "released_alerts_for_agency",
]

MAX_PER_PAGE = 200

SORTS: dict[str, tuple[Any, ...]] = {
    "recent": (col(Alert.last_seen).desc(), col(Alert.id).desc()),
    "agencies": (col(Alert.agency_count).desc(), col(Alert.last_seen).desc(), col(Alert.id).desc()),
    "strength": (
        col(Alert.region_count).desc(),
        col(Alert.agency_count).desc(),
        col(Alert.signal_count).desc(),
        col(Alert.last_seen).desc(),
        col(Alert.id).desc(),
    ),
}


@dataclass(frozen=True)
class AlertFilter:
    """What to narrow the alert list to; None means no restriction.

    ``since`` and ``until`` are inclusive days (UTC) on the alert's ``last_seen``: the last time
    the matcher added a signal to it (the API calls it ``updated_at``).
    """

    status: str | None = None
    kind: str | None = None
    #: the strengths to show; None shows all (the dashboard's default is strong and medium)
    strengths: tuple[str, ...] | None = None
    region: str | None = None
    agency_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None


@dataclass(frozen=True)
class AlertSummary:
    """One row of the alert list."""

    id: int
    kind: str
    level: str
    status: str
    strength: str
    agency_count: int
    region_count: int
    signal_count: int
    #: the earliest and latest observation day of its signals (what the agencies reported)
    first_observed: dt.date
    last_observed: dt.date
    #: the matcher's times: when it raised the alert, and when it last added a signal to it
    detected_at: dt.datetime
    updated_at: dt.datetime
    released_at: dt.datetime | None
    agencies: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AlertPage:
    """A page of alerts, the total matching the filter, and counts per status (ignoring status)."""

    items: list[AlertSummary]
    total: int
    page: int
    per_page: int
    counts: dict[str, int]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _conditions(
    filters: AlertFilter,
    viewer_regions: set[str] | None,
    *,
    with_status: bool,
    for_counting: bool = False,
    session: Session | None = None,
) -> list[ColumnElement[bool]]:
    """Return the filter's terms, written for the walk over a list index or for counting.

    Given the session, they are written for its database: the status as it is on PostgreSQL,
    and the regions and kinds as bits where each one named has a bit (:mod:`.list_bits`).
    """
    # An alert that is evidence of another is shown within that one, not on its own: the
    # list's partial indexes (models.LIST_INDEXES) hold exactly the alerts without a link_id.
    conditions: list[ColumnElement[bool]] = [col(Alert.link_id).is_(None)]
    # Terms written as expressions (``id + 0``, ``status || ''``) are tested on the index
    # entries being walked, never looked up through an index of their own: a planner without
    # statistics (SQLite's default) would otherwise start from them and sort every match.
    # PostgreSQL has statistics, and guesses any expression rare (0.5 % of rows): there the
    # status is compared as it is, or a common status (``new``) is hash-joined in full.
    alert_id = col(Alert.id) + 0 if for_counting else col(Alert.id)
    if filters.strengths is not None:
        conditions.append(col(Alert.strength).in_(filters.strengths))
    held = partial(_held, session, alert_id=alert_id, for_counting=for_counting)
    if viewer_regions is not None:
        conditions.append(held(list_bits.REGIONS, viewer_regions) if viewer_regions else false())
    if with_status and filters.status:
        statistics = session is not None and session.get_bind().dialect.name == "postgresql"
        status = col(Alert.status) if statistics else col(Alert.status).concat("")
        conditions.append(status == filters.status)
    if filters.kind:
        # an alert shows under every kind of its evidence, not only under its first token's
        conditions.append(held(list_bits.KINDS, {filters.kind}))
    if filters.region:
        conditions.append(held(list_bits.REGIONS, {filters.region}))
    if filters.agency_id is not None:
        agency = select(col(Agency.id)).where(col(Agency.id) == filters.agency_id)
        conditions.append(involving(agency, for_counting=for_counting))
    # the period is on the last time the overlap grew: one index range, fast at any size
    if filters.since is not None:
        conditions.append(col(Alert.last_seen) >= _start_of(filters.since))
    if filters.until is not None:
        conditions.append(col(Alert.last_seen) < _start_of(filters.until + dt.timedelta(days=1)))
    return conditions


def _held(
    session: Session | None,
    of: list_bits.Bits,
    names: set[str],
    *,
    alert_id: Any,
    for_counting: bool,
) -> ColumnElement[bool]:
    """Return a term: the alert holds one of these regions (or this kind).

    A walk tests the bits on each index entry when every name has a bit; a count, or a name
    without a bit, reads ``alert_region`` or ``alert_kind``.
    """
    mask = None if for_counting or session is None else list_bits.scope_mask(session, of, names)
    if mask is not None:
        return of.held().op("&")(mask) != 0
    return of.in_rows(names, alert_id, for_counting=for_counting)


def _agency_names(session: Session, alert_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {alert_id: [] for alert_id in alert_ids}
    if not alert_ids:
        return names
    rows = session.exec(
        select(AlertAgency.alert_id, Agency.name)
        .join(Agency, col(Agency.id) == col(AlertAgency.agency_id))
        .where(col(AlertAgency.alert_id).in_(alert_ids))
        .order_by(col(Agency.name))
    )
    for alert_id, name in rows:
        names[alert_id].append(name)
    return names


def list_alerts(
    session: Session,
    *,
    filters: AlertFilter = AlertFilter(),
    sort: str = "recent",
    page: int = 1,
    per_page: int = 50,
    viewer_regions: set[str] | None,
) -> AlertPage:
    """Return one page of the alerts the viewer may see (viewer_regions None: every region)."""
    if sort not in SORTS:
        raise InvalidRequest(f"sort is one of: {', '.join(SORTS)}.", code="invalid_query")
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidRequest(
            f"page starts at 1; per_page is 1 to {MAX_PER_PAGE}.", code="invalid_query"
        )
    counts = _counts_per_status(session, filters, viewer_regions)
    total = counts.get(filters.status, 0) if filters.status else sum(counts.values())
    # The page's ids first: the walk over the sort order reads the list's indexes only (they
    # hold every column it filters on), however deep the page; then the page's own rows.
    # A page past the last one is empty: the counts already say so.
    ids: list[int] = []
    if (page - 1) * per_page < total:
        statement = (
            select(col(Alert.id))
            .where(*_conditions(filters, viewer_regions, with_status=True, session=session))
            .order_by(*SORTS[sort])
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
        ids = [alert_id for alert_id in session.exec(statement) if alert_id is not None]
    rows = {alert.id: alert for alert in session.exec(select(Alert).where(col(Alert.id).in_(ids)))}
    alerts = [rows[alert_id] for alert_id in ids if alert_id in rows]
    names = _agency_names(session, ids)
    periods = observed(session, ids)
    items = [
        _summary(alert, names.get(alert.id or 0, []), periods.get(alert.id or 0))
        for alert in alerts
    ]
    return AlertPage(items=items, total=total, page=page, per_page=per_page, counts=counts)


def _counts_per_status(
    session: Session, filters: AlertFilter, viewer_regions: set[str] | None
) -> dict[str, int]:
    """Count the alerts per status the filter matches, whatever status it names.

    Filtered on regions and strength, and on a kind, an agency or both, the counts are read from
    those stored per key (:mod:`matcher.services.status_counts`); a period's whole months too
    (without an agency), and the days around them are counted from the alerts.
    """
    stored = partial(
        status_counts.counts,
        session,
        viewer_regions=viewer_regions,
        region=filters.region,
        strengths=filters.strengths,
        facet=status_counts.facet_of(kind=filters.kind, agency_id=filters.agency_id),
    )
    if not (filters.since or filters.until):
        return stored()
    if filters.agency_id is not None:
        return _counted(session, filters, viewer_regions)
    split = periods.split_period(filters.since, filters.until)
    found = Counter(stored(months=split.months) if split.months else {})
    for since, until in split.edges:
        edge = replace(filters, since=since, until=until)
        found.update(_counted(session, edge, viewer_regions, few=True))
    return dict(found)


def _counted(
    session: Session, filters: AlertFilter, viewer_regions: set[str] | None, *, few: bool = False
) -> dict[str, int]:
    """Count the alerts per status the filter matches from the alerts themselves.

    ``few``: the filter's days hold few alerts (a period's days around its whole months), so each
    one's kind and regions are tested (as a page does: on its bits) rather than all of a kind's
    alerts joined: at 10^6 alerts on PostgreSQL, half a month of a kind 65-68 ms joined, 45-85
    ms looked up per alert, 7-12 ms on the bits.
    """
    without_status = _conditions(
        filters, viewer_regions, with_status=False, for_counting=not few, session=session
    )
    counted = session.exec(
        select(Alert.status, func.count()).where(*without_status).group_by(col(Alert.status))
    )
    return {str(status): int(number) for status, number in counted}


def _summary(alert: Alert, agencies: list[str], period: Observed | None) -> AlertSummary:
    period = period or Observed(first=alert.created_at.date(), last=alert.created_at.date())
    return AlertSummary(
        id=alert.id or 0,
        kind=alert.kind,
        level=alert.level,
        status=alert.status,
        strength=alert.strength,
        agency_count=alert.agency_count,
        region_count=alert.region_count,
        signal_count=alert.signal_count,
        first_observed=period.first,
        last_observed=period.last,
        detected_at=alert.created_at,
        updated_at=alert.last_seen,
        released_at=alert.released_at,
        agencies=agencies,
    )


def _check_approvals(session: Session, alert: Alert) -> None:
    """Refuse a release that every involved agency's data owner has not approved (one rule)."""
    involved = set(
        session.exec(select(AlertAgency.agency_id).where(col(AlertAgency.alert_id) == alert.id))
    )
    approved = set(
        session.exec(
            select(DisclosureDecision.agency_id).where(
                col(DisclosureDecision.alert_id) == alert.id,
                col(DisclosureDecision.decision) == "approved",
            )
        )
    )
    if alert.status != AlertStatus.DISCLOSURE_REQUESTED or not involved <= approved:
        raise Conflict(
            "A release needs the recorded approval of every involved agency: request disclosure "
            "(dashboard), then each agency's analyst approves it with a legal basis.",
            code="approval_required",
        )


def release_alert(
    session: Session, *, alert_id: int, actor: str, viewer_regions: set[str] | None = None
) -> None:
    """Disclose an alert to the agencies involved: they see it with their own refs only.

    Only after every involved agency's data owner approved (``disclosure_decision``), whoever
    asks: the dashboard's last approval, the API or a script all meet the same rule.
    """
    detail_scope = visible_to(viewer_regions) if viewer_regions is not None else None
    query = select(Alert).where(col(Alert.id) == alert_id)
    if detail_scope is not None:
        query = query.where(detail_scope)
    alert = session.exec(query).first()
    if alert is None:
        raise NotFound("No such alert, or not one in your regions.")
    if alert.released_at is not None:
        return
    if not alert_states.is_releasable(alert.status):
        raise Conflict(
            f"An alert with status '{alert.status}' cannot be released.", code="not_releasable"
        )
    if alert.agency_count < 2:
        raise Conflict("This alert no longer involves two agencies.", code="not_releasable")
    _check_approvals(session, alert)
    previous = alert.status
    now = utcnow()
    alert.status = AlertStatus.DISCLOSED
    alert.released_at = now
    alert.updated_at = now
    session.add(alert)
    status_counts.refresh(session, [alert_id])
    session.add(
        AlertEvent(
            alert_id=alert_id,
            at=now,
            actor=actor,
            action="release",
            from_status=previous,
            to_status=alert.status,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="alert.release",
        subject=f"alert:{alert_id}",
        details={"from_status": previous, "agencies": alert.agency_count},
    )
