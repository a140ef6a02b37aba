"""One alert in full: its agencies, signals per category, timeline, cluster, and why it exists.

The cluster is the set of alerts linked to this one through shared signals (a signal that holds
both a phone number and an address links the phone alert and the address alert), followed for
up to ``MAX_HOPS`` links and ``MAX_CLUSTER`` alerts. Explanations are plain sentences built
from counts, kinds and dates; there is no score.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func
from sqlmodel import Session, col, select

from matcher.errors import NotFound
from matcher.models import Agency, Alert, AlertAgency, AlertEvent, Signal, SignalToken

MAX_HOPS = 2
MAX_CLUSTER = 25

#: how each kind and level reads in an explanation
PHRASES: dict[tuple[str, str], str] = {
    ("phone", "e164"): "a phone number",
    ("email", "mailbox"): "an e-mail address",
    ("address", "unit"): "an address",
    ("address", "building"): "a building address",
    ("operator", "legal_name"): "an operator's legal name",
    ("operator", "trade_name"): "an operator's trade name",
    ("person", "name"): "a person's name",
    ("person", "name_dob"): "a person's name and date of birth",
    ("iban", "iban"): "a bank account number (IBAN)",
    ("kvk", "kvk"): "a Chamber of Commerce (KvK) number",
    ("plate", "plate"): "a licence plate",
    ("url", "host"): "a website",
}


def phrase(kind: str, level: str) -> str:
    """Return how a kind and level read in a sentence."""
    known = PHRASES.get((kind, level))
    if known is None:
        # an unexpected level: fall back to the kind's first phrase
        known = next((text for (name, _), text in PHRASES.items() if name == kind), None)
    return known or f"an identifier of kind {kind}"


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
    """Return a condition: the alert involves an agency of one of these regions."""
    agencies = select(col(Agency.id)).where(col(Agency.region).in_(sorted(regions)))
    return involving(agencies, for_counting=for_counting)


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
class LinkedAlert:
    """An alert in the same cluster, and how many signals link it."""

    alert_id: int
    kind: str
    level: str
    status: str
    agencies: list[str]
    hops: int


@dataclass(frozen=True)
class ClusterLink:
    """Two agencies connected in the cluster, and through which kinds."""

    agencies: tuple[str, str]
    kinds: list[str]


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

    @property
    def regions(self) -> list[str]:
        return sorted({agency.region for agency in self.agencies})

    @property
    def first_seen(self) -> dt.date:
        days = [entry.day for entry in self.timeline]
        return min(days) if days else self.alert.first_seen.date()

    @property
    def last_seen(self) -> dt.date:
        days = [entry.day for entry in self.timeline]
        return max(days) if days else self.alert.last_seen.date()

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
    cluster, truncated = _cluster(session, alert)
    linked, links = _links(session, alert, cluster)
    return AlertDetail(alert, agencies, timeline, events, linked, links, truncated)


def _agencies_and_timeline(
    session: Session, alert: Alert
) -> tuple[list[AgencyInvolvement], list[TimelineEntry]]:
    rows = session.exec(
        select(col(Signal.agency_id), col(Signal.category), col(Signal.observed_on), func.count())
        .join(SignalToken, col(SignalToken.signal_id) == col(Signal.id))
        .where(col(SignalToken.token) == alert.token)
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


def _neighbours(session: Session, token: bytes | None, *, limit: int) -> list[Alert]:
    """Return alerts whose token is held by a signal that also holds token."""
    if token is None:
        return []  # no signal holds the token any more
    first = SignalToken.__table__.alias("first")  # type: ignore[attr-defined]
    second = SignalToken.__table__.alias("second")  # type: ignore[attr-defined]
    statement = (
        select(Alert)
        .join(second, second.c.token == col(Alert.token))
        .join(first, first.c.signal_id == second.c.signal_id)
        .where(first.c.token == token, col(Alert.token) != token)
        .distinct()
        .order_by(col(Alert.id))
        .limit(limit)
    )
    return list(session.exec(statement))


def _cluster(session: Session, alert: Alert) -> tuple[list[tuple[Alert, int]], bool]:
    seen = {alert.id}
    found: list[tuple[Alert, int]] = []
    frontier = [alert]
    for hop in range(1, MAX_HOPS + 1):
        next_frontier: list[Alert] = []
        for current in frontier:
            for neighbour in _neighbours(session, current.token, limit=MAX_CLUSTER + 1):
                if neighbour.id in seen:
                    continue
                if len(found) >= MAX_CLUSTER:
                    return found, True
                seen.add(neighbour.id)
                found.append((neighbour, hop))
                next_frontier.append(neighbour)
        frontier = next_frontier
    return found, False


def _links(
    session: Session, alert: Alert, linked: list[tuple[Alert, int]]
) -> tuple[list[LinkedAlert], list[ClusterLink]]:
    members = [alert, *(item for item, _ in linked)]
    names: dict[int, list[str]] = defaultdict(list)
    rows = session.exec(
        select(AlertAgency.alert_id, Agency.name)
        .join(Agency, col(Agency.id) == col(AlertAgency.agency_id))
        .where(col(AlertAgency.alert_id).in_([member.id for member in members]))
        .order_by(col(Agency.name))
    )
    for alert_id, name in rows:
        names[alert_id].append(name)
    pairs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for member in members:
        for pair in combinations(names[member.id or 0], 2):
            pairs[pair].add(phrase(member.kind, member.level))
    linked_alerts = [
        LinkedAlert(item.id or 0, item.kind, item.level, item.status, names[item.id or 0], hops)
        for item, hops in linked
    ]
    return linked_alerts, [
        ClusterLink(pair, sorted(kinds)) for pair, kinds in sorted(pairs.items())
    ]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _join(phrases: list[str]) -> str:
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def explain_counts(
    *,
    kind: str,
    level: str,
    agencies: int,
    regions: int,
    signals: int,
    first_seen: dt.date,
    last_seen: dt.date,
    linked_kinds: list[str] | None = None,
) -> str:
    """Return one sentence saying who shares what since when, from counts alone."""
    shared = phrase(kind, level)
    linked = f", linked through the same signals to {_join(linked_kinds)}" if linked_kinds else ""
    return (
        f"{_plural(agencies, 'agency').replace('agencys', 'agencies')} in "
        f"{_plural(regions, 'region')} share {shared}{linked}; "
        f"first seen {first_seen.isoformat()}, last seen {last_seen.isoformat()}, "
        f"{_plural(signals, 'signal')}."
    )


def explain(detail: AlertDetail) -> str:
    """Return the sentence that explains an alert, e.g. '3 agencies in 2 regions share ...'."""
    return explain_counts(
        kind=detail.alert.kind,
        level=detail.alert.level,
        agencies=len(detail.agencies) or detail.alert.agency_count,
        regions=len(detail.regions) or detail.alert.region_count,
        signals=detail.signals or detail.alert.signal_count,
        first_seen=detail.first_seen,
        last_seen=detail.last_seen,
        linked_kinds=detail.cluster_kinds[1:],
    )
