"""The real OprfScheme against the real key service app, in process (httpx.WSGITransport)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client import kinds
from client.errors import QuotaExceeded, SchemeError
from client.schemes.base import MatchKey, Scheme
from client.schemes.oprf import PROOF_FAILS, OprfScheme
from client.wire import TOKEN_BYTES, Kind, encode_token
from keyservice import db, keys, usage

LEVELS = {Kind(spec.name): spec.level_names for spec in kinds.BUILT_IN}

BASE = "https://keyservice.test"
PHONE = MatchKey(Kind.PHONE, "e164", "+31612345678")


@pytest.fixture
def make_scheme(
    transport: httpx.WSGITransport, key_epoch: keys.KeyEpoch, make_agency_token: Callable[..., str]
) -> Iterator[Callable[..., OprfScheme]]:
    """Build schemes pinned to epoch 1's published key, one agency token each."""
    made: list[OprfScheme] = []

    def make(agency: str = "Gemeente Utrecht", **options: Any) -> OprfScheme:
        options.setdefault("transport", transport)
        options.setdefault("retry_backoff", 0.0)
        scheme = OprfScheme(
            BASE,
            api_token=options.pop("api_token", None) or make_agency_token(agency),
            public_key=key_epoch.public_key,
            epoch=1,
            **options,
        )
        made.append(scheme)
        return scheme

    yield make
    for scheme in made:
        scheme.close()


def _evaluation_rows(app: Flask) -> list[usage.DailyUsage]:
    with app.app_context(), db.get_engine().connect() as conn:
        return usage.daily_usage(conn)


def test_the_scheme_implements_the_scheme_protocol(make_scheme: Callable[..., OprfScheme]) -> None:
    scheme = make_scheme()
    assert isinstance(scheme, Scheme)
    assert scheme.name == "oprf" and scheme.epoch == 1
    assert len(scheme.fingerprint) == 32 and scheme.fingerprint == scheme.fingerprint.lower()
    tokens = scheme.tokenize([PHONE])
    assert len(tokens) == 1 and len(tokens[0]) == TOKEN_BYTES
    assert len(encode_token(tokens[0])) == 43


def test_two_agencies_get_identical_tokens_for_the_same_identifier(
    make_scheme: Callable[..., OprfScheme],
) -> None:
    municipality = make_scheme("Gemeente Utrecht")
    police = make_scheme("Politie Midden-Nederland")
    assert municipality.tokenize([PHONE]) == police.tokenize([PHONE])
    assert municipality.fingerprint == police.fingerprint


def test_every_kind_and_level_gets_its_own_token(make_scheme: Callable[..., OprfScheme]) -> None:
    keys_ = [MatchKey(kind, level, "1234AB10") for kind in Kind for level in LEVELS[kind]]
    tokens = make_scheme().tokenize(keys_)
    # but address/no_addition: a label that shares the building level's tokens (client/kinds.py)
    assert len(set(tokens)) == len(keys_) - 1
    by_level = {(key.kind, key.level): token for key, token in zip(keys_, tokens, strict=True)}
    assert by_level[Kind.ADDRESS, "no_addition"] == by_level[Kind.ADDRESS, "building"]


def test_another_epoch_gives_other_tokens_and_another_fingerprint(
    keyservice_app: Flask,
    make_scheme: Callable[..., OprfScheme],
    make_agency_token: Callable[..., str],
    transport: httpx.WSGITransport,
) -> None:
    with keyservice_app.app_context(), db.get_engine().begin() as conn:
        epoch_two = keys.generate_key(
            conn, Path(keyservice_app.config["KEYSERVICE_KEY_DIR"]), epoch=2
        )
    first = make_scheme()
    with OprfScheme.from_service(
        BASE,
        api_token=make_agency_token("Politie Midden-Nederland"),
        expected_fingerprint=epoch_two.fingerprint,
        transport=transport,
    ) as second:
        assert second.epoch == 2 and second.fingerprint != first.fingerprint
        assert second.tokenize([PHONE]) != first.tokenize([PHONE])


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(
        st.text(min_size=1, max_size=40, alphabet=st.characters(blacklist_categories=["Cs"])),
        min_size=1,
        max_size=8,
    )
)
def test_tokens_are_deterministic_in_order_and_deduplicated(
    make_scheme: Callable[..., OprfScheme], values: list[str]
) -> None:
    scheme = make_scheme(f"agency-{len(values)}-{abs(hash(tuple(values)))}")
    keys_ = [MatchKey(Kind.EMAIL, "mailbox", value) for value in values + values[:2]]
    tokens = scheme.tokenize(keys_)
    assert tokens == scheme.tokenize(keys_)
    by_value = dict(zip(values + values[:2], tokens, strict=True))
    assert len(set(tokens)) == len(set(values))
    assert [by_value[key.value] for key in keys_] == tokens


def test_batches_are_split_and_duplicates_cost_no_quota(
    keyservice_app: Flask, make_scheme: Callable[..., OprfScheme]
) -> None:
    scheme = make_scheme(batch_size=3)
    keys_ = [MatchKey(Kind.KVK, "kvk", f"1234567{n}") for n in range(7)]
    tokens = scheme.tokenize(keys_ + keys_)
    assert tokens[:7] == tokens[7:]
    (row,) = _evaluation_rows(keyservice_app)
    assert (row.requests, row.evaluations) == (3, 7)


def test_a_key_service_that_swaps_its_key_is_detected(
    make_keyservice: Callable[..., Flask],
    make_scheme: Callable[..., OprfScheme],
    tmp_path: Path,
    keyservice_database_url: str,
) -> None:
    # the same database row for epoch 1 but another secret: a compromised or confused service
    impostor = make_keyservice(KEYSERVICE_KEY_DIR=str(tmp_path / "impostor"))
    with impostor.app_context(), db.get_engine().begin() as conn:
        conn.execute(db.key_epoch.delete())
        keys.generate_key(conn, tmp_path / "impostor", epoch=1)
    scheme = make_scheme(transport=httpx.WSGITransport(app=impostor))
    with pytest.raises(SchemeError) as caught:
        scheme.tokenize([PHONE])
    assert str(caught.value) == PROOF_FAILS


def test_pinning_from_the_service_checks_the_expected_fingerprint(
    transport: httpx.WSGITransport, key_epoch: keys.KeyEpoch, make_agency_token: Any
) -> None:
    with OprfScheme.from_service(
        BASE,
        api_token=make_agency_token(),
        expected_fingerprint=key_epoch.fingerprint,
        transport=transport,
    ) as scheme:
        assert scheme.public_key == key_epoch.public_key
        assert len(scheme.tokenize([PHONE])) == 1
    with pytest.raises(SchemeError, match="stop and inform the federation"):
        OprfScheme.from_service(
            BASE, api_token="t", expected_fingerprint="0" * 32, transport=transport
        )


def test_pinning_from_a_published_key_file(
    tmp_path: Path, transport: Any, key_epoch: keys.KeyEpoch, make_agency_token: Any
) -> None:
    document = key_epoch.info().model_dump(mode="json")
    path = tmp_path / "federation-key.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with OprfScheme.from_public_key_file(
        path, BASE, api_token=make_agency_token(), transport=transport
    ) as scheme:
        assert scheme.fingerprint == key_epoch.fingerprint
    document["fingerprint"] = "f" * 32
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(SchemeError):
        OprfScheme.from_public_key_file(path, BASE, api_token="t", transport=transport)


@pytest.fixture(params=["memory", "redis"])
def quota_transport(
    request: pytest.FixtureRequest, make_keyservice: Callable[..., Flask], key_epoch: Any
) -> httpx.WSGITransport:
    extra = {} if request.param == "memory" else request.getfixturevalue("redis_settings")
    return httpx.WSGITransport(app=make_keyservice(**extra))


def test_an_exhausted_quota_raises_quota_exceeded_with_its_reset(
    make_scheme: Callable[..., OprfScheme],
    make_agency_token: Callable[..., str],
    quota_transport: httpx.WSGITransport,
) -> None:
    token = make_agency_token("Gemeente Eindhoven", daily_quota=3)
    scheme = make_scheme(api_token=token, transport=quota_transport)
    scheme.tokenize([MatchKey(Kind.PLATE, "plate", "AB123C"), PHONE])
    with pytest.raises(QuotaExceeded) as caught:
        scheme.tokenize(
            [MatchKey(Kind.PLATE, "plate", "XY987Z"), MatchKey(Kind.URL, "host", "a.nl")]
        )
    error: Any = caught.value
    assert error.code == "quota_exhausted"
    assert error.resets_at > dt.datetime.now(dt.UTC) and error.resets_at.time() == dt.time()
    assert error.retry_after > 0
    assert "resets at" in str(error)


def test_a_wrong_token_is_a_scheme_error_that_names_the_fix(
    make_scheme: Callable[..., OprfScheme],
) -> None:
    with pytest.raises(SchemeError, match="API token"):
        make_scheme(api_token="kpks_not-issued").tokenize([PHONE])


class _Flaky(httpx.BaseTransport):
    """Fails the first requests (503 or a refused connection), then passes to the real app."""

    def __init__(self, inner: httpx.BaseTransport, failures: list[str]) -> None:
        self.inner = inner
        self.failures = failures
        self.calls = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.failures:
            failure = self.failures.pop(0)
            if failure == "connect":
                raise httpx.ConnectError("connection refused", request=request)
            return httpx.Response(503, json={"error": {"code": "x", "message": "busy"}})
        return self.inner.handle_request(request)


def test_503s_and_refused_connections_are_retried(
    make_scheme: Callable[..., OprfScheme], transport: httpx.WSGITransport
) -> None:
    flaky = _Flaky(transport, ["503", "connect", "503"])
    tokens = make_scheme(transport=flaky, retries=3).tokenize([PHONE])
    assert flaky.calls == 4
    assert tokens == make_scheme("Politie").tokenize([PHONE])


def test_retries_are_bounded(make_scheme: Callable[..., OprfScheme], transport: Any) -> None:
    flaky = _Flaky(transport, ["connect"] * 5)
    with pytest.raises(SchemeError, match="cannot be reached"):
        make_scheme(transport=flaky, retries=2).tokenize([PHONE])
    assert flaky.calls == 3


def test_an_unreachable_key_service_is_a_scheme_error(key_epoch: keys.KeyEpoch) -> None:
    # a real TCP connection to a port nobody listens on
    with (
        OprfScheme(
            "http://127.0.0.1:9",
            api_token="t",
            public_key=key_epoch.public_key,
            epoch=1,
            retries=1,
            retry_backoff=0.0,
            timeout=2.0,
        ) as scheme,
        pytest.raises(SchemeError, match="cannot be reached"),
    ):
        scheme.tokenize([PHONE])


def test_pipelined_batches_give_the_same_tokens_as_one_batch(
    make_scheme: Callable[..., OprfScheme],
) -> None:
    keys_ = [MatchKey(Kind.PHONE, "e164", f"+3161234{n:04d}") for n in range(9)]
    assert make_scheme(batch_size=2).tokenize(keys_) == make_scheme("NLA").tokenize(keys_)


def test_a_quota_refusal_mid_pipeline_stops_the_run(
    keyservice_app: Flask,
    make_scheme: Callable[..., OprfScheme],
    make_agency_token: Callable[..., str],
) -> None:
    scheme = make_scheme(
        api_token=make_agency_token("Gemeente Zwolle", daily_quota=5), batch_size=2
    )
    keys_ = [MatchKey(Kind.PHONE, "e164", f"+3162234{n:04d}") for n in range(10)]
    with pytest.raises(QuotaExceeded):
        scheme.tokenize(keys_)
    (row,) = _evaluation_rows(keyservice_app)
    assert row.evaluations == 4


def test_no_keys_cost_no_request(
    keyservice_app: Flask, make_scheme: Callable[..., OprfScheme]
) -> None:
    assert make_scheme().tokenize([]) == []
    assert _evaluation_rows(keyservice_app) == []
