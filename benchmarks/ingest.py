"""Measure batch ingest with overlap detection on SQLite and PostgreSQL.

Phase 1 ingests ``--tokens`` tokens in batches of ``--batch-tokens`` and prints tokens per
second. Phase 2 (``--grow-to``) keeps ingesting until the store holds that many tokens and
prints the time per batch at each million, against the first batches. About ``--overlap`` of
the tokens repeat a token another agency sent earlier, so alerts are raised all along.

Each run makes its own database (a temporary SQLite file, or ``kp_bench_<hex>`` next to the
PostgreSQL URL) and removes it afterwards. Examples::

    python benchmarks/ingest.py --backend both
    python benchmarks/ingest.py --backend postgres --tokens 1000000 --grow-to 10000000
    python benchmarks/ingest.py --backend sqlite --tokens 100000      # a quick look
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlmodel import Session

from client import wire
from matcher.db import create_schema, make_engine
from matcher.models import Alert, SignalToken
from matcher.pepper import Pepper
from matcher.services import federation, ingest

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: (kind, level) per token of a generated signal: a phone, sometimes an e-mail, an address
SIGNAL_SHAPES = (
    (("phone", "e164"),),
    (("phone", "e164"), ("email", "mailbox")),
    (("address", "unit"), ("address", "building")),
    (("phone", "e164"), ("address", "unit"), ("address", "building")),
)
FINGERPRINT = "0123456789abcdef0123456789abcdef"
MILESTONE = 1_000_000
BASELINE_BATCHES = 10


@dataclass
class Generator:
    """Makes batches whose tokens partly repeat tokens other agencies sent before."""

    agencies: list[int]
    overlap: float
    rng: random.Random
    #: earlier (agency, kind, level, raw token), sampled for overlaps
    pool: list[tuple[int, str, str, bytes]] = field(default_factory=list)
    pool_size: int = 200_000

    def batch(self, agency: int, tokens: int) -> wire.Batch:
        """Return a batch of about `tokens` tokens for agency."""
        signals: list[wire.SignalItem] = []
        count = 0
        while count < tokens:
            shape = self.rng.choice(SIGNAL_SHAPES)
            items = [self._token(agency, kind, level) for kind, level in shape]
            count += len(items)
            signals.append(
                wire.SignalItem(
                    ref=secrets.token_urlsafe(16)[:22],
                    category=wire.Category.ADVERTISEMENT_MONITORING,
                    observed_on=dt.date(2026, 1, 1),
                    retain_until=dt.date(2027, 1, 1),
                    tokens=items,
                )
            )
        return wire.Batch(
            batch_id=uuid.uuid4(),
            scheme=wire.SchemeName.HMAC,
            key_fingerprint=FINGERPRINT,
            key_epoch=1,
            normalization_version="2026.1",
            signals=signals,
        )

    def _token(self, agency: int, kind: str, level: str) -> wire.TokenItem:
        raw = self.rng.randbytes(32)
        if self.pool and self.rng.random() < self.overlap:
            other, kind, level, raw = self.pool[self.rng.randrange(len(self.pool))]
            if other == agency:  # only another agency's token makes an overlap
                raw = self.rng.randbytes(32)
        elif len(self.pool) < self.pool_size:
            self.pool.append((agency, kind, level, raw))
        else:
            self.pool[self.rng.randrange(self.pool_size)] = (agency, kind, level, raw)
        return wire.TokenItem(kind=wire.Kind(kind), level=level, token=wire.encode_token(raw))


@contextmanager
def database(backend: str, postgres_url: str) -> Iterator[str]:
    """Yield the URL of a fresh database of backend, removed afterwards."""
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="kp_bench_")
        try:
            yield f"sqlite:///{folder}/bench.sqlite3"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    base = make_url(postgres_url)
    name = f"kp_bench_{secrets.token_hex(4)}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(engine: Engine, agencies: int) -> list[int]:
    """Create the schema, the agencies and the key epoch; return the agency ids."""
    create_schema(engine)
    with Session(engine) as session:
        ids = []
        for number in range(agencies):
            agency = federation.add_agency(
                session,
                name=f"Agency {number}",
                kind="municipality",
                region=f"Region {number % 5}",
                actor="bench",
            )
            ids.append(agency.id)
        federation.add_key_epoch(
            session, scheme="hmac", epoch=1, fingerprint=FINGERPRINT, actor="bench"
        )
        session.commit()
    return [agency_id for agency_id in ids if agency_id is not None]


def submit(engine: Engine, pepper: Pepper, agency: int, batch: wire.Batch) -> float:
    """Submit and commit one batch; return the seconds it took."""
    started = time.perf_counter()
    with Session(engine) as session:
        ingest.submit_batch(session, agency_id=agency, batch=batch, pepper=pepper)
        session.commit()
    return time.perf_counter() - started


def stored(engine: Engine) -> tuple[int, int]:
    """Return how many signal tokens and alerts the store holds."""
    with Session(engine) as session:
        tokens = session.execute(select(func.count()).select_from(SignalToken)).scalar_one()
        alerts = session.execute(select(func.count()).select_from(Alert)).scalar_one()
    return int(tokens), int(alerts)


def run(backend: str, options: argparse.Namespace) -> None:
    """Run both phases on one backend and print the figures."""
    with database(backend, options.postgres_url) as url:
        engine = make_engine(url)
        agencies = prepare(engine, options.agencies)
        generator = Generator(agencies, options.overlap, random.Random(options.seed))
        pepper = Pepper.generate()
        times: list[float] = []
        total = 0
        profile = cProfile.Profile() if options.profile else None
        print(
            f"[{backend}] phase 1: {options.tokens:,} tokens in batches of {options.batch_tokens:,}"
        )
        phase_started = total
        busy = 0.0
        while total < options.tokens:
            agency = agencies[len(times) % len(agencies)]
            batch = generator.batch(agency, options.batch_tokens)
            if profile:
                profile.enable()
            seconds = submit(engine, pepper, agency, batch)
            if profile:
                profile.disable()
            times.append(seconds)
            busy += seconds
            total += sum(len(signal.tokens) for signal in batch.signals)
        tokens, alerts = stored(engine)
        print(
            f"[{backend}] {total - phase_started:,} tokens in {busy:.1f} s: "
            f"{(total - phase_started) / busy:,.0f} tokens/s; "
            f"batch median {statistics.median(times) * 1000:.0f} ms; "
            f"{tokens:,} stored, {alerts:,} alerts"
        )
        if profile:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        baseline = statistics.median(times[:BASELINE_BATCHES])
        print(f"[{backend}] first {BASELINE_BATCHES} batches: median {baseline * 1000:.0f} ms")
        if options.grow_to > total:
            grow(engine, pepper, generator, agencies, options, backend, times, total, baseline)
        engine.dispose()


def grow(
    engine: Engine,
    pepper: Pepper,
    generator: Generator,
    agencies: list[int],
    options: argparse.Namespace,
    backend: str,
    times: list[float],
    total: int,
    baseline: float,
) -> None:
    """Keep ingesting up to options.grow_to tokens; print time per batch at each million."""
    print(f"[{backend}] phase 2: growing the store to {options.grow_to:,} tokens")
    window: list[float] = []
    next_milestone = (total // MILESTONE + 1) * MILESTONE
    while total < options.grow_to:
        agency = agencies[len(times) % len(agencies)]
        batch = generator.batch(agency, options.batch_tokens)
        seconds = submit(engine, pepper, agency, batch)
        times.append(seconds)
        window.append(seconds)
        total += sum(len(signal.tokens) for signal in batch.signals)
        if total >= next_milestone or total >= options.grow_to:
            median = statistics.median(window)
            print(
                f"[{backend}] {total:>12,} stored: batch median {median * 1000:.0f} ms, "
                f"p90 {sorted(window)[int(len(window) * 0.9)] * 1000:.0f} ms, "
                f"{options.batch_tokens / median:,.0f} tokens/s, {median / baseline:.2f}x first"
            )
            window = []
            next_milestone += MILESTONE
    tokens, alerts = stored(engine)
    print(f"[{backend}] done: {tokens:,} stored, {alerts:,} alerts")


def main(argv: list[str] | None = None) -> None:
    """Parse options and run the benchmark on the chosen backends."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--tokens", type=int, default=1_000_000, help="tokens in phase 1")
    parser.add_argument("--batch-tokens", type=int, default=10_000, help="tokens per batch")
    parser.add_argument("--grow-to", type=int, default=0, help="stored tokens to reach in phase 2")
    parser.add_argument("--overlap", type=float, default=0.03, help="share of repeated tokens")
    parser.add_argument("--agencies", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="profile phase 1 (cProfile)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES,
        help="server to create the benchmark database on (default: TEST_DATABASE_URL)",
    )
    options = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if options.backend == "both" else [options.backend]
    for backend in backends:
        run(backend, options)


if __name__ == "__main__":
    main()
