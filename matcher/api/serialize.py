"""Turn alert service results into JSON-ready dicts (no token ever: alerts are known by id)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from matcher.models import AlertEvent
from matcher.services.alerts import AlertDetail, AlertPage, AlertSummary, explain


def _iso(moment: dt.datetime | dt.date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def summary(item: AlertSummary) -> dict[str, Any]:
    """Return one alert list row."""
    row = dataclasses.asdict(item)
    for name in ("first_observed", "last_observed", "detected_at", "updated_at", "released_at"):
        row[name] = _iso(row[name])
    return row


def page(result: AlertPage) -> dict[str, Any]:
    """Return a page of alerts with totals and counts per status."""
    return {
        "alerts": [summary(item) for item in result.items],
        "page": result.page,
        "per_page": result.per_page,
        "pages": result.pages,
        "total": result.total,
        "counts": result.counts,
    }


def _event(event: AlertEvent) -> dict[str, Any]:
    return {
        "at": _iso(event.at),
        "actor": event.actor,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
    }


def detail(result: AlertDetail) -> dict[str, Any]:
    """Return an alert in full, with its explanation sentence."""
    alert = result.alert
    return {
        "id": alert.id,
        "explanation": explain(result),
        "kind": alert.kind,
        "level": alert.level,
        "status": alert.status,
        "strength": alert.strength,
        "evidence": [dataclasses.asdict(item) for item in result.evidence],
        "possible_victim": alert.possible_victim,
        "released_at": _iso(alert.released_at),
        "first_observed": _iso(result.first_observed),
        "last_observed": _iso(result.last_observed),
        "detected_at": _iso(alert.created_at),
        "updated_at": _iso(alert.last_seen),
        "counts": {
            "agencies": len(result.agencies),
            "regions": len(result.regions),
            "signals": result.signals,
        },
        "regions": result.regions,
        "agencies": [dataclasses.asdict(agency) for agency in result.agencies],
        "timeline": [
            {**dataclasses.asdict(entry), "day": _iso(entry.day)} for entry in result.timeline
        ],
        "events": [_event(event) for event in result.events],
        "cluster": {
            "kinds": result.cluster_kinds,
            "alerts": [dataclasses.asdict(item) for item in result.linked],
            "links": [
                {"agencies": list(link.agencies), "kinds": link.kinds} for link in result.links
            ],
            "truncated": result.cluster_truncated,
        },
    }
