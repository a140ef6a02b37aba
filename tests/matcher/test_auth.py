"""API tokens: random, stored as SHA-256 only, scoped, revocable; every failure looks the same."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from matcher.models import ApiToken, AuditEntry
from matcher.services import federation

ALERTS = "/api/v1/alerts"
COORDINATOR_ALERTS = "/api/v1/coordinator/alerts"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def agency(make_agency: Callable[..., Any]) -> Any:
    return make_agency("Gemeente Utrecht", "Midden-Nederland")


def test_a_token_is_43_random_characters_kept_only_as_its_hash(
    agency: Any, db_session: Session
) -> None:
    _, secret = federation.create_api_token(db_session, agency_id=agency.id, actor="test")
    db_session.commit()
    stored = db_session.exec(select(ApiToken)).all()

    assert len(secret) == 43
    assert [token.token_hash for token in stored] == [hashlib.sha256(secret.encode()).digest()]
    assert all(secret not in repr(token.model_dump()) for token in stored)


def test_two_tokens_are_never_alike(agency: Any, db_session: Session) -> None:
    secrets = {
        federation.create_api_token(db_session, agency_id=agency.id, actor="test")[1]
        for _ in range(20)
    }

    assert len(secrets) == 20


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer short"},
        {"Authorization": "Bearer " + "x" * 43},
        {"Authorization": "Bearer " + "é" * 43},
    ],
    ids=["missing", "basic", "empty", "short", "unknown", "non-ascii"],
)
def test_every_authentication_failure_gets_the_same_answer(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    response = client.get(ALERTS, headers=headers)

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_revoked_token_fails_like_an_unknown_one(
    client: FlaskClient, agency: Any, make_api_token: Callable[..., str], db_session: Session
) -> None:
    secret = make_api_token(agency)
    assert client.get(ALERTS, headers=bearer(secret)).status_code == 200
    row = db_session.exec(select(ApiToken)).one()
    federation.revoke_api_token(db_session, token_id=row.id, actor="test")
    db_session.commit()

    revoked = client.get(ALERTS, headers=bearer(secret))
    unknown = client.get(ALERTS, headers=bearer("y" * 43))

    assert revoked.status_code == 401
    assert revoked.get_json() == unknown.get_json()


def test_a_token_without_the_scope_is_refused(
    client: FlaskClient, agency: Any, make_api_token: Callable[..., str]
) -> None:
    secret = make_api_token(agency, scopes=("submit",))

    response = client.get(ALERTS, headers=bearer(secret))

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "insufficient_scope"


def test_an_agency_token_cannot_use_coordinator_endpoints(
    client: FlaskClient, agency: Any, make_api_token: Callable[..., str]
) -> None:
    response = client.get(COORDINATOR_ALERTS, headers=bearer(make_api_token(agency)))

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "coordinator_token_required"


def test_a_coordinator_token_cannot_use_agency_endpoints(
    client: FlaskClient, make_user: Callable[..., Any], make_user_token: Callable[..., str]
) -> None:
    token = make_user_token(make_user("rita", "coordinator"))

    response = client.get(ALERTS, headers=bearer(token))

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "agency_token_required"


def test_a_deactivated_users_token_stops_working(
    client: FlaskClient,
    make_user: Callable[..., Any],
    make_user_token: Callable[..., str],
    db_session: Session,
) -> None:
    user = make_user("rita", "coordinator")
    token = make_user_token(user)
    assert client.get(COORDINATOR_ALERTS, headers=bearer(token)).status_code == 200
    user.active = False
    db_session.add(user)
    db_session.commit()

    assert client.get(COORDINATOR_ALERTS, headers=bearer(token)).status_code == 401


def test_an_analyst_gets_no_coordinator_token(
    db_session: Session, agency: Any, make_user: Callable[..., Any], runner: Any
) -> None:
    make_user("ana", "analyst", agency=agency)

    result = runner.invoke(args=["user", "token", "ana"])

    assert result.exit_code == 1
    assert db_session.exec(select(ApiToken)).all() == []


def test_the_audit_names_the_agency_never_the_token(
    client: FlaskClient, agency: Any, make_api_token: Callable[..., str], db_session: Session
) -> None:
    secret = make_api_token(agency)

    client.get(ALERTS, headers=bearer(secret))
    entries = db_session.exec(select(AuditEntry).where(AuditEntry.action == "alert.read")).all()

    assert [entry.actor for entry in entries] == [f"agency:{agency.id}"]
    every_entry = db_session.exec(select(AuditEntry)).all()
    assert all(secret not in repr(entry.model_dump()) for entry in every_entry)
