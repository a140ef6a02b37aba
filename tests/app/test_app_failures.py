"""What the analyst sees when something is wrong: progress while busy, nothing lost on refusal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from flask import Flask

from client.app import create_app
from client.app.workspace import Job, Upload, Workspace
from client.http import MatcherClient
from client.keys import generate_key
from tests.app.conftest import EXPORT_ROWS, Analyst, app_settings, xlsx_bytes
from tests.app.test_app_steps import FORM


def test_a_running_preparation_shows_a_progress_bar_that_refreshes(
    analyst: Analyst, agency_app: Flask, tmp_path: Path
) -> None:
    workspace: Workspace = agency_app.extensions["kruispunt-workspace"]
    job = Job("running-job", Upload("u", tmp_path / "signalen.xlsx"), done=40, total=160)
    workspace.jobs[job.id] = job

    page = analyst.get("/preparations/running-job").get_data(as_text=True)

    assert '<progress id="progress" max="100" value="25">' in page
    assert 'http-equiv="refresh"' in page


def test_a_file_that_is_not_a_workbook_is_refused_with_a_reason(analyst: Analyst) -> None:
    preview_url = analyst.upload(b"not a zip archive", name="kapot.xlsx")

    response = analyst.get(preview_url, follow_redirects=True)

    assert "Dit bestand kan niet worden gelezen" in response.get_data(as_text=True)


def test_a_refused_key_keeps_the_prepared_batches_for_later(
    app: Flask,
    tmp_path: Path,
    make_agency: Callable[..., Any],
    make_api_token: Callable[..., str],
) -> None:
    token = make_api_token(make_agency(name="Gemeente Zeist"))

    def open_matcher() -> MatcherClient:
        return MatcherClient(
            "http://127.0.0.1", api_token=token, transport=httpx.WSGITransport(app=app)
        )

    unknown_key = generate_key(epoch=7)  # never registered at the matcher
    agency_app = create_app(app_settings(tmp_path, unknown_key, open_matcher), {"TESTING": True})
    analyst = Analyst(agency_app.test_client())
    analyst.start()
    report_url = analyst.prepare(analyst.upload(xlsx_bytes(EXPORT_ROWS)), FORM)

    page = analyst.post(f"{report_url}/submit", follow_redirects=True).get_data(as_text=True)

    assert "De matcher weigerde de sleutel" in page
    assert "Insturen naar de matcher" in page  # the button is still there: nothing was lost
    assert len(list((tmp_path / "outbox").glob("*.jsonl"))) == 1


def test_without_a_matcher_the_app_prepares_and_says_how_to_submit(tmp_path: Path) -> None:
    agency_app = create_app(app_settings(tmp_path, generate_key(epoch=1), None), {"TESTING": True})
    analyst = Analyst(agency_app.test_client())
    analyst.start()
    report_url = analyst.prepare(analyst.upload(xlsx_bytes(EXPORT_ROWS)), FORM)

    submitted = analyst.post(f"{report_url}/submit", follow_redirects=True)
    alerts = analyst.get("/alerts")

    assert "start de app met --matcher URL" in submitted.get_data(as_text=True)
    assert "start de app met --matcher URL" in alerts.get_data(as_text=True)
