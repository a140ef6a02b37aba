"""Several server processes at once on PostgreSQL (READ COMMITTED): no lost overlap, no duplicate.

Each worker is a separate process with its own engine, as gunicorn workers on several hosts
would be. A barrier releases them together so that their transactions really interleave.
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from datapath_support import (
    World,
    assert_consistent,
    batch,
    new_ref,
    open_world,
    phone,
    postgres_base_url,
    postgres_database,
    raw_token,
    signal,
)
from sqlmodel import Session

from client import wire
from matcher.db import make_engine
from matcher.pepper import Pepper
from matcher.services import detection, ingest, retention

pytestmark = pytest.mark.postgres

AGENCIES = 4
WAIT = 60  # seconds any worker waits at the barrier or for a result before the test fails
CONTEXT = multiprocessing.get_context("spawn")


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    if postgres_base_url() is None:
        pytest.skip("no PostgreSQL server reachable")
    with postgres_database() as url:
        yield url


@pytest.fixture
def world(postgres_url: str, tmp_path: Path) -> Iterator[World]:
    with open_world("postgres", tmp_path, postgres_url) as opened:
        yield opened


Job = tuple[str, int, str]  # (action, agency id, payload)


def _serve(inbox: Any, out: Any, barrier: Any) -> None:
    """A worker process: run each plan it is sent, every job after the barrier releases."""
    for message in iter(inbox.get, None):
        url, key, plan = message
        engine = make_engine(url)
        try:
            for job in plan:
                barrier.wait(timeout=WAIT)
                out.put(_do(engine, Pepper(key), job))
        except Exception as error:  # report to the parent, which fails the test
            out.put(("error", 0, f"{type(error).__name__}: {error}"))
        finally:
            engine.dispose()


def _do(engine: Any, pepper: Pepper, job: Job) -> tuple[str, int, Any]:
    action, agency_id, payload = job
    if action == "wait":
        return job
    with Session(engine) as session:
        result: Any
        if action == "submit":
            sent = wire.Batch.model_validate_json(payload)
            receipt = ingest.submit_batch(session, agency_id=agency_id, batch=sent, pepper=pepper)
            session.commit()
            # every process works the shared queue off at once, as several workers would
            detection.drain(session)
            result = receipt.model_dump_json()
        elif action == "withdraw":
            withdrawn = retention.withdraw(session, agency_id=agency_id, refs=payload.split(","))
            result = withdrawn.model_dump_json()
        else:
            result = tuple(retention.purge(session, today=dt.date.fromisoformat(payload)))
        session.commit()
    return action, agency_id, result


@dataclass
class Workers:
    """Long-lived worker processes (started once: spawning is the slow part of these tests)."""

    inboxes: list[Any]
    out: Any

    def run(self, world: World, plans: list[list[Job]]) -> list[tuple[str, int, Any]]:
        """Give each worker a plan of the same length; return every job's result."""
        rounds = {len(plan) for plan in plans}
        assert len(rounds) == 1 and len(plans) <= len(self.inboxes)
        idle = [[("wait", 0, "")] * rounds.pop()] * (len(self.inboxes) - len(plans))
        url = world.engine.url.render_as_string(hide_password=False)
        for inbox, plan in zip(self.inboxes, plans + idle, strict=True):
            inbox.put((url, world.key, plan))
        jobs = sum(len(plan) for plan in plans + idle)
        results = [self.out.get(timeout=WAIT * 2) for _ in range(jobs)]
        errors = [result for result in results if result[0] == "error"]
        assert not errors, errors
        return [result for result in results if result[0] != "wait"]


@pytest.fixture(scope="module")
def workers() -> Iterator[Workers]:
    barrier = CONTEXT.Barrier(AGENCIES)
    out = CONTEXT.Queue()
    inboxes = [CONTEXT.Queue() for _ in range(AGENCIES)]
    processes = [
        CONTEXT.Process(target=_serve, args=(inbox, out, barrier), daemon=True) for inbox in inboxes
    ]
    for process in processes:
        process.start()
    yield Workers(inboxes, out)
    for inbox in inboxes:
        inbox.put(None)
    for process in processes:
        process.join(timeout=WAIT)
        if process.is_alive():
            process.kill()


def _signals(tokens: list[bytes], rng: random.Random) -> list[wire.SignalItem]:
    """Split tokens into signals of one to three phone tokens."""
    rng.shuffle(tokens)
    signals = []
    while tokens:
        size = rng.randint(1, 3)
        signals.append(signal(*[phone(token) for token in tokens[:size]]))
        tokens = tokens[size:]
    return signals


def test_agencies_submitting_at_once_lose_no_overlap_and_duplicate_no_alert(
    world: World, workers: Workers
) -> None:
    rng = random.Random(7)
    agencies = [world.agency(f"Agency {n}", region=f"Region {n % 2}") for n in range(AGENCIES)]
    everyone = [raw_token() for _ in range(40)]
    pairs = {pair: [raw_token() for _ in range(8)] for pair in itertools.combinations(range(4), 2)}
    holders: dict[bytes, set[int]] = defaultdict(set)
    plans = []
    for number, agency in enumerate(agencies):
        tokens = everyone + [raw_token() for _ in range(60)]
        for pair, shared in pairs.items():
            if number in pair:
                tokens += shared
        for token in tokens:
            holders[token].add(agency)
        signals = _signals(tokens, rng)
        half = len(signals) // 2  # two rounds: both meet other agencies' batches head-on
        plans.append(
            [
                ("submit", agency, batch(*signals[:half]).model_dump_json()),
                ("submit", agency, batch(*signals[half:]).model_dump_json()),
            ]
        )
    workers.run(world, plans)
    shared_tokens = {token: who for token, who in holders.items() if len(who) >= 2}
    alerts = {alert.token: alert for alert in world.alerts()}
    assert len(world.alerts()) == len(shared_tokens) == 40 + 6 * 8
    for token, who in shared_tokens.items():
        alert = alerts[world.peppered(token)]
        assert alert.agency_count == len(who)
        assert set(world.alert_agencies(alert.id)) == who
    assert_consistent(world.engine)


def test_concurrent_replays_of_one_batch_store_it_once(world: World, workers: Workers) -> None:
    agency, other = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    shared = raw_token()
    world.submit(other, batch(signal(phone(shared))))
    sent = batch(signal(phone(shared)), *[signal(phone(raw_token())) for _ in range(200)])
    payload = sent.model_dump_json()
    results = workers.run(world, [[("submit", agency, payload)] for _ in range(AGENCIES)])
    receipts = [wire.Receipt.model_validate_json(result) for _, _, result in results]
    assert sorted(receipt.replay for receipt in receipts) == [False] + [True] * (AGENCIES - 1)
    assert len({receipt.model_dump_json(exclude={"replay"}) for receipt in receipts}) == 1
    assert world.table_counts()["signal"] == 1 + 201
    [alert] = world.alerts()
    assert (alert.agency_count, alert.signal_count) == (2, 2)
    assert_consistent(world.engine)


def test_withdrawals_and_purges_beside_uploads_keep_the_store_exact(
    world: World, workers: Workers
) -> None:
    rng = random.Random(11)
    agencies = [world.agency(f"Agency {n}") for n in range(3)]
    pool = [raw_token() for _ in range(60)]
    expiring = dt.date(2026, 6, 1)
    refs: list[str] = []
    first = []
    for token in pool:
        ref = new_ref()
        refs.append(ref)
        first.append(
            signal(
                phone(token),
                ref=ref,
                retain_until=expiring if rng.random() < 0.3 else dt.date(2030, 1, 1),
            )
        )
    world.submit(agencies[0], batch(*first))
    world.submit(agencies[1], batch(*_signals(rng.sample(pool, 30), rng)))
    plans = [
        [("withdraw", agencies[0], ",".join(refs[::2])), ("purge", 0, "2026-07-01")],
        [
            ("submit", agencies[1], batch(*_signals(rng.sample(pool, 30), rng)).model_dump_json()),
            ("withdraw", agencies[0], ",".join(refs[1::4])),
        ],
        [
            ("submit", agencies[2], batch(*_signals(rng.sample(pool, 40), rng)).model_dump_json()),
            ("purge", 0, "2026-07-01"),
        ],
    ]
    workers.run(world, plans)
    assert_consistent(world.engine)
    with Session(world.engine) as session:
        assert retention.purge(session, today=dt.date(2026, 7, 1)).signals == 0
