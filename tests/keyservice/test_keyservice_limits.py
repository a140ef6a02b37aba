"""Daily quotas and rate limits, in memory and in Redis shared by several processes."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
import redis
from flask import Flask

from client.oprf import protocol
from client.oprf.messages import encode_bytes
from client.wire import ErrorBody
from keyservice import limits
from keyservice.agencies import Agency
from keyservice.errors import LimitExceeded


def _post(app: Flask, token: str, count: int) -> Any:
    _, blinded = protocol.blind([f"x{n}".encode() for n in range(count)])
    body = {"suite": protocol.SUITE, "epoch": 1, "blinded": [encode_bytes(e) for e in blinded]}
    return app.test_client().post(
        "/api/v1/evaluate", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def _assert_quota_exhausted(response: Any) -> None:
    assert response.status_code == 429
    error = ErrorBody.model_validate(response.get_json()).error
    assert error.code == "quota_exhausted"
    assert error.fields == []
    reset = dt.datetime.fromisoformat(response.headers["X-Quota-Reset"])
    assert reset.time() == dt.time() and reset.tzinfo is not None
    assert reset.isoformat(timespec="seconds") in error.message
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= 86_400
    assert abs((reset - dt.datetime.now(dt.UTC)).total_seconds() - retry_after) < 5


@pytest.fixture(params=["memory", "redis"])
def limited_app(
    request: pytest.FixtureRequest, make_keyservice: Callable[..., Flask], key_epoch: Any
) -> Flask:
    """The key service with counters in memory, or in Redis under a unique prefix."""
    if request.param == "memory":
        return make_keyservice()
    return make_keyservice(**request.getfixturevalue("redis_settings"))


def test_an_exhausted_daily_quota_is_refused_with_its_reset_time(
    limited_app: Flask, make_agency_token: Callable[..., str]
) -> None:
    token = make_agency_token(daily_quota=10)
    assert _post(limited_app, token, 8).status_code == 200
    _assert_quota_exhausted(_post(limited_app, token, 5))
    # a refused request costs nothing: the last two evaluations of the day are still there
    ok = _post(limited_app, token, 2)
    assert ok.status_code == 200 and ok.headers["X-Quota-Remaining"] == "0"
    _assert_quota_exhausted(_post(limited_app, token, 1))


def test_quotas_are_per_agency(limited_app: Flask, make_agency_token: Callable[..., str]) -> None:
    first = make_agency_token("Gemeente Arnhem", daily_quota=3)
    second = make_agency_token("Gemeente Nijmegen", daily_quota=3)
    assert _post(limited_app, first, 3).status_code == 200
    assert _post(limited_app, first, 1).status_code == 429
    assert _post(limited_app, second, 3).status_code == 200


def test_the_rate_limit_refuses_bursts_within_a_minute(
    make_keyservice: Callable[..., Flask], key_epoch: Any, make_agency_token: Callable[..., str]
) -> None:
    app = make_keyservice(KEYSERVICE_RATE_LIMIT_PER_MINUTE=4)
    token = make_agency_token()
    assert _post(app, token, 4).status_code == 200
    response = _post(app, token, 1)
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_redis_counters_are_shared_by_separate_app_processes(
    make_keyservice: Callable[..., Flask],
    key_epoch: Any,
    make_agency_token: Callable[..., str],
    redis_settings: dict[str, str],
) -> None:
    token = make_agency_token(daily_quota=6)
    worker_a, worker_b = make_keyservice(**redis_settings), make_keyservice(**redis_settings)
    assert _post(worker_a, token, 4).status_code == 200
    _assert_quota_exhausted(_post(worker_b, token, 3))
    assert _post(worker_b, token, 2).status_code == 200


def test_memory_counters_are_not_shared_which_is_why_production_needs_redis(
    make_keyservice: Callable[..., Flask], key_epoch: Any, make_agency_token: Callable[..., str]
) -> None:
    token = make_agency_token(daily_quota=6)
    worker_a, worker_b = make_keyservice(), make_keyservice()
    assert _post(worker_a, token, 4).status_code == 200
    assert _post(worker_b, token, 4).status_code == 200


def _agency(quota: int) -> Agency:
    return Agency(1, "Gemeente Utrecht", quota, dt.datetime.now(dt.UTC), None)


def test_concurrent_charges_never_exceed_the_quota_in_redis(redis_settings: dict[str, str]) -> None:
    client = redis.Redis.from_url(redis_settings["KEYSERVICE_REDIS_URL"])
    counter = limits.RedisCounter(client, prefix=redis_settings["KEYSERVICE_REDIS_PREFIX"])
    agency, now = _agency(50), dt.datetime.now(dt.UTC)
    granted: list[int] = []

    def worker() -> None:
        for _ in range(10):
            try:
                limits.charge(counter, agency, 3, per_minute=10_000, now=now)
                granted.append(3)
            except LimitExceeded:
                pass

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    client.close()
    assert sum(granted) == 48  # 16 charges of 3 fit under 50; the 17th would not


def test_the_quota_resets_at_the_next_utc_midnight() -> None:
    counter = limits.MemoryCounter()
    before = dt.datetime(2026, 3, 1, 23, 59, 30, tzinfo=dt.UTC)
    state = limits.charge(counter, _agency(5), 5, per_minute=100, now=before)
    assert state.resets_at == dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    with pytest.raises(LimitExceeded) as refused:
        limits.charge(counter, _agency(5), 1, per_minute=100, now=before)
    assert refused.value.retry_after == 30
    after = before + dt.timedelta(minutes=1)
    assert limits.charge(counter, _agency(5), 5, per_minute=100, now=after).used == 5


def test_without_redis_the_key_service_refuses_rather_than_evaluate_unmetered(
    make_keyservice: Callable[..., Flask], key_epoch: Any, make_agency_token: Callable[..., str]
) -> None:
    # a real connection to a local port where no Redis listens
    app = make_keyservice(KEYSERVICE_REDIS_URL="redis://127.0.0.1:9/0")
    response = _post(app, make_agency_token(), 2)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "limits_unavailable"
    assert app.test_client().get("/api/v1/health").status_code == 503
