"""What the pages show: the alert list, an alert in full, the analyst's and auditor's pages."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import text, update
from sqlmodel import Session, col, select

from matcher.models import AuditEntry, Batch, Signal
from matcher.services import actors, alerts, benign_hubs, detection
from tests.conftest import record_approvals
from tests.dashboard.conftest import Dashboard, World

ROW = re.compile(r'<th scope="row"><a href="/alerts/(\d+)">')


def listed(dashboard: Dashboard, query: str = "") -> list[int]:
    response = dashboard.get(f"/alerts{query}")
    assert response.status_code == 200
    return [int(found) for found in ROW.findall(response.get_data(as_text=True))]


def test_the_list_filters_sorts_counts_and_pages(
    dashboard: Dashboard, world: World, make_signal: Callable[..., Any]
) -> None:
    march = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
    may = dt.datetime(2026, 5, 10, tzinfo=dt.UTC)
    three = world.make_alert(
        make_signal(world.utrecht),
        make_signal(world.police),
        make_signal(world.amsterdam),
        kind="address",
        level="unit",
        status="triage",
        seen=may,
    )
    older = world.make_alert(make_signal(world.utrecht), make_signal(world.police), seen=march)
    outside = world.make_alert(make_signal(world.eindhoven), make_signal(world.amsterdam))
    dashboard.sign_in_as(world.coordinator)

    everything = listed(dashboard)
    assert outside.id not in everything
    assert everything[0] == three.id  # most recent first
    assert listed(dashboard, "?sort=agencies")[0] == three.id
    assert listed(dashboard, "?status=triage") == [three.id]
    assert listed(dashboard, "?kind=address") == [three.id]
    assert listed(dashboard, f"?agency={world.amsterdam.id}") == sorted(
        [three.id, world.alert.id], key=everything.index
    )
    assert listed(dashboard, "?since=2026-05-01") == [three.id]
    assert older.id in listed(dashboard, "?until=2026-03-31")
    assert three.id not in listed(dashboard, "?until=2026-03-31")
    page = dashboard.get("/alerts").get_data(as_text=True)
    assert re.search(r'Nieuw <span class="count">2</span>', page)
    assert re.search(r'In triage <span class="count">1</span>', page)
    first = listed(dashboard, "?per_page=25")
    assert len(first) == 3
    assert dashboard.get("/alerts?page=0").status_code == 400
    assert dashboard.get("/alerts?since=yesterday").status_code == 400
    assert dashboard.get("/alerts?region=Oost-Brabant").status_code == 400


def test_pagination_walks_every_alert_once(
    dashboard: Dashboard, world: World, make_signal: Callable[..., Any]
) -> None:
    for _ in range(30):
        world.make_alert(make_signal(world.utrecht), make_signal(world.police))
    dashboard.sign_in_as(world.coordinator)

    pages = [listed(dashboard, f"?per_page=25&page={number}") for number in (1, 2)]
    text = dashboard.get("/alerts?per_page=25").get_data(as_text=True)

    assert len(pages[0]) == 25 and len(pages[1]) == 6
    assert len(set(pages[0]) | set(pages[1])) == 31
    assert "Pagina 1 van 2 (31 in totaal)" in text
    assert 'rel="next" href="/alerts?per_page=25&amp;page=2"' in text


def test_the_detail_explains_the_alert_draws_its_cluster_and_is_audited(
    dashboard: Dashboard, world: World, db_session: Session, make_signal: Callable[..., Any]
) -> None:
    # a signal holding the phone token and an address token links two alerts into one cluster
    police_signal = make_signal(world.police, "police_report")
    world.make_alert(world.utrecht_signal, police_signal, kind="address", level="unit")
    dashboard.sign_in_as(world.coordinator)

    page = dashboard.get(f"/alerts/{world.alert.id}").get_data(as_text=True)

    assert (
        "2 organisaties in 2 regio’s delen een telefoonnummer, via dezelfde signalen verbonden "
        "met een adres; voor het eerst waargenomen 1 mrt 2026, laatst waargenomen 1 mrt 2026, "
        "2 signalen."
    ) in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'role="img"' in page
    # the link chart: the alert's two signals, coloured by agency, and the phone they share
    assert page.count("<circle") == 2
    assert 'class="node agency-0"' in page and 'class="node agency-1"' in page
    assert 'class="edge edge-strong"' in page
    shared = "Gemeente Utrecht 1 en Gemeente Amsterdam 1 delen: telefoonnummer (exact nummer)"
    assert f"{shared}, exact, sterk" in page
    # the alert the police signal links to is in the cluster table
    assert "Politie Midden-Nederland" in page and "Afstand in stappen" in page
    assert "Advertentiemonitoring: 1" in page
    views = db_session.exec(select(AuditEntry).where(col(AuditEntry.action) == "alert.view")).all()
    assert [(entry.actor, entry.subject) for entry in views] == [
        (f"user:{world.coordinator.id}", f"alert:{world.alert.id}")
    ]


def test_the_detail_offers_only_the_steps_the_user_may_take(
    dashboard: Dashboard, world: World
) -> None:
    dashboard.sign_in_as(world.coordinator)
    coordinator_page = dashboard.get(f"/alerts/{world.alert.id}").get_data(as_text=True)
    dashboard.sign_in_as(world.admin)
    admin_page = dashboard.get(f"/alerts/{world.alert.id}").get_data(as_text=True)

    offered = re.compile(r'name="action" value="([a-z_]+)"')
    assert set(offered.findall(coordinator_page)) == {"assign", "dismiss", "no_action", "merge"}
    assert set(offered.findall(admin_page)) == {"expire"}
    assert 'name="note"' in coordinator_page and 'name="note"' not in admin_page


def test_an_analyst_sees_signal_states_only_for_alerts_released_to_the_agency(
    dashboard: Dashboard, world: World, db_session: Session
) -> None:
    dashboard.sign_in_as(world.analyst)
    before = dashboard.get("/my/signals").get_data(as_text=True)
    record_approvals(db_session, world.alert.id)
    alerts.release_alert(db_session, alert_id=world.alert.id, actor="test")
    db_session.commit()
    after = dashboard.get("/my/signals").get_data(as_text=True)

    assert world.utrecht_signal.ref in before
    assert f"#{world.alert.id}" not in before, "before release the match is not revealed"
    assert f"in verstrekte melding #{world.alert.id}" in after
    assert world.amsterdam_signal.ref not in after


def test_withdrawing_a_signal_deletes_it_and_names_the_user_in_the_audit_log(
    dashboard: Dashboard, world: World, db_session: Session
) -> None:
    signal_id, ref = world.utrecht_signal.id, world.utrecht_signal.ref
    dashboard.sign_in_as(world.analyst)

    response = dashboard.post("/my/signals/withdraw", {"ref": ref, "reason": "mistake"})
    page = dashboard.get("/my/signals").get_data(as_text=True)

    assert response.status_code == 303
    assert "Het signaal is ingetrokken" in page
    db_session.expire_all()
    assert db_session.get(Signal, signal_id) is None
    actions = db_session.exec(select(AuditEntry.actor, AuditEntry.action)).all()
    assert (f"user:{world.analyst.id}", "signal.withdraw_request") in [tuple(a) for a in actions]
    assert dashboard.post("/my/signals/withdraw", {"ref": "not a reference"}).status_code == 400


def test_an_analyst_sees_the_agency_batches_and_nothing_of_others(
    dashboard: Dashboard, world: World, db_session: Session
) -> None:
    batch_ids = {world.utrecht.id: str(uuid.uuid4()), world.amsterdam.id: str(uuid.uuid4())}
    for agency, signals in ((world.utrecht, 7), (world.amsterdam, 3)):
        db_session.add(
            Batch(
                id=batch_ids[agency.id],
                agency_id=agency.id,
                scheme="hmac",
                key_fingerprint="0" * 32,
                key_epoch=1,
                normalization_version="2026.1",
                signal_count=signals,
                token_count=signals * 2,
                tokens_per_kind={"phone": signals, "address": signals},
            )
        )
    db_session.commit()
    dashboard.sign_in_as(world.analyst)

    page = dashboard.get("/my/batches").get_data(as_text=True)

    assert batch_ids[world.utrecht.id] in page
    assert batch_ids[world.amsterdam.id] not in page
    assert "telefoonnummer: 7" in page


def test_the_audit_page_filters_and_reports_a_broken_chain(
    dashboard: Dashboard, world: World, db_session: Session
) -> None:
    dashboard.sign_in_as(world.auditor)

    intact = dashboard.get("/audit?action=user").get_data(as_text=True)
    assert "Keten gecontroleerd" in intact
    assert "(user.add)</span></td>" in intact and "(agency.add)</span>" not in intact
    actor = dashboard.get(f"/audit?actor=user:{world.auditor.id}").get_data(as_text=True)
    assert "(audit.read)</span></td>" in actor and "(user.add)</span>" not in actor
    assert dashboard.get("/audit?since=2000-01-01&until=2000-01-02").status_code == 200
    first = db_session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).first()
    assert first is not None
    if db_session.get_bind().dialect.name == "postgresql":
        # as a database owner would: past the append-only triggers
        db_session.execute(text("SET LOCAL session_replication_role = replica"))
    db_session.execute(
        update(AuditEntry).where(col(AuditEntry.id) == first.id).values(action="tampered")
    )
    db_session.commit()

    broken = dashboard.get("/audit").get_data(as_text=True)

    assert f"De keten is verbroken bij regel {first.id}" in broken


def test_dutch_is_the_default_and_english_is_a_switch_away(
    dashboard: Dashboard, world: World
) -> None:
    dashboard.sign_in_as(world.coordinator)
    dutch = dashboard.get("/alerts").get_data(as_text=True)

    switched = dashboard.post("/language", {"language": "en", "next": "/alerts"})
    english = dashboard.get("/alerts").get_data(as_text=True)

    assert '<html lang="nl">' in dutch and "Meldingen" in dutch
    assert switched.headers["Location"] == "/alerts"
    assert '<html lang="en">' in english and "Alerts per status" in english
    assert dashboard.post("/language", {"next": "//evil.example"}).headers["Location"] == "/alerts"


def test_pages_carry_security_headers_and_a_skip_link(dashboard: Dashboard, world: World) -> None:
    response = dashboard.get("/sign-in")
    page = response.get_data(as_text=True)

    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert '<a class="skip-link" href="#content">' in page and '<main id="content"' in page
    assert '<label for="username">' in page and '<label for="password">' in page
    assert "<script" not in page and "style=" not in page


def test_the_hub_list_shows_marked_tokens_of_the_region(
    dashboard: Dashboard, world: World, db_session: Session
) -> None:
    benign_hubs.mark(
        db_session,
        alert_id=world.alert.id,
        actor=actors.actor_for(db_session, world.coordinator),
        reason="Hotelcentrale",
    )
    db_session.commit()

    dashboard.sign_in_as(world.coordinator)
    mine = dashboard.get("/hubs").get_data(as_text=True)
    dashboard.sign_in_as(world.coordinator_out)
    theirs = dashboard.get("/hubs").get_data(as_text=True)

    assert "Hotelcentrale" in mine and "riec-midden" in mine
    assert "Hotelcentrale" not in theirs


def test_the_list_says_when_detection_is_pending(
    dashboard: Dashboard, world: World, db_session: Session
) -> None:
    dashboard.sign_in_as(world.coordinator)
    assert "Detectie loopt" not in dashboard.get("/alerts").get_data(as_text=True)
    detection.enqueue(
        db_session,
        batch_id=str(uuid.uuid4()),
        agency_id=world.utrecht.id,
        now=dt.datetime.now(dt.UTC),
    )
    db_session.commit()
    page = dashboard.get("/alerts").get_data(as_text=True)
    assert "Detectie loopt: 1 ingediende batches" in page
