"""The alert workflow: transitions as data, roles and scope, disclosure, embargo, hubs."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from client import wire
from matcher.errors import Conflict, Forbidden, InvalidRequest, NotFound
from matcher.models import Alert, AlertEvent, AlertStatus, AuditEntry, BenignHub
from matcher.pepper import Pepper
from matcher.services import actors, alerts, benign_hubs, detection, disclosure, ingest, workflow
from matcher.services.workflow import TRANSITIONS, Action, Options
from tests.conftest import record_approvals
from tests.dashboard.conftest import Dashboard, World

S = AlertStatus


def actor(session: Session, user: Any) -> actors.Actor:
    return actors.actor_for(session, user)


def reload(session: Session, alert: Alert) -> Alert:
    session.expire_all()
    fresh = session.get(Alert, alert.id)
    assert fresh is not None
    return fresh


def step(session: Session, alert: Alert, user: Any, action: Action, **options: Any) -> Alert:
    workflow.apply(
        session,
        alert_id=alert.id or 0,
        action=action,
        actor=actor(session, user),
        options=Options(**options),
    )
    session.commit()
    return reload(session, alert)


def disclose(session: Session, world: World, alert: Alert) -> Alert:
    step(session, alert, world.coordinator, Action.ASSIGN)
    step(session, alert, world.coordinator, Action.REQUEST_DISCLOSURE)
    for analyst, basis in ((world.analyst, "riec_covenant"), (world.analyst_amsterdam, "wgs")):
        disclosure.decide(
            session,
            alert_id=alert.id or 0,
            actor=actor(session, analyst),
            approve=True,
            legal_basis=basis,
        )
        session.commit()
    return reload(session, alert)


def test_the_whole_path_from_new_to_closed_leaves_a_history_and_an_audit_trail(
    world: World, db_session: Session
) -> None:
    alert = disclose(db_session, world, world.alert)
    assert (alert.status, alert.released_at is not None) == (S.DISCLOSED, True)
    alert = step(db_session, alert, world.coordinator, Action.PROPOSE_CASE, case_route="riec")
    alert = step(
        db_session, alert, world.coordinator, Action.HAND_OVER, external_reference="RIEC-2026/14"
    )
    alert = step(db_session, alert, world.coordinator, Action.CLOSE)

    assert (alert.status, alert.case_route, alert.external_reference) == (
        S.CLOSED,
        "riec",
        "RIEC-2026/14",
    )
    assert alert.assigned_to == world.coordinator.id
    moves = db_session.exec(
        select(AlertEvent.from_status, AlertEvent.to_status)
        .where(col(AlertEvent.alert_id) == alert.id, col(AlertEvent.to_status).is_not(None))
        .order_by(col(AlertEvent.id))
    ).all()
    assert [tuple(move) for move in moves] == [
        (S.NEW, S.TRIAGE),
        (S.TRIAGE, S.DISCLOSURE_REQUESTED),
        (S.DISCLOSURE_REQUESTED, S.DISCLOSED),
        (S.DISCLOSED, S.CASE_PROPOSED),
        (S.CASE_PROPOSED, S.HANDED_OVER),
        (S.HANDED_OVER, S.CLOSED),
    ]
    audited = db_session.exec(
        select(AuditEntry.action).where(col(AuditEntry.subject) == f"alert:{alert.id}")
    ).all()
    for action in ("alert.assign", "alert.approve", "alert.release", "alert.hand_over"):
        assert action in audited


COORDINATOR_ACTIONS = [
    action for action, rule in TRANSITIONS.items() if rule.roles == {"coordinator"}
]


@pytest.mark.parametrize("action", COORDINATOR_ACTIONS)
def test_every_transition_outside_the_table_is_refused(
    world: World, db_session: Session, action: Action
) -> None:
    for status in sorted(set(AlertStatus) - TRANSITIONS[action].sources):
        alert = reload(db_session, world.alert)
        alert.status = status
        db_session.add(alert)
        db_session.commit()

        with pytest.raises(Conflict) as refused:
            step(db_session, alert, world.coordinator, action, case_route="riec", merge_into=1)

        assert refused.value.code == "illegal_transition"
        assert reload(db_session, alert).status == status


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("admin", Forbidden),
        ("auditor", NotFound),
        ("analyst", NotFound),
        ("coordinator_out", NotFound),
    ],
)
def test_only_a_coordinator_of_an_involved_region_triages(
    world: World, db_session: Session, who: str, error: type[Exception]
) -> None:
    user = {
        "admin": world.admin,
        "auditor": world.auditor,
        "analyst": world.analyst_other,
        "coordinator_out": world.coordinator_out,
    }[who]

    with pytest.raises(error):
        step(db_session, world.alert, user, Action.ASSIGN)

    assert reload(db_session, world.alert).status == S.NEW


def test_an_involved_analyst_cannot_take_coordinator_steps(
    world: World, db_session: Session
) -> None:
    step(db_session, world.alert, world.coordinator, Action.ASSIGN)
    step(db_session, world.alert, world.coordinator, Action.REQUEST_DISCLOSURE)

    with pytest.raises(Forbidden):
        step(db_session, world.alert, world.analyst, Action.DISMISS)


def test_disclosure_needs_every_owner_and_a_legal_basis(world: World, db_session: Session) -> None:
    alert = step(db_session, world.alert, world.coordinator, Action.ASSIGN)
    alert = step(db_session, alert, world.coordinator, Action.REQUEST_DISCLOSURE)
    owner = actor(db_session, world.analyst)

    with pytest.raises(InvalidRequest):
        disclosure.decide(
            db_session, alert_id=alert.id or 0, actor=owner, approve=True, legal_basis=None
        )
    with pytest.raises(Forbidden):
        disclosure.decide(
            db_session,
            alert_id=alert.id or 0,
            actor=actor(db_session, world.coordinator),
            approve=True,
            legal_basis="wgs",
        )
    with pytest.raises(NotFound):
        disclosure.decide(
            db_session,
            alert_id=alert.id or 0,
            actor=actor(db_session, world.analyst_other),
            approve=True,
            legal_basis="wgs",
        )
    half = disclosure.decide(
        db_session, alert_id=alert.id or 0, actor=owner, approve=True, legal_basis="bibob"
    )
    db_session.commit()
    with pytest.raises(Conflict):
        disclosure.decide(
            db_session, alert_id=alert.id or 0, actor=owner, approve=True, legal_basis="bibob"
        )

    assert (half.status, half.released_at) == (S.DISCLOSURE_REQUESTED, None)
    assert alerts.released_alerts_for_agency(db_session, agency_id=world.utrecht.id) == []


def test_the_api_release_waits_for_every_data_owner_like_the_dashboard(
    world: World, db_session: Session, client: Any, make_user_token: Callable[..., str]
) -> None:
    headers = {"Authorization": f"Bearer {make_user_token(world.coordinator)}"}
    release = f"/api/v1/coordinator/alerts/{world.alert.id}/release"
    alert = step(db_session, world.alert, world.coordinator, Action.ASSIGN)
    alert = step(db_session, alert, world.coordinator, Action.REQUEST_DISCLOSURE)
    disclosure.decide(
        db_session,
        alert_id=alert.id or 0,
        actor=actor(db_session, world.analyst),
        approve=True,
        legal_basis="riec_covenant",
    )
    db_session.commit()

    half = client.post(release, headers=headers)

    assert half.status_code == 409
    assert half.get_json()["error"]["code"] == "approval_required"
    assert reload(db_session, alert).released_at is None
    disclosure.decide(
        db_session,
        alert_id=alert.id or 0,
        actor=actor(db_session, world.analyst_amsterdam),
        approve=True,
        legal_basis="wgs",
    )
    db_session.commit()
    assert reload(db_session, alert).status == S.DISCLOSED
    assert client.post(release, headers=headers).status_code == 200  # already released: no-op


def test_one_decline_sends_the_alert_back_to_triage_unreleased(
    world: World, db_session: Session
) -> None:
    alert = step(db_session, world.alert, world.coordinator, Action.ASSIGN)
    alert = step(db_session, alert, world.coordinator, Action.REQUEST_DISCLOSURE)

    declined = disclosure.decide(
        db_session,
        alert_id=alert.id or 0,
        actor=actor(db_session, world.analyst_amsterdam),
        approve=False,
        legal_basis=None,
    )
    db_session.commit()

    assert (declined.status, declined.released_at) == (S.TRIAGE, None)
    answers = {item.agency_id: item.decision for item in disclosure.decisions(db_session, alert.id)}
    assert answers == {world.utrecht.id: "pending", world.amsterdam.id: "declined"}


def test_once_disclosed_each_agency_sees_its_own_refs_and_the_others_contacts_only(
    world: World, db_session: Session, dashboard: Dashboard
) -> None:
    disclose(db_session, world, world.alert)

    [seen] = alerts.released_alerts_for_agency(db_session, agency_id=world.utrecht.id)
    assert [signal.ref for signal in seen.own_signals] == [world.utrecht_signal.ref]
    assert [(party.agency, party.contact_point) for party in seen.other_agencies] == [
        ("Gemeente Amsterdam", "desk-amsterdam")
    ]
    dashboard.sign_in_as(world.analyst)
    page = dashboard.get(f"/my/alerts/{world.alert.id}").get_data(as_text=True)
    assert world.utrecht_signal.ref in page and "desk-amsterdam" in page
    assert world.amsterdam_signal.ref not in page
    listing = dashboard.get("/my/alerts").get_data(as_text=True)
    assert world.utrecht_signal.ref in listing and world.amsterdam_signal.ref not in listing


def test_before_disclosure_an_owner_sees_neither_names_nor_refs_of_others(
    world: World, db_session: Session, dashboard: Dashboard
) -> None:
    step(db_session, world.alert, world.coordinator, Action.ASSIGN)
    step(db_session, world.alert, world.coordinator, Action.REQUEST_DISCLOSURE)
    dashboard.sign_in_as(world.analyst)

    page = dashboard.get(f"/my/alerts/{world.alert.id}").get_data(as_text=True)

    assert world.utrecht_signal.ref in page
    assert "Amsterdam" not in page and world.amsterdam_signal.ref not in page
    assert 'name="legal_basis"' in page


def test_only_police_embargo_and_the_embargo_hides_the_alert_from_other_analysts(
    world: World, db_session: Session, make_signal: Callable[..., Any], dashboard: Dashboard
) -> None:
    alert = world.make_alert(make_signal(world.police), make_signal(world.utrecht))
    record_approvals(db_session, alert.id)
    alerts.release_alert(db_session, alert_id=alert.id, actor="test")
    db_session.commit()

    with pytest.raises(Forbidden):
        step(db_session, alert, world.coordinator, Action.EMBARGO)
    embargoed = step(db_session, alert, world.police_analyst, Action.EMBARGO)

    assert embargoed.status == S.EMBARGOED
    assert alerts.released_alerts_for_agency(db_session, agency_id=world.utrecht.id) == []
    assert len(alerts.released_alerts_for_agency(db_session, agency_id=world.police.id)) == 1
    dashboard.sign_in_as(world.analyst)
    assert dashboard.get(f"/my/alerts/{alert.id}").status_code == 404
    dashboard.sign_in_as(world.police_analyst)
    assert dashboard.get(f"/my/alerts/{alert.id}").status_code == 200
    lifted = dashboard.post(f"/my/alerts/{alert.id}/embargo", {"action": "lift_embargo"})
    assert lifted.status_code == 303
    assert reload(db_session, alert).status == S.DISCLOSED


def test_a_merge_points_at_another_alert_in_scope(
    world: World, db_session: Session, make_signal: Callable[..., Any]
) -> None:
    target = world.make_alert(make_signal(world.utrecht), make_signal(world.police))
    elsewhere = world.make_alert(make_signal(world.eindhoven), make_signal(world.amsterdam))

    with pytest.raises(InvalidRequest):
        step(db_session, world.alert, world.coordinator, Action.MERGE, merge_into=world.alert.id)
    with pytest.raises(NotFound):
        step(db_session, world.alert, world.coordinator, Action.MERGE, merge_into=elsewhere.id)
    merged = step(db_session, world.alert, world.coordinator, Action.MERGE, merge_into=target.id)

    assert (merged.status, merged.merged_into) == (S.MERGED, target.id)


def test_a_possible_victim_is_routed_to_care_not_enforcement(
    world: World, db_session: Session
) -> None:
    disclose(db_session, world, world.alert)
    workflow.set_possible_victim(
        db_session, alert_id=world.alert.id, actor=actor(db_session, world.coordinator), flag=True
    )
    db_session.commit()

    with pytest.raises(Conflict) as refused:
        step(db_session, world.alert, world.coordinator, Action.PROPOSE_CASE, case_route="police")
    care = step(
        db_session, world.alert, world.coordinator, Action.PROPOSE_CASE, case_route="care_referral"
    )

    assert refused.value.code == "victim_to_care"
    assert (care.status, care.case_route, care.possible_victim) == (
        S.CASE_PROPOSED,
        "care_referral",
        True,
    )


def test_flagging_a_proposed_enforcement_case_reroutes_it_to_care(
    world: World, db_session: Session
) -> None:
    disclose(db_session, world, world.alert)
    step(db_session, world.alert, world.coordinator, Action.PROPOSE_CASE, case_route="bibob")

    flagged = workflow.set_possible_victim(
        db_session, alert_id=world.alert.id, actor=actor(db_session, world.coordinator), flag=True
    )

    assert flagged.case_route == "care_referral"


def _batch(epoch: Any, token: str) -> wire.Batch:
    today = dt.date(2026, 3, 1)
    return wire.Batch(
        batch_id=uuid.uuid4(),
        scheme=wire.SchemeName.HMAC,
        key_fingerprint=epoch.fingerprint,
        key_epoch=epoch.epoch,
        normalization_version="2026.1",
        signals=[
            wire.SignalItem(
                ref=secrets.token_urlsafe(16),
                category=wire.Category.ADVERTISEMENT_MONITORING,
                observed_on=today,
                retain_until=today + dt.timedelta(days=365),
                tokens=[wire.TokenItem(kind=wire.Kind.PHONE, level="e164", token=token)],
            )
        ],
    )


def test_a_benign_hub_stops_raising_alerts_until_the_marking_is_removed(
    world: World,
    db_session: Session,
    make_epoch: Callable[..., Any],
    make_agency: Callable[..., Any],
    pepper_file: Path,
) -> None:
    epoch = make_epoch()
    pepper = Pepper.load(path=str(pepper_file), environ={})
    switchboard = wire.encode_token(secrets.token_bytes(32))
    for agency in (world.utrecht, world.amsterdam):
        ingest.submit_batch(
            db_session, agency_id=agency.id, batch=_batch(epoch, switchboard), pepper=pepper
        )
    db_session.commit()
    detection.drain(db_session)
    # the alert this drain made: the newest (rows without an order come back in any order)
    hub_alert = db_session.exec(select(Alert).order_by(col(Alert.id).desc())).first()
    assert hub_alert is not None and hub_alert.kind == "phone"
    assert hub_alert.agency_count == 2

    marked = benign_hubs.mark(
        db_session,
        alert_id=hub_alert.id or 0,
        actor=actor(db_session, world.coordinator),
        reason="Centrale van een hotel",
    )
    db_session.commit()
    third = make_agency("Gemeente Zeist", "Midden-Nederland")
    ingest.submit_batch(
        db_session, agency_id=third.id, batch=_batch(epoch, switchboard), pepper=pepper
    )
    db_session.commit()
    detection.drain(db_session)
    assert marked.status == S.NO_ACTION
    assert db_session.get(BenignHub, hub_alert.token) is not None
    assert reload(db_session, hub_alert).agency_count == 2, "ingest skips a benign hub"

    unmarked = benign_hubs.unmark(
        db_session, alert_id=hub_alert.id or 0, actor=actor(db_session, world.coordinator)
    )
    db_session.commit()
    fourth = make_agency("Gemeente Houten", "Midden-Nederland")
    ingest.submit_batch(
        db_session, agency_id=fourth.id, batch=_batch(epoch, switchboard), pepper=pepper
    )
    db_session.commit()
    detection.drain(db_session)

    assert unmarked.status == S.TRIAGE
    assert db_session.get(BenignHub, hub_alert.token) is None
    assert reload(db_session, hub_alert).agency_count == 4
    actions = db_session.exec(
        select(AuditEntry.action).where(col(AuditEntry.subject) == f"alert:{hub_alert.id}")
    ).all()
    assert "alert.mark_benign_hub" in actions and "alert.unmark_benign_hub" in actions
