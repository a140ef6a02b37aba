"""Agency endpoints over HTTP: submit, replay, key checks, withdraw, and released alerts only."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from client import wire
from matcher.models import Signal

BATCHES = "/api/v1/batches"
WITHDRAWALS = "/api/v1/withdrawals"
ALERTS = "/api/v1/alerts"
COORDINATOR_ALERTS = "/api/v1/coordinator/alerts"


def token_text() -> str:
    return wire.encode_token(secrets.token_bytes(wire.TOKEN_BYTES))


def signal(*tokens: tuple[str, str, str], ref: str | None = None) -> dict[str, Any]:
    return {
        "ref": ref or secrets.token_urlsafe(16),
        "category": "advertisement_monitoring",
        "observed_on": "2026-03-01",
        "retain_until": "2027-03-01",
        "tokens": [{"kind": kind, "level": level, "token": token} for kind, level, token in tokens],
    }


def batch(
    fingerprint: str, *signals: dict[str, Any], batch_id: str | None = None, epoch: int = 1
) -> str:
    return wire.Batch.model_validate(
        {
            "batch_id": batch_id or str(uuid.uuid4()),
            "scheme": "hmac",
            "key_fingerprint": fingerprint,
            "key_epoch": epoch,
            "normalization_version": "2026.1",
            "signals": list(signals),
        }
    ).model_dump_json()


class Federation:
    """Two agencies with tokens, a coordinator, and a current key epoch."""

    def __init__(
        self,
        client: FlaskClient,
        make_agency: Callable[..., Any],
        make_api_token: Callable[..., str],
        make_user: Callable[..., Any],
        make_user_token: Callable[..., str],
        make_epoch: Callable[..., Any],
    ) -> None:
        self.client = client
        self.utrecht = make_agency("Gemeente Utrecht", "Midden-Nederland")
        self.police = make_agency("Politie Oost-Nederland", "Oost-Nederland", "police")
        self.tokens = {
            "utrecht": make_api_token(self.utrecht),
            "police": make_api_token(self.police),
        }
        coordinator = make_user("midden", "coordinator", regions=("Midden-Nederland",))
        self.coordinator = {"Authorization": f"Bearer {make_user_token(coordinator)}"}
        self.fingerprint = make_epoch().fingerprint

    def headers(self, agency: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[agency]}"}

    def submit(self, agency: str, body: str) -> Any:
        return self.client.post(
            BATCHES, data=body, content_type="application/json", headers=self.headers(agency)
        )

    def withdraw(self, agency: str, refs: list[str]) -> Any:
        return self.client.post(WITHDRAWALS, json={"refs": refs}, headers=self.headers(agency))


@pytest.fixture
def federation(
    client: FlaskClient,
    make_agency: Callable[..., Any],
    make_api_token: Callable[..., str],
    make_user: Callable[..., Any],
    make_user_token: Callable[..., str],
    make_epoch: Callable[..., Any],
) -> Federation:
    return Federation(client, make_agency, make_api_token, make_user, make_user_token, make_epoch)


def signal_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Signal)).one()


def test_a_batch_is_stored_and_receipted(federation: Federation, db_session: Session) -> None:
    body = batch(
        federation.fingerprint,
        signal(("phone", "e164", token_text()), ("address", "unit", token_text())),
        signal(("phone", "e164", token_text())),
    )

    response = federation.submit("utrecht", body)

    receipt = response.get_json()
    assert response.status_code == 201
    assert (receipt["signals"], receipt["tokens"], receipt["replay"]) == (2, 3, False)
    assert receipt["tokens_per_kind"] == {"address": 1, "phone": 2}
    assert signal_count(db_session) == 2


def test_a_replayed_batch_returns_the_first_receipt_and_adds_nothing(
    federation: Federation, db_session: Session
) -> None:
    body = batch(federation.fingerprint, signal(("phone", "e164", token_text())))
    first = federation.submit("utrecht", body).get_json()

    again = federation.submit("utrecht", body)

    assert again.status_code == 200
    assert again.get_json() == {**first, "replay": True}
    assert signal_count(db_session) == 1


def test_a_batch_id_taken_by_another_agency_is_refused(federation: Federation) -> None:
    batch_id = str(uuid.uuid4())
    federation.submit(
        "utrecht",
        batch(federation.fingerprint, signal(("phone", "e164", token_text())), batch_id=batch_id),
    )

    response = federation.submit(
        "police",
        batch(federation.fingerprint, signal(("phone", "e164", token_text())), batch_id=batch_id),
    )

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "batch_id_taken"


@pytest.mark.parametrize("status, code", [("retired", "retired_key"), (None, "unknown_key")])
def test_a_batch_made_with_a_stale_key_is_refused_with_what_to_do(
    federation: Federation,
    make_epoch: Callable[..., Any],
    db_session: Session,
    status: str | None,
    code: str,
) -> None:
    fingerprint = secrets.token_hex(16)
    if status:
        make_epoch(epoch=2, fingerprint=fingerprint, status=status)

    response = federation.submit(
        "utrecht", batch(fingerprint, signal(("phone", "e164", token_text())), epoch=2)
    )

    error = response.get_json()["error"]
    assert response.status_code == 409
    assert error["code"] == code
    assert "key custodian" in error["message"]
    assert signal_count(db_session) == 0


def test_a_ref_the_agency_holds_already_is_refused(
    federation: Federation, db_session: Session
) -> None:
    ref = secrets.token_urlsafe(16)
    federation.submit(
        "utrecht", batch(federation.fingerprint, signal(("phone", "e164", token_text()), ref=ref))
    )

    response = federation.submit(
        "utrecht", batch(federation.fingerprint, signal(("phone", "e164", token_text()), ref=ref))
    )

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "duplicate_ref"
    assert signal_count(db_session) == 1


def test_an_overlap_is_hidden_from_agencies_until_a_coordinator_releases_it(
    federation: Federation, approve: Callable[[int], None]
) -> None:
    shared = token_text()
    mine, theirs = signal(("phone", "e164", shared)), signal(("phone", "e164", shared))
    federation.submit("utrecht", batch(federation.fingerprint, mine))
    federation.submit("police", batch(federation.fingerprint, theirs))

    listed = federation.client.get(COORDINATOR_ALERTS, headers=federation.coordinator).get_json()
    before = federation.client.get(ALERTS, headers=federation.headers("utrecht")).get_json()
    [alert] = listed["alerts"]
    approve(alert["id"])
    federation.client.post(
        f"{COORDINATOR_ALERTS}/{alert['id']}/release", headers=federation.coordinator
    )
    after = federation.client.get(ALERTS, headers=federation.headers("utrecht"))

    assert before == {"alerts": []}
    [released] = after.get_json()["alerts"]
    assert [own["ref"] for own in released["own_signals"]] == [mine["ref"]]
    assert [party["agency"] for party in released["other_agencies"]] == ["Politie Oost-Nederland"]
    assert theirs["ref"] not in after.get_data(as_text=True)
    assert shared not in after.get_data(as_text=True)


def test_an_agency_withdraws_its_own_signals_only(
    federation: Federation, db_session: Session
) -> None:
    mine, theirs = signal(("phone", "e164", token_text())), signal(("phone", "e164", token_text()))
    federation.submit("utrecht", batch(federation.fingerprint, mine))
    federation.submit("police", batch(federation.fingerprint, theirs))

    response = federation.withdraw("utrecht", [mine["ref"], theirs["ref"]])

    assert response.status_code == 200
    assert response.get_json() == {"withdrawn": 1, "unknown": 1}
    remaining = db_session.exec(select(Signal.ref)).all()
    assert remaining == [theirs["ref"]]


def test_a_withdrawal_tells_nothing_about_other_agencies_refs(federation: Federation) -> None:
    theirs = signal(("phone", "e164", token_text()))
    federation.submit("police", batch(federation.fingerprint, theirs))

    held_elsewhere = federation.withdraw("utrecht", [theirs["ref"]])
    held_nowhere = federation.withdraw("utrecht", [secrets.token_urlsafe(16)])

    assert held_elsewhere.get_json() == held_nowhere.get_json() == {"withdrawn": 0, "unknown": 1}


def test_key_epochs_are_public(federation: Federation) -> None:
    response = federation.client.get("/api/v1/key-epochs")

    assert response.status_code == 200
    assert response.get_json() == {
        "epochs": [
            {
                "scheme": "hmac",
                "epoch": 1,
                "fingerprint": federation.fingerprint,
                "status": "current",
            }
        ]
    }


def test_health_reports_the_database(client: FlaskClient) -> None:
    response = client.get("/api/v1/health")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
