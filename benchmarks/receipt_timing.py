"""Time submits of fresh tokens against tokens other agencies hold, and receipt-to-alert delay.

Phase 1 (timing independence, design non-negotiable 9): agency B first stores a batch (and its
overlaps are found); then agency A submits, in random order, one batch of fresh tokens and one of
B's tokens, each timed from request to receipt through the real app. ``--samples`` pairs; the
medians and their ratio are printed. A ratio near 1 means the receipt's time tells A nothing.

Phase 1b (``--follow-tokens``, off by default): the second-order channel. Agency A submits a
batch of that many tokens, held by B or fresh (random order), waits ``--follow-pause`` seconds and
submits a fresh 20-token batch; the second submit is timed. Where detection of the first batch
holds something the second submit needs (SQLite's one writer, the app's interpreter lock, the
machine's cores), its time tells A whether the first batch's tokens are held.

Phase 2 (detection after the receipt): ``--load-batches`` batches of ``--load-tokens`` tokens
(about 3 % held by the other agency) are submitted back to back while a worker finds their
overlaps: the app's own thread (``--detection thread``, the default) or ``kruispunt-matcher
worker`` in a process of its own (``--detection external``, the production set-up on PostgreSQL).
A watcher records when each batch leaves the detection queue. Prints the receipt-to-alert delay
(p50, p95, max).

Each run makes its own database (a temporary SQLite file, or ``kp_bench_<hex>`` next to the
PostgreSQL URL) and removes it afterwards.

Examples::

    python benchmarks/receipt_timing.py --backend both
    python benchmarks/receipt_timing.py --backend postgres --samples 50 --load-batches 30
    python benchmarks/receipt_timing.py --backend postgres --detection external
    python benchmarks/receipt_timing.py --samples 40 --follow-tokens 1000 --load-batches 0
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest import DEFAULT_POSTGRES, autovacuum, database
from sqlalchemy import select
from sqlmodel import Session

from client import wire
from matcher import create_app, db
from matcher.pepper import Pepper
from matcher.services import detection, federation
from matcher.services.tables import JOBS

FINGERPRINT = "0123456789abcdef0123456789abcdef"


def make_batch(tokens: list[bytes]) -> wire.Batch:
    """Return a batch of one phone token per signal."""
    return wire.Batch(
        batch_id=uuid.uuid4(),
        scheme=wire.SchemeName.HMAC,
        key_fingerprint=FINGERPRINT,
        key_epoch=1,
        normalization_version="2026.1",
        signals=[
            wire.SignalItem(
                ref=secrets.token_urlsafe(16)[:22],
                category=wire.Category.INSPECTION,
                observed_on=dt.date(2026, 3, 1),
                retain_until=dt.date(2027, 3, 1),
                tokens=[wire.TokenItem(kind="phone", level="e164", token=wire.encode_token(raw))],
            )
            for raw in tokens
        ],
    )


class Federation:
    """The real app on a fresh database, with two agencies and their API tokens."""

    def __init__(self, url: str, folder: str, detection_mode: str) -> None:
        pepper = Path(folder) / "pepper.key"
        Pepper.create_file(str(pepper))
        self.app = create_app(
            {
                "DATABASE_URL": url,
                "PEPPER_FILE": str(pepper),
                "SECRET_KEY": "bench",
                "INSTANCE_PATH": folder,
                "DETECTION": detection_mode,
                # the load phase sends far more than an agency's daily limit
                "SUBMIT_SIGNALS_PER_DAY": 10**9,
            }
        )
        self.engine = self.app.extensions["matcher.engine"]
        db.create_schema(self.engine)
        self.tokens: list[str] = []
        with Session(self.engine) as session:
            federation.add_key_epoch(
                session, scheme="hmac", epoch=1, fingerprint=FINGERPRINT, actor="bench"
            )
            for name in ("Gemeente A", "Politie B"):
                agency = federation.add_agency(
                    session, name=name, kind="municipality", region="Regio 1", actor="bench"
                )
                assert agency.id is not None
                _, token = federation.create_api_token(session, agency_id=agency.id, actor="bench")
                self.tokens.append(token)
            session.commit()
        self.client = self.app.test_client()
        # started once the schema exists
        self.worker: subprocess.Popen[bytes] | None = None
        if detection_mode == "external":
            (Path(folder) / "secret_key").write_text("bench")
            self.worker = subprocess.Popen(
                [str(Path(sys.executable).parent / "kruispunt-matcher"), "worker"],
                env={
                    **os.environ,
                    "KRUISPUNT_INSTANCE_PATH": folder,
                    "KRUISPUNT_DATABASE_URL": url,
                    "KRUISPUNT_PEPPER_FILE": str(pepper),
                    "KRUISPUNT_DETECTION": "external",
                },
            )

    def submit(self, agency: int, batch: wire.Batch) -> float:
        """POST the batch as agency 0 or 1; return seconds from request to receipt."""
        body = batch.model_dump_json()
        headers = {"Authorization": f"Bearer {self.tokens[agency]}"}
        started = time.perf_counter()
        response = self.client.post(
            "/api/v1/batches", data=body, headers=headers, content_type="application/json"
        )
        seconds = time.perf_counter() - started
        assert response.status_code == 201, response.get_json()
        return seconds

    def settle(self) -> None:
        """Wait until the worker has found every queued batch's overlaps."""
        with Session(self.engine) as session:
            while detection.pending(session):
                session.rollback()
                time.sleep(0.005)

    def stop(self) -> None:
        worker: Any = self.app.extensions.get("matcher.detection_thread")
        if worker is not None:
            worker.stop()
        if self.worker is not None:
            self.worker.terminate()
            self.worker.wait(timeout=30)
        self.engine.dispose()


def held_by_other(fed: Federation, size: int, rng: random.Random) -> list[bytes]:
    """Have agency B store (and detection see) a batch of new tokens; return them."""
    held = [rng.randbytes(32) for _ in range(size)]
    fed.submit(1, make_batch(held))
    fed.settle()
    return held


def timing(fed: Federation, samples: int, size: int, rng: random.Random, label: str) -> None:
    """Phase 1: interleaved fresh and held batches; print medians and their ratio."""
    times: dict[str, list[float]] = {"fresh": [], "held": []}
    for _ in range(samples):
        held = held_by_other(fed, size, rng)
        pair = [("fresh", [rng.randbytes(32) for _ in range(size)]), ("held", held)]
        rng.shuffle(pair)
        for kind, tokens in pair:
            times[kind].append(fed.submit(0, make_batch(tokens)))
            fed.settle()
    fresh, held_ms = (statistics.median(times[kind]) * 1000 for kind in ("fresh", "held"))
    spread = {
        kind: (
            sorted(values)[len(values) // 10] * 1000,
            sorted(values)[len(values) * 9 // 10] * 1000,
        )
        for kind, values in times.items()
    }
    print(
        f"{label} phase 1: {samples} interleaved pairs of {size}-token batches: "
        f"fresh median {fresh:.1f} ms (p10-p90 {spread['fresh'][0]:.1f}-{spread['fresh'][1]:.1f}), "
        f"held median {held_ms:.1f} ms (p10-p90 {spread['held'][0]:.1f}-{spread['held'][1]:.1f}); "
        f"held/fresh {held_ms / fresh:.3f}"
    )


def follow_up(
    fed: Federation, samples: int, size: int, pause: float, rng: random.Random, label: str
) -> None:
    """Phase 1b: time a fresh batch sent right after a held or a fresh one; print medians."""
    times: dict[str, list[float]] = {"fresh": [], "held": []}
    kinds = ["fresh", "held"] * (samples // 2)
    rng.shuffle(kinds)
    for kind in kinds:
        held = held_by_other(fed, size, rng)
        first = held if kind == "held" else [rng.randbytes(32) for _ in range(size)]
        fed.submit(0, make_batch(first))
        time.sleep(pause)
        times[kind].append(fed.submit(0, make_batch([rng.randbytes(32) for _ in range(20)])))
        fed.settle()
    fresh, held_ms = (statistics.median(times[kind]) * 1000 for kind in ("fresh", "held"))
    print(
        f"{label} phase 1b: a 20-token batch {pause:.2f} s after {size:,} fresh / held tokens, "
        f"{samples // 2} each: median {fresh:.1f} / {held_ms:.1f} ms; held/fresh "
        f"{held_ms / fresh:.2f}"
    )


class Watcher(threading.Thread):
    """Record when each watched batch leaves the detection queue."""

    def __init__(self, fed: Federation) -> None:
        super().__init__(daemon=True)
        self.fed = fed
        self.receipts: dict[str, float] = {}
        self.detected: dict[str, float] = {}
        self.stopping = threading.Event()

    def run(self) -> None:
        with Session(self.fed.engine) as session:
            while not self.stopping.is_set():
                queued = set(session.execute(select(JOBS.c.batch_id)).scalars())
                session.rollback()
                now = time.perf_counter()
                for batch_id in list(self.receipts):
                    if batch_id not in queued and batch_id not in self.detected:
                        self.detected[batch_id] = now
                time.sleep(0.01)


def latency(fed: Federation, batches: int, size: int, rng: random.Random, label: str) -> None:
    """Phase 2: back-to-back batches; print the receipt-to-alert delay."""
    watcher = Watcher(fed)
    watcher.start()
    previous: list[bytes] = []
    submit_times: list[float] = []
    for number in range(batches):
        held = rng.sample(previous, min(len(previous), size * 3 // 100))
        tokens = held + [rng.randbytes(32) for _ in range(size - len(held))]
        batch = make_batch(tokens)
        submit_times.append(fed.submit(number % 2, batch))
        watcher.receipts[str(batch.batch_id)] = time.perf_counter()
        previous = tokens
    fed.settle()
    time.sleep(0.05)
    watcher.stopping.set()
    watcher.join()
    delays = sorted(watcher.detected[key] - watcher.receipts[key] for key in watcher.receipts)
    p95 = delays[min(len(delays) - 1, round(len(delays) * 0.95) - 1)]
    print(
        f"{label} phase 2: {batches} batches of {size:,} tokens back to back: submit median "
        f"{statistics.median(submit_times) * 1000:.0f} ms; receipt to alert p50 "
        f"{statistics.median(delays) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {delays[-1] * 1000:.0f} ms"
    )


def main(argv: list[str] | None = None) -> None:
    """Parse options and run both phases on the chosen backends."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--samples", type=int, default=50, help="pairs in phase 1")
    parser.add_argument("--tokens", type=int, default=20, help="tokens per batch in phase 1")
    parser.add_argument("--load-batches", type=int, default=20, help="batches in phase 2")
    parser.add_argument("--load-tokens", type=int, default=10_000, help="tokens per batch")
    parser.add_argument(
        "--follow-tokens", type=int, default=0, help="phase 1b: tokens of the first batch"
    )
    parser.add_argument(
        "--follow-pause", type=float, default=0.0, help="phase 1b: seconds before the second"
    )
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument(
        "--detection",
        choices=["thread", "external"],
        default="thread",
        help="the app's own thread, or kruispunt-matcher worker in a process of its own",
    )
    parser.add_argument(
        "--postgres-url", default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES
    )
    options = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if options.backend == "both" else [options.backend]
    for backend in backends:
        rng = random.Random(options.seed)
        with (
            database(backend, options.postgres_url) as url,
            tempfile.TemporaryDirectory(prefix="kp_bench_") as folder,
        ):
            fed = Federation(url, folder, options.detection)
            label = f"[{backend}, {options.detection}]"
            try:
                with autovacuum(fed.engine, label):
                    timing(fed, options.samples, options.tokens, rng, label)
                    if options.follow_tokens:
                        follow_up(
                            fed,
                            options.samples,
                            options.follow_tokens,
                            options.follow_pause,
                            rng,
                            label,
                        )
                    if options.load_batches:
                        latency(fed, options.load_batches, options.load_tokens, rng, label)
            finally:
                fed.stop()


if __name__ == "__main__":
    main()
