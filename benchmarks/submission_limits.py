"""Measure what the submission limits and the unusual-submission check cost per batch.

Ingests batches with the API's policy (limits counted, unusual check run) into a fresh
database and prints the median milliseconds per batch, and the median spent inside the two
steps the policy adds (``admit`` and ``check_unusual``, timed around the calls, so that other
processes' load on the machine does not hide them in a difference of two noisy medians), and
the median of the fresh-token sample (``check_fresh``), which the batch's detection job runs
after the receipt (each batch's queue is worked off after its timed submit). The
batches are the check's worst case: 1,000 signals of 10 phone tokens each, all new to the
matcher, so every batch is one kind and the fresh-token sample is looked up (and flags it).

Examples::

    python benchmarks/submission_limits.py --backend both
    python benchmarks/submission_limits.py --backend sqlite --batches 10
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import Session

from benchmarks.ingest import DEFAULT_POSTGRES, FINGERPRINT, database
from client import wire
from matcher.db import create_schema, make_engine
from matcher.pepper import Pepper
from matcher.services import detection, federation, ingest, submission_limits
from matcher.services.submission_limits import SubmissionPolicy

SIGNALS = 1_000
TOKENS_PER_SIGNAL = 10


def phone_batch(rng: random.Random) -> wire.Batch:
    """Return a batch of SIGNALS signals holding TOKENS_PER_SIGNAL fresh phone tokens each."""
    signals = [
        wire.SignalItem(
            ref=f"{index:022d}",
            category=wire.Category.TIP,
            observed_on=dt.date(2026, 1, 1),
            retain_until=dt.date(2027, 1, 1),
            tokens=[
                wire.TokenItem(
                    kind=wire.Kind.PHONE, level="e164", token=wire.encode_token(rng.randbytes(32))
                )
                for _ in range(TOKENS_PER_SIGNAL)
            ],
        )
        for index in range(SIGNALS)
    ]
    return wire.Batch(
        batch_id=uuid.uuid4(),
        scheme=wire.SchemeName.HMAC,
        key_fingerprint=FINGERPRINT,
        key_epoch=1,
        normalization_version="2026.1",
        signals=signals,
    )


class Timed:
    """Wrap a function of submission_limits and keep the seconds each call took."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.original = getattr(submission_limits, name)
        self.seconds: list[float] = []
        setattr(submission_limits, name, self)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.original(*args, **kwargs)
        finally:
            self.seconds.append(time.perf_counter() - started)

    def restore(self) -> None:
        setattr(submission_limits, self.name, self.original)


def median_ms(url: str, batches: int, policy: SubmissionPolicy | None, seed: int) -> float:
    """Ingest batches (one agency, refs renewed per batch); return the median ms per batch."""
    engine = make_engine(url)
    create_schema(engine)
    with Session(engine) as session:
        agency = federation.add_agency(
            session, name="Agency", kind="municipality", region="Region", actor="bench"
        )
        federation.add_key_epoch(
            session, scheme="hmac", epoch=1, fingerprint=FINGERPRINT, actor="bench"
        )
        session.commit()
        agency_id = agency.id or 0
    pepper = Pepper.generate()
    rng = random.Random(seed)
    times = []
    for number in range(batches):
        batch = phone_batch(rng)
        renamed = [
            signal.model_copy(update={"ref": f"{number:06d}{index:016d}"})
            for index, signal in enumerate(batch.signals)
        ]
        batch = batch.model_copy(update={"signals": renamed})
        started = time.perf_counter()
        with Session(engine) as session:
            ingest.submit_batch(
                session, agency_id=agency_id, batch=batch, pepper=pepper, policy=policy
            )
            session.commit()
            times.append(time.perf_counter() - started)
            detection.drain(session)
    engine.dispose()
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> None:
    """Print the median batch time without and with the submission policy, per backend."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    options = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if options.backend == "both" else [options.backend]
    policy = SubmissionPolicy(signals_per_day=10**9, unusual_min_signals=SIGNALS)
    for backend in backends:
        timers = [Timed("admit"), Timed("check_unusual"), Timed("check_fresh")]
        try:
            with database(backend, options.postgres_url) as url:
                batch_ms = median_ms(url, options.batches, policy, seed=1)
        finally:
            for timer in timers:
                timer.restore()
        admit_ms, check_ms, fresh_ms = (statistics.median(timer.seconds) * 1000 for timer in timers)
        print(
            f"[{backend}] {options.batches} batches of {SIGNALS:,} signals x {TOKENS_PER_SIGNAL} "
            f"fresh phone tokens: median {batch_ms:.0f} ms per batch, of which the limits "
            f"{admit_ms:.1f} ms and the volume check {check_ms:.1f} ms; after the receipt, "
            f"the fresh-token sample {fresh_ms:.1f} ms per detection job"
        )


if __name__ == "__main__":
    main()
