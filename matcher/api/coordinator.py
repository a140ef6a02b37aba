"""Coordinator endpoints: list alerts of the coordinator's regions, read one, release it."""

from __future__ import annotations

from flask import Response, jsonify

from client import kinds
from matcher import alert_states, audit, db
from matcher.api import serialize
from matcher.api.bodies import query_date, query_int, query_text
from matcher.auth import coordinator_required, current_caller
from matcher.errors import InvalidRequest
from matcher.services import alerts
from matcher.services.strength import STRENGTHS


def _strengths() -> tuple[str, ...] | None:
    """Read ``strength`` (strong, medium, weak, or several joined by commas); None shows all."""
    text = query_text("strength")
    if not text:
        return None
    chosen = tuple(part.strip() for part in text.split(","))
    if not set(chosen) <= set(STRENGTHS):
        raise InvalidRequest(
            f"strength is one or more of: {', '.join(STRENGTHS)}.", code="invalid_query"
        )
    return chosen


def _filters() -> alerts.AlertFilter:
    return alerts.AlertFilter(
        status=query_text("status", choices=set(alert_states.names())),
        kind=query_text("kind", choices=set(kinds.names())),
        strengths=_strengths(),
        region=query_text("region"),
        agency_id=query_int("agency"),
        since=query_date("since"),
        until=query_date("until"),
    )


@coordinator_required
def list_alerts() -> Response:
    """Return a filtered, sorted page of the alerts in the caller's regions."""
    caller = current_caller()
    filters = _filters()
    session = db.session()
    result = alerts.list_alerts(
        session,
        filters=filters,
        sort=query_text("sort", choices=set(alerts.SORTS)) or "recent",
        page=query_int("page", default=1) or 1,
        per_page=query_int("per_page", default=50, maximum=alerts.MAX_PER_PAGE) or 50,
        viewer_regions=caller.viewer_regions,
    )
    audit.record(
        session,
        actor=caller.actor,
        action="alert.list",
        details={"page": result.page, "alert_ids": [item.id for item in result.items]},
    )
    session.commit()
    return jsonify(serialize.page(result))


@coordinator_required
def alert_detail(alert_id: int) -> Response:
    """Return one alert in full, if it involves an agency of the caller's regions."""
    caller = current_caller()
    session = db.session()
    detail = alerts.get_alert(session, alert_id, viewer_regions=caller.viewer_regions)
    audit.record(session, actor=caller.actor, action="alert.view", subject=f"alert:{alert_id}")
    session.commit()
    return jsonify(serialize.detail(detail))


@coordinator_required
def release(alert_id: int) -> Response:
    """Release an alert to the agencies involved."""
    caller = current_caller()
    session = db.session()
    alerts.release_alert(
        session, alert_id=alert_id, actor=caller.actor, viewer_regions=caller.viewer_regions
    )
    session.commit()
    detail = alerts.get_alert(session, alert_id, viewer_regions=caller.viewer_regions)
    return jsonify(serialize.detail(detail))
