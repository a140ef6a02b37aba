"""A worker or a server killed mid-batch on PostgreSQL: nothing lost, nothing doubled after restart.

Real processes, killed with SIGKILL at a chosen point: the test holds the row lock of the audit
chain's head (``audit_head``), which a detection job and a submit take last, just before they
commit; the process blocks there with all its other writes done, and is killed. PostgreSQL rolls
its transaction back; the restarted process (or a retry of the batch) must then find the state
exactly as if the killed one had never run.
"""

from __future__ import annotations

import os
import signal as signals
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from datapath_support import assert_consistent, batch, phone, raw_token, signal
from sqlalchemy import Engine, func, select, text
from sqlmodel import Session

from client import wire
from matcher.models import Alert, AuditEntry, Batch, DetectionJob, Signal
from matcher.services import detection

WAIT = 60  # seconds to wait for a process to start or to block


@pytest.fixture
def postgres_app(app: Any, database_url: str) -> Any:
    if not database_url.startswith("postgresql"):
        pytest.skip("row-lock faults are tested on PostgreSQL (TEST_DATABASE_URL)")
    app.config["DETECTION"] = "external"
    return app


def _environment(database_url: str, pepper_file: Path, folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "secret_key").write_bytes(os.urandom(32).hex().encode())
    return {
        **os.environ,
        "KRUISPUNT_INSTANCE_PATH": str(folder),
        "KRUISPUNT_DATABASE_URL": database_url,
        "KRUISPUNT_PEPPER_FILE": str(pepper_file),
        "KRUISPUNT_DETECTION": "external",
    }


def _count(engine: Engine, model: Any) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


@contextmanager
def _audit_head_held(engine: Engine) -> Iterator[None]:
    """Hold the audit head's row lock: whoever appends to the audit chain waits for it."""
    with engine.connect() as connection:
        connection.execute(text("SELECT last_hash FROM audit_head FOR UPDATE")).all()
        try:
            yield
        finally:
            connection.rollback()


def _wait_until_blocked(engine: Engine) -> None:
    """Wait until another session of this database waits for a lock."""
    deadline = time.monotonic() + WAIT
    with engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
            connection.rollback()
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("no process blocked on the audit head in time")


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signals.SIGKILL)
    process.wait(timeout=WAIT)


def _post(client: Any, token: str, sent: wire.Batch) -> Any:
    return client.post(
        "/api/v1/batches",
        data=sent.model_dump_json(),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def test_a_worker_killed_mid_job_loses_nothing_and_doubles_nothing(
    postgres_app: Any,
    database_url: str,
    pepper_file: Path,
    tmp_path: Path,
    make_agency: Callable[..., Any],
    make_api_token: Callable[..., str],
    make_epoch: Callable[..., Any],
) -> None:
    engine = postgres_app.extensions["matcher.engine"]
    fingerprint = make_epoch().fingerprint
    tokens = [make_api_token(make_agency(name)) for name in ("Gemeente Utrecht", "Politie")]
    shared = [raw_token() for _ in range(3)]
    client = postgres_app.test_client()
    for token in tokens:
        sent = batch(signal(*[phone(raw) for raw in shared]), fingerprint=fingerprint)
        assert _post(client, token, sent).status_code == 201
    assert _count(engine, DetectionJob) == 2

    environment = _environment(database_url, pepper_file, tmp_path / "worker")
    with _audit_head_held(engine):
        worker = subprocess.Popen(
            [_tool("kruispunt-matcher"), "worker", "--poll", "0.1"],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            # the job has found its overlaps, made its alerts and deleted itself: only the
            # audit entry and the commit are left when the worker is killed
            _wait_until_blocked(engine)
        finally:
            _kill(worker)

    assert (_count(engine, DetectionJob), _count(engine, Alert)) == (2, 0)
    restarted = subprocess.run(
        [_tool("kruispunt-matcher"), "worker", "--once"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=WAIT * 2,
        check=False,
    )
    assert restarted.returncode == 0, restarted.stderr
    assert "Detected overlaps of 2 batches." in restarted.stdout
    with Session(engine) as session:
        alerts = list(session.execute(select(Alert)).scalars())
        detected = session.execute(
            select(func.count()).where(AuditEntry.action == "batch.detect")  # type: ignore[arg-type]
        ).scalar_one()
        assert detection.pending(session) == 0
    assert len(alerts) == 3
    assert {(alert.agency_count, alert.signal_count) for alert in alerts} == {(2, 2)}
    assert len({alert.link_id or alert.id for alert in alerts}) == 1, "one alert per link"
    assert detected == 2
    assert_consistent(engine)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _server(environment: dict[str, str]) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A matcher server process (Flask's server; one process like one gunicorn worker)."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "matcher:create_app",
            "run",
            "--port",
            str(port),
            "--no-reload",
            "--without-threads",
        ],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, "no server"
            time.sleep(0.1)
        yield process, base
    finally:
        if process.poll() is None:
            _kill(process)


def test_a_server_killed_mid_batch_stores_nothing_and_the_retry_stores_it_once(
    postgres_app: Any,
    database_url: str,
    pepper_file: Path,
    tmp_path: Path,
    make_agency: Callable[..., Any],
    make_api_token: Callable[..., str],
    make_epoch: Callable[..., Any],
) -> None:
    engine = postgres_app.extensions["matcher.engine"]
    fingerprint = make_epoch().fingerprint
    first, second = (make_api_token(make_agency(name)) for name in ("Gemeente Utrecht", "Politie"))
    shared = raw_token()
    held = batch(signal(phone(shared)), fingerprint=fingerprint)
    assert _post(postgres_app.test_client(), first, held).status_code == 201
    sent = batch(
        signal(phone(shared)),
        *[signal(phone(raw_token())) for _ in range(200)],
        fingerprint=fingerprint,
    )
    body = sent.model_dump_json()
    headers = {"Authorization": f"Bearer {second}", "Content-Type": "application/json"}
    environment = _environment(database_url, pepper_file, tmp_path / "server")
    answers: list[Any] = []

    def send(base: str) -> None:
        try:
            answers.append(httpx.post(f"{base}/api/v1/batches", content=body, headers=headers))
        except httpx.HTTPError as error:
            answers.append(error)

    with _server(environment) as (server, base), _audit_head_held(engine):
        sender = threading.Thread(target=send, args=(base,))
        sender.start()
        # the batch, its 201 signals and tokens and its job are written: only the audit
        # entry and the commit are left when the server is killed
        _wait_until_blocked(engine)
        _kill(server)
        sender.join(timeout=WAIT)
    assert isinstance(answers[0], httpx.HTTPError), "the killed server answered nothing"
    assert (_count(engine, Batch), _count(engine, Signal), _count(engine, DetectionJob)) == (
        1,
        1,
        1,
    )

    with _server(environment) as (_, base):
        retried = httpx.post(f"{base}/api/v1/batches", content=body, headers=headers, timeout=WAIT)
        again = httpx.post(f"{base}/api/v1/batches", content=body, headers=headers, timeout=WAIT)
    assert retried.status_code == 201 and retried.json()["replay"] is False
    assert again.status_code == 200 and again.json()["replay"] is True  # the first receipt
    assert (_count(engine, Batch), _count(engine, Signal), _count(engine, DetectionJob)) == (
        2,
        202,
        2,
    )
    with Session(engine) as session:
        assert len(detection.drain(session)) == 2
    with Session(engine) as session:
        [alert] = session.execute(select(Alert)).scalars()
    assert (alert.agency_count, alert.signal_count) == (2, 2)
    assert_consistent(engine)
