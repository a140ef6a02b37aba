"""MatcherClient against a matcher that answers as the API contract says."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from flask import Flask, request
from matcher_contract import ContractMatcher, error

from client import wire
from client.batches import PreparedBatch, prepare
from client.errors import StaleKeyError, UploadError
from client.http import MatcherClient
from client.mapping import ColumnMapping, IdentifierColumn
from client.schemes.hmac import HmacScheme
from client.wire import Category, Kind

SCHEME = HmacScheme(bytes(range(32)), epoch=1)
MAPPING = ColumnMapping(
    identifiers=(IdentifierColumn(column="telefoon", kind=Kind.PHONE),), category=Category.TIP
)
URL = "https://matcher.test"


def batches(*phones: str, batch_size: int = 10) -> list[PreparedBatch]:
    rows = [(number, {"telefoon": phone}) for number, phone in enumerate(phones, start=2)]
    prepared, _ = prepare(rows, scheme=SCHEME, mapping=MAPPING, batch_size=batch_size)
    return prepared


@pytest.fixture
def matcher() -> ContractMatcher:
    return ContractMatcher(keys={SCHEME.fingerprint: "current"})


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client_for(matcher: ContractMatcher, **options: object) -> MatcherClient:
    options.setdefault("sleep", Sleeps())
    return MatcherClient(URL, api_token="token-a", transport=matcher.transport(), **options)  # type: ignore[arg-type]


def test_submit_returns_the_receipt_and_a_replay_returns_the_first(
    matcher: ContractMatcher,
) -> None:
    (batch,) = batches("0612345678", "+40 721 234 567")

    with client_for(matcher) as client:
        first = client.submit(batch)
        again = client.submit(batch.to_batch())

    assert (first.batch_id, first.signals, first.tokens_per_kind) == (
        batch.batch_id,
        2,
        {"phone": 16},  # per number its exact token and 7 swapped-pair tokens
    )
    assert not first.replay
    assert again.replay
    assert again.received_at == first.received_at
    sent = matcher.requests[0]
    assert sent.url == "https://matcher.test/api/v1/batches"
    assert sent.headers["Authorization"] == "Bearer token-a"
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.content == batch.payload.encode()


@pytest.mark.parametrize("failure", [503, 502, 504, 429, "drop"])
def test_passing_failures_are_retried_with_the_same_batch(
    matcher: ContractMatcher, failure: int | str
) -> None:
    (batch,) = batches("0612345678")
    matcher.failures = [failure, failure]
    sleeps = Sleeps()

    receipt = client_for(matcher, sleep=sleeps, backoff=0.5).submit(batch)

    assert receipt.batch_id == batch.batch_id
    assert len(matcher.requests) == 3
    assert {request.content for request in matcher.requests} == {batch.payload.encode()}
    assert len(sleeps) == 2
    assert sleeps[1] >= sleeps[0] > 0


def test_backoff_doubles_with_some_jitter(matcher: ContractMatcher) -> None:
    matcher.failures = [503, 503, 503]
    sleeps = Sleeps()

    client_for(matcher, sleep=sleeps, backoff=0.5).submit(batches("0612345678")[0])

    assert 0.5 <= sleeps[0] <= 0.75
    assert 1.0 <= sleeps[1] <= 1.5
    assert 2.0 <= sleeps[2] <= 3.0


def test_retry_after_is_respected(matcher: ContractMatcher) -> None:
    matcher.failures = [429]
    sleeps = Sleeps()

    client_for(matcher, sleep=sleeps, backoff=0.01).submit(batches("0612345678")[0])

    assert sleeps == [1.0]


def test_retries_give_up_with_a_clear_error(matcher: ContractMatcher) -> None:
    matcher.failures = [503] * 3
    with pytest.raises(UploadError) as caught:
        client_for(matcher, retries=2).submit(batches("0612345678")[0])
    assert caught.value.status == 503
    assert caught.value.code == "unavailable"

    matcher.failures = ["drop"] * 3
    with pytest.raises(UploadError, match=r"cannot reach the matcher at matcher\.test"):
        client_for(matcher, retries=2).submit(batches("0612345678")[0])


@pytest.mark.parametrize("status", ["unknown", "retired"])
def test_a_refused_key_is_a_stale_key_error(matcher: ContractMatcher, status: str) -> None:
    if status == "retired":
        matcher.keys[SCHEME.fingerprint] = "retired"
    else:
        matcher.keys.clear()

    with pytest.raises(StaleKeyError) as caught:
        client_for(matcher).submit(batches("0612345678")[0])

    assert caught.value.status == 409
    assert caught.value.code == f"{status}_key"
    assert "key custodian" in str(caught.value)
    assert len(matcher.requests) == 1  # not retried: retrying cannot help


def test_a_schema_refusal_carries_locations_and_rules(matcher: ContractMatcher) -> None:
    batch = batches("0612345678")[0].to_batch()
    broken = batch.model_dump_json().replace('"hmac"', '"rot13"')

    class Raw:
        batch_id = batch.batch_id
        payload = broken

    with pytest.raises(UploadError) as caught:
        client_for(matcher).submit(Raw())

    assert (caught.value.status, caught.value.code) == (422, "invalid_batch")
    assert "scheme (enum)" in str(caught.value)


def test_a_bad_token_says_where_the_token_comes_from(matcher: ContractMatcher) -> None:
    client = MatcherClient(URL, api_token="wrong", transport=matcher.transport())

    with pytest.raises(UploadError, match="KRUISPUNT_API_TOKEN") as caught:
        client.alerts()

    assert caught.value.status == 401


def test_an_answer_that_is_not_the_error_shape_is_not_echoed() -> None:
    def proxy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text="<html>Bad gateway for 0612345678</html>")

    client = MatcherClient(URL, api_token="t", transport=httpx.MockTransport(proxy))

    with pytest.raises(UploadError) as caught:
        client.key_epochs()

    assert str(caught.value) == "the matcher answered HTTP 400"


def test_a_malformed_success_is_an_upload_error() -> None:
    def odd(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, json={"ok": True})

    client = MatcherClient(URL, api_token="t", transport=httpx.MockTransport(odd))

    with pytest.raises(UploadError, match="not a valid Receipt"):
        client.submit(batches("0612345678")[0])


def test_withdraw_counts_only_own_references(matcher: ContractMatcher) -> None:
    matcher.agencies["token-b"] = "Politie B"
    (ours,) = batches("0612345678", "0612345679")
    (theirs,) = batches("0612345670")
    client_for(matcher).submit(ours)
    MatcherClient(URL, api_token="token-b", transport=matcher.transport()).submit(theirs)

    receipt = client_for(matcher).withdraw([ours.origins[0].ref, theirs.origins[0].ref])

    assert (receipt.withdrawn, receipt.unknown) == (1, 1)


def test_alerts_and_key_epochs_are_parsed(matcher: ContractMatcher) -> None:
    alert = wire.ReleasedAlert(
        alert_id=7,
        kind=Kind.PHONE,
        level="e164",
        status="disclosed",
        released_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
        first_observed=dt.date(2026, 5, 1),
        last_observed=dt.date(2026, 5, 3),
        explanation="2 agencies hold a signal with the same phone (e164) token.",
        own_signals=[
            wire.AlertSignal(ref="A" * 22, category=Category.TIP, observed_on=dt.date(2026, 5, 1))
        ],
        other_agencies=[
            wire.AlertParty(
                agency="Politie B", region="Oost", contact_point="avim@b.example", signals=1
            )
        ],
    )
    matcher.released["Gemeente A"] = [alert]

    with client_for(matcher) as client:
        assert client.alerts() == [alert]
        assert [(key.fingerprint, key.status) for key in client.key_epochs()] == [
            (SCHEME.fingerprint, "current")
        ]


def test_tokens_travel_only_over_https_except_to_this_machine() -> None:
    with pytest.raises(UploadError, match="https"):
        MatcherClient("http://matcher.example", api_token="t")
    with pytest.raises(UploadError, match="https"):
        MatcherClient("matcher.example", api_token="t")
    with pytest.raises(UploadError, match="API token"):
        MatcherClient(URL, api_token=" ")
    local = MatcherClient("http://127.0.0.1:5000/api/v1/", api_token="secret-token")
    assert "secret-token" not in repr(local)
    assert "127.0.0.1:5000/api/v1" in repr(local)


def test_the_client_runs_against_a_wsgi_app_in_process() -> None:
    app = Flask("tiny-matcher")
    (batch,) = batches("0612345678")

    @app.post("/api/v1/batches")
    def receive() -> tuple[dict[str, object], int]:
        received = wire.Batch.model_validate_json(request.get_data())
        receipt = wire.Receipt(
            batch_id=received.batch_id,
            received_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
            signals=len(received.signals),
            tokens=1,
            tokens_per_kind={"phone": 1},
        )
        return receipt.model_dump(mode="json"), 201

    @app.get("/api/v1/alerts")
    def refuse() -> tuple[dict[str, object], int]:
        body = error(403, "forbidden", "This token may not read alerts.").json()
        return body, 403

    client = MatcherClient(URL, api_token="t", transport=httpx.WSGITransport(app=app))

    assert client.submit(batch).signals == 1
    with pytest.raises(UploadError, match="may not read alerts") as caught:
        client.alerts()
    assert (caught.value.status, caught.value.code) == (403, "forbidden")
