"""Fixtures for the analysts' app: a federation key the matcher knows, an agency, the app.

The app talks to the real matcher app (in process, through httpx's WSGI transport), prepares
with the real hmac scheme and keeps its ledger, uploads and saved mappings in tmp_path.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlmodel import Session
from werkzeug.test import TestResponse

from client.app import AppSettings, create_app
from client.batches import prepare
from client.http import MatcherClient
from client.keys import FederationKey, generate_key
from client.mapping import ColumnMapping, IdentifierColumn
from client.wire import Category, Kind
from tests.conftest import record_approvals

START_TOKEN = "the-one-time-start-token-of-this-test-run"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

#: A Dutch Excel export as it comes: a title row, an empty row, the header, data, a totals row.
TITLE = "Overzicht signalen horeca, eerste kwartaal 2026"
EXPORT_ROWS: list[list[Any]] = [
    [TITLE],
    [],
    ["Zaaknummer", "Tel.", "Straat", "Huisnummer", "Postcode", "Plaats", "Exploitant", "Datum"],
    ["Z-2026-001", "06-12345678", "Hoofdstraat", "14", "3811 AB", "Amersfoort", "", "01-03-2026"],
    ["Z-2026-002", "onbekend", "", "", "", "", "Zonnebloem Massage B.V.", "02-03-2026"],
    ["Z-2026-003", "0031 6 87654321", "", "", "", "", "", "03-03-2026"],
    ["Z-2026-004", "", "", "", "", "", "", "04-03-2026"],
    ["Totaal", 4, None, None, None, None, None, None],
]
RAW_VALUES = ("06-12345678", "612345678", "Hoofdstraat", "3811", "Zonnebloem", "87654321")


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class Analyst:
    """A browser-like client of the app: signed in through the start link, sends CSRF tokens."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token = ""

    def start(self) -> TestResponse:
        response = self.client.get(f"/start/{START_TOKEN}")
        page = self.client.get("/").get_data(as_text=True)
        found = _CSRF.search(page)
        self.token = found.group(1) if found else ""
        return response

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kwargs)

    def upload(self, content: bytes, name: str = "signalen.xlsx") -> str:
        """Upload an export and return its preview URL."""
        response = self.post(
            "/exports", {"export": (io.BytesIO(content), name)}, content_type="multipart/form-data"
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return response.headers["Location"]

    def prepare(self, preview_url: str, form: dict[str, str]) -> str:
        """Post the column form and wait for the preparation; return the report's URL."""
        response = self.post(f"{preview_url}/columns", form)
        assert response.status_code == 302, response.get_data(as_text=True)
        report_url = response.headers["Location"]
        for _ in range(200):
            page = self.get(report_url).get_data(as_text=True)
            if 'http-equiv="refresh"' not in page:
                return report_url
            time.sleep(0.05)
        raise AssertionError("the preparation did not finish")


@pytest.fixture
def federation_key(make_epoch: Callable[..., Any]) -> FederationKey:
    key = generate_key(epoch=1)
    make_epoch(scheme="hmac", epoch=1, fingerprint=key.fingerprint)
    return key


@pytest.fixture
def utrecht(make_agency: Callable[..., Any], make_api_token: Callable[..., str]) -> dict[str, Any]:
    agency = make_agency(name="Gemeente Utrecht", region="Midden-Nederland")
    return {"agency": agency, "token": make_api_token(agency)}


def app_settings(
    tmp_path: Path, key: FederationKey, matcher: Callable[[], MatcherClient] | None
) -> AppSettings:
    work = tmp_path / "work"
    work.mkdir(mode=0o700, exist_ok=True)
    return AppSettings(
        start_token=START_TOKEN,
        scheme=key.scheme_instance(),
        matcher=matcher,
        ledger_path=tmp_path / "ledger.sqlite3",
        work_dir=work,
        mappings_path=tmp_path / "mappings.json",
        workers=1,
    )


@pytest.fixture
def agency_app(
    app: Flask, tmp_path: Path, federation_key: FederationKey, utrecht: dict[str, Any]
) -> Flask:
    """The analysts' app of Gemeente Utrecht, talking to the real matcher app in process."""

    def open_matcher() -> MatcherClient:
        return MatcherClient(
            "http://127.0.0.1", api_token=utrecht["token"], transport=httpx.WSGITransport(app=app)
        )

    return create_app(app_settings(tmp_path, federation_key, open_matcher), {"TESTING": True})


@pytest.fixture
def analyst(agency_app: Flask) -> Analyst:
    analyst = Analyst(agency_app.test_client())
    analyst.start()
    return analyst


def plant_second_agency(
    open_matcher: Callable[[str], MatcherClient],
    key: FederationKey,
    make_agency: Callable[..., Any],
    make_api_token: Callable[..., str],
) -> None:
    """Gemeente Amersfoort submits the same phone number (case A-77) through the library."""
    agency = make_agency(name="Gemeente Amersfoort", region="Midden-Nederland")
    mapping = ColumnMapping(
        identifiers=(IdentifierColumn(column="telefoon", kind=Kind.PHONE),),
        case_column="zaak",
        category=Category.ADVERTISEMENT_MONITORING,
    )
    batches, _ = prepare(
        [(2, {"telefoon": "+31 6 1234 5678", "zaak": "A-77"})],
        scheme=key.scheme_instance(),
        mapping=mapping,
        workers=1,
    )
    with open_matcher(make_api_token(agency)) as matcher:
        for batch in batches:
            matcher.submit(batch)


def release_phone_alert(matcher: FlaskClient, coordinator_token: str) -> None:
    """Release the phone alert to its agencies, as a coordinator does through the API once
    every data owner approved disclosure (recorded here as the dashboard would)."""
    headers = {"Authorization": f"Bearer {coordinator_token}"}
    alerts = matcher.get("/api/v1/coordinator/alerts?kind=phone", headers=headers).get_json()
    (alert,) = alerts["alerts"]
    with Session(matcher.application.extensions["matcher.engine"]) as session:
        record_approvals(session, alert["id"])
    released = matcher.post(f"/api/v1/coordinator/alerts/{alert['id']}/release", headers=headers)
    assert released.status_code == 200, released.get_data(as_text=True)
