"""Dashboard fixtures on top of the shared ones: a small federation with one user per role.

``Dashboard`` wraps Flask's test client: ``sign_in_as`` puts a user in the session the way
the sign-in page does (tests of the sign-in page itself go through the form), and ``post``
sends the form's CSRF token like a browser that loaded the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

MIDDEN = "Midden-Nederland"
NOORD = "Noord-Holland"
ZUID = "Oost-Brabant"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Dashboard:
    """A browser-like client of the dashboard."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def sign_in_as(self, user: Any | None) -> Dashboard:
        with self.client.session_transaction() as session:
            session.clear()
            if user is not None:
                session["user_id"] = user.id
                session["generation"] = user.session_generation
        return self

    def csrf_token(self) -> str:
        page = self.client.get("/sign-in").get_data(as_text=True)
        found = _CSRF.search(page)
        assert found, "the sign-in page carries a CSRF token"
        return found.group(1)

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        form = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.client.post(url, data=form, **kwargs)


class World:
    """Agencies in three regions, one user per role, one alert involving Utrecht and Amsterdam."""

    def __init__(
        self,
        make_agency: Callable[..., Any],
        make_user: Callable[..., Any],
        make_signal: Callable[..., Any],
        make_alert: Callable[..., Any],
    ) -> None:
        self.utrecht = make_agency("Gemeente Utrecht", MIDDEN, contact_point="toezicht-utrecht")
        self.police = make_agency("Politie Midden-Nederland", MIDDEN, "police")
        self.amsterdam = make_agency("Gemeente Amsterdam", NOORD, contact_point="desk-amsterdam")
        self.eindhoven = make_agency("Gemeente Eindhoven", ZUID)
        self.coordinator = make_user("riec-midden", "coordinator", regions=(MIDDEN,))
        self.coordinator_out = make_user("riec-zuid", "coordinator", regions=(ZUID,))
        self.analyst = make_user("analist-utrecht", "analyst", agency=self.utrecht)
        self.analyst_amsterdam = make_user("analist-amsterdam", "analyst", agency=self.amsterdam)
        self.analyst_other = make_user("analist-eindhoven", "analyst", agency=self.eindhoven)
        self.police_analyst = make_user("avim-midden", "analyst", agency=self.police)
        self.admin = make_user("beheer", "admin")
        self.auditor = make_user("fg", "auditor")
        self.utrecht_signal = make_signal(self.utrecht, "advertisement_monitoring")
        self.amsterdam_signal = make_signal(self.amsterdam, "inspection")
        self.alert = make_alert(self.utrecht_signal, self.amsterdam_signal)
        self.make_signal = make_signal
        self.make_alert = make_alert

    def role(self, name: str) -> Any | None:
        """Return the user playing a role of the authorization matrix (None: anonymous)."""
        return {
            "anonymous": None,
            "coordinator_in": self.coordinator,
            "coordinator_out": self.coordinator_out,
            "analyst_involved": self.analyst,
            "analyst_other": self.analyst_other,
            "admin": self.admin,
            "auditor": self.auditor,
        }[name]


@pytest.fixture
def world(
    make_agency: Callable[..., Any],
    make_user: Callable[..., Any],
    make_signal: Callable[..., Any],
    make_alert: Callable[..., Any],
) -> World:
    return World(make_agency, make_user, make_signal, make_alert)


@pytest.fixture
def dashboard(client: FlaskClient) -> Dashboard:
    return Dashboard(client)


@pytest.fixture
def second_dashboard(app: Flask) -> Dashboard:
    """Another browser, with its own cookies."""
    return Dashboard(app.test_client())
