"""Coordinator endpoints: region-scoped alert lists, explained details, clusters, release."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from matcher.models import Alert, AuditEntry

LIST = "/api/v1/coordinator/alerts"
MIDDEN = "Midden-Nederland"
NOORD = "Noord-Nederland"
ZUID = "Zeeland-West-Brabant"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class World:
    """Four agencies in three regions, and alerts among them."""

    def __init__(self, make_agency: Callable[..., Any]) -> None:
        self.utrecht = make_agency("Gemeente Utrecht", MIDDEN, contact_point="toezicht@utrecht")
        self.police = make_agency("Politie Midden-Nederland", MIDDEN, "police")
        self.groningen = make_agency("Gemeente Groningen", NOORD, contact_point="desk@groningen")
        self.breda = make_agency("Gemeente Breda", ZUID)


@pytest.fixture
def world(make_agency: Callable[..., Any]) -> World:
    return World(make_agency)


@pytest.fixture
def coordinator(
    make_user: Callable[..., Any], make_user_token: Callable[..., str]
) -> dict[str, str]:
    return bearer(make_user_token(make_user("midden", "coordinator", regions=(MIDDEN,))))


@pytest.fixture
def admin(make_user: Callable[..., Any], make_user_token: Callable[..., str]) -> dict[str, str]:
    return bearer(make_user_token(make_user("root", "admin")))


def test_a_coordinator_sees_only_alerts_involving_their_regions(
    client: FlaskClient,
    world: World,
    coordinator: dict[str, str],
    admin: dict[str, str],
    make_signal: Callable[..., Any],
    make_alert: Callable[..., Any],
) -> None:
    mine = make_alert(make_signal(world.utrecht), make_signal(world.groningen))
    elsewhere = make_alert(make_signal(world.groningen), make_signal(world.breda))

    seen = client.get(LIST, headers=coordinator).get_json()
    everything = client.get(LIST, headers=admin).get_json()

    assert [item["id"] for item in seen["alerts"]] == [mine.id]
    assert seen["total"] == 1
    assert {item["id"] for item in everything["alerts"]} == {mine.id, elsewhere.id}
    assert client.get(f"{LIST}/{elsewhere.id}", headers=coordinator).status_code == 404
    assert client.get(f"{LIST}/{elsewhere.id}", headers=admin).status_code == 200


def test_filters_narrow_the_list_and_counts_ignore_the_status_filter(
    client: FlaskClient,
    world: World,
    admin: dict[str, str],
    make_signal: Callable[..., Any],
    make_alert: Callable[..., Any],
) -> None:
    march = dt.datetime(2026, 3, 5, tzinfo=dt.UTC)
    may = dt.datetime(2026, 5, 5, tzinfo=dt.UTC)
    phone = make_alert(make_signal(world.utrecht), make_signal(world.breda), seen=march)
    address = make_alert(
        make_signal(world.utrecht),
        make_signal(world.police),
        kind="address",
        level="unit",
        status="triage",
        seen=may,
    )
    north = make_alert(make_signal(world.groningen), make_signal(world.breda), seen=may)

    def ids(**query: str) -> set[int]:
        body = client.get(LIST, query_string=query, headers=admin).get_json()
        return {item["id"] for item in body["alerts"]}

    assert ids(kind="address") == {address.id}
    assert ids(status="triage") == {address.id}
    assert ids(region=NOORD) == {north.id}
    assert ids(agency=str(world.breda.id)) == {phone.id, north.id}
    assert ids(since="2026-04-01") == {address.id, north.id}
    assert ids(until="2026-03-31") == {phone.id}
    counts = client.get(LIST, query_string={"status": "triage"}, headers=admin).get_json()
    assert counts["counts"] == {"new": 2, "triage": 1}
    assert counts["total"] == 1


def test_sorting_is_by_recency_agencies_or_reach(
    client: FlaskClient,
    world: World,
    admin: dict[str, str],
    make_signal: Callable[..., Any],
    make_alert: Callable[..., Any],
) -> None:
    day = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    # newest, two agencies in one region
    local = make_alert(
        make_signal(world.utrecht), make_signal(world.police), seen=day + dt.timedelta(days=9)
    )
    # three agencies in two regions
    wide = make_alert(
        make_signal(world.utrecht),
        make_signal(world.police),
        make_signal(world.breda),
        seen=day + dt.timedelta(days=1),
    )
    # two agencies in two regions, many signals
    busy = make_alert(
        *[make_signal(world.groningen) for _ in range(4)], make_signal(world.breda), seen=day
    )

    def order(sort: str) -> list[int]:
        body = client.get(LIST, query_string={"sort": sort}, headers=admin).get_json()
        return [item["id"] for item in body["alerts"]]

    assert order("recent") == [local.id, wide.id, busy.id]
    assert order("agencies") == [wide.id, local.id, busy.id]
    assert order("strength") == [wide.id, busy.id, local.id]


def test_pages_split_the_list_without_gaps_or_repeats(
    client: FlaskClient,
    world: World,
    admin: dict[str, str],
    make_signal: Callable[..., Any],
    make_alert: Callable[..., Any],
) -> None:
    made = [make_alert(make_signal(world.utrecht), make_signal(world.breda)) for _ in range(7)]

    pages = [
        client.get(LIST, query_string={"page": page, "per_page": 3}, headers=admin).get_json()
        for page in (1, 2, 3)
    ]

    seen = [item["id"] for page in pages for item in page["alerts"]]
    assert sorted(seen) == sorted(alert.id for alert in made)
    assert [len(page["alerts"]) for page in pages] == [3, 3, 1]
    assert {page["pages"] for page in pages} == {3}


@pytest.mark.parametrize(
    "query, location",
    [
        ({"status": "<script>"}, "query.status"),
        ({"kind": "shoe-size"}, "query.kind"),
        ({"since": "0612345678"}, "query.since"),
        ({"page": "0"}, "query.page"),
        ({"per_page": "100000"}, "query.per_page"),
        ({"agency": "Utrecht"}, "query.agency"),
        ({"sort": "secret-score"}, "query.sort"),
    ],
)
def test_a_bad_query_names_the_parameter_never_its_value(
    client: FlaskClient, admin: dict[str, str], query: dict[str, str], location: str
) -> None:
    response = client.get(LIST, query_string=query, headers=admin)

    body = response.get_json()
    assert response.status_code == 422
    assert body["error"]["code"] == "invalid_query"
    assert [field["location"] for field in body["error"]["fields"]] == [location]
    assert next(iter(query.values())) not in response.get_data(as_text=True)


def test_the_detail_explains_who_shares_what_since_when(
    client: FlaskClient,
    world: World,
    coordinator: dict[str, str],
    make_signal: Callable[..., Any],
    make_alert: Callable[..., Any],
) -> None:
    alert = make_alert(
        make_signal(world.utrecht, "advertisement_monitoring", dt.date(2026, 3, 1)),
        make_signal(world.utrecht, "inspection", dt.date(2026, 3, 9)),
        make_signal(world.groningen, "tip", dt.date(2026, 4, 2)),
    )

    body = client.get(f"{LIST}/{alert.id}", headers=coordinator).get_json()

    assert body["explanation"] == (
        "2 agencies in 2 regions share a phone number; "
        "first observed 2026-03-01, last observed 2026-04-02, 3 signals."
    )
    agencies = {item["name"]: item for item in body["agencies"]}
    assert agencies["Gemeente Utrecht"]["categories"] == {
        "advertisement_monitoring": 1,
        "inspection": 1,
    }
    assert agencies["Gemeente Groningen"]["region"] == NOORD
    assert body["counts"] == {"agencies": 2, "regions": 2, "signals": 3}
    assert [entry["day"] for entry in body["timeline"]] == [
        "2026-03-01",
        "2026-03-09",
        "2026-04-02",
    ]
    assert "token" not in body


def test_the_cluster_links_alerts_through_shared_signals(
    client: FlaskClient,
    world: World,
    coordinator: dict[str, str],
    make_signal: Callable[..., Any],
    make_alert: Callable[..., Any],
) -> None:
    shared = make_signal(world.utrecht)
    phone = make_alert(shared, make_signal(world.police))
    address = make_alert(shared, make_signal(world.breda), kind="address", level="unit")
    unrelated = make_alert(make_signal(world.utrecht), make_signal(world.groningen))

    body = client.get(f"{LIST}/{phone.id}", headers=coordinator).get_json()

    cluster = body["cluster"]
    assert [item["alert_id"] for item in cluster["alerts"]] == [address.id]
    assert unrelated.id not in [item["alert_id"] for item in cluster["alerts"]]
    assert cluster["kinds"] == ["a phone number", "an address"]
    links = {tuple(link["agencies"]): link["kinds"] for link in cluster["links"]}
    assert links[("Gemeente Utrecht", "Politie Midden-Nederland")] == ["a phone number"]
    assert links[("Gemeente Breda", "Gemeente Utrecht")] == ["an address"]
    assert "linked through the same signals to an address" in body["explanation"]


def test_release_discloses_the_alert_to_the_agencies_involved_only(
    client: FlaskClient,
    world: World,
    coordinator: dict[str, str],
    make_api_token: Callable[..., str],
    make_signal: Callable[..., Any],
    make_alert: Callable[..., Any],
    approve: Callable[[int], None],
) -> None:
    own = make_signal(world.utrecht, "inspection", dt.date(2026, 3, 3))
    theirs = make_signal(world.groningen)
    alert = make_alert(own, theirs)
    utrecht, groningen, breda = (
        bearer(make_api_token(agency)) for agency in (world.utrecht, world.groningen, world.breda)
    )
    assert client.get("/api/v1/alerts", headers=utrecht).get_json() == {"alerts": []}
    approve(alert.id)

    released = client.post(f"{LIST}/{alert.id}/release", headers=coordinator)

    assert released.status_code == 200
    assert released.get_json()["status"] == "disclosed"
    [seen] = client.get("/api/v1/alerts", headers=utrecht).get_json()["alerts"]
    assert seen["own_signals"] == [
        {"ref": own.ref, "category": "inspection", "observed_on": "2026-03-03"}
    ]
    assert seen["other_agencies"] == [
        {
            "agency": "Gemeente Groningen",
            "region": NOORD,
            "contact_point": "desk@groningen",
            "signals": 1,
        }
    ]
    assert theirs.ref not in client.get("/api/v1/alerts", headers=utrecht).get_data(as_text=True)
    assert client.get("/api/v1/alerts", headers=breda).get_json() == {"alerts": []}
    [other_side] = client.get("/api/v1/alerts", headers=groningen).get_json()["alerts"]
    assert [signal["ref"] for signal in other_side["own_signals"]] == [theirs.ref]


def test_a_coordinator_cannot_release_outside_their_regions(
    client: FlaskClient,
    world: World,
    coordinator: dict[str, str],
    make_signal: Callable[..., Any],
    make_alert: Callable[..., Any],
    db_session: Session,
) -> None:
    alert = make_alert(make_signal(world.groningen), make_signal(world.breda))

    response = client.post(f"{LIST}/{alert.id}/release", headers=coordinator)

    assert response.status_code == 404
    db_session.expire_all()
    assert db_session.get(Alert, alert.id).released_at is None  # type: ignore[union-attr]


def test_a_dismissed_alert_cannot_be_released(
    client: FlaskClient,
    world: World,
    coordinator: dict[str, str],
    make_signal: Callable[..., Any],
    make_alert: Callable[..., Any],
) -> None:
    alert = make_alert(make_signal(world.utrecht), make_signal(world.breda), status="dismissed")

    response = client.post(f"{LIST}/{alert.id}/release", headers=coordinator)

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_releasable"


def test_an_embargo_hides_a_released_alert_from_non_police_agencies(
    client: FlaskClient,
    world: World,
    make_api_token: Callable[..., str],
    make_signal: Callable[..., Any],
    make_alert: Callable[..., Any],
    db_session: Session,
) -> None:
    alert = make_alert(make_signal(world.utrecht), make_signal(world.police), status="embargoed")
    alert.released_at = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    db_session.add(alert)
    db_session.commit()

    municipal = client.get("/api/v1/alerts", headers=bearer(make_api_token(world.utrecht)))
    police = client.get("/api/v1/alerts", headers=bearer(make_api_token(world.police)))

    assert municipal.get_json() == {"alerts": []}
    assert [item["alert_id"] for item in police.get_json()["alerts"]] == [alert.id]


def test_every_read_and_release_is_audited_with_the_user_as_actor(
    client: FlaskClient,
    world: World,
    make_user: Callable[..., Any],
    make_user_token: Callable[..., str],
    make_signal: Callable[..., Any],
    make_alert: Callable[..., Any],
    db_session: Session,
    approve: Callable[[int], None],
) -> None:
    user = make_user("midden", "coordinator", regions=(MIDDEN,))
    headers = bearer(make_user_token(user))
    alert = make_alert(make_signal(world.utrecht), make_signal(world.breda))
    approve(alert.id)

    client.get(LIST, headers=headers)
    client.get(f"{LIST}/{alert.id}", headers=headers)
    client.post(f"{LIST}/{alert.id}/release", headers=headers)

    entries = db_session.exec(
        select(AuditEntry).where(AuditEntry.actor == f"user:{user.id}").order_by(AuditEntry.id)
    ).all()
    assert [entry.action for entry in entries] == ["alert.list", "alert.view", "alert.release"]
    assert entries[1].subject == f"alert:{alert.id}"


def test_the_api_releases_only_what_every_data_owner_approved(
    client: FlaskClient,
    world: World,
    coordinator: dict[str, str],
    make_signal: Callable[..., Any],
    make_alert: Callable[..., Any],
    db_session: Session,
) -> None:
    alert = make_alert(make_signal(world.utrecht), make_signal(world.police))

    response = client.post(f"{LIST}/{alert.id}/release", headers=coordinator)

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "approval_required"
    db_session.expire_all()
    assert db_session.get(Alert, alert.id).released_at is None  # type: ignore[union-attr]
    assert client.get("/api/v1/alerts", headers=coordinator).status_code == 403
