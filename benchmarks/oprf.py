"""Measure the oprf scheme end to end against a real key-service process on 127.0.0.1.

    .venv/bin/python benchmarks/oprf.py [--identifiers 10000] [--batch-size 2000]

Starts gunicorn (one sync worker) on a free local port with a bounded lifetime (coreutils
`timeout`), on a throw-away database and key folder, and stops it at the end. Prints:

- client: identifiers/s end to end (blind, HTTP, verify the batched proof, finalize) by wall
  clock, and per client CPU second (the client and the key service share this machine's cores);
- key service: evaluations/s over HTTP for pre-blinded batches, per wall second and per CPU second
  of the key-service process (read from /proc), and the in-process evaluation rate without HTTP.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from client.oprf import protocol  # noqa: E402
from client.oprf.messages import encode_bytes  # noqa: E402
from client.schemes.base import MatchKey  # noqa: E402
from client.schemes.oprf import OprfScheme  # noqa: E402
from client.wire import Kind  # noqa: E402
from keyservice import agencies, create_app, db, keys  # noqa: E402

SERVER_LIFETIME_SECONDS = 600


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (gunicorn's worker), from /proc."""
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(child) for child in children.read_text().split()]
    ticks = os.sysconf("SC_CLK_TCK")
    for one in pids:
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _prepare(workdir: Path) -> tuple[dict[str, str], str, bytes]:
    settings = {
        "KEYSERVICE_DATABASE_URL": f"sqlite:///{workdir / 'keyservice.sqlite'}",
        "KEYSERVICE_KEY_DIR": str(workdir / "keys"),
        "KEYSERVICE_RATE_LIMIT_PER_MINUTE": str(10**9),
        "KEYSERVICE_MAX_ELEMENTS": "5000",
    }
    app = create_app(settings)
    with app.app_context(), db.get_engine().begin() as conn:
        key = keys.generate_key(conn, workdir / "keys", epoch=1)
        _, token = agencies.add_agency(conn, "Benchmark", daily_quota=10**9)
    app.extensions["keyservice.engine"].dispose()
    return settings, token, key.public_key


def _start_server(settings: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, **settings, "PYTHONPATH": str(ROOT)}
    command = [
        "timeout",
        str(SERVER_LIFETIME_SECONDS),
        sys.executable,
        "-m",
        "gunicorn",
        "--workers=1",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        "keyservice:create_app()",
    ]
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the key service did not start within 30 s")


def _server_pid(server: subprocess.Popen[bytes]) -> int:
    # `timeout` runs gunicorn as its child; gunicorn's master forks the worker
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return int(children[0])


def _measure_client(url: str, token: str, public_key: bytes, count: int, batch: int) -> None:
    match_keys = [MatchKey(Kind.PHONE, "e164", f"+316{n:08d}") for n in range(count)]
    with OprfScheme(url, api_token=token, public_key=public_key, epoch=1, batch_size=batch) as s:
        s.tokenize(match_keys[:batch])  # warm up connections and the key ring
        wall, cpu = time.perf_counter(), time.process_time()
        s.tokenize(match_keys)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"client end to end: {count / wall:8.0f} identifiers/s (wall, {count} in {wall:.2f} s)")
    print(f"client per core:   {count / cpu:8.0f} identifiers/s per client CPU second")


def _measure_server(url: str, token: str, pid: int, count: int, batch: int) -> None:
    bodies = []
    for start in range(0, count, batch):
        inputs = [f"server-{n}".encode() for n in range(start, min(count, start + batch))]
        _, blinded = protocol.blind(inputs)
        bodies.append(
            {"suite": protocol.SUITE, "epoch": 1, "blinded": [encode_bytes(e) for e in blinded]}
        )
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as http:
        http.post("/api/v1/evaluate", json=bodies[0]).raise_for_status()
        wall, cpu = time.perf_counter(), _cpu_seconds(pid)
        for body in bodies:
            http.post("/api/v1/evaluate", json=body).raise_for_status()
        wall, cpu = time.perf_counter() - wall, _cpu_seconds(pid) - cpu
    print(f"key service HTTP:  {count / wall:8.0f} evaluations/s (wall, one worker)")
    print(f"key service core:  {count / cpu:8.0f} evaluations/s per key-service CPU second")


def _measure_in_process(count: int) -> None:
    secret, public = protocol.derive_key_pair(secrets.token_bytes(32), b"benchmark")
    _, blinded = protocol.blind([f"p-{n}".encode() for n in range(count)])
    started = time.process_time()
    protocol.blind_evaluate(secret, blinded, public_key=public)
    elapsed = time.process_time() - started
    print(f"evaluate + proof:  {count / elapsed:8.0f} evaluations/s per core, without HTTP")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--identifiers", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=2000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kp-oprf-bench-") as folder:
        settings, token, public_key = _prepare(Path(folder))
        port = _free_port()
        server = _start_server(settings, port)
        try:
            url = f"http://127.0.0.1:{port}"
            _measure_client(url, token, public_key, options.identifiers, options.batch_size)
            _measure_server(
                url, token, _server_pid(server), options.identifiers, options.batch_size
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    _measure_in_process(options.batch_size)
    print(f"(os.cpu_count() = {os.cpu_count()}; a shared machine: figures vary from run to run)")


if __name__ == "__main__":
    main()
