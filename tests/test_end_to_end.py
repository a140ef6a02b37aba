"""The real client CLI against the real matcher app, in process: pins the wire format."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from client.cli import main as kruispunt
from client.keys import generate_key, save_key
from client.neighbourhoods import near_keys
from client.normalizers import normalize
from client.wire import Kind

EXPORTS = {
    "Gemeente Utrecht": (
        "zaak;datum;telefoon;adres\n"
        "U-1;2026-03-01;06-12345678;Hoofdstraat 14-A, 3811 AB Amersfoort\n"
        "U-2;2026-03-02;06-11112222;\n"
    ),
    "Gemeente Amersfoort": (
        "zaak,datum,telefoon,adres\n"
        "A-1,2026-04-01,+31 (0)6 1234 5678,3811ab 14 a\n"
        "A-2,2026-04-02,0031 6 3333 4444,\n"
    ),
}
RAW_VALUES = (
    "06-12345678",
    "+31 (0)6 1234 5678",
    "+31612345678",
    "3811",
    "Hoofdstraat",
    "11112222",
)


@pytest.fixture
def federation(
    app: Any,
    tmp_path: Path,
    make_agency: Callable[..., Any],
    make_api_token: Callable[..., str],
    make_epoch: Callable[..., Any],
    make_user: Callable[..., Any],
    make_user_token: Callable[..., str],
) -> dict[str, Any]:
    """Two agencies with tokens and ledgers, a registered federation key, a coordinator."""
    key = generate_key(epoch=1)
    key_file = save_key(key, tmp_path / "federation.key")
    make_epoch(scheme="hmac", epoch=1, fingerprint=key.fingerprint)
    agencies = {}
    for number, name in enumerate(EXPORTS):
        agency = make_agency(name=name, region="Midden-Nederland")
        export = tmp_path / f"export{number}.csv"
        export.write_text(EXPORTS[name], encoding="utf-8")
        agencies[name] = {
            "token": make_api_token(agency),
            "ledger": tmp_path / f"ledger{number}.sqlite3",
            "export": export,
        }
    coordinator = make_user()
    return {"key_file": key_file, "agencies": agencies, "coordinator": make_user_token(coordinator)}


class Recorder(httpx.BaseTransport):
    """The in-process transport to the app, keeping every request body it carried."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.WSGITransport(app=app)
        self.bodies: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(request.read())
        return self.inner.handle_request(request)


def _kruispunt(recorder: Recorder, agency: dict[str, Any], key_file: Path, *args: str) -> Result:
    env = {
        "KRUISPUNT_API_TOKEN": agency["token"],
        "KRUISPUNT_LEDGER": str(agency["ledger"]),
        "KRUISPUNT_KEY_FILE": str(key_file),
    }
    return CliRunner().invoke(
        kruispunt, [*args, "--matcher", "http://127.0.0.1"], env=env, obj={"transport": recorder}
    )


def _submit(recorder: Recorder, agency: dict[str, Any], key_file: Path) -> Result:
    return _kruispunt(
        recorder,
        agency,
        key_file,
        "submit",
        str(agency["export"]),
        "--column",
        "telefoon=phone",
        "--column",
        "adres=address",
        "--case-column",
        "zaak",
        "--observed-column",
        "datum",
        "--category",
        "inspection",
        "--workers",
        "1",
        "--no-progress",
    )


def test_two_agencies_submitting_the_same_phone_and_address_raise_alerts(
    app: Any, client: Any, federation: dict[str, Any]
) -> None:
    recorder = Recorder(app)
    for agency in federation["agencies"].values():
        result = _submit(recorder, agency, federation["key_file"])
        assert result.exit_code == 0, result.output
        assert "2 signals" in result.output

    coordinator = {"Authorization": f"Bearer {federation['coordinator']}"}
    # one real link (U-1 and A-1 share a phone and an address): one alert, all its evidence
    (alert,) = client.get("/api/v1/coordinator/alerts", headers=coordinator).get_json()["alerts"]
    assert (alert["agency_count"], alert["strength"]) == (2, "strong")
    detail = client.get(f"/api/v1/coordinator/alerts/{alert['id']}", headers=coordinator)
    evidence = {
        (item["kind"], item["level"], item["match"]) for item in detail.get_json()["evidence"]
    }
    # the building and the swapped-pair keys repeat what the dwelling and number show
    assert evidence == {("address", "unit", "exact"), ("phone", "e164", "exact")}

    # the wire carried tokens, references, categories and dates: never a raw or canonical value,
    # nor any near-match value (a phone with a swapped pair) that the near tokens were made of
    sent = b"\n".join(recorder.bodies)
    near = [value for _, value in near_keys(Kind.PHONE, normalize("phone", "06-12345678"))]
    assert len(near) == 7
    for value in [*RAW_VALUES, *near, *(item.split(":", 1)[1] for item in near)]:
        assert value.encode() not in sent


def test_a_released_alert_reaches_both_agencies_with_their_own_case_numbers(
    app: Any, client: Any, federation: dict[str, Any], approve: Any
) -> None:
    recorder = Recorder(app)
    for agency in federation["agencies"].values():
        assert _submit(recorder, agency, federation["key_file"]).exit_code == 0
    coordinator = {"Authorization": f"Bearer {federation['coordinator']}"}
    alerts = client.get("/api/v1/coordinator/alerts?kind=phone", headers=coordinator)
    (phone_alert,) = alerts.get_json()["alerts"]
    approve(phone_alert["id"])
    released = client.post(
        f"/api/v1/coordinator/alerts/{phone_alert['id']}/release", headers=coordinator
    )
    assert released.status_code == 200

    utrecht, _ = federation["agencies"].values()
    result = _kruispunt(recorder, utrecht, federation["key_file"], "alerts", "--json")
    assert result.exit_code == 0, result.output
    (seen,) = json.loads(result.output)["alerts"]
    assert "U-1" in json.dumps(seen)
    assert "A-1" not in json.dumps(seen)  # the other agency's case number stays with it
    assert "Gemeente Amersfoort" in json.dumps(seen)


def test_a_replayed_batch_adds_nothing_and_withdrawal_removes_the_overlap(
    app: Any, client: Any, federation: dict[str, Any], tmp_path: Path
) -> None:
    recorder = Recorder(app)
    utrecht, amersfoort = federation["agencies"].values()
    batch_file = tmp_path / "utrecht.jsonl"
    env = {
        "KRUISPUNT_KEY_FILE": str(federation["key_file"]),
        "KRUISPUNT_LEDGER": str(utrecht["ledger"]),
    }
    prepared = CliRunner().invoke(
        kruispunt,
        [
            "prepare",
            str(utrecht["export"]),
            "--out",
            str(batch_file),
            "--column",
            "telefoon=phone",
            "--case-column",
            "zaak",
            "--category",
            "tip",
            "--workers",
            "1",
            "--no-progress",
        ],
        env=env,
    )
    assert prepared.exit_code == 0, prepared.output
    for _ in range(2):  # the second upload is a replay of the same batch id
        sent = _kruispunt(recorder, utrecht, federation["key_file"], "submit", str(batch_file))
        assert sent.exit_code == 0, sent.output
    assert _submit(recorder, amersfoort, federation["key_file"]).exit_code == 0

    coordinator = {"Authorization": f"Bearer {federation['coordinator']}"}
    (alert,) = client.get("/api/v1/coordinator/alerts?kind=phone", headers=coordinator).get_json()[
        "alerts"
    ]
    assert alert["signal_count"] == 2  # the replay added no signal

    withdrawn = _kruispunt(recorder, utrecht, federation["key_file"], "withdraw", "--case", "U-1")
    assert withdrawn.exit_code == 0, withdrawn.output
    detail = client.get(f"/api/v1/coordinator/alerts/{alert['id']}", headers=coordinator)
    assert detail.get_json()["counts"]["agencies"] == 1  # only Amersfoort still holds the phone
