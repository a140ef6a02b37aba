"""A submit reveals nothing about other agencies' tokens: not in its work, not in its time.

Design non-negotiable 9. The structural test pins that the submit path runs the same statements
whether or not another agency holds the batch's tokens, and none that reads overlap state. The
timing test compares interleaved samples of both kinds of batch by their medians, with a bound
generous enough for a loaded machine yet far below the gap overlap detection in the request
used to make (about 3.4 times for 20 held tokens).
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from datapath_support import (
    World,
    batch,
    phone,
    raw_token,
    signal,
)
from sqlalchemy import event
from sqlmodel import Session

from client import wire
from matcher.services import detection, ingest

SAMPLES = 30
TOKENS = 20
#: held batches may take at most this many times the fresh batches' median, and vice versa
BOUND = 1.5
#: tables that hold what other agencies sent or what the matcher concluded from it
OVERLAP_STATE = ("alert", "alert_agency", "benign_hub", "detection_lease")


def _tokens() -> list[bytes]:
    return [raw_token() for _ in range(TOKENS)]


def _batch(tokens: list[bytes]) -> wire.Batch:
    return batch(*(signal(phone(token)) for token in tokens))


def _store(world: World, agency: int, sent: wire.Batch) -> float:
    """Submit and commit without detection; return the seconds it took."""
    with Session(world.engine) as session:
        started = time.perf_counter()
        ingest.submit_batch(session, agency_id=agency, batch=sent, pepper=world.pepper)
        session.commit()
        return time.perf_counter() - started


def _detect(world: World) -> None:
    with Session(world.engine) as session:
        detection.drain(session)


def _statements(world: World, agency: int, sent: wire.Batch) -> list[str]:
    """Return the SQL a submit runs through SQLAlchemy (bulk rows go through the driver)."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(world.engine, "before_cursor_execute", record)
    try:
        _store(world, agency, sent)
    finally:
        event.remove(world.engine, "before_cursor_execute", record)
    return seen


def test_a_submit_runs_the_same_statements_whether_its_tokens_are_held_or_not(
    world: World,
) -> None:
    agency, other = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    held = _tokens()
    world.submit(other, _batch(held))
    fresh_sql = _statements(world, agency, _batch(_tokens()))
    held_sql = _statements(world, agency, _batch(held))
    assert fresh_sql == held_sql
    for statement in held_sql:
        named = statement.lower()
        assert not any(f" {table} " in f" {named} " for table in OVERLAP_STATE), statement
        assert "signal_token" not in named, "the submit reads no stored token"
    with Session(world.engine) as session:
        assert detection.pending(session) == 2, "both batches wait for detection"
    _detect(world)
    assert len(world.alerts()) == TOKENS


def test_held_tokens_take_no_longer_to_submit_than_fresh_ones(world: World) -> None:
    agency, other = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    rng = random.Random(10)
    times: dict[str, list[float]] = {"fresh": [], "held": []}
    for _ in range(SAMPLES):
        held = _tokens()
        world.submit(other, _batch(held))  # stored and detected before the timed submits
        pair = [("fresh", _batch(_tokens())), ("held", _batch(held))]
        rng.shuffle(pair)  # interleaved, in random order: drift and load hit both alike
        for kind, sent in pair:
            times[kind].append(_store(world, agency, sent))
            _detect(world)
    fresh, held_median = statistics.median(times["fresh"]), statistics.median(times["held"])
    assert held_median <= BOUND * fresh, (fresh, held_median)
    assert fresh <= BOUND * held_median, (fresh, held_median)
    assert len(world.alerts()) == SAMPLES * TOKENS
