"""Guessing in the shared-key mode is bounded (per-agency limits, 429) and visible (audited,
shown to administrators the same day). A signal counts once per 32 tokens it carries, so near
tokens do not throttle an honest agency and packed signals pay for their guesses."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, func, select

from client import wire
from matcher.db import make_engine
from matcher.errors import RateLimited
from matcher.models import Agency, AuditEntry, Signal, SubmissionDay
from matcher.pepper import Pepper
from matcher.services import ingest, submission_limits
from matcher.services.submission_limits import SubmissionPolicy
from tests.dashboard.conftest import Dashboard

BATCHES = "/api/v1/batches"
#: an honest signal at its fullest: phone, address and person with near-match tokens count once
TOKENS_PER_SIGNAL = submission_limits.TOKENS_PER_COUNTED_SIGNAL


def token() -> str:
    return wire.encode_token(secrets.token_bytes(wire.TOKEN_BYTES))


def phone_signal(tokens: list[str] | None = None) -> dict[str, Any]:
    chosen = tokens or [token() for _ in range(TOKENS_PER_SIGNAL)]
    return {
        "ref": secrets.token_urlsafe(16),
        "category": "tip",
        "observed_on": "2026-03-01",
        "retain_until": "2027-03-01",
        "tokens": [{"kind": "phone", "level": "e164", "token": text} for text in chosen],
    }


def batch_body(fingerprint: str, signals: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "batch_id": str(uuid.uuid4()),
        "scheme": "hmac",
        "key_fingerprint": fingerprint,
        "key_epoch": 1,
        "normalization_version": "2026.1",
        "signals": signals,
    }


class Guesser:
    """One agency with an API token, submitting phone-token batches."""

    def __init__(self, client: FlaskClient, agency: Any, secret: str, fingerprint: str) -> None:
        self.client = client
        self.agency = agency
        self.headers = {"Authorization": f"Bearer {secret}"}
        self.fingerprint = fingerprint

    def send(self, signals: int = 0, *, body: dict[str, Any] | None = None) -> Any:
        sent = body or batch_body(self.fingerprint, [phone_signal() for _ in range(signals)])
        return self.client.post(BATCHES, json=sent, headers=self.headers)


@pytest.fixture
def guesser(
    app: Flask,
    client: FlaskClient,
    make_agency: Callable[..., Any],
    make_api_token: Callable[..., str],
    make_epoch: Callable[..., Any],
) -> Guesser:
    app.config.update(SUBMIT_SIGNALS_PER_DAY=100, UNUSUAL_MIN_SIGNALS=1_000_000)
    agency = make_agency("Gemeente Utrecht")
    return Guesser(client, agency, make_api_token(agency), make_epoch().fingerprint)


def audited(db_session: Session, action: str) -> list[AuditEntry]:
    db_session.expire_all()
    return list(db_session.exec(select(AuditEntry).where(col(AuditEntry.action) == action)))


def stored_signals(db_session: Session) -> int:
    db_session.expire_all()
    return int(db_session.exec(select(func.count()).select_from(Signal)).one())


def test_a_guessing_run_is_stopped_at_the_daily_limit_with_429_and_retry_after(
    guesser: Guesser, db_session: Session
) -> None:
    answers = [guesser.send(40) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [201, 201, 429]
    refused = answers[-1]
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert "100 signals a day" in refused.get_json()["error"]["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 86_401
    assert stored_signals(db_session) == 80
    [entry] = audited(db_session, "submission.refused")
    assert entry.details == {"rule": "signals_per_day", "signals": 40, "limit": 100}


def test_near_tokens_do_not_count_signals_do(guesser: Guesser, db_session: Session) -> None:
    # 100 signals of 32 tokens each: 3,200 tokens, all within a limit of 100 signals a day
    assert guesser.send(100).status_code == 201
    assert guesser.send(1).status_code == 429


def test_a_signal_packed_with_tokens_counts_once_per_32_of_them(
    guesser: Guesser, db_session: Session
) -> None:
    packed = [phone_signal([token() for _ in range(wire.MAX_TOKENS_PER_SIGNAL)]) for _ in range(20)]
    answer = guesser.send(body=batch_body(guesser.fingerprint, packed))

    # 20 signals of 160 tokens count as 100: the day's limit is reached, a guess costs the same
    assert answer.status_code == 201
    assert guesser.send(1).status_code == 429
    assert submission_limits.counted_signals([160, 32, 33, 1]) == 5 + 1 + 2 + 1


def test_an_agencys_own_limits_take_precedence(guesser: Guesser, db_session: Session) -> None:
    agency = db_session.get(Agency, guesser.agency.id)
    assert agency is not None
    agency.signals_per_day = 500
    agency.signals_per_batch = 50
    db_session.add(agency)
    db_session.commit()

    too_big = guesser.send(51)
    within = guesser.send(50)

    assert too_big.status_code == 429
    assert "one batch (50)" in too_big.get_json()["error"]["message"]
    assert within.status_code == 201


def test_a_replay_counts_nothing(guesser: Guesser, db_session: Session) -> None:
    body = batch_body(guesser.fingerprint, [phone_signal() for _ in range(60)])

    first = guesser.send(body=body)
    again = guesser.send(body=body)
    more = guesser.send(40)

    assert (first.status_code, again.status_code, more.status_code) == (201, 200, 201)


def test_a_refusal_echoes_nothing_submitted(guesser: Guesser) -> None:
    body = batch_body(guesser.fingerprint, [phone_signal() for _ in range(101)])

    text = guesser.send(body=body).get_data(as_text=True)

    assert all(item["token"] not in text for item in body["signals"][0]["tokens"])
    assert body["signals"][0]["ref"] not in text


def test_a_batch_of_mostly_new_phone_tokens_is_flagged_for_administrators(
    guesser: Guesser, db_session: Session, client: FlaskClient, make_user: Callable[..., Any]
) -> None:
    answer = guesser.send(70)  # 2,240 fresh phone tokens

    assert answer.status_code == 201
    assert "unusual" not in answer.get_data(as_text=True)  # the agency is not told
    [entry] = audited(db_session, "submission.unusual")
    assert entry.details["reasons"] == ["fresh_tokens_of_one_kind"]
    assert entry.details["kind"] == "phone"
    assert entry.details["tokens"] == 70 * TOKENS_PER_SIGNAL
    assert entry.details["fresh_percent"] == 100
    Dashboard(client).sign_in_as(make_user("beheer", "admin"))
    page = client.get("/admin/submissions").get_data(as_text=True)
    assert "Gemeente Utrecht" in page
    assert str(70 * TOKENS_PER_SIGNAL) in page


def test_tokens_the_matcher_already_holds_are_not_fresh(
    guesser: Guesser,
    db_session: Session,
    make_agency: Callable[..., Any],
    make_api_token: Callable[..., str],
) -> None:
    known = [[token() for _ in range(TOKENS_PER_SIGNAL)] for _ in range(70)]
    other = make_agency("Gemeente Breda", "Zeeland-West-Brabant")
    other_headers = {"Authorization": f"Bearer {make_api_token(other)}"}
    first = batch_body(guesser.fingerprint, [phone_signal(tokens) for tokens in known])
    assert guesser.client.post(BATCHES, json=first, headers=other_headers).status_code == 201
    audited_before = len(audited(db_session, "submission.unusual"))

    again = batch_body(guesser.fingerprint, [phone_signal(tokens) for tokens in known])
    assert guesser.send(body=again).status_code == 201

    assert len(audited(db_session, "submission.unusual")) == audited_before


def test_volume_far_above_the_agencys_history_is_flagged_once_a_day(
    guesser: Guesser, db_session: Session, app: Flask
) -> None:
    app.config.update(SUBMIT_SIGNALS_PER_DAY=10_000, UNUSUAL_MIN_SIGNALS=20)
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    db_session.add(SubmissionDay(agency_id=guesser.agency.id, day=yesterday, signals=10))
    db_session.commit()

    answers = [guesser.send(count).status_code for count in (30, 30, 30)]

    assert answers == [201, 201, 201]
    flagged = [
        entry
        for entry in audited(db_session, "submission.unusual")
        if "volume" in entry.details["reasons"]
    ]
    assert len(flagged) == 1  # 60 passes 5 x 10, once
    assert flagged[0].details["busiest_day"] == 10
    assert flagged[0].details["signals_today"] == 60


def _submit(engine: Any, pepper: Pepper, agency_id: int, body: Any, results: list[str]) -> None:
    policy = SubmissionPolicy(signals_per_day=100, unusual_min_signals=1_000_000)
    with Session(engine) as session:
        try:
            ingest.submit_batch(
                session, agency_id=agency_id, batch=body, pepper=pepper, policy=policy
            )
            session.commit()
            results.append("ok")
        except RateLimited:
            session.rollback()
            results.append("refused")


def test_parallel_batches_cannot_pass_the_limit_together(
    guesser: Guesser, database_url: str, app: Flask, db_session: Session
) -> None:
    bodies = [
        wire.Batch.model_validate(
            batch_body(guesser.fingerprint, [phone_signal([token()]) for _ in range(20)])
        )
        for _ in range(8)
    ]
    engine = make_engine(database_url, pool_size=8, max_overflow=0)
    pepper = app.extensions["matcher.pepper"]
    results: list[str] = []
    threads = [
        threading.Thread(target=_submit, args=(engine, pepper, guesser.agency.id, body, results))
        for body in bodies
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        engine.dispose()

    assert sorted(results) == ["ok"] * 5 + ["refused"] * 3
    assert stored_signals(db_session) == 100


def test_agency_limits_are_set_and_cleared_from_the_command_line(
    guesser: Guesser, runner: Any, db_session: Session
) -> None:
    given = runner.invoke(args=["agency", "limits", "Gemeente Utrecht", "--per-day", "300"])
    cleared = runner.invoke(args=["agency", "limits", "Gemeente Utrecht"])
    refused = runner.invoke(args=["agency", "limits", "Gemeente Utrecht", "--per-day", "0"])

    assert "10000 signals per batch, 300 per day" in given.output
    assert "10000 signals per batch, 100 per day" in cleared.output
    assert refused.exit_code != 0
    assert [entry.details for entry in audited(db_session, "agency.limits")] == [
        {"signals_per_batch": None, "signals_per_day": 300},
        {"signals_per_batch": None, "signals_per_day": None},
    ]
