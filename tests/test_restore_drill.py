"""The backup and restore procedure of docs/operations.md, run as written.

A federation with an agency's signals is backed up with the documented commands; then the
database, the pepper and the session key are lost. The documented restore brings them back into a
fresh database; `pepper check` and `audit verify` pass; a batch another agency sent after the
backup is resubmitted and matches the restored signals. On PostgreSQL when TEST_DATABASE_URL is
set, else on the embedded SQLite.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func
from sqlmodel import Session, select

from client.cli import main as kruispunt
from client.keys import generate_key, save_key
from matcher import create_app
from matcher.models import Alert
from matcher.services import federation
from tests.conftest import create_postgres_database, drop_postgres_database

OPERATIONS = Path(__file__).resolve().parent.parent / "docs" / "operations.md"
BIN = Path(sys.executable).parent
EXPORTS = {
    "Gemeente Utrecht": "zaak;datum;telefoon\nU-1;2026-03-01;06-12345678\n",
    "Gemeente Amersfoort": "zaak;datum;telefoon\nA-1;2026-04-01;+31 6 1234 5678\n",
}


def drill_block(name: str) -> str:
    """Return the shell block of docs/operations.md marked `restore-drill: <name>`."""
    text = OPERATIONS.read_text(encoding="utf-8")
    found = re.search(rf"<!-- restore-drill: {name} -->\n```sh\n(.*?)```", text, re.DOTALL)
    assert found, f"docs/operations.md has no block 'restore-drill: {name}'"
    return found.group(1)


def run_block(block: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block],
        env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


class Site:
    """One installation: its environment and the matching create_app settings."""

    def __init__(self, environ: dict[str, str]) -> None:
        self.environ = environ

    def settings(self) -> dict[str, Any]:
        names = ("INSTANCE_PATH", "DATABASE_URL", "PEPPER_FILE", "SECRET_KEY_FILE")
        return {
            name: self.environ[f"KRUISPUNT_{name}"]
            for name in names
            if f"KRUISPUNT_{name}" in self.environ
        }


@pytest.fixture
def sites(tmp_path: Path) -> Iterator[tuple[str, Site, Site]]:
    """The live installation and the one restored after the disaster, on fresh databases."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield (
            "sqlite",
            Site({"KRUISPUNT_INSTANCE_PATH": str(tmp_path / "live")}),
            Site({"KRUISPUNT_INSTANCE_PATH": str(tmp_path / "restored")}),
        )
        return
    urls = [create_postgres_database(base), create_postgres_database(base)]
    keys = tmp_path / "etc"
    files = {
        "KRUISPUNT_PEPPER_FILE": str(keys / "pepper.key"),
        "KRUISPUNT_SECRET_KEY_FILE": str(keys / "secret_key"),
    }
    try:
        yield (
            "postgresql",
            Site({"KRUISPUNT_DATABASE_URL": urls[0], **files}),
            Site({"KRUISPUNT_DATABASE_URL": urls[1], **files}),
        )
    finally:
        for url in urls:
            drop_postgres_database(url)


def client(app: Any, token: str, ledger: Path, key_file: Path, *args: str) -> Result:
    env = {
        "KRUISPUNT_API_TOKEN": token,
        "KRUISPUNT_LEDGER": str(ledger),
        "KRUISPUNT_KEY_FILE": str(key_file),
        "KRUISPUNT_MATCHER": "http://127.0.0.1",
    }
    transport = httpx.WSGITransport(app=app) if app is not None else None
    return CliRunner().invoke(kruispunt, list(args), env=env, obj={"transport": transport})


def alerts_between_two_agencies(app: Any) -> int:
    with Session(app.extensions["matcher.engine"]) as session:
        count = session.exec(
            select(func.count()).select_from(Alert).where(Alert.agency_count >= 2)
        ).one()
    return int(count)


@pytest.mark.slow
def test_the_documented_backup_and_restore_bring_back_a_matching_federation(
    sites: tuple[str, Site, Site], tmp_path: Path
) -> None:
    flavour, live, restored = sites
    storage = {"BACKUP": str(tmp_path / "backup"), "OFFLINE": str(tmp_path / "offline")}
    Path(storage["OFFLINE"]).mkdir()
    made = run_block("kruispunt-matcher init && kruispunt-matcher db upgrade", live.environ)
    assert made.returncode == 0, made.stderr

    # a federation: two agencies, a key, and the first agency's signals
    key = generate_key(epoch=1)
    key_file = save_key(key, tmp_path / "federation.key")
    app = create_app(live.settings())
    tokens: dict[str, str] = {}
    with Session(app.extensions["matcher.engine"]) as session:
        federation.add_key_epoch(
            session, scheme="hmac", epoch=1, fingerprint=key.fingerprint, actor="test"
        )
        for name in EXPORTS:
            agency = federation.add_agency(
                session, name=name, kind="municipality", region="Midden-Nederland", actor="test"
            )
            _, tokens[name] = federation.create_api_token(
                session, agency_id=agency.id, actor="test"
            )
        session.commit()
    ledgers = {name: tmp_path / f"ledger-{number}.sqlite3" for number, name in enumerate(EXPORTS)}
    mapping = ["--column", "telefoon=phone", "--case-column", "zaak", "--observed-column", "datum",
               "--category", "inspection"]  # fmt: skip
    first, second = EXPORTS
    for name in EXPORTS:
        (tmp_path / f"{name}.csv").write_text(EXPORTS[name], encoding="utf-8")
    sent = client(app, tokens[first], ledgers[first], key_file,
                  "submit", str(tmp_path / f"{first}.csv"), *mapping, "--no-progress")  # fmt: skip
    assert sent.exit_code == 0, sent.output

    backed_up = run_block(drill_block(f"backup {flavour}"), {**live.environ, **storage})
    assert backed_up.returncode == 0, backed_up.stderr

    # after the backup the second agency sends a batch: it matches, then the disaster strikes
    batch_file = tmp_path / "amersfoort.jsonl"
    prepared = client(None, tokens[second], ledgers[second], key_file,
                      "prepare", str(tmp_path / f"{second}.csv"), *mapping,
                      "--out", str(batch_file))  # fmt: skip
    assert prepared.exit_code == 0, prepared.output
    assert client(app, tokens[second], ledgers[second], key_file,
                  "submit", str(batch_file)).exit_code == 0  # fmt: skip
    matched = alerts_between_two_agencies(app)
    assert matched > 0
    app.extensions["matcher.engine"].dispose()
    if flavour == "sqlite":
        shutil.rmtree(live.environ["KRUISPUNT_INSTANCE_PATH"])
    else:
        for name in ("KRUISPUNT_PEPPER_FILE", "KRUISPUNT_SECRET_KEY_FILE"):
            os.remove(live.environ[name])

    brought_back = run_block(drill_block(f"restore {flavour}"), {**restored.environ, **storage})

    assert brought_back.returncode == 0, brought_back.stdout + brought_back.stderr
    assert "is this database's" in brought_back.stdout
    assert "Audit chain intact" in brought_back.stdout
    app = create_app(restored.settings())
    try:
        assert alerts_between_two_agencies(app) == 0  # the backup predates the second batch
        again = client(app, tokens[second], ledgers[second], key_file, "submit", str(batch_file))
        assert again.exit_code == 0, again.output
        assert alerts_between_two_agencies(app) == matched
        export = str(tmp_path / f"{first}.csv")
        resent = client(app, tokens[first], ledgers[first], key_file,
                        "submit", export, *mapping, "--no-progress")  # fmt: skip
        assert resent.exit_code == 0, resent.output
        assert alerts_between_two_agencies(app) == matched
    finally:
        app.extensions["matcher.engine"].dispose()
