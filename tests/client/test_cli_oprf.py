"""``kruispunt prepare/submit --scheme oprf`` against the real key service app, in process."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from flask import Flask
from matcher_contract import ContractMatcher

from client import wire
from client.batchfile import read_batch_file
from client.cli import main
from client.cli.scheme import quota_message
from client.keys import generate_key, save_key
from client.oprf.service import KeyServiceQuotaExceeded
from client.schemes.oprf import PROOF_FAILS
from keyservice import agencies, create_app, db, keys
from keyservice.commands import main as keyservice_main

KEYSERVICE = "https://keyservice.test"
PHONE = "06-12345678"
EXPORT = f"zaak;telefoon;kenteken\nZ-1;{PHONE};AB-123-C\nZ-2;0612345679;\n"
MAPPING = [
    "--column", "telefoon=phone", "--column", "kenteken=plate", "--case-column", "zaak",
    "--category", "tip",
]  # fmt: skip
ENV_TOKEN = "KRUISPUNT_KEYSERVICE_TOKEN"


class RecordingTransport(httpx.BaseTransport):
    """Pass requests to the key service app and keep their bytes for privacy checks."""

    def __init__(self, app: Flask) -> None:
        self._inner = httpx.WSGITransport(app=app)
        self.bodies: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(request.url.raw_path + request.read())
        return self._inner.handle_request(request)


@pytest.fixture
def make_keyservice(tmp_path: Path) -> Iterator[Callable[[str], Flask]]:
    """Build key service apps, each on its own SQLite file and key folder, with epoch 1's key."""
    built: list[Flask] = []

    def make(name: str) -> Flask:
        app = create_app(
            {
                "TESTING": True,
                "KEYSERVICE_DATABASE_URL": f"sqlite:///{tmp_path / f'{name}.sqlite'}",
                "KEYSERVICE_KEY_DIR": str(tmp_path / f"{name}-keys"),
                "KEYSERVICE_REDIS_URL": "",
            }
        )
        built.append(app)
        with app.app_context(), db.get_engine().begin() as conn:
            keys.generate_key(conn, tmp_path / f"{name}-keys", epoch=1)
        return app

    yield make
    for app in built:
        app.extensions["keyservice.engine"].dispose()


@pytest.fixture
def keyservice_app(make_keyservice: Callable[[str], Flask]) -> Flask:
    return make_keyservice("keyservice")


@pytest.fixture
def agency_token(keyservice_app: Flask) -> Callable[..., str]:
    """Register an agency at the key service and return its bearer token."""

    def make(name: str, *, daily_quota: int = 100_000) -> str:
        with keyservice_app.app_context(), db.get_engine().begin() as conn:
            return agencies.add_agency(conn, name, daily_quota=daily_quota)[1]

    return make


@pytest.fixture
def workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keyservice_app: Flask
) -> Iterator[Path]:
    """An export, the published public key (as ``key publish`` writes it), no federation key."""
    published = CliRunner().invoke(
        keyservice_main, ["key", "publish", "--epoch", "1"], obj=keyservice_app
    )
    assert published.exit_code == 0, published.output
    (tmp_path / "pub.json").write_text(published.stdout, encoding="utf-8")
    (tmp_path / "export.csv").write_text(EXPORT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in (
        "KRUISPUNT_KEY_FILE", "KRUISPUNT_KEY", "KRUISPUNT_SCHEME", "KRUISPUNT_KEYSERVICE",
        "KRUISPUNT_KEYSERVICE_PUBLIC_KEY", ENV_TOKEN,
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KRUISPUNT_LEDGER", str(tmp_path / "ledger.sqlite3"))
    yield tmp_path


def kruispunt(
    *args: str,
    keyservice: httpx.BaseTransport,
    env: dict[str, str] | None = None,
    matcher: ContractMatcher | None = None,
) -> Result:
    settings: dict[str, httpx.BaseTransport] = {"keyservice_transport": keyservice}
    if matcher is not None:
        settings["transport"] = matcher.transport()
    return CliRunner().invoke(main, list(args), obj=settings, env=env)


OPRF = ["--scheme", "oprf", "--keyservice", KEYSERVICE, "--public-key", "pub.json"]


def test_two_agencies_prepare_identical_tokens_without_a_federation_key(
    workspace: Path, keyservice_app: Flask, agency_token: Callable[..., str]
) -> None:
    transport = RecordingTransport(keyservice_app)
    (workspace / "police.token").write_text(agency_token("Politie") + "\n", encoding="utf-8")
    (workspace / "police.token").chmod(0o600)
    municipality = kruispunt(
        "prepare", "export.csv", "--out", "gemeente.jsonl", *MAPPING, "--keyservice", KEYSERVICE,
        "--public-key", "pub.json",
        keyservice=transport,
        env={"KRUISPUNT_SCHEME": "oprf", ENV_TOKEN: agency_token("Gemeente Utrecht")},
    )  # fmt: skip
    police = kruispunt(
        "prepare", "export.csv", "--out", "politie.jsonl", *MAPPING, *OPRF,
        "--keyservice-token-file", "police.token", "--ledger", "politie.sqlite3",
        keyservice=transport,
    )  # fmt: skip

    assert municipality.exit_code == 0, municipality.output
    assert police.exit_code == 0, police.output
    (ours,) = read_batch_file(workspace / "gemeente.jsonl")
    (theirs,) = read_batch_file(workspace / "politie.jsonl")
    with keyservice_app.app_context(), db.get_engine().connect() as conn:
        published = keys.get_key(conn, 1)
    for batch in (ours, theirs):
        assert batch.scheme is wire.SchemeName.OPRF
        assert (batch.key_fingerprint, batch.key_epoch) == (published.fingerprint, 1)
    assert [s.tokens for s in ours.signals] == [s.tokens for s in theirs.signals]
    assert {s.ref for s in ours.signals}.isdisjoint(s.ref for s in theirs.signals)
    sent = b"".join(transport.bodies)
    assert sent and b"612345678" not in sent and b"AB123C" not in sent


def test_oprf_tokens_differ_from_shared_key_tokens(
    workspace: Path, keyservice_app: Flask, agency_token: Callable[..., str]
) -> None:
    transport = httpx.WSGITransport(app=keyservice_app)
    env = {ENV_TOKEN: agency_token("Gemeente Utrecht")}
    hardened = kruispunt(
        "prepare", "export.csv", "--dry-run", *MAPPING, *OPRF, keyservice=transport, env=env
    )
    save_key(generate_key(), workspace / "key.json")
    shared = kruispunt(
        "prepare", "export.csv", "--dry-run", *MAPPING, "--key-file", "key.json",
        keyservice=transport,
    )  # fmt: skip

    assert hardened.exit_code == 0 and shared.exit_code == 0, hardened.output + shared.output
    oprf_batch = wire.Batch.model_validate_json(hardened.stdout)
    hmac_batch = wire.Batch.model_validate_json(shared.stdout)
    assert (oprf_batch.scheme, hmac_batch.scheme) == (wire.SchemeName.OPRF, wire.SchemeName.HMAC)
    oprf_tokens = {t.token for s in oprf_batch.signals for t in s.tokens}
    assert oprf_tokens.isdisjoint(t.token for s in hmac_batch.signals for t in s.tokens)


def test_submit_prepares_with_the_key_service_and_sends_to_the_matcher(
    workspace: Path, keyservice_app: Flask, agency_token: Callable[..., str]
) -> None:
    with keyservice_app.app_context(), db.get_engine().connect() as conn:
        fingerprint = keys.get_key(conn, 1).fingerprint
    matcher = ContractMatcher(keys={fingerprint: "current"})
    env = {ENV_TOKEN: agency_token("Gemeente Utrecht"), "KRUISPUNT_API_TOKEN": "token-a"}

    result = kruispunt(
        "submit", "export.csv", *MAPPING, *OPRF, "--matcher", "https://matcher.test",
        keyservice=httpx.WSGITransport(app=keyservice_app), env=env, matcher=matcher,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "Submitted 2 signals in 1 batch(es)." in result.stdout
    (received,) = [r for r in matcher.requests if r.url.path.endswith("/batches")]
    batch = wire.Batch.model_validate_json(received.content)
    assert batch.scheme is wire.SchemeName.OPRF and batch.key_fingerprint == fingerprint


def test_an_exhausted_quota_stops_with_its_reset_time_and_keeps_nothing(
    workspace: Path, keyservice_app: Flask, agency_token: Callable[..., str]
) -> None:
    env = {ENV_TOKEN: agency_token("Gemeente Eindhoven", daily_quota=2)}

    result = kruispunt(
        "prepare", "export.csv", "--out", "batch.jsonl", *MAPPING, *OPRF,
        keyservice=httpx.WSGITransport(app=keyservice_app), env=env,
    )  # fmt: skip

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "quota_exhausted" in result.stderr
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    assert f"The quota resets at {tomorrow:%Y-%m-%d} 00:00 UTC (in about " in result.stderr
    assert "Nothing was written or recorded" in result.stderr
    assert PHONE not in result.output and "612345678" not in result.output
    assert not (workspace / "batch.jsonl").exists()


def test_the_quota_message_counts_the_wait_and_copes_with_an_unknown_reset() -> None:
    now = dt.datetime(2026, 5, 1, 21, 30, tzinfo=dt.UTC)
    error = KeyServiceQuotaExceeded(
        "the key service refused more evaluations (quota_exhausted): used up",
        code="quota_exhausted",
        retry_after=9000,
        resets_at=dt.datetime(2026, 5, 2, tzinfo=dt.UTC),
    )
    assert "resets at 2026-05-02 00:00 UTC (in about 2 h 30 min)" in quota_message(error, now=now)
    error.resets_at = None
    assert "did not say when the quota resets" in quota_message(error, now=now)


def test_a_key_service_with_another_key_fails_the_proof(
    workspace: Path, make_keyservice: Callable[[str], Flask]
) -> None:
    impostor = make_keyservice("impostor")  # its own epoch 1 key, not the published one
    with impostor.app_context(), db.get_engine().begin() as conn:
        _, token = agencies.add_agency(conn, "Gemeente Utrecht", daily_quota=1000)

    result = kruispunt(
        "prepare", "export.csv", "--out", "batch.jsonl", *MAPPING, *OPRF,
        keyservice=httpx.WSGITransport(app=impostor), env={ENV_TOKEN: token},
    )  # fmt: skip

    assert result.exit_code == 1
    assert PROOF_FAILS in result.stderr and "Traceback" not in result.output
    assert not (workspace / "batch.jsonl").exists()


@pytest.mark.parametrize(
    ("drop", "named"),
    [
        (["--keyservice", KEYSERVICE], ["--keyservice URL", "KRUISPUNT_KEYSERVICE"]),
        (["--public-key", "pub.json"], ["--public-key FILE", "KRUISPUNT_KEYSERVICE_PUBLIC_KEY"]),
        ([], ["--keyservice-token-file", ENV_TOKEN]),
    ],
)
@pytest.mark.parametrize("command", ["prepare", "submit"])
def test_a_missing_key_service_setting_is_a_usage_error_naming_it(
    workspace: Path,
    keyservice_app: Flask,
    agency_token: Callable[..., str],
    command: str,
    drop: list[str],
    named: list[str],
) -> None:
    env = {ENV_TOKEN: agency_token("Gemeente Utrecht")} if drop else {}
    options = [item for item in OPRF if item not in drop]
    extra = ["--dry-run"] if command == "submit" else ["--out", "batch.jsonl"]

    result = kruispunt(
        command, "export.csv", *extra, *MAPPING, *options,
        keyservice=httpx.WSGITransport(app=keyservice_app), env=env,
    )  # fmt: skip

    assert result.exit_code == 2, result.output
    assert all(name in result.stderr for name in named), result.stderr
    assert not (workspace / "batch.jsonl").exists()
