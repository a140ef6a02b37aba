"""Every integer in a path or query is range-checked, and every response carries its headers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.dashboard.conftest import Dashboard

TOO_BIG = str(2**31)


@pytest.fixture
def coordinator(
    make_user: Callable[..., Any], make_user_token: Callable[..., str]
) -> dict[str, str]:
    user = make_user("midden", "coordinator", regions=("Midden-Nederland",))
    return {"Authorization": f"Bearer {make_user_token(user)}"}


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", f"/api/v1/coordinator/alerts/{TOO_BIG}"),
        ("GET", "/api/v1/coordinator/alerts/99999999999999999999"),
        ("POST", f"/api/v1/coordinator/alerts/{TOO_BIG}/release"),
        ("GET", "/api/v1/coordinator/alerts/0"),
    ],
)
def test_an_id_beyond_the_columns_is_not_found(
    client: FlaskClient, coordinator: dict[str, str], method: str, path: str
) -> None:
    response = client.open(path, method=method, headers=coordinator)

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "query",
    [
        f"agency={TOO_BIG}",
        "agency=²",
        "agency=",
        "until=",
        "since=",
        "kind=",
        "page=99999999999",
        "per_page=201",
    ],
)
def test_a_query_value_out_of_range_or_empty_is_422(
    client: FlaskClient, coordinator: dict[str, str], query: str
) -> None:
    response = client.get(f"/api/v1/coordinator/alerts?{query}", headers=coordinator)

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_query"


@pytest.mark.parametrize(
    "path, status, role",
    [
        (f"/alerts?agency={TOO_BIG}", 422, "admin"),
        (f"/alerts?page={TOO_BIG}", 422, "admin"),
        (f"/alerts/{TOO_BIG}", 404, "admin"),
        (f"/my/alerts/{TOO_BIG}", 404, "admin"),
        (f"/admin/users/{TOO_BIG}/unlock", 404, "admin"),
        (f"/audit?page={TOO_BIG}", 422, "auditor"),
    ],
)
def test_dashboard_ids_beyond_the_columns_are_refused(
    client: FlaskClient, make_user: Callable[..., Any], path: str, status: int, role: str
) -> None:
    Dashboard(client).sign_in_as(make_user(role, role))

    method = "POST" if path.endswith("/unlock") else "GET"

    assert client.open(path, method=method).status_code == status


def test_api_responses_say_nosniff(client: FlaskClient) -> None:
    for response in (client.get("/api/v1/health"), client.get("/api/v1/nothing-here")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_is_sent_over_https_only(client: FlaskClient) -> None:
    secure = client.get("/api/v1/health", base_url="https://matcher.example")
    plain = client.get("/api/v1/health")
    page = client.get("/sign-in", base_url="https://matcher.example")

    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in plain.headers
