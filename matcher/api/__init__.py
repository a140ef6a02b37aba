"""The JSON API under /api/v1: one blueprint named ``api``, its routes listed in one table.

Views are thin: parse the request, call a service, serialize the result. Errors of every kind
are rendered by :mod:`matcher.errors` as ``client.wire.ErrorBody``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from flask import Blueprint, Flask

from matcher.api import agency, coordinator, meta

PREFIX = "/api/v1"
BLUEPRINT = "api"


class Route(NamedTuple):
    rule: str
    endpoint: str
    view: Callable[..., Any]
    methods: tuple[str, ...]


ROUTES: tuple[Route, ...] = (
    Route("/batches", "submit_batch", agency.submit_batch, ("POST",)),
    Route("/withdrawals", "withdraw", agency.withdraw, ("POST",)),
    Route("/alerts", "released_alerts", agency.released_alerts, ("GET",)),
    Route("/key-epochs", "key_epochs", meta.key_epochs, ("GET",)),
    Route("/coordinator/alerts", "coordinator_alerts", coordinator.list_alerts, ("GET",)),
    Route(
        "/coordinator/alerts/<id:alert_id>",
        "coordinator_alert",
        coordinator.alert_detail,
        ("GET",),
    ),
    Route(
        "/coordinator/alerts/<id:alert_id>/release",
        "coordinator_release",
        coordinator.release,
        ("POST",),
    ),
    Route("/openapi.json", "openapi", meta.openapi_document, ("GET",)),
    Route("/health", "health", meta.health, ("GET",)),
)


def init_app(app: Flask) -> None:
    """Register the API blueprint (a fresh one per app: nothing is bound at import time)."""
    blueprint = Blueprint(BLUEPRINT, __name__, url_prefix=PREFIX)
    for route in ROUTES:
        blueprint.add_url_rule(
            route.rule, endpoint=route.endpoint, view_func=route.view, methods=list(route.methods)
        )
    app.register_blueprint(blueprint)
