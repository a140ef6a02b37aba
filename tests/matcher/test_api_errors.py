"""Every malformed request gets a 4xx in the one error shape, a stable code, no raw value."""

from __future__ import annotations

import gc
import json
import secrets
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client import wire
from matcher import create_app

BATCHES = "/api/v1/batches"
WITHDRAWALS = "/api/v1/withdrawals"
#: values an analyst's export could hold; none may ever come back in an error body
IDENTIFIERS = [
    "0612345678",
    "+31 6 1234 5678",
    "j.jansen@example.nl",
    "NL91ABNA0417164300",
    "Kerkstraat 14A, 1234 AB Amsterdam",
    "Ana Maria Popescu",
    "0721234567",
]


def token_text() -> str:
    return wire.encode_token(secrets.token_bytes(wire.TOKEN_BYTES))


def batch_body(fingerprint: str = "0" * 32, signals: int = 1) -> dict[str, Any]:
    return {
        "format": "kruispunt-batch/1",
        "batch_id": str(uuid.uuid4()),
        "scheme": "hmac",
        "key_fingerprint": fingerprint,
        "key_epoch": 1,
        "normalization_version": "2026.1",
        "signals": [
            {
                "ref": secrets.token_urlsafe(16),
                "category": "inspection",
                "observed_on": "2026-03-01",
                "retain_until": "2027-03-01",
                "tokens": [{"kind": "phone", "level": "e164", "token": token_text()}],
            }
            for _ in range(signals)
        ],
    }


@pytest.fixture
def headers(make_agency: Callable[..., Any], make_api_token: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_api_token(make_agency())}"}


def post(client: FlaskClient, body: object, headers: dict[str, str], path: str = BATCHES) -> Any:
    return client.post(
        path, data=json.dumps(body), content_type="application/json", headers=headers
    )


def assert_error_shape(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert all(set(field) == {"location", "rule"} for field in body["error"]["fields"])
    wire.ErrorBody.model_validate(body)
    return body["error"]


def test_the_error_shape_is_pinned(client: FlaskClient, headers: dict[str, str]) -> None:
    body = batch_body()
    body["signals"][0]["tokens"][0]["token"] = "too-short"

    response = post(client, body, headers)

    assert response.status_code == 422
    assert response.get_json() == {
        "error": {
            "code": "invalid_batch",
            "message": "The request does not match the schema (1 problem(s); see fields).",
            "fields": [{"location": "signals.0.tokens.0.token", "rule": "string_pattern_mismatch"}],
        }
    }


def test_a_body_that_is_not_json_is_a_bad_request(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    response = client.post(
        BATCHES, data=b'{"signals": [0612345678', content_type="application/json", headers=headers
    )

    assert response.status_code == 400
    assert assert_error_shape(response)["code"] == "invalid_json"
    assert "0612345678" not in response.get_data(as_text=True)


def test_a_body_that_is_not_json_typed_is_unsupported(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    response = client.post(BATCHES, data="phone=0612345678", headers=headers)

    assert response.status_code == 415
    assert assert_error_shape(response)["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "change, location, rule",
    [
        (lambda body: body.update(signals="many"), "signals", "list_type"),
        (lambda body: body.update(key_epoch="first"), "key_epoch", "int_parsing"),
        (lambda body: body.update(key_epoch=0), "key_epoch", "greater_than_equal"),
        (lambda body: body.update(batch_id="batch-1"), "batch_id", "uuid_parsing"),
        (lambda body: body.update(scheme="md5"), "scheme", "enum"),
        (lambda body: body.update(format="csv"), "format", "literal_error"),
        (lambda body: body.update(signals=[]), "signals", "too_short"),
        (
            lambda body: body["signals"][0].update(phone="0612345678"),
            "signals.0.*",
            "extra_forbidden",
        ),
        (lambda body: body["signals"][0].update(category="gossip"), "signals.0.category", "enum"),
        (
            lambda body: body["signals"][0].update(retain_until="2020-01-01"),
            "signals.0",
            "value_error",
        ),
        (
            lambda body: body["signals"][0]["tokens"][0].update(kind="shoe_size"),
            "signals.0.tokens.0.kind",
            "enum",
        ),
        (
            lambda body: body["signals"][0]["tokens"][0].update(level="0612345678"),
            "signals.0.tokens.0",
            "value_error",
        ),
        (
            lambda body: body["signals"][0]["tokens"][0].update(token="A" * 44),
            "signals.0.tokens.0.token",
            "string_pattern_mismatch",
        ),
        (
            lambda body: body["signals"][0].update(ref="0612345678"),
            "signals.0.ref",
            "string_pattern_mismatch",
        ),
    ],
)
def test_schema_errors_name_location_and_rule_only(
    client: FlaskClient,
    headers: dict[str, str],
    change: Callable[[dict[str, Any]], None],
    location: str,
    rule: str,
) -> None:
    body = batch_body()
    change(body)

    response = post(client, body, headers)

    error = assert_error_shape(response)
    assert response.status_code == 422
    assert error["code"] == "invalid_batch"
    assert {"location": location, "rule": rule} in error["fields"]
    assert "0612345678" not in response.get_data(as_text=True)


def test_more_signals_than_a_batch_holds_are_refused(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    response = post(client, batch_body(signals=wire.MAX_SIGNALS_PER_BATCH + 1), headers)

    assert response.status_code == 422
    assert {"location": "signals", "rule": "too_long"} in assert_error_shape(response)["fields"]


def test_an_oversized_body_is_refused_before_it_is_read(
    headers: dict[str, str], database_url: str, pepper_file: Path, tmp_path: Path
) -> None:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "PEPPER_FILE": str(pepper_file),
            "SECRET_KEY": "test-secret-key",
            "INSTANCE_PATH": str(tmp_path),
            "MAX_BATCH_BYTES": 4096,
        }
    )
    body = json.dumps(batch_body(signals=40))

    response = app.test_client().post(
        BATCHES, data=body, content_type="application/json", headers=headers
    )

    assert len(body) > 4096
    assert response.status_code == 413
    assert assert_error_shape(response)["code"] == "too_large"
    app.extensions["matcher.engine"].dispose()


def test_malformed_requests_are_refused_before_authentication_is_passed(
    client: FlaskClient,
) -> None:
    response = client.post(BATCHES, data="{", content_type="application/json")

    assert response.status_code == 401
    assert assert_error_shape(response)["code"] == "unauthorized"


@pytest.mark.parametrize(
    "method, path, status, code",
    [
        ("get", "/api/v1/nowhere", 404, "not_found"),
        ("get", BATCHES, 405, "method_not_allowed"),
        ("delete", "/api/v1/alerts", 405, "method_not_allowed"),
    ],
)
def test_unknown_routes_and_methods_answer_in_the_error_shape(
    client: FlaskClient, method: str, path: str, status: int, code: str
) -> None:
    response = getattr(client, method)(path)

    assert response.status_code == status
    assert assert_error_shape(response)["code"] == code


def test_a_withdrawal_with_a_malformed_ref_names_its_position(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    response = post(client, {"refs": ["j.jansen@example.nl"]}, headers, WITHDRAWALS)

    assert response.status_code == 422
    error = assert_error_shape(response)
    assert error["code"] == "invalid_withdrawal"
    assert error["fields"] == [{"location": "refs.0", "rule": "string_pattern_mismatch"}]
    assert "jansen" not in response.get_data(as_text=True)


_PLACES: list[Callable[[dict[str, Any], Any], None]] = [
    lambda body, value: body.update(batch_id=value),
    lambda body, value: body.update(key_fingerprint=value),
    lambda body, value: body.update(normalization_version=value),
    lambda body, value: body.update(signals=value),
    lambda body, value: body["signals"][0].update(ref=value),
    lambda body, value: body["signals"][0].update(category=value),
    lambda body, value: body["signals"][0].update(observed_on=value),
    lambda body, value: body["signals"][0].update(extra=value),
    lambda body, value: body["signals"][0].update({str(value): 1}),
    lambda body, value: body["signals"][0]["tokens"][0].update(token=value),
    lambda body, value: body["signals"][0]["tokens"][0].update(kind=value),
    lambda body, value: body["signals"][0]["tokens"][0].update(level=value),
    lambda body, value: body["signals"][0]["tokens"].append(value),
]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    place=st.sampled_from(_PLACES),
    identifier=st.sampled_from(IDENTIFIERS),
    wrap=st.sampled_from([lambda v: v, lambda v: [v], lambda v: {"value": v}]),
)
def test_no_identifier_planted_anywhere_comes_back(
    client: FlaskClient,
    headers: dict[str, str],
    place: Callable[[dict[str, Any], Any], None],
    identifier: str,
    wrap: Callable[[str], Any],
) -> None:
    body = batch_body()
    place(body, wrap(identifier))

    response = post(client, body, headers)

    assert 400 <= response.status_code < 500
    assert_error_shape(response)
    text = response.get_data(as_text=True)
    assert identifier not in text
    assert json.dumps(identifier)[1:-1] not in text


def test_an_unexpected_error_is_a_500_that_names_only_its_type(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("row 7 holds 0612345678")

    app.add_url_rule("/api/v1/broken", "broken", broken)

    response = app.test_client().get("/api/v1/broken")

    assert response.status_code == 500
    assert assert_error_shape(response)["code"] == "internal"
    assert "0612345678" not in response.get_data(as_text=True)
    assert "RuntimeError" in caplog.text
    assert "0612345678" not in caplog.text


def test_health_is_503_when_the_database_cannot_be_reached(
    pepper_file: Path, tmp_path: Path
) -> None:
    app = create_app(
        {
            "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
            "PEPPER_FILE": str(pepper_file),
            "SECRET_KEY": "test-secret-key",
            "INSTANCE_PATH": str(tmp_path),
        }
    )

    response = app.test_client().get("/api/v1/health")

    assert response.status_code == 503
    assert assert_error_shape(response)["code"] == "database_unavailable"


def test_a_submit_leaves_the_cycle_collector_running(
    client: FlaskClient, headers: dict[str, str], make_epoch: Callable[..., Any]
) -> None:
    """The collector pauses while a batch is read and stored, refused or not."""
    make_epoch(fingerprint="0" * 32)
    refused = batch_body()
    refused["signals"][0]["tokens"][0]["token"] = "too-short"
    assert gc.isenabled()

    assert post(client, refused, headers).status_code == 422
    assert gc.isenabled()
    assert post(client, batch_body(), headers).status_code == 201
    assert gc.isenabled()
