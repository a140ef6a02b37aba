"""The dashboard in a real browser: sign-in, triage, disclosure by two agencies, the note guard.

Runs Debian's chromium through Playwright against the real app served on 127.0.0.1; skipped
when chromium is not installed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session

from matcher.models import Alert
from tests.conftest import TEST_PASSWORD
from tests.dashboard import live
from tests.dashboard.conftest import World

pytestmark = live.BROWSER_MARKS


@pytest.fixture
def base_url(app: Flask, world: World) -> Iterator[str]:
    with live.serve(app) as url:
        yield url


def test_signing_in_with_a_wrong_then_the_right_password(browser: Any, base_url: str) -> None:
    page = live.new_page(browser, base_url)

    live.sign_in(page, "riec-midden", "not-the-password")
    refused = page.get_by_role("alert").inner_text()
    live.sign_in(page, "riec-midden", TEST_PASSWORD)

    assert "Inloggen mislukt" in refused
    assert page.url.endswith("/alerts")
    assert page.get_by_role("heading", level=1).inner_text() == "Meldingen"
    page.context.close()


def test_the_skip_link_comes_first_and_is_visible_when_focused(browser: Any, base_url: str) -> None:
    page = live.new_page(browser, base_url)
    live.sign_in(page, "riec-midden", TEST_PASSWORD)
    page.goto("/alerts")

    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    box = page.locator(".skip-link").bounding_box()

    assert focused == "skip-link"
    assert box is not None and box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.context.close()


def test_a_coordinator_triages_an_alert_from_the_list(
    browser: Any, base_url: str, world: World, db_session: Session
) -> None:
    page = live.new_page(browser, base_url)
    live.sign_in(page, "riec-midden", TEST_PASSWORD)

    page.get_by_role("link", name=f"#{world.alert.id}").click()
    page.get_by_role("button", name="In triage nemen").click()

    assert "Gedaan" in page.get_by_role("status").first.inner_text()
    assert "In triage" in page.get_by_role("heading", level=1).inner_text()
    db_session.expire_all()
    alert = db_session.get(Alert, world.alert.id)
    assert alert is not None and alert.status == "triage"
    page.context.close()


def _approve(browser: Any, base_url: str, username: str, alert_id: int, basis: str) -> Any:
    page = live.new_page(browser, base_url)
    live.sign_in(page, username, TEST_PASSWORD)
    page.get_by_role("link", name=f"#{alert_id}").click()
    page.get_by_label("Wettelijke grondslag voor verstrekking").select_option(basis)
    page.get_by_role("button", name="Verstrekking goedkeuren").click()
    return page


def test_disclosure_approved_by_both_agencies_shows_each_its_contacts(
    browser: Any, base_url: str, world: World
) -> None:
    coordinator = live.new_page(browser, base_url)
    live.sign_in(coordinator, "riec-midden", TEST_PASSWORD)
    coordinator.goto(f"/alerts/{world.alert.id}")
    coordinator.get_by_role("button", name="In triage nemen").click()
    coordinator.get_by_role("button", name="Verstrekking vragen").click()

    utrecht = _approve(browser, base_url, "analist-utrecht", world.alert.id, "riec_covenant")
    waiting = utrecht.locator("main").inner_text()
    amsterdam = _approve(browser, base_url, "analist-amsterdam", world.alert.id, "gdpr_6_1_e")
    utrecht.goto(f"/my/alerts/{world.alert.id}")

    assert "Gemeente Amsterdam" not in waiting, "no names before every owner agreed"
    for page, own, other, contact in (
        (amsterdam, world.amsterdam_signal.ref, "Gemeente Utrecht", "toezicht-utrecht"),
        (utrecht, world.utrecht_signal.ref, "Gemeente Amsterdam", "desk-amsterdam"),
    ):
        text = page.locator("main").inner_text()
        assert "Verstrekt" in text and own in text and other in text and contact in text
    assert world.utrecht_signal.ref not in amsterdam.locator("main").inner_text()
    coordinator.reload()
    history = coordinator.locator("#history-heading + table").inner_text()
    assert "Vrijgegeven aan de organisaties" in history
    for page in (coordinator, utrecht, amsterdam):
        page.context.close()


def test_the_note_guard_refuses_an_identifier_and_keeps_a_plain_note(
    browser: Any, base_url: str, world: World
) -> None:
    page = live.new_page(browser, base_url)
    live.sign_in(page, "riec-midden", TEST_PASSWORD)
    page.goto(f"/alerts/{world.alert.id}")

    page.get_by_label("Notitie toevoegen").fill("Gebeld met 06-12345678 over het pand.")
    page.get_by_role("button", name="Notitie opslaan").click()
    refusal = page.get_by_role("alert").first.inner_text()
    history_after_refusal = page.locator("main").inner_text()
    page.get_by_label("Notitie toevoegen").fill("Besproken in het RIEC-overleg.")
    page.get_by_role("button", name="Notitie opslaan").click()

    assert re.search(r"niet opgeslagen: er lijkt een telefoonnummer in te staan", refusal)
    assert "06-12345678" not in history_after_refusal
    assert "Besproken in het RIEC-overleg." in page.locator("#history-heading + table").inner_text()
    page.context.close()
