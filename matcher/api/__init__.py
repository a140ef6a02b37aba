"""The JSON API under /api/v1: one blueprint named ``api``.

Its paths are listed once, in :data:`matcher.openapi.PATHS`; this module binds them to views.

Views are thin: parse the request, call a service, serialize the result. Errors of every kind
are rendered by :mod:`matcher.errors` as ``client.wire.ErrorBody``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from flask import Blueprint, Flask

from matcher.api import agency, coordinator, meta
from matcher.openapi import PATHS, PREFIX

__all__ = ["BLUEPRINT", "PREFIX", "ROUTES", "VIEWS", "Route", "init_app"]

BLUEPRINT = "api"

#: the view of each endpoint that matcher.openapi.PATHS lists
VIEWS: dict[str, Callable[..., Any]] = {
    "submit_batch": agency.submit_batch,
    "withdraw": agency.withdraw,
    "released_alerts": agency.released_alerts,
    "key_epochs": meta.key_epochs,
    "coordinator_alerts": coordinator.list_alerts,
    "coordinator_alert": coordinator.alert_detail,
    "coordinator_release": coordinator.release,
    "openapi": meta.openapi_document,
    "health": meta.health,
}


class Route(NamedTuple):
    rule: str
    endpoint: str
    view: Callable[..., Any]
    methods: tuple[str, ...]


ROUTES: tuple[Route, ...] = tuple(
    Route(path.rule, path.endpoint, VIEWS[path.endpoint], path.methods) for path in PATHS
)


def init_app(app: Flask) -> None:
    """Register the API blueprint (a fresh one per app: nothing is bound at import time)."""
    blueprint = Blueprint(BLUEPRINT, __name__, url_prefix=PREFIX)
    for route in ROUTES:
        blueprint.add_url_rule(
            route.rule, endpoint=route.endpoint, view_func=route.view, methods=list(route.methods)
        )
    app.register_blueprint(blueprint)
