"""What the key service keeps: counts per agency, never an input, an element or a secret."""

from __future__ import annotations

import base64
import json
import logging
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from sqlalchemy import make_url, select, text
from sqlalchemy.exc import DBAPIError

from client.oprf import group, protocol
from client.oprf.messages import decode_element
from client.schemes.base import MatchKey
from client.schemes.oprf import OprfScheme, oprf_input
from client.wire import Kind
from keyservice import db, keys, usage

IDENTIFIERS = [
    MatchKey(Kind.PHONE, "e164", "+40721234567"),
    MatchKey(Kind.EMAIL, "mailbox", "ana.popescu@example.ro"),
    MatchKey(Kind.IBAN, "iban", "NL91ABNA0417164300"),
]


class _Recorder(httpx.BaseTransport):
    """Passes requests to the app and keeps every element that crossed the wire."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.elements: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.elements += json.loads(request.content)["blinded"]
        response = self.inner.handle_request(request)
        response.read()
        if request.method == "POST" and response.status_code == 200:
            self.elements += response.json()["evaluated"]
        return response


def _database_text(app: Flask, url: str) -> bytes:
    """Every stored row as text, plus the raw SQLite files (which also hold deleted pages)."""
    with app.app_context(), db.get_engine().connect() as conn:
        rows = [
            repr(row) for table in db.metadata.sorted_tables for row in conn.execute(select(table))
        ]
    stored = "\n".join(rows).encode()
    database = make_url(url).database
    if url.startswith("sqlite") and database:
        for path in Path(database).parent.glob(Path(database).name + "*"):
            stored += path.read_bytes()
    return stored


def _forms(raw: bytes) -> list[bytes]:
    return [raw, raw.hex().encode(), base64.urlsafe_b64encode(raw).rstrip(b"=")]


def test_database_and_logs_hold_no_identifier_and_no_element(
    keyservice_app: Flask,
    key_epoch: keys.KeyEpoch,
    transport: httpx.WSGITransport,
    make_agency_token: Callable[..., str],
    keyservice_database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    recorder = _Recorder(transport)
    with OprfScheme(
        "https://ks",
        api_token=make_agency_token(),
        public_key=key_epoch.public_key,
        epoch=1,
        transport=recorder,
    ) as scheme:
        tokens = scheme.tokenize(IDENTIFIERS)

    secret = keys.load_secret(Path(keyservice_app.config["KEYSERVICE_KEY_DIR"]), key_epoch)
    unblinded = [
        group.scalar_mult(
            secret, group.hash_to_group(oprf_input(k, epoch=1), protocol.context().hash_to_group)
        )
        for k in IDENTIFIERS
    ]
    forbidden = [k.value.encode() for k in IDENTIFIERS] + [b"0721234567", b"popescu"]
    for element in unblinded + tokens + [decode_element(e) for e in recorder.elements]:
        forbidden += _forms(element)
    forbidden += _forms(secret)
    assert len(recorder.elements) == 2 * len(IDENTIFIERS)

    stored = _database_text(keyservice_app, keyservice_database_url)
    logged = caplog.text.encode()
    for value in forbidden:
        assert value not in stored
        assert value not in logged
    assert b"count=3" in logged  # the count is what the log is for


def test_the_evaluation_log_counts_per_agency_and_day(
    keyservice_app: Flask,
    key_epoch: keys.KeyEpoch,
    transport: httpx.WSGITransport,
    make_agency_token: Callable[..., str],
) -> None:
    for agency, keys_ in (("Gemeente Utrecht", IDENTIFIERS), ("NLA", IDENTIFIERS[:1])):
        with OprfScheme(
            "https://ks",
            api_token=make_agency_token(agency),
            public_key=key_epoch.public_key,
            epoch=1,
            transport=transport,
        ) as scheme:
            scheme.tokenize(keys_)
            scheme.tokenize(keys_)
    with keyservice_app.app_context(), db.get_engine().connect() as conn:
        rows = usage.daily_usage(conn)
    assert [(r.agency, r.requests, r.evaluations) for r in rows] == [
        ("Gemeente Utrecht", 2, 6),
        ("NLA", 2, 2),
    ]


@pytest.mark.parametrize(
    "statement", ["UPDATE evaluation_log SET count = 0", "DELETE FROM evaluation_log"]
)
def test_the_evaluation_log_is_append_only(
    keyservice_app: Flask,
    key_epoch: Any,
    transport: Any,
    make_agency_token: Callable[..., str],
    statement: str,
) -> None:
    with OprfScheme(
        "https://ks",
        api_token=make_agency_token(),
        public_key=key_epoch.public_key,
        epoch=1,
        transport=transport,
    ) as scheme:
        scheme.tokenize(IDENTIFIERS[:1])
    with (
        keyservice_app.app_context(),
        pytest.raises(DBAPIError, match="append-only"),
        db.get_engine().begin() as conn,
    ):
        conn.execute(text(statement))


def test_the_key_file_is_private_and_outside_the_database(
    keyservice_app: Flask, key_epoch: keys.KeyEpoch
) -> None:
    path = keys.key_file(Path(keyservice_app.config["KEYSERVICE_KEY_DIR"]), 1)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    secret = keys.load_secret(path.parent, key_epoch)
    assert protocol.public_key_of(secret) == key_epoch.public_key


def _evaluate(app: Flask, token: str) -> Any:
    _, blinded = protocol.blind([b"x"])
    body = {
        "suite": protocol.SUITE,
        "epoch": 1,
        "blinded": [base64.urlsafe_b64encode(blinded[0]).rstrip(b"=").decode()],
    }
    return app.test_client().post(
        "/api/v1/evaluate", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def test_a_key_file_others_can_read_is_refused(
    keyservice_app: Flask, key_epoch: Any, make_agency_token: Callable[..., str]
) -> None:
    path = keys.key_file(Path(keyservice_app.config["KEYSERVICE_KEY_DIR"]), 1)
    path.chmod(0o644)
    response = _evaluate(keyservice_app, make_agency_token())
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "key_unavailable"
    secret_hex = json.loads(path.read_text())["secret_key"]
    assert secret_hex not in response.get_data(as_text=True)


def test_a_key_file_that_is_not_the_published_key_is_refused(
    keyservice_app: Flask, key_epoch: Any, make_agency_token: Callable[..., str]
) -> None:
    path = keys.key_file(Path(keyservice_app.config["KEYSERVICE_KEY_DIR"]), 1)
    document = json.loads(path.read_text())
    other, _ = protocol.derive_key_pair(bytes(32), b"another key")
    document["secret_key"] = other.hex()
    path.write_text(json.dumps(document))
    response = _evaluate(keyservice_app, make_agency_token())
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "key_unavailable"
    assert other.hex() not in response.get_data(as_text=True)


def test_each_request_is_logged_at_the_default_level_with_agency_and_count(
    keyservice_app: Flask,
    key_epoch: Any,
    make_agency_token: Callable[..., str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert _evaluate(keyservice_app, make_agency_token("Politie Zeeland")).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "keyservice.evaluations"]
    assert lines == ["evaluated agency=Politie Zeeland epoch=1 count=1"]
