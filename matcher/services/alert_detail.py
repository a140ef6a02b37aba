"""One alert in full: its agencies, signals per category, timeline, cluster, and why it exists.

Also the region scope every alert read goes through (:func:`visible_to`). The cluster comes from
:mod:`matcher.services.clusters`, the sentence from :mod:`matcher.services.explanations`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_
from sqlmodel import Session, col, select

from matcher.errors import NotFound
from matcher.models import Agency, Alert, AlertAgency, AlertEvent, Signal, SignalToken
from matcher.services import alert_filters
from matcher.services.clusters import MAX_CLUSTER, MAX_HOPS, ClusterLink, LinkedAlert, cluster_of
from matcher.services.explanations import Facts, difference, phrase
from matcher.services.explanations import explain as explain_facts
from matcher.services.links import evidence_of
from matcher.services.strength import is_near

__all__ = [
    "MAX_CLUSTER",
    "MAX_HOPS",
    "AgencyInvolvement",
    "AlertDetail",
    "ClusterLink",
    "EvidenceItem",
    "LinkedAlert",
    "TimelineEntry",
    "explain",
    "facts",
    "get_alert",
    "involving",
    "phrase",
    "visible_to",
]


def involving(agencies: Select[Any], *, for_counting: bool = False) -> ColumnElement[bool]:
    """Return a condition: the alert involves one of these agencies (a query of agency ids).

    A correlated EXISTS lets a page walk the sort index and stop after one page; counting
    every match is faster the other way round, from the agencies' alert_agency rows.
    """
    if for_counting:
        alert_ids = select(AlertAgency.alert_id).where(col(AlertAgency.agency_id).in_(agencies))
        return col(Alert.id).in_(alert_ids)
    return exists().where(
        col(AlertAgency.alert_id) == col(Alert.id), col(AlertAgency.agency_id).in_(agencies)
    )


def visible_to(regions: set[str], *, for_counting: bool = False) -> ColumnElement[bool]:
    """Return a condition: the alert involves an agency of one of these regions.

    Read from the regions stored per alert (:mod:`matcher.services.alert_filters`).
    """
    scope: ColumnElement[bool] = alert_filters.within(
        regions, col(Alert.id), for_counting=for_counting
    )
    return scope


@dataclass(frozen=True)
class AgencyInvolvement:
    """An agency in an alert: who, where, how many signals of which categories."""

    agency_id: int
    name: str
    kind: str
    region: str
    contact_point: str | None
    signals: int
    categories: dict[str, int]


@dataclass(frozen=True)
class TimelineEntry:
    """Signals one agency observed on one day, per category."""

    day: dt.date
    agency: str
    category: str
    signals: int


@dataclass(frozen=True)
class EvidenceItem:
    """One shared token of an alert's link: kind, level, exact or near, and which agencies."""

    kind: str
    level: str
    match: str  # exact | near
    agencies: list[str]
    difference: dict[str, str] | None  # en/nl sentence for a near match


@dataclass(frozen=True)
class AlertDetail:
    """Everything a coordinator needs to judge an alert."""

    alert: Alert
    agencies: list[AgencyInvolvement]
    timeline: list[TimelineEntry]
    events: list[AlertEvent]
    linked: list[LinkedAlert]
    links: list[ClusterLink]
    cluster_truncated: bool
    evidence: list[EvidenceItem] = field(default_factory=list)

    @property
    def regions(self) -> list[str]:
        return sorted({agency.region for agency in self.agencies})

    @property
    def first_observed(self) -> dt.date:
        """The earliest observation day of the alert's signals (its detection day if none)."""
        days = [entry.day for entry in self.timeline]
        return min(days) if days else self.alert.created_at.date()

    @property
    def last_observed(self) -> dt.date:
        """The latest observation day of the alert's signals (its detection day if none)."""
        days = [entry.day for entry in self.timeline]
        return max(days) if days else self.alert.created_at.date()

    @property
    def signals(self) -> int:
        return sum(agency.signals for agency in self.agencies)

    @property
    def cluster_kinds(self) -> list[str]:
        """Return the kinds in the cluster, this alert's first."""
        own = phrase(self.alert.kind, self.alert.level)
        others = sorted({phrase(item.kind, item.level) for item in self.linked} - {own})
        return [own, *others]


def get_alert(
    session: Session, alert_id: int, *, viewer_regions: set[str] | None = None
) -> AlertDetail:
    """Return an alert in full; NotFound if it does not exist or lies outside viewer_regions."""
    query = select(Alert).where(col(Alert.id) == alert_id)
    if viewer_regions is not None:
        query = query.where(visible_to(viewer_regions))
    alert = session.exec(query).first()
    if alert is None:
        raise NotFound("No such alert, or not one in your regions.")
    agencies, timeline = _agencies_and_timeline(session, alert)
    events = list(
        session.exec(
            select(AlertEvent)
            .where(col(AlertEvent.alert_id) == alert_id)
            .order_by(col(AlertEvent.at), col(AlertEvent.id))
        )
    )
    cluster = cluster_of(session, alert)
    return AlertDetail(
        alert,
        agencies,
        timeline,
        events,
        cluster.linked,
        cluster.links,
        cluster.truncated,
        evidence_items(session, alert_id),
    )


def evidence_items(session: Session, alert_id: int) -> list[EvidenceItem]:
    """Return the evidence of an alert's link per kind and level, with the agencies sharing it.

    A near token whose signals an exact token of the same kind joins as well says nothing new
    (the same number, written the same way, has neighbours too), so it is left out.
    """
    found = evidence_of(session, alert_id)
    ids = [item_id for item_id, _ in found]
    signals: dict[int, set[int]] = defaultdict(set)
    agencies: dict[int, set[str]] = defaultdict(set)
    rows = session.exec(
        select(Alert.id, SignalToken.signal_id, Agency.name)
        .join(SignalToken, col(SignalToken.token) == col(Alert.token))
        .join(Agency, col(Agency.id) == col(SignalToken.agency_id))
        .where(col(Alert.id).in_(ids))
    )
    for item_id, signal_id, name in rows:
        signals[item_id or 0].add(signal_id)
        agencies[item_id or 0].add(name)
    exact = [(item.kind, signals[item_id]) for item_id, item in found if not item.near]
    grouped: dict[tuple[str, str], set[str]] = {}
    for item_id, item in found:
        covered = any(kind == item.kind and signals[item_id] <= held for kind, held in exact)
        if item.near and covered:
            continue
        grouped.setdefault((item.kind, item.level), set()).update(agencies[item_id])
    items = []
    for (kind, level), names in grouped.items():
        sentences = {lang: difference(kind, level, lang) for lang in ("en", "nl")}
        items.append(
            EvidenceItem(
                kind,
                level,
                "near" if is_near(kind, level) else "exact",
                sorted(names),
                {k: v for k, v in sentences.items() if v} or None,
            )
        )
    return items


def _agencies_and_timeline(
    session: Session, alert: Alert
) -> tuple[list[AgencyInvolvement], list[TimelineEntry]]:
    # every signal of the link: holding the alert's token or a token of its evidence
    tokens = select(Alert.token).where(
        or_(col(Alert.id) == alert.id, col(Alert.link_id) == alert.id)
    )
    held = select(SignalToken.signal_id).where(col(SignalToken.token).in_(tokens))
    rows = session.exec(
        select(col(Signal.agency_id), col(Signal.category), col(Signal.observed_on), func.count())
        .where(col(Signal.id).in_(held))
        .group_by(col(Signal.agency_id), col(Signal.category), col(Signal.observed_on))
        .order_by(col(Signal.observed_on), col(Signal.agency_id))
    ).all()
    ids = sorted({agency_id for agency_id, *_ in rows})
    agencies = {
        agency.id: agency for agency in session.exec(select(Agency).where(col(Agency.id).in_(ids)))
    }
    categories: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    timeline: list[TimelineEntry] = []
    for agency_id, category, observed_on, count in rows:
        categories[agency_id][category] += int(count)
        timeline.append(TimelineEntry(observed_on, agencies[agency_id].name, category, int(count)))
    involved = [
        AgencyInvolvement(
            agency_id=agency_id,
            name=agencies[agency_id].name,
            kind=agencies[agency_id].kind,
            region=agencies[agency_id].region,
            contact_point=agencies[agency_id].contact_point,
            signals=sum(counts.values()),
            categories=dict(sorted(counts.items())),
        )
        for agency_id, counts in categories.items()
    ]
    return sorted(involved, key=lambda item: item.name), timeline


def facts(detail: AlertDetail) -> Facts:
    """Return what the explanation of an alert is made of, as a coordinator sees it."""
    return Facts(
        kind=detail.alert.kind,
        level=detail.alert.level,
        agencies=len(detail.agencies) or detail.alert.agency_count,
        regions=len(detail.regions) or detail.alert.region_count,
        signals=detail.signals or detail.alert.signal_count,
        first_observed=detail.first_observed,
        last_observed=detail.last_observed,
        linked=[(item.kind, item.level) for item in detail.linked],
        shared=[(item.kind, item.level) for item in detail.evidence],
    )


def explain(detail: AlertDetail) -> str:
    """Return the sentence that explains an alert, e.g. '3 agencies in 2 regions share ...'."""
    return explain_facts(facts(detail))
