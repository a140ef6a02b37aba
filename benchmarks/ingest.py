"""Measure batch ingest with overlap detection on SQLite and PostgreSQL.

Phase 1 ingests ``--tokens`` tokens in batches of ``--batch-tokens`` and prints tokens per
second, and the median batch's time up to the receipt and in detection. Phase 2 (``--grow-to``)
keeps ingesting until the store holds that many tokens and prints the time per batch at each
million, against the first batches, with both halves and (PostgreSQL) the write-ahead log a
batch writes. Signals carry the tokens
the client sends with near tokens (``--shape near``: a phone number with its swapped-pair keys,
a name with its one-letter deletions; 14.6 tokens a signal), or exact tokens only (``--shape
exact``, 2 a signal, the shapes before near tokens). About ``--overlap`` of the identifiers
repeat one another agency sent earlier, so alerts are raised all along.

Each run makes its own database (a temporary SQLite file, or ``kp_bench_<hex>`` next to the
PostgreSQL URL) and removes it afterwards. A calibration line first shows what this machine
does with the bare minimum: random 32-byte keys into one table with a primary key.

When the PostgreSQL server runs without autovacuum (some test servers do), a background thread
analyzes tables by autovacuum's rule instead; without statistics the planner scans whole tables.

Examples::

    python benchmarks/ingest.py --backend both
    python benchmarks/ingest.py --backend postgres --tokens 1000000 --grow-to 10000000
    python benchmarks/ingest.py --backend sqlite --tokens 100000      # a quick look
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from client import wire
from matcher.db import create_schema, make_engine
from matcher.models import Alert
from matcher.pepper import Pepper
from matcher.services import detection, federation, ingest

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: (kind, level) per token of a generated signal, exact tokens only (``--shape exact``, the
#: benchmark's shapes before near tokens): a phone, sometimes an e-mail, an address
EXACT_SHAPES = (
    (("phone", "e164"),),
    (("phone", "e164"), ("email", "mailbox")),
    (("address", "unit"), ("address", "building")),
    (("phone", "e164"), ("address", "unit"), ("address", "building")),
)
#: identifiers as the client tokenizes them with near tokens (docs/linkage.md, "Cost"): a phone
#: number with its swapped-pair keys, a person's name with a date of birth and one-letter
#: deletions, an operator's name with its legal form and the deletions of both near levels
_PHONE = (("phone", "e164"),) + (("phone", "e164_swap"),) * 7
_ADDRESS = (("address", "unit"), ("address", "building"))
_PERSON = (("person", "name"), ("person", "name_dob")) + (("person", "near_dob"),) * 13
_OPERATOR = (
    (("operator", "legal_name"), ("operator", "trade_name"), ("operator", "registered"))
    + (("operator", "legal_near"),) * 12
    + (("operator", "reg_near"),) * 12
)
#: signals as identifiers, with near tokens (``--shape near``, the default): 14.6 tokens each
NEAR_SHAPES = (
    (_PHONE,),
    (_PHONE, (("email", "mailbox"),)),
    (_ADDRESS,),
    (_PHONE, _ADDRESS, _PERSON),
    (_OPERATOR, _ADDRESS),
)
SHAPES = {
    "exact": tuple(tuple((item,) for item in shape) for shape in EXACT_SHAPES),
    "near": NEAR_SHAPES,
}
FINGERPRINT = "0123456789abcdef0123456789abcdef"
MILESTONE = 1_000_000
BASELINE_BATCHES = 10
#: autovacuum's rule: analyze a table once this many rows changed (50 + 10% of its rows)
_DUE_FOR_ANALYZE = """
SELECT stat.relname FROM pg_stat_user_tables AS stat JOIN pg_class ON pg_class.oid = stat.relid
WHERE stat.n_mod_since_analyze > 50 + 0.1 * greatest(pg_class.reltuples, 0)
"""


@dataclass
class Generator:
    """Makes batches whose identifiers partly repeat identifiers other agencies sent before.

    A signal is a shape: a few identifiers, each a group of (kind, level) tokens. A repeated
    identifier repeats all its tokens (the same phone number gives the same exact and near
    tokens at any agency); with ``--shape exact`` every token is an identifier of its own, as
    the benchmark generated them before near tokens.
    """

    overlap: float
    rng: random.Random
    shapes: tuple[tuple[tuple[tuple[str, str], ...], ...], ...] = SHAPES["near"]
    #: earlier (agency, tokens of one identifier), sampled for overlaps
    pool: list[tuple[int, list[wire.TokenItem]]] = field(default_factory=list)
    pool_size: int = 200_000

    def batch(self, agency: int, tokens: int) -> wire.Batch:
        """Return a batch of about `tokens` tokens for agency."""
        signals: list[wire.SignalItem] = []
        count = 0
        while count < tokens:
            items = [
                item
                for group in self.rng.choice(self.shapes)
                for item in self._identifier(agency, group)
            ]
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

    def _identifier(self, agency: int, group: tuple[tuple[str, str], ...]) -> list[wire.TokenItem]:
        """Return the tokens of one identifier: another agency's earlier one, or a fresh one."""
        if self.pool and self.rng.random() < self.overlap:
            other, items = self.pool[self.rng.randrange(len(self.pool))]
            if other != agency:  # only another agency's identifier makes an overlap
                return items
        items = [
            wire.TokenItem(kind=kind, level=level, token=wire.encode_token(self.rng.randbytes(32)))
            for kind, level in group
        ]
        if len(self.pool) < self.pool_size:
            self.pool.append((agency, items))
        else:
            self.pool[self.rng.randrange(self.pool_size)] = (agency, items)
        return items


@dataclass
class Store:
    """A benchmark database: its engine, agencies, pepper, and how many tokens it holds."""

    engine: Engine
    agencies: list[int]
    pepper: Pepper
    generator: Generator
    batch_tokens: int
    tokens: int = 0
    batches: int = 0
    #: seconds spent up to the receipt (store and queue) and in detection after it
    submit_seconds: float = 0.0
    detect_seconds: float = 0.0
    #: each batch's seconds up to the receipt and in detection
    submit_times: list[float] = field(default_factory=list)
    detect_times: list[float] = field(default_factory=list)

    def ingest_one(self) -> float:
        """Submit, commit and detect one generated batch; return the seconds it all took."""
        agency = self.agencies[self.batches % len(self.agencies)]
        batch = self.generator.batch(agency, self.batch_tokens)
        started = time.perf_counter()
        with Session(self.engine) as session:
            ingest.submit_batch(session, agency_id=agency, batch=batch, pepper=self.pepper)
            session.commit()
            received = time.perf_counter()
            detection.drain(session)
        seconds = time.perf_counter() - started
        self.submit_seconds += received - started
        self.detect_seconds += seconds - (received - started)
        self.submit_times.append(received - started)
        self.detect_times.append(seconds - (received - started))
        self.batches += 1
        self.tokens += sum(len(signal.tokens) for signal in batch.signals)
        return seconds

    def alerts(self) -> int:
        with Session(self.engine) as session:
            return int(session.execute(select(func.count()).select_from(Alert)).scalar_one())


class Autovacuum(threading.Thread):
    """Analyze tables by autovacuum's rule, in the background, where the server does not."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(daemon=True)
        self.engine = engine
        self.stopping = threading.Event()
        self.seconds = 0.0

    def run(self) -> None:
        with self.engine.connect() as connection:
            while not self.stopping.wait(1.0):
                for (table,) in connection.execute(text(_DUE_FOR_ANALYZE)).all():
                    started = time.perf_counter()
                    connection.execute(text(f'ANALYZE "{table}"'))
                    self.seconds += time.perf_counter() - started
                connection.commit()


@contextmanager
def autovacuum(engine: Engine, label: str) -> Iterator[Autovacuum | None]:
    """Run an Autovacuum thread for the block if the server's own autovacuum is off."""
    if engine.dialect.name != "postgresql":
        yield None
        return
    with engine.connect() as connection:
        if connection.execute(text("SHOW autovacuum")).scalar() != "off":
            yield None
            return
    print(f"{label} the server runs without autovacuum: analyzing by its rule in the background")
    worker = Autovacuum(engine)
    worker.start()
    try:
        yield worker
    finally:
        worker.stopping.set()
        worker.join()
        print(f"{label} background ANALYZE took {worker.seconds:.1f} s in all")


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


def calibrate(engine: Engine, rows: int = 100_000, chunk: int = 10_000) -> float:
    """Return keys per second this machine puts into a bare table with a 32-byte primary key.

    The driver's fastest path, no service code: COPY on PostgreSQL, executemany on SQLite.
    """
    keys = [os.urandom(32) for _ in range(rows)]
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        postgres = engine.dialect.name == "postgresql"
        # a logged table, like the store's (a temporary one would skip the WAL)
        cursor.execute(
            f"CREATE TABLE calibration (key {'bytea' if postgres else 'BLOB'} PRIMARY KEY)"
        )
        connection.commit()
        started = time.perf_counter()
        for start in range(0, rows, chunk):
            part = keys[start : start + chunk]
            if postgres:
                with cursor.copy("COPY calibration (key) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(["bytea"])
                    for key in part:
                        copy.write_row((key,))
            else:
                cursor.execute("BEGIN")
                cursor.executemany("INSERT INTO calibration VALUES (?)", [(key,) for key in part])
            connection.commit()
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE calibration")
        connection.commit()
    finally:
        connection.close()
    return rows / seconds


def open_store(url: str, options: argparse.Namespace) -> Store:
    """Create the schema, the agencies and the key epoch; return the store."""
    engine = make_engine(url)
    create_schema(engine)
    with Session(engine) as session:
        agencies = [
            federation.add_agency(
                session,
                name=f"Agency {n}",
                kind="municipality",
                region=f"Region {n % 5}",
                actor="bench",
            )
            for n in range(options.agencies)
        ]
        federation.add_key_epoch(
            session, scheme="hmac", epoch=1, fingerprint=FINGERPRINT, actor="bench"
        )
        session.commit()
        ids = [agency.id for agency in agencies if agency.id is not None]
    store = Store(
        engine,
        ids,
        Pepper.generate(),
        Generator(options.overlap, random.Random(options.seed), SHAPES[options.shape]),
        options.batch_tokens,
    )
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            store.emulate_autovacuum = connection.execute(text("SHOW autovacuum")).scalar() == "off"
    return store


def run(backend: str, options: argparse.Namespace) -> None:
    """Run both phases on one backend and print the figures."""
    with database(backend, options.postgres_url) as url:
        store = open_store(url, options)
        label = f"[{backend}]"
        calibration = calibrate(store.engine)
        print(
            f"{label} calibration: {calibration:,.0f} keys/s into a bare "
            "table with a 32-byte primary key (the floor: every token costs 2-3 such keys)"
        )
        with autovacuum(store.engine, label):
            times: list[float] = []
            while store.tokens < options.tokens:
                times.append(store.ingest_one())
            busy = sum(times)
            print(
                f"{label} phase 1: {store.tokens:,} tokens in {len(times)} batches, "
                f"{busy:.1f} s in ingest: {store.tokens / busy:,.0f} tokens/s; batch median "
                f"{statistics.median(times) * 1000:.0f} ms; {store.alerts():,} alerts"
            )
            to_receipt = store.tokens / store.submit_seconds
            overall = store.tokens / busy
            print(
                f"{label} up to the receipt: {to_receipt:,.0f} tokens/s "
                f"({to_receipt / calibration:.1%} of calibration); with detection: "
                f"{overall:,.0f} tokens/s ({overall / calibration:.1%} of calibration); "
                f"detection {store.detect_seconds / busy:.0%} of the time"
            )
            receipt = statistics.median(store.submit_times) * 1000
            detect = statistics.median(store.detect_times) * 1000
            print(
                f"{label} per batch, median: {receipt:.0f} ms up to the receipt, "
                f"{detect:.0f} ms detection"
            )
            baseline = statistics.median(times[:BASELINE_BATCHES])
            print(f"{label} first {BASELINE_BATCHES} batches: median {baseline * 1000:.0f} ms")
            if options.grow_to > store.tokens:
                # the first batches find fewer overlaps (the pool of earlier tokens is still
                # filling), so growth is also given against phase 1's median batch
                grow(store, options.grow_to, baseline, label, statistics.median(times), calibration)
        store.engine.dispose()


class WalMeter:
    """On PostgreSQL, the write-ahead log written and checkpoints requested since the last read.

    A random-keyed index that outgrows the buffer cache is written page by page; after each
    checkpoint the first change to a page logs the whole page, so the log per batch, and with
    it the checkpoints it requests, grow with the store.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.last = self._read()

    def _read(self) -> tuple[int, int] | None:
        if self.engine.dialect.name != "postgresql":
            return None
        with self.engine.connect() as connection:
            lsn = connection.execute(
                text("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')")
            ).scalar_one()
            requested = connection.execute(
                text("SELECT checkpoints_req FROM pg_stat_bgwriter")
            ).scalar_one()
        return int(lsn), int(requested)

    def since_last(self, batches: int) -> str:
        """Return 'N MB of log a batch, M checkpoints requested; ' since the last call."""
        now, before = self._read(), self.last
        self.last = now
        if now is None or before is None or not batches:
            return ""
        megabytes = (now[0] - before[0]) / batches / 2**20
        return f"{megabytes:.1f} MB of log a batch, {now[1] - before[1]} checkpoints requested; "


def grow(
    store: Store, target: int, baseline: float, label: str, phase_one: float, calibration: float
) -> None:
    """Keep ingesting up to target tokens; print the time per batch at each million.

    The machine's load changes over a long run, so each million also calibrates again (a
    smaller bare-table insert) and gives the batch time in calibration keys: the batch median
    times the keys/s of that moment, against the same product for phase 1. The load then
    cancels out as far as it slows both alike.
    """
    phase_one_keys = phase_one * calibration
    print(f"{label} phase 2: growing the store to {target:,} tokens")
    wal = WalMeter(store.engine)
    window: list[float] = []
    milestone = (store.tokens // MILESTONE + 1) * MILESTONE
    while store.tokens < target:
        window.append(store.ingest_one())
        if store.tokens >= milestone or store.tokens >= target:
            median = statistics.median(window)
            receipt = statistics.median(store.submit_times[-len(window) :]) * 1000
            detect = statistics.median(store.detect_times[-len(window) :]) * 1000
            keys = median * calibrate(store.engine, rows=20_000, chunk=10_000)
            print(
                f"{label} {store.tokens:>12,} stored: batch median {median * 1000:.0f} ms, "
                f"p90 {sorted(window)[int(len(window) * 0.9)] * 1000:.0f} ms, "
                f"{store.batch_tokens / median:,.0f} tokens/s, {median / baseline:.2f}x first, "
                f"{median / phase_one:.2f}x phase 1's median; in calibration keys "
                f"{keys:,.0f} per batch, {keys / phase_one_keys:.2f}x phase 1's; "
                f"{receipt:.0f} ms up to the receipt, {detect:.0f} ms detection; "
                f"{wal.since_last(len(window))}load {os.getloadavg()[0]:.1f}"
            )
            window = []
            milestone += MILESTONE
    print(f"{label} done: {store.tokens:,} stored, {store.alerts():,} alerts")


def main(argv: list[str] | None = None) -> None:
    """Parse options and run the benchmark on the chosen backends."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--tokens", type=int, default=1_000_000, help="tokens in phase 1")
    parser.add_argument("--batch-tokens", type=int, default=10_000, help="tokens per batch")
    parser.add_argument("--grow-to", type=int, default=0, help="stored tokens to reach in phase 2")
    parser.add_argument(
        "--overlap", type=float, default=0.03, help="share of identifiers another agency sent"
    )
    parser.add_argument(
        "--shape",
        choices=sorted(SHAPES),
        default="near",
        help="signals with near tokens as the client sends them (14.6 tokens each), or exact "
        "tokens only (2 each, the shapes before near tokens)",
    )
    parser.add_argument("--agencies", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
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
