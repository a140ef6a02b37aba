"""Clusters: the alerts linked to one alert through shared signals, and who they connect.

A signal that holds both a phone number and an address links the phone alert and the address
alert. Links are followed for up to ``MAX_HOPS`` steps and ``MAX_CLUSTER`` alerts, so that a
hub (a hotel's switchboard) cannot make one detail page read the whole database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from sqlalchemy import Table, func, or_
from sqlmodel import Session, col, select

from matcher.models import Agency, Alert, AlertAgency, SignalToken
from matcher.services.explanations import phrase

MAX_HOPS = 2
MAX_CLUSTER = 25
_SIGNAL_TOKENS: Table = SignalToken.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class LinkedAlert:
    """An alert in the same cluster, and how many links away it is."""

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
class Cluster:
    """The linked alerts, the agency pairs they connect, and whether the walk was cut short."""

    linked: list[LinkedAlert]
    links: list[ClusterLink]
    truncated: bool


def _neighbours(session: Session, alert: Alert, *, limit: int) -> list[Alert]:
    """Return the other alerts (never another's evidence) sharing a signal with alert's link."""
    link_tokens = select(col(Alert.token)).where(
        or_(col(Alert.id) == alert.id, col(Alert.link_id) == alert.id),
        col(Alert.token).is_not(None),
    )
    first, second = _SIGNAL_TOKENS.alias("first"), _SIGNAL_TOKENS.alias("second")
    primary = func.coalesce(col(Alert.link_id), col(Alert.id))
    found = (
        select(primary)
        .join(second, second.c.token == col(Alert.token))
        .join(first, first.c.signal_id == second.c.signal_id)
        .where(first.c.token.in_(link_tokens), primary != alert.id)
        .distinct()
    )
    statement = select(Alert).where(col(Alert.id).in_(found)).order_by(col(Alert.id)).limit(limit)
    return list(session.exec(statement))


def _walk(session: Session, alert: Alert) -> tuple[list[tuple[Alert, int]], bool]:
    seen = {alert.id}
    found: list[tuple[Alert, int]] = []
    frontier = [alert]
    for hop in range(1, MAX_HOPS + 1):
        next_frontier: list[Alert] = []
        for current in frontier:
            for neighbour in _neighbours(session, current, limit=MAX_CLUSTER + 1):
                if neighbour.id in seen:
                    continue
                if len(found) >= MAX_CLUSTER:
                    return found, True
                seen.add(neighbour.id)
                found.append((neighbour, hop))
                next_frontier.append(neighbour)
        frontier = next_frontier
    return found, False


def _agency_names(session: Session, alert_ids: list[int | None]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    rows = session.exec(
        select(AlertAgency.alert_id, Agency.name)
        .join(Agency, col(Agency.id) == col(AlertAgency.agency_id))
        .where(col(AlertAgency.alert_id).in_(alert_ids))
        .order_by(col(Agency.name))
    )
    for alert_id, name in rows:
        names[alert_id].append(name)
    return names


def cluster_of(session: Session, alert: Alert) -> Cluster:
    """Return the cluster around an alert: linked alerts and agency pairs with their kinds."""
    found, truncated = _walk(session, alert)
    members = [alert, *(item for item, _ in found)]
    names = _agency_names(session, [member.id for member in members])
    pairs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for member in members:
        for pair in combinations(names[member.id or 0], 2):
            pairs[pair].add(phrase(member.kind, member.level))
    linked = [
        LinkedAlert(item.id or 0, item.kind, item.level, item.status, names[item.id or 0], hops)
        for item, hops in found
    ]
    links = [ClusterLink(pair, sorted(kinds)) for pair, kinds in sorted(pairs.items())]
    return Cluster(linked, links, truncated)
