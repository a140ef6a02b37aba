"""The analysts' app from file to alert, through Flask's test client and the real matcher."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask

from client.http import MatcherClient
from client.keys import FederationKey
from tests.app.conftest import (
    EXPORT_ROWS,
    RAW_VALUES,
    TITLE,
    Analyst,
    plant_second_agency,
    release_phone_alert,
    xlsx_bytes,
)

FORM = {
    "role-0": "case",
    "role-1": "phone",
    "role-2": "street",
    "role-3": "house_number",
    "role-4": "postcode",
    "role-5": "city",
    "role-6": "operator",
    "role-7": "observed",
    "phone_region": "",
    "category": "inspection",
    "retention_days": "365",
}


def test_the_preview_skips_the_title_finds_the_header_and_recognises_the_totals_row(
    analyst: Analyst,
) -> None:
    preview = analyst.get(analyst.upload(xlsx_bytes(EXPORT_ROWS))).get_data(as_text=True)

    assert "De kolomnamen staan in rij 3." in preview
    assert "Totaalregel herkend en overgeslagen: rij 8." in preview
    assert "Rijen met gegevens: 4." in preview
    assert '<th scope="col">Tel.</th>' in preview
    assert TITLE not in preview


def test_the_column_form_is_prefilled_from_dutch_header_names(analyst: Analyst) -> None:
    page = analyst.get(f"{analyst.upload(xlsx_bytes(EXPORT_ROWS))}/columns").get_data(as_text=True)

    for index, role in [
        (0, "case"),
        (1, "phone"),
        (2, "street"),
        (3, "house_number"),
        (4, "postcode"),
        (5, "city"),
        (6, "operator"),
        (7, "observed"),
    ]:
        select = page.split(f'name="role-{index}"', 1)[1].split("</select>", 1)[0]
        assert f'value="{role}" selected' in select


def test_preparing_reports_rejected_rows_by_rule_and_offers_them_as_csv(
    analyst: Analyst,
) -> None:
    report_url = analyst.prepare(analyst.upload(xlsx_bytes(EXPORT_ROWS)), FORM)
    page = analyst.get(report_url).get_data(as_text=True)
    rejections = analyst.get(f"{report_url}/rejections.csv").get_data(as_text=True)

    assert "Gelezen rijen: 4. Voorbereide signalen: 3. Afgewezen rijen: 1." in page
    assert "Totaalregel herkend en overgeslagen: rij 8." in page
    rows = list(csv.DictReader(io.StringIO(rejections)))
    assert {(row["row"], row["column"], row["row_kept"]) for row in rows} == {
        ("5", "Tel.", "yes"),
        ("7", "", "no"),
    }
    for value in RAW_VALUES:
        assert value not in rejections


def test_submitting_sends_tokens_and_records_the_ledger(
    analyst: Analyst, client: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    report_url = analyst.prepare(analyst.upload(xlsx_bytes(EXPORT_ROWS)), FORM)

    submitted = analyst.post(f"{report_url}/submit", follow_redirects=True)

    page = submitted.get_data(as_text=True)
    assert "Ingestuurd. Signalen die de matcher heeft ontvangen: 3." in page
    assert not list((tmp_path / "outbox").glob("*.jsonl"))  # the sent batch file is removed
    for value in RAW_VALUES:
        assert value not in caplog.text


def test_a_released_alert_shows_our_case_numbers_and_withdrawal_asks_first(
    analyst: Analyst,
    app: Flask,
    client: Any,
    federation_key: FederationKey,
    make_agency: Callable[..., Any],
    make_api_token: Callable[..., str],
    make_user: Callable[..., Any],
    make_user_token: Callable[..., str],
) -> None:
    report_url = analyst.prepare(analyst.upload(xlsx_bytes(EXPORT_ROWS)), FORM)
    analyst.post(f"{report_url}/submit")
    plant_second_agency(
        lambda token: MatcherClient(
            "http://127.0.0.1", api_token=token, transport=httpx.WSGITransport(app=app)
        ),
        federation_key,
        make_agency,
        make_api_token,
    )
    release_phone_alert(client, make_user_token(make_user()))

    alerts = analyst.get("/alerts").get_data(as_text=True)

    assert "Z-2026-001" in alerts
    assert "signalen.xlsx, rij 4" in alerts
    assert "Gemeente Amersfoort" in alerts
    assert "A-77" not in alerts  # the other agency's case number stays with it

    confirm = analyst.post("/withdraw", {"case": "Z-2026-001"}).get_data(as_text=True)
    assert "Signalen intrekken?" in confirm
    assert "Signalen van zaak Z-2026-001 bij de matcher: 1." in confirm
    done = analyst.post("/withdraw/confirmed", {"case": "Z-2026-001"}, follow_redirects=True)
    assert "Ingetrokken signalen: 1." in done.get_data(as_text=True)


def test_a_saved_mapping_is_applied_to_the_next_export_of_its_type(analyst: Analyst) -> None:
    analyst.prepare(analyst.upload(xlsx_bytes(EXPORT_ROWS)), {**FORM, "export_type": "Horeca"})
    next_url = analyst.upload(xlsx_bytes(EXPORT_ROWS), name="signalen-april.xlsx")

    page = analyst.get(f"{next_url}/columns").get_data(as_text=True)

    assert "Het bewaarde soort export &#39;Horeca&#39; is toegepast." in page
    select = page.split('name="role-7"', 1)[1].split("</select>", 1)[0]
    assert 'value="observed" selected' in select


def test_preparing_the_same_export_again_warns_before_it_is_sent_twice(analyst: Analyst) -> None:
    first = analyst.prepare(analyst.upload(xlsx_bytes(EXPORT_ROWS)), FORM)
    second = analyst.prepare(analyst.upload(xlsx_bytes(EXPORT_ROWS)), FORM)

    assert "al eerder signalen voorbereid" not in analyst.get(first).get_data(as_text=True)
    warning = analyst.get(second).get_data(as_text=True)
    assert "Uit een export met de naam signalen.xlsx zijn al eerder signalen voorbereid: 3." in (
        warning
    )


def test_a_form_without_an_identifier_is_refused_in_dutch(analyst: Analyst) -> None:
    preview_url = analyst.upload(xlsx_bytes(EXPORT_ROWS))

    response = analyst.post(
        f"{preview_url}/columns",
        {"role-0": "case", "category": "inspection", "retention_days": "365"},
    )

    assert response.status_code == 200
    assert "Kies ten minste één kolom met een identificerend gegeven" in response.get_data(
        as_text=True
    )


def test_english_is_one_click_away(analyst: Analyst) -> None:
    response = analyst.post("/language", {"lang": "en", "next": "/"}, follow_redirects=True)

    assert "Choose an export" in response.get_data(as_text=True)
    assert response.request.path == "/"
