"""Dates mean one thing: first/last observed are observation days; detected/updated are not."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlmodel import Session

from client.cli import main as kruispunt
from tests.conftest import record_approvals

EARLY, LATE = dt.date(2026, 1, 5), dt.date(2026, 2, 10)
UPLOADED = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def test_every_answer_and_page_gives_observation_days_and_matcher_times_apart(
    app: Any,
    client: FlaskClient,
    make_agency: Callable[..., Any],
    make_signal: Callable[..., Any],
    make_alert: Callable[..., Any],
    make_user: Callable[..., Any],
    make_user_token: Callable[..., str],
    make_api_token: Callable[..., str],
    tmp_path: Any,
    db_session: Session,
) -> None:
    utrecht = make_agency("Gemeente Utrecht")
    amersfoort = make_agency("Gemeente Amersfoort")
    alert = make_alert(
        make_signal(utrecht, observed_on=EARLY), make_signal(amersfoort, observed_on=LATE),
        seen=UPLOADED,
    )  # fmt: skip
    coordinator = {"Authorization": f"Bearer {make_user_token(make_user())}"}
    agency_token = make_api_token(utrecht)

    [row] = client.get("/api/v1/coordinator/alerts", headers=coordinator).get_json()["alerts"]
    detail = client.get(f"/api/v1/coordinator/alerts/{alert.id}", headers=coordinator).get_json()
    record_approvals(db_session, alert.id)
    client.post(f"/api/v1/coordinator/alerts/{alert.id}/release", headers=coordinator)
    [released] = client.get(
        "/api/v1/alerts", headers={"Authorization": f"Bearer {agency_token}"}
    ).get_json()["alerts"]
    printed = CliRunner().invoke(
        kruispunt,
        ["alerts", "--matcher", "http://127.0.0.1"],
        env={"KRUISPUNT_API_TOKEN": agency_token, "KRUISPUNT_LEDGER": str(tmp_path / "l.db")},
        obj={"transport": httpx.WSGITransport(app=app)},
    )

    for answer in (row, detail, released):
        assert (answer["first_observed"], answer["last_observed"]) == ("2026-01-05", "2026-02-10")
        assert "first_seen" not in answer and "last_seen" not in answer
    for answer in (row, detail):
        assert answer["detected_at"].startswith("2026-03-02T12:00")
        assert answer["updated_at"].startswith("2026-03-02T12:00")
    assert "first observed 2026-01-05, last observed 2026-02-10" in detail["explanation"]
    assert "first observed 2026-01-05, last observed 2026-02-10" in released["explanation"]
    assert printed.exit_code == 0, printed.output
    assert "observed 2026-01-05 to 2026-02-10" in printed.output


def test_the_period_filter_is_on_the_matchers_update_time(
    client: FlaskClient,
    make_agency: Callable[..., Any],
    make_signal: Callable[..., Any],
    make_alert: Callable[..., Any],
    make_user: Callable[..., Any],
    make_user_token: Callable[..., str],
) -> None:
    utrecht, amersfoort = make_agency("Gemeente Utrecht"), make_agency("Gemeente Amersfoort")
    alert = make_alert(
        make_signal(utrecht, observed_on=EARLY), make_signal(amersfoort, observed_on=LATE),
        seen=UPLOADED,
    )  # fmt: skip
    coordinator = {"Authorization": f"Bearer {make_user_token(make_user())}"}

    def ids(since: str) -> list[int]:
        answer = client.get(f"/api/v1/coordinator/alerts?since={since}", headers=coordinator)
        return [item["id"] for item in answer.get_json()["alerts"]]

    assert ids("2026-03-02") == [alert.id]
    assert ids("2026-03-03") == []
