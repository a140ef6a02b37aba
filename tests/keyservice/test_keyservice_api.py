"""The key service's HTTP API: evaluation, publication, authentication, error shape, limits."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client.oprf import group, protocol
from client.oprf.messages import (
    EvaluateResponse,
    PublicKeyInfo,
    decode_element,
    decode_proof,
    encode_bytes,
    fingerprint,
)
from client.wire import ErrorBody
from keyservice import agencies, db, keys

SUITE = protocol.SUITE


def _blinded(count: int) -> tuple[list[bytes], list[bytes], list[bytes]]:
    inputs = [f"input-{n}".encode() for n in range(count)]
    blinds, blinded = protocol.blind(inputs)
    return inputs, blinds, blinded


def _body(blinded: list[bytes], *, epoch: int = 1) -> dict[str, Any]:
    return {"suite": SUITE, "epoch": epoch, "blinded": [encode_bytes(e) for e in blinded]}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _error(response: Any) -> ErrorBody.Detail:
    return ErrorBody.model_validate(response.get_json()).error


@pytest.fixture
def api(keyservice_app: Flask) -> Any:
    return keyservice_app.test_client()


def test_health_answers_without_a_token(api: Any, key_epoch: keys.KeyEpoch) -> None:
    response = api.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "active_epochs": [1], "shared_limits": False}


def test_public_key_is_published_with_its_fingerprint(api: Any, key_epoch: keys.KeyEpoch) -> None:
    info = PublicKeyInfo.model_validate(api.get("/api/v1/public-key").get_json())
    assert info.epoch == 1 and info.status == "active"
    assert info.public_key_bytes() == key_epoch.public_key
    assert info.fingerprint == fingerprint(key_epoch.public_key, epoch=1)


def test_past_epochs_stay_published(keyservice_app: Flask, api: Any, key_epoch: Any) -> None:
    key_dir = Path(keyservice_app.config["KEYSERVICE_KEY_DIR"])
    with keyservice_app.app_context(), db.get_engine().begin() as conn:
        keys.generate_key(conn, key_dir, epoch=2)
        keys.retire_key(conn, key_dir, 1, destroy_secret=False)
    listed = api.get("/api/v1/public-keys").get_json()["keys"]
    assert [(item["epoch"], item["status"]) for item in listed] == [(2, "active"), (1, "retired")]
    assert api.get("/api/v1/public-key").get_json()["epoch"] == 2
    assert api.get("/api/v1/public-key?epoch=1").get_json()["status"] == "retired"


def test_no_key_yet_is_a_json_404(api: Any) -> None:
    response = api.get("/api/v1/public-key")
    assert response.status_code == 404
    assert _error(response).code == "unknown_epoch"


def test_a_malformed_epoch_parameter_is_a_422(api: Any, key_epoch: Any) -> None:
    response = api.get("/api/v1/public-key?epoch=one")
    assert response.status_code == 422
    assert _error(response).fields == [{"location": "epoch", "rule": "int_parsing"}]


def test_evaluation_returns_elements_that_verify_and_finalize(
    api: Any, key_epoch: keys.KeyEpoch, make_agency_token: Callable[..., str]
) -> None:
    inputs, blinds, blinded = _blinded(5)
    response = api.post("/api/v1/evaluate", json=_body(blinded), headers=_auth(make_agency_token()))
    assert response.status_code == 200
    answer = EvaluateResponse.model_validate(response.get_json())
    outputs = protocol.finalize(
        inputs,
        blinds,
        [decode_element(text) for text in answer.evaluated],
        blinded=blinded,
        public_key=key_epoch.public_key,
        proof=decode_proof(answer.proof),
    )
    assert len(outputs) == 5
    assert response.headers["X-Quota-Remaining"] == str(100_000 - 5)
    reset = dt.datetime.fromisoformat(response.headers["X-Quota-Reset"])
    assert reset.time() == dt.time() and reset > dt.datetime.now(dt.UTC)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer kpks_wrong"}, {"Authorization": "Basic abc"}],
    ids=["missing", "unknown", "other-scheme"],
)
def test_evaluation_needs_a_valid_token(api: Any, key_epoch: Any, headers: dict[str, str]) -> None:
    _, _, blinded = _blinded(1)
    response = api.post("/api/v1/evaluate", json=_body(blinded), headers=headers)
    assert response.status_code == 401
    assert _error(response).code == "unauthorized"


def test_a_revoked_agency_gets_the_same_answer_as_an_unknown_one(
    keyservice_app: Flask, api: Any, key_epoch: Any, make_agency_token: Callable[..., str]
) -> None:
    token = make_agency_token("Politie Oost-Nederland")
    with keyservice_app.app_context(), db.get_engine().begin() as conn:
        agencies.revoke_agency(conn, "Politie Oost-Nederland")
    _, _, blinded = _blinded(1)
    revoked = api.post("/api/v1/evaluate", json=_body(blinded), headers=_auth(token))
    unknown = api.post("/api/v1/evaluate", json=_body(blinded), headers=_auth("kpks_x"))
    assert revoked.status_code == unknown.status_code == 401
    assert revoked.get_json() == unknown.get_json()


def test_invalid_elements_are_refused_by_position_never_by_value(
    api: Any, key_epoch: Any, make_agency_token: Callable[..., str]
) -> None:
    _, _, blinded = _blinded(3)
    top_bit = blinded[2][:31] + bytes([blinded[2][31] | 0x80])
    body = _body([blinded[0], group.IDENTITY, top_bit])
    response = api.post("/api/v1/evaluate", json=body, headers=_auth(make_agency_token()))
    assert response.status_code == 422
    error = _error(response)
    assert error.code == "invalid_element"
    assert [field["location"] for field in error.fields] == ["blinded.1", "blinded.2"]
    for text in body["blinded"]:
        assert text not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("not json", 422, "invalid_json"),
        ([1, 2], 422, "invalid_json"),
        ({"suite": "P256-SHA256", "epoch": 1, "blinded": ["A" * 43]}, 422, "invalid_request"),
        ({"suite": SUITE, "epoch": 0, "blinded": ["A" * 43]}, 422, "invalid_request"),
        ({"suite": SUITE, "epoch": 1, "blinded": []}, 422, "invalid_request"),
        ({"suite": SUITE, "epoch": 1, "blinded": ["A" * 44]}, 422, "invalid_request"),
        ({"suite": SUITE, "epoch": 1, "blinded": ["A" * 43], "x": 1}, 422, "invalid_request"),
        ({"suite": SUITE, "epoch": 9, "blinded": ["A" * 43]}, 404, "unknown_epoch"),
    ],
)
def test_malformed_requests_get_a_4xx_in_the_one_error_shape(
    api: Any,
    key_epoch: Any,
    make_agency_token: Callable[..., str],
    body: Any,
    status: int,
    code: str,
) -> None:
    data = body if isinstance(body, str) else json.dumps(body)
    response = api.post(
        "/api/v1/evaluate",
        data=data,
        content_type="application/json",
        headers=_auth(make_agency_token()),
    )
    assert response.status_code == status
    assert _error(response).code == code
    assert "AAAAAAAAAAAAAAAA" not in response.get_data(as_text=True)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=50),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(["suite", "epoch", "blinded", "x"]) | st.text(max_size=5),
                children,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_no_json_body_makes_the_key_service_fail(
    api: Any, key_epoch: Any, make_agency_token: Callable[..., str], body: Any
) -> None:
    token = make_agency_token(f"fuzz-{os.urandom(4).hex()}")
    response = api.post("/api/v1/evaluate", json=body, headers=_auth(token))
    assert 400 <= response.status_code < 500
    ErrorBody.model_validate(response.get_json())


def test_too_many_elements_is_a_413(
    make_keyservice: Callable[..., Flask], make_agency_token: Callable[..., str], key_epoch: Any
) -> None:
    app = make_keyservice(KEYSERVICE_MAX_ELEMENTS=2)
    _, _, blinded = _blinded(3)
    response = app.test_client().post(
        "/api/v1/evaluate", json=_body(blinded), headers=_auth(make_agency_token())
    )
    assert response.status_code == 413
    assert _error(response).code == "too_many_elements"


def test_an_oversized_body_is_a_json_413(
    make_keyservice: Callable[..., Flask], make_agency_token: Callable[..., str], key_epoch: Any
) -> None:
    app = make_keyservice(KEYSERVICE_MAX_REQUEST_BYTES=1000)
    _, _, blinded = _blinded(30)
    response = app.test_client().post(
        "/api/v1/evaluate", json=_body(blinded), headers=_auth(make_agency_token())
    )
    assert response.status_code == 413
    assert _error(response).code == "too_large"


def test_a_retired_epoch_no_longer_evaluates(
    keyservice_app: Flask, api: Any, key_epoch: Any, make_agency_token: Callable[..., str]
) -> None:
    with keyservice_app.app_context(), db.get_engine().begin() as conn:
        keys.retire_key(
            conn, Path(keyservice_app.config["KEYSERVICE_KEY_DIR"]), 1, destroy_secret=True
        )
    _, _, blinded = _blinded(1)
    response = api.post("/api/v1/evaluate", json=_body(blinded), headers=_auth(make_agency_token()))
    assert response.status_code == 409
    assert _error(response).code == "retired_epoch"


def test_unknown_routes_and_methods_answer_in_the_error_shape(api: Any) -> None:
    assert _error(api.get("/api/v1/nothing")).code == "not_found"
    response = api.get("/api/v1/evaluate")
    assert response.status_code == 405
    assert _error(response).code == "method_not_allowed"


def test_the_key_service_does_not_import_the_matcher() -> None:
    import subprocess
    import sys

    code = (
        "import sys, keyservice, keyservice.api, keyservice.commands;"
        "keyservice.create_app("
        "{'KEYSERVICE_DATABASE_URL': 'sqlite://', 'KEYSERVICE_KEY_DIR': 'keys'});"
        "sys.exit(any(m == 'matcher' or m.startswith('matcher.') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_an_httpx_client_reaches_the_app_in_process(
    transport: httpx.WSGITransport, key_epoch: Any
) -> None:
    with httpx.Client(transport=transport, base_url="http://keyservice") as http:
        response = http.get("/api/v1/public-key")
    assert response.status_code == 200
    assert response.json()["fingerprint"] == key_epoch.fingerprint


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("[" * 50_000 + "]" * 50_000, "invalid_json"),
        (json.dumps({"suite": SUITE, "epoch": 2**63, "blinded": ["A" * 43]}), None),
        (json.dumps({"suite": SUITE, "epoch": True, "blinded": ["A" * 43]}), None),
    ],
)
def test_deep_nesting_a_huge_epoch_or_a_boolean_epoch_is_a_422(
    api: Any, make_agency_token: Any, key_epoch: Any, raw: str, code: str | None
) -> None:
    response = api.post(
        "/api/v1/evaluate",
        data=raw,
        headers={**_auth(make_agency_token()), "Content-Type": "application/json"},
    )

    assert response.status_code == 422
    assert _error(response).code == (code or "invalid_request")


def test_an_unknown_fields_name_is_not_echoed(
    api: Any, make_agency_token: Any, key_epoch: Any
) -> None:
    body = {"suite": SUITE, "epoch": 1, "blinded": ["A" * 43], "06-12345678": 1}

    response = api.post("/api/v1/evaluate", json=body, headers=_auth(make_agency_token()))

    assert response.status_code == 422
    assert "06-12345678" not in response.get_data(as_text=True)
    assert _error(response).fields == [{"location": "*", "rule": "extra_forbidden"}]


@pytest.mark.parametrize("epoch", ["²", "", "x", "99999999999"])
def test_a_bad_epoch_query_is_a_422(api: Any, key_epoch: Any, epoch: str) -> None:
    assert api.get(f"/api/v1/public-key?epoch={epoch}").status_code == 422
