"""What guides a coordinator and an analyst: the recommended step, confirmations with a reason,
audit actions in words, and the pictures of observations and of alerts per week."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from matcher.models import Alert, AlertEvent, Signal
from matcher.services.alert_counts import detected_per_week
from tests.dashboard.conftest import Dashboard, World


def test_each_alert_page_recommends_one_next_step(dashboard: Dashboard, world: World) -> None:
    dashboard.sign_in_as(world.coordinator)

    page = dashboard.get(f"/alerts/{world.alert.id}").get_data(as_text=True)

    assert '<p class="recommended" id="recommended"><strong>Aanbevolen: In triage nemen.' in page
    assert 'aria-describedby="recommended"' in page


def test_dismissing_needs_a_reason_and_a_confirmation(
    dashboard: Dashboard, world: World, db_session: Session
) -> None:
    dashboard.sign_in_as(world.coordinator)
    url = f"/alerts/{world.alert.id}/actions"

    bare = dashboard.post(url, {"action": "dismiss"})
    unconfirmed = dashboard.post(url, {"action": "dismiss", "note": "gedeelde receptie hotel"})
    done = dashboard.post(
        url, {"action": "dismiss", "note": "gedeelde receptie hotel", "confirm": "yes"}
    )

    assert bare.status_code == unconfirmed.status_code == 422
    assert "Geef de reden op en vink de bevestiging aan" in bare.get_data(as_text=True)
    assert done.status_code == 303
    db_session.expire_all()
    alert = db_session.get(Alert, world.alert.id)
    assert alert is not None and alert.status == "dismissed"
    [event] = db_session.exec(select(AlertEvent).where(AlertEvent.action == "dismiss")).all()
    assert event.note == "gedeelde receptie hotel"


def test_withdrawing_needs_a_reason_chosen(
    dashboard: Dashboard, world: World, db_session: Session
) -> None:
    signal_id, ref = world.utrecht_signal.id, world.utrecht_signal.ref
    dashboard.sign_in_as(world.analyst)

    refused = dashboard.post("/my/signals/withdraw", {"ref": ref})
    page = dashboard.get("/my/signals").get_data(as_text=True)

    assert refused.status_code == 303
    assert "Kies waarom u het signaal intrekt" in page
    assert '<option value="mistake">Per vergissing ingevoerd</option>' in page
    db_session.expire_all()
    assert db_session.get(Signal, signal_id) is not None


def test_audit_actions_are_shown_in_words(dashboard: Dashboard, world: World) -> None:
    dashboard.sign_in_as(world.auditor)

    page = dashboard.get("/audit").get_data(as_text=True)

    assert 'Gebruiker aangemaakt <span class="muted">(user.add)</span>' in page
    assert '<option value="user.add" >Gebruiker aangemaakt</option>' in page


def test_the_timeline_is_drawn_one_lane_per_agency(dashboard: Dashboard, world: World) -> None:
    dashboard.sign_in_as(world.coordinator)

    page = dashboard.get(f"/alerts/{world.alert.id}").get_data(as_text=True)
    figure = page.split('<figure class="timeline">')[1].split("</figure>")[0]

    assert figure.count('class="lane"') == 2  # Utrecht and Amsterdam
    assert figure.count('class="dot"') == 2
    assert "Gemeente Utrecht, 2026-03-01: 1" in figure


def test_the_list_draws_alerts_detected_per_week(
    dashboard: Dashboard, world: World, db_session: Session
) -> None:
    today = dt.datetime.now(dt.UTC)
    world.make_alert(
        world.make_signal(world.utrecht), world.make_signal(world.amsterdam), seen=today
    )
    dashboard.sign_in_as(world.coordinator)

    page = dashboard.get("/alerts").get_data(as_text=True)
    figure = page.split('<figure class="weekly">')[1].split("</figure>")[0]
    weeks = detected_per_week(db_session, viewer_regions={"Midden-Nederland"}, today=today.date())

    assert figure.count('class="bar"') == 12
    assert [week.alerts for week in weeks][-1] == 1
    assert "de drukste week had er 1" in figure
    outside = detected_per_week(db_session, viewer_regions={"Zuid"}, today=today.date())
    assert sum(week.alerts for week in outside) == 0
