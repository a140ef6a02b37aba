"""The analysts' app in a real browser, from a Dutch Excel export to an alert with our cases.

Debian's chromium drives the app served on 127.0.0.1, which talks over HTTP to the real matcher
served on another port. A second agency's batch is planted through the client library and a
coordinator releases the alert, so the analyst sees it with their own case numbers. Screenshots
go to tmp_path, or to the folder named by KRUISPUNT_APP_SCREENSHOTS (docs/screenshots for the
analyst guide).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from client.app import create_app
from client.http import MatcherClient
from client.keys import FederationKey
from tests.app.conftest import (
    EXPORT_ROWS,
    RAW_VALUES,
    START_TOKEN,
    app_settings,
    plant_second_agency,
    release_phone_alert,
    xlsx_bytes,
)
from tests.dashboard import live

pytestmark = live.BROWSER_MARKS


@pytest.fixture
def matcher_url(app: Flask) -> Iterator[str]:
    with live.serve(app) as url:
        yield url


@pytest.fixture
def app_url(
    matcher_url: str, tmp_path: Path, federation_key: FederationKey, utrecht: dict[str, Any]
) -> Iterator[str]:
    def open_matcher() -> MatcherClient:
        return MatcherClient(matcher_url, api_token=utrecht["token"], retries=0)

    agency_app = create_app(app_settings(tmp_path, federation_key, open_matcher))
    with live.serve(agency_app) as url:
        yield url


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("KRUISPUNT_APP_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_an_excel_export_goes_from_file_choice_to_an_alert_with_our_case_numbers(
    browser: Any,
    app_url: str,
    matcher_url: str,
    client: Any,
    tmp_path: Path,
    federation_key: FederationKey,
    make_agency: Callable[..., Any],
    make_api_token: Callable[..., str],
    make_user: Callable[..., Any],
    make_user_token: Callable[..., str],
) -> None:
    export = tmp_path / "Signalen horeca Q1.xlsx"
    export.write_bytes(xlsx_bytes(EXPORT_ROWS))
    shots = _shots(tmp_path)
    page = live.new_page(browser, app_url, width=1280, height=860)

    page.goto(f"/start/{START_TOKEN}")
    assert page.get_by_role("heading", level=1).inner_text() == "Kies een export"
    page.screenshot(path=shots / "app-bestand.png")

    page.get_by_label("Exportbestand (.csv of .xlsx)").set_input_files(export)
    page.get_by_role("button", name="Voorbeeld tonen").click()
    facts = page.locator(".facts").inner_text()
    assert "De kolomnamen staan in rij 3." in facts
    assert "Totaalregel herkend en overgeslagen: rij 8." in facts
    page.screenshot(path=shots / "app-voorbeeld.png", full_page=True)

    page.get_by_role("link", name="Verder: kolommen kiezen").click()
    assert page.get_by_label("Tel.").input_value() == "phone"
    assert page.get_by_label("Postcode").input_value() == "postcode"
    assert page.get_by_label("Exploitant").input_value() == "operator"
    page.get_by_label("Waar de signalen vandaan komen").select_option("inspection")
    page.get_by_label("Naam van dit soort export (optioneel)").fill("Horecacontroles")
    page.screenshot(path=shots / "app-kolommen.png", full_page=True)

    page.get_by_role("button", name="Voorbereiden").click()
    page.get_by_role("heading", name=re.compile("Resultaat voor")).wait_for()
    summary = page.locator(".facts").inner_text()
    assert "Gelezen rijen: 4. Voorbereide signalen: 3. Afgewezen rijen: 1." in summary
    page.screenshot(path=shots / "app-resultaat.png", full_page=True)

    page.get_by_role("button", name="Insturen naar de matcher").click()
    assert (
        "Signalen die de matcher heeft ontvangen: 3."
        in page.get_by_role("status").first.inner_text()
    )

    plant_second_agency(
        lambda token: MatcherClient(matcher_url, api_token=token),
        federation_key,
        make_agency,
        make_api_token,
    )
    release_phone_alert(client, make_user_token(make_user()))
    page.get_by_role("link", name="Meldingen", exact=True).click()
    alert = page.locator("article.alert")
    assert alert.locator("td.case").inner_text() == "Z-2026-001"
    assert "Signalen horeca Q1.xlsx, rij 4" in alert.inner_text()
    assert "Gemeente Amersfoort" in alert.inner_text()
    assert "A-77" not in page.content()  # the other agency's case number stays with it
    page.screenshot(path=shots / "app-meldingen.png", full_page=True)

    alert.get_by_role("button", name="Intrekken…").click()
    assert "Signalen van zaak Z-2026-001 bij de matcher: 1." in page.locator("main").inner_text()
    page.screenshot(path=shots / "app-intrekken.png")
    page.get_by_role("button", name="Ja, intrekken").click()
    assert "Ingetrokken signalen: 1." in page.get_by_role("status").first.inner_text()

    page.get_by_role("button", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Alerts for your agency"
    page.context.close()


def test_the_browser_never_sends_a_cell_to_the_matcher_and_logs_none(
    browser: Any,
    app_url: str,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    export = tmp_path / "signalen.xlsx"
    export.write_bytes(xlsx_bytes(EXPORT_ROWS))
    page = live.new_page(browser, app_url)
    page.goto(f"/start/{START_TOKEN}")
    page.get_by_label("Exportbestand (.csv of .xlsx)").set_input_files(export)
    page.get_by_role("button", name="Voorbeeld tonen").click()
    page.get_by_role("link", name="Verder: kolommen kiezen").click()
    page.get_by_role("button", name="Voorbereiden").click()
    page.get_by_role("button", name="Insturen naar de matcher").click()
    page.context.close()

    out, err = capfd.readouterr()
    assert "Ingestuurd" in caplog.text or "POST /preparations/" in caplog.text
    for value in RAW_VALUES:
        assert value not in out + err + caplog.text
