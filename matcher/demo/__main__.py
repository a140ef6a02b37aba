"""Run the demonstration: a matcher, a federation of agencies, their clients submitting, alerts.

    python -m matcher.demo [--scheme hmac|oprf] [--dir demo-data] [--port 8000] [--no-serve]

Everything runs as it would in production, on this machine: the matcher under gunicorn on its
embedded SQLite database, each agency's export pseudonymized by the real ``kruispunt`` CLI and sent
over HTTP, and (with ``--scheme oprf``) a key service in its own process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
from flask import Flask

from client.keys import generate_key, save_key
from matcher import create_app
from matcher.demo.exports import AGENCIES, DemoAgency, write_export
from matcher.demo.federation import DEMO_PASSWORD, Credentials, create_federation, disclose

BIN = Path(sys.executable).parent


def _free_port(preferred: int) -> int:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", preferred)) != 0:
            return preferred
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(url: str, process: subprocess.Popen[bytes], *, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server at {url} stopped while starting; see its log")
        with suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"the server at {url} did not start within {seconds:.0f} s")


@contextmanager
def _server(
    command: list[str], *, env: Mapping[str, str], log: Path, health: str
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as log_handle:
        process = subprocess.Popen(  # noqa: S603  (our own entry points)
            command, env=dict(env), stdout=log_handle, stderr=log_handle
        )
    try:
        _wait_until_up(health, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _run(command: list[str], *, env: Mapping[str, str]) -> str:
    result = subprocess.run(  # noqa: S603  (our own entry points)
        command, env=dict(env), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"{Path(command[0]).name} {command[1]} failed ({result.returncode})")
    return result.stdout


def _client_arguments(agency: DemoAgency, export: Path) -> list[str]:
    arguments = [str(export), "--case-column", agency.case_column, "--category", agency.category]
    arguments += ["--observed-column", agency.date_column, "--no-progress", "--workers", "1"]
    for column, kind in agency.columns.items():
        arguments += ["--column", f"{column}={kind}"]
    if "dob" in agency.extra:
        arguments += ["--dob-column", agency.extra["dob"]]
    if "phone_region" in agency.extra:
        arguments += ["--phone-region-column", agency.extra["phone_region"]]
    return arguments


def _setup_keyservice(directory: Path, env: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Create the key service's key and agency tokens; return the fingerprint and tokens."""
    env["KEYSERVICE_DATABASE_URL"] = f"sqlite:///{directory / 'keyservice.sqlite3'}"
    env["KEYSERVICE_KEY_DIR"] = str(directory / "keyservice-keys")
    keyservice = str(BIN / "kruispunt-keyservice")
    _run([keyservice, "key", "generate", "--epoch", "1"], env=env)
    tokens = {}
    for agency in AGENCIES:
        added = _run([keyservice, "agency", "add", agency.name, "--daily-quota", "5000"], env=env)
        tokens[agency.name] = added.strip().splitlines()[-1].strip()
    public = _run([keyservice, "key", "publish", "--epoch", "1"], env=env)
    (directory / "keyservice-public-key.json").write_text(public)
    return str(json.loads(public)["fingerprint"]), tokens


def _submit_all(
    directory: Path,
    credentials: Credentials,
    *,
    matcher_url: str,
    env: dict[str, str],
    oprf_tokens: dict[str, str],
) -> None:
    for agency in AGENCIES:
        workspace = directory / agency.export_name.split(".")[0]
        workspace.mkdir()
        export = write_export(agency, workspace)
        agency_env = env | {
            "KRUISPUNT_API_TOKEN": credentials.agency_tokens[agency.name],
            "KRUISPUNT_LEDGER": str(workspace / "ledger.sqlite3"),
        }
        if oprf_tokens:
            agency_env["KRUISPUNT_KEYSERVICE_TOKEN"] = oprf_tokens[agency.name]
        output = _run(
            [
                str(BIN / "kruispunt"),
                "submit",
                *_client_arguments(agency, export),
                "--matcher",
                matcher_url,
            ],
            env=agency_env,
        )
        print(f"\n── {agency.name} ({agency.region}) submits {export.name}")
        print("   " + output.strip().replace("\n", "\n   "))


def _show_alerts(matcher_url: str, credentials: Credentials) -> list[dict[str, object]]:
    headers = {"Authorization": f"Bearer {credentials.coordinator_token}"}
    url = f"{matcher_url}/api/v1/coordinator/alerts"
    listing = httpx.get(url, params={"strength": "strong,medium"}, headers=headers, timeout=30)
    listing.raise_for_status()
    alerts: list[dict[str, object]] = listing.json()["alerts"]
    weak = httpx.get(url, params={"strength": "weak"}, headers=headers, timeout=30).json()
    print(
        f"\n══ {len(alerts)} strong and medium alerts across agencies, as the coordinator's list"
        f" shows them ({weak['total']} weak ones one filter away) ══"
    )
    for alert in alerts:
        detail = httpx.get(f"{url}/{alert['id']}", headers=headers, timeout=30).json()
        print(f"  #{alert['id']:<3} {alert['strength']:<6} {detail['explanation']}")
        for item in detail["evidence"]:
            agencies = ", ".join(item["agencies"])
            print(f"       {item['match']:<5} {item['kind']}/{item['level']}: {agencies}")
    return alerts


def _release_one(
    app: Flask,
    matcher_url: str,
    credentials: Credentials,
    alerts: list[dict[str, object]],
    env: dict[str, str],
) -> None:
    """Release one alert through the approvals and show it as an involved agency sees it."""
    if not alerts:
        return
    chosen = max(alerts, key=lambda alert: (alert["agency_count"], -int(str(alert["id"]))))
    alert_id = int(str(chosen["id"]))
    print(f"\n══ Alert #{alert_id} goes through disclosure: every data owner approves ══")
    for line in disclose(app, alert_id):
        print(f"   {line}")
    print(f"\n══ Alert #{alert_id} is released; each involved agency now sees it ══")
    directory = Path(env["KRUISPUNT_DEMO_DIR"])
    for agency in AGENCIES:
        workspace = directory / agency.export_name.split(".")[0]
        agency_env = env | {
            "KRUISPUNT_API_TOKEN": credentials.agency_tokens[agency.name],
            "KRUISPUNT_LEDGER": str(workspace / "ledger.sqlite3"),
        }
        output = _run(
            [str(BIN / "kruispunt"), "alerts", "--matcher", matcher_url, "--json"], env=agency_env
        )
        if json.loads(output)["alerts"]:
            print(f"\n── kruispunt alerts, at {agency.name}:")
            _run_plain = _run(
                [str(BIN / "kruispunt"), "alerts", "--matcher", matcher_url], env=agency_env
            )
            print("   " + _run_plain.strip().replace("\n", "\n   "))


def main(argv: list[str] | None = None) -> None:
    """Run the demonstration end to end and, unless told not to, serve the dashboard."""
    parser = argparse.ArgumentParser(
        prog="python -m matcher.demo", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--scheme", choices=("hmac", "oprf"), default="hmac")
    parser.add_argument("--dir", type=Path, default=Path("demo-data"))
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-serve", action="store_true", help="stop after showing the alerts")
    parser.add_argument("--record-requests", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)

    directory: Path = options.dir.resolve()
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    # a Flask CLI run earlier in this process (tests) leaves FLASK_RUN_FROM_CLI set, which would
    # make the key service's `serve` ignore its own app.run()
    env = {name: value for name, value in os.environ.items() if name != "FLASK_RUN_FROM_CLI"} | {
        "KRUISPUNT_INSTANCE_PATH": str(directory / "matcher"),
        "KRUISPUNT_DEMO_DIR": str(directory),
    }
    os.environ.update(env)
    _run([str(BIN / "kruispunt-matcher"), "init"], env=env)
    _run([str(BIN / "kruispunt-matcher"), "db", "upgrade"], env=env)
    print(f"Demonstration federation in {directory} (scheme: {options.scheme})")

    oprf_tokens: dict[str, str] = {}
    keyservice_url = ""
    if options.scheme == "oprf":
        fingerprint, oprf_tokens = _setup_keyservice(directory, env)
        keyservice_url = f"http://127.0.0.1:{_free_port(options.port + 100)}"
        env |= {
            "KRUISPUNT_SCHEME": "oprf",
            "KRUISPUNT_KEYSERVICE": keyservice_url,
            "KRUISPUNT_KEYSERVICE_PUBLIC_KEY": str(directory / "keyservice-public-key.json"),
        }
        epoch = 1
    else:
        key = generate_key(epoch=1)
        env["KRUISPUNT_KEY_FILE"] = str(save_key(key, directory / "federation.key"))
        fingerprint, epoch = key.fingerprint, key.epoch
    app = create_app()
    credentials = create_federation(
        app, scheme=options.scheme, epoch=epoch, fingerprint=fingerprint
    )

    port = _free_port(options.port)
    matcher_url = f"http://127.0.0.1:{port}"
    app_spec = "matcher:create_app()"
    if options.record_requests:
        env["KRUISPUNT_RECORD_FILE"] = str(directory / "requests.log")
        app_spec = "matcher.demo.recording:recording_app()"
    gunicorn = [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", app_spec]
    with (
        _maybe_keyservice(keyservice_url, directory, env),
        _server(
            gunicorn, env=env, log=directory / "matcher.log", health=f"{matcher_url}/api/v1/health"
        ),
    ):
        _submit_all(
            directory, credentials, matcher_url=matcher_url, env=env, oprf_tokens=oprf_tokens
        )
        # overlaps are found after the receipts: finish what the servers' threads have queued
        _run([str(BIN / "kruispunt-matcher"), "worker", "--once"], env=env)
        alerts = _show_alerts(matcher_url, credentials)
        _release_one(app, matcher_url, credentials, alerts, env)
        if options.no_serve:
            return
        print(f"\nDashboard: {matcher_url}/  (Ctrl-C stops the demonstration)")
        print(f"Sign in with password {DEMO_PASSWORD!r} as:")
        for username, role, scope in credentials.users:
            print(f"  {username:<22} {role:<12} {scope}")
        with suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


@contextmanager
def _maybe_keyservice(url: str, directory: Path, env: dict[str, str]) -> Iterator[None]:
    if not url:
        yield
        return
    port = url.rsplit(":", 1)[1]
    command = [str(BIN / "kruispunt-keyservice"), "serve", "--port", port]
    with _server(command, env=env, log=directory / "keyservice.log", health=f"{url}/api/v1/health"):
        yield


if __name__ == "__main__":
    main()
