"""Measure SQLite's detection steps: time per batch, and the Python work between statements.

On SQLite detection runs in steps of ``detection.STEP_TOKENS`` shared tokens, and an agency's
request that arrives mid-step waits until the step's next statement (docs/privacy.md, "The submit
after"). Larger steps cost fewer statements per batch; the work between two statements is what a
request may wait for. For each step size given, this ingests ``--warm`` batches, then
``--batches`` more with ``benchmarks/ingest.py``'s store (10,000 tokens, near shape, 3 % repeated
by another agency), and prints the median detection time per batch and the gaps between two
statements of detection (p50, p99).

Example::

    python benchmarks/detection_steps.py --steps 64 128 256
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import DEFAULT_POSTGRES, database, open_store
from sqlalchemy import event
from sqlmodel import Session

from matcher.services import detection
from matcher.services.ingest import submit_batch


class Gaps:
    """Record the time between one statement's end and the next one's start while armed."""

    def __init__(self) -> None:
        self.armed = False
        self.last: float | None = None
        self.gaps: list[float] = []

    def before(self, *_: Any) -> None:
        now = time.perf_counter()
        if self.armed and self.last is not None:
            self.gaps.append(now - self.last)

    def after(self, *_: Any) -> None:
        self.last = time.perf_counter()

    def quantile(self, share: float) -> float:
        ordered = sorted(self.gaps)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def measure(step: int, options: argparse.Namespace) -> None:
    """Ingest with one step size and print its figures."""
    detection.STEP_TOKENS = step
    store_options = argparse.Namespace(
        agencies=10, overlap=0.03, seed=options.seed, shape="near", batch_tokens=10_000
    )
    with database("sqlite", DEFAULT_POSTGRES) as url:
        store = open_store(url, store_options)
        for _ in range(options.warm):
            store.ingest_one()
        gaps = Gaps()
        event.listen(store.engine, "before_cursor_execute", gaps.before)
        event.listen(store.engine, "after_cursor_execute", gaps.after)
        times = []
        for number in range(options.batches):
            agency = store.agencies[number % len(store.agencies)]
            batch = store.generator.batch(agency, 10_000)
            with Session(store.engine) as session:
                submit_batch(session, agency_id=agency, batch=batch, pepper=store.pepper)
                session.commit()
                gaps.last, gaps.armed = None, True
                started = time.perf_counter()
                detection.drain(session)
                times.append(time.perf_counter() - started)
                gaps.armed = False
        store.engine.dispose()
    print(
        f"steps of {step} shared tokens: detection {statistics.median(times) * 1000:.0f} ms a "
        f"batch (median of {len(times)}); between statements p50 {gaps.quantile(0.5) * 1000:.2f}"
        f" ms, p99 {gaps.quantile(0.99) * 1000:.2f} ms"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[64, 128, 256])
    parser.add_argument("--warm", type=int, default=10, help="batches ingested first")
    parser.add_argument("--batches", type=int, default=20, help="batches measured")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    for step in options.steps:
        measure(step, options)


if __name__ == "__main__":
    main()
