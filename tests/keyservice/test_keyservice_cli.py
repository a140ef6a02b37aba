"""The operator's CLI: keys, agencies, the usage log; the same services as the API."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from client.oprf import protocol
from client.oprf.messages import PublicKeyInfo, encode_bytes
from keyservice.commands import main


@pytest.fixture
def run(keyservice_app: Flask) -> Any:
    def invoke(*args: str) -> Any:
        return CliRunner().invoke(main, list(args), obj=keyservice_app, catch_exceptions=False)

    return invoke


def test_key_generate_writes_a_private_file_and_prints_the_fingerprint(
    run: Any, keyservice_app: Flask
) -> None:
    result = run("key", "generate", "--epoch", "1")
    assert result.exit_code == 0
    fingerprint = re.search(r"fingerprint ([0-9a-f]{32})", result.output)
    assert fingerprint is not None
    key_file = Path(keyservice_app.config["KEYSERVICE_KEY_DIR"]) / "epoch-0001.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    secret = json.loads(key_file.read_text())["secret_key"]
    assert secret not in result.output
    published = PublicKeyInfo.model_validate_json(run("key", "publish", "--epoch", "1").output)
    assert published.fingerprint == fingerprint.group(1)
    assert fingerprint.group(1) in run("key", "list").output


def test_an_epoch_cannot_be_generated_twice(run: Any) -> None:
    run("key", "generate", "--epoch", "1")
    result = run("key", "generate", "--epoch", "1")
    assert result.exit_code == 1
    assert "has a key already" in result.output


def test_key_retire_keeps_the_key_published(run: Any, keyservice_app: Flask) -> None:
    run("key", "generate", "--epoch", "1")
    result = run("key", "retire", "--epoch", "1", "--destroy-secret")
    assert result.exit_code == 0 and "retired" in result.output
    assert "retired" in run("key", "list").output
    assert not (Path(keyservice_app.config["KEYSERVICE_KEY_DIR"]) / "epoch-0001.key").exists()


def test_agency_add_prints_a_working_token_once(run: Any, keyservice_app: Flask) -> None:
    run("key", "generate", "--epoch", "1")
    result = run("agency", "add", "Gemeente Den Haag", "--daily-quota", "50")
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("kpks_")
    assert token not in run("agency", "list").output
    _, blinded = protocol.blind([b"x", b"y"])
    body = {"suite": protocol.SUITE, "epoch": 1, "blinded": [encode_bytes(e) for e in blinded]}
    response = keyservice_app.test_client().post(
        "/api/v1/evaluate", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    log = run("log").output
    assert re.search(r"Gemeente Den Haag\s+1\s+2", log)


def test_agency_list_and_revoke(run: Any) -> None:
    run("agency", "add", "Politie Limburg", "--daily-quota", "10")
    assert "Politie Limburg  daily quota 10  active" in run("agency", "list").output
    assert run("agency", "revoke", "Politie Limburg").exit_code == 0
    assert "revoked" in run("agency", "list").output
    assert run("agency", "revoke", "Nobody").exit_code == 1


def test_an_agency_name_is_unique(run: Any) -> None:
    run("agency", "add", "NLA", "--daily-quota", "10")
    result = run("agency", "add", "NLA", "--daily-quota", "10")
    assert result.exit_code == 1 and "exists already" in result.output
