"""The coordinator dashboard: server-rendered pages for coordinators, analysts, auditors, admins.

``init_app`` reads like a table of contents: cookie policy, languages, CSRF protection (every
form; the bearer-token JSON API under /api is exempt), one blueprint whose routes are listed in
:data:`ROUTES`, security headers. Views are thin: parse, call a service, render.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, NamedTuple

from flask import Blueprint, Flask, Response
from flask_wtf.csrf import CSRFProtect

from matcher.dashboard import (
    access,
    account,
    admin_pages,
    agency_pages,
    alert_pages,
    audit_pages,
    dates,
    errors,
    i18n,
)

BLUEPRINT = "dashboard"
SESSION_LIFETIME = timedelta(hours=8)
#: no inline scripts or styles, nothing from elsewhere; forms post to this site only
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class Route(NamedTuple):
    rule: str
    endpoint: str
    view: Callable[..., Any]
    methods: tuple[str, ...] = ("GET",)


ROUTES: tuple[Route, ...] = (
    Route("/", "home", account.home),
    Route("/sign-in", "sign_in", account.sign_in, ("GET", "POST")),
    Route("/sign-in/code", "sign_in_code", account.sign_in_code, ("GET", "POST")),
    Route("/sign-out", "sign_out", account.sign_out, ("POST",)),
    Route("/language", "language", account.language, ("POST",)),
    Route("/account", "account", account.account_page),
    Route("/account/totp", "totp", account.totp, ("GET", "POST")),
    Route("/alerts", "alert_list", alert_pages.alert_list),
    Route("/alerts/<id:alert_id>", "alert_detail", alert_pages.alert_detail),
    Route("/alerts/<id:alert_id>/actions", "alert_action", alert_pages.alert_action, ("POST",)),
    Route("/alerts/<id:alert_id>/notes", "alert_note", alert_pages.alert_note, ("POST",)),
    Route(
        "/alerts/<id:alert_id>/possible-victim",
        "possible_victim",
        alert_pages.possible_victim,
        ("POST",),
    ),
    Route("/alerts/<id:alert_id>/benign-hub", "mark_hub", alert_pages.mark_hub, ("POST",)),
    Route(
        "/alerts/<id:alert_id>/benign-hub/remove",
        "unmark_hub",
        alert_pages.unmark_hub,
        ("POST",),
    ),
    Route("/hubs", "hub_list", alert_pages.hub_list),
    Route("/my/alerts", "my_alerts", agency_pages.my_alerts),
    Route("/my/alerts/<id:alert_id>", "my_alert", agency_pages.my_alert),
    Route("/my/alerts/<id:alert_id>/decision", "my_decision", agency_pages.decide, ("POST",)),
    Route("/my/alerts/<id:alert_id>/embargo", "my_embargo", agency_pages.embargo, ("POST",)),
    Route("/my/signals", "my_signals", agency_pages.my_signals),
    Route("/my/signals/withdraw", "my_withdraw", agency_pages.withdraw, ("POST",)),
    Route("/my/batches", "my_batches", agency_pages.my_batches),
    Route("/audit", "audit_log", audit_pages.audit_log_page),
    Route("/admin/users", "admin_users", admin_pages.user_list),
    Route("/admin/submissions", "admin_submissions", admin_pages.submissions),
    Route("/admin/users/<id:user_id>/unlock", "admin_unlock", admin_pages.unlock, ("POST",)),
    Route(
        "/admin/users/<id:user_id>/reset-totp",
        "admin_reset_totp",
        admin_pages.reset_totp,
        ("POST",),
    ),
)


def _configure_cookies(app: Flask) -> None:
    # Secure everywhere but on a developer's plain-HTTP localhost (debug) and in tests
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not (app.debug or app.testing),
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
    )


def _protect_forms(app: Flask) -> None:
    csrf = CSRFProtect(app)
    for name, blueprint in app.blueprints.items():
        # the JSON API authenticates every request with a bearer token, not a cookie
        if name == "api":
            csrf.exempt(blueprint)


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    # pages show personal-data-adjacent facts: keep them out of shared caches and history
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    """Mount the dashboard on the app (a fresh blueprint per app)."""
    _configure_cookies(app)
    i18n.init_app(app)
    _protect_forms(app)
    blueprint = Blueprint(BLUEPRINT, __name__)
    for route in ROUTES:
        blueprint.add_url_rule(
            route.rule, endpoint=route.endpoint, view_func=route.view, methods=list(route.methods)
        )
    blueprint.before_request(access.load_user)
    blueprint.after_request(_security_headers)
    errors.register(blueprint)
    app.register_blueprint(blueprint)
    app.jinja_env.globals.update(home_url=access.home_url, day=dates.day, when=dates.when)
