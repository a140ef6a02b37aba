"""Signed checkpoints catch what the chain alone cannot: a cut-off tail, an emptied log, a rehash.

Each test tampers the way someone with write access to the database would (past the append-only
triggers on PostgreSQL), then runs `audit verify` as an operator does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from matcher import audit
from matcher.models import AuditEntry, AuditHead

ENTRIES = 6


def bypass_triggers(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL session_replication_role = replica"))


@pytest.fixture
def logged(db_session: Session) -> list[AuditEntry]:
    entries = [
        audit.record(db_session, actor=f"user:{n}", action="alert.view", subject=f"alert:{n}")
        for n in range(1, ENTRIES + 1)
    ]
    db_session.commit()
    return entries


def verify(runner: FlaskCliRunner) -> Any:
    return runner.invoke(args=["audit", "verify"])


def checkpoint(runner: FlaskCliRunner) -> Any:
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    return result


def rows(session: Session) -> list[AuditEntry]:
    session.expire_all()
    return list(session.exec(select(AuditEntry).order_by(col(AuditEntry.id))))


def delete_tail(session: Session, count: int, *, rewind_head: bool) -> None:
    """Delete the newest entries; optionally make the head name the new last one."""
    chain = rows(session)
    bypass_triggers(session)
    for entry in chain[-count:]:
        session.execute(text(f"DELETE FROM audit_entry WHERE id = {entry.id}"))
    if rewind_head:
        last = chain[-count - 1]
        session.execute(
            text("UPDATE audit_head SET last_id = :id, last_hash = :hash, entries = :n"),
            {"id": last.id, "hash": last.hash, "n": len(chain) - count},
        )
    session.commit()


def rewrite_and_rehash(session: Session, position: int) -> None:
    """Change one entry's actor and recompute every later hash and the head, consistently."""
    chain = rows(session)
    bypass_triggers(session)
    prev = chain[position - 1].prev_hash
    for index in range(position - 1, len(chain)):
        entry = chain[index]
        actor = "user:forged" if index == position - 1 else entry.actor
        digest = audit.entry_hash(
            prev,
            at=entry.at,
            actor=actor,
            action=entry.action,
            subject=entry.subject,
            details=entry.details,
        )
        session.execute(
            text("UPDATE audit_entry SET actor = :a, prev_hash = :p, hash = :h WHERE id = :id"),
            {"a": actor, "p": prev, "h": digest, "id": entry.id},
        )
        prev = digest
    session.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": prev})
    session.commit()


def test_a_changed_row_is_caught(
    logged: list[AuditEntry], runner: FlaskCliRunner, db_session: Session
) -> None:
    checkpoint(runner)
    bypass_triggers(db_session)
    db_session.execute(text(f"UPDATE audit_entry SET actor = 'x' WHERE id = {logged[2].id}"))
    db_session.commit()

    result = verify(runner)

    assert result.exit_code == 1
    assert f"entry {logged[2].id}" in result.output


def test_a_deleted_last_row_is_caught(
    logged: list[AuditEntry], runner: FlaskCliRunner, db_session: Session
) -> None:
    checkpoint(runner)
    delete_tail(db_session, 1, rewind_head=False)

    assert verify(runner).exit_code == 1


def test_deleted_last_rows_with_a_rewound_head_are_caught(
    logged: list[AuditEntry], runner: FlaskCliRunner, db_session: Session
) -> None:
    checkpoint(runner)
    delete_tail(db_session, 3, rewind_head=True)

    assert audit.verify(db_session).ok  # consistent in itself: only the checkpoint can tell
    result = verify(runner)

    assert result.exit_code == 1
    assert "signed checkpoint" in result.output
    assert "removed" in result.output


def test_an_emptied_log_is_caught(
    logged: list[AuditEntry], runner: FlaskCliRunner, db_session: Session
) -> None:
    checkpoint(runner)
    bypass_triggers(db_session)
    db_session.execute(text("DELETE FROM audit_entry"))
    db_session.execute(text("DELETE FROM audit_head"))
    db_session.commit()

    assert audit.verify(db_session).ok  # "0 entries, intact" without the checkpoint
    result = verify(runner)

    assert result.exit_code == 1
    assert f"recorded {ENTRIES} entries" in result.output


def test_a_rewritten_row_with_every_later_hash_recomputed_is_caught(
    logged: list[AuditEntry], runner: FlaskCliRunner, db_session: Session
) -> None:
    checkpoint(runner)
    rewrite_and_rehash(db_session, 2)

    assert audit.verify(db_session).ok
    result = verify(runner)

    assert result.exit_code == 1
    assert "rewritten" in result.output


def test_an_intact_log_verifies_against_its_checkpoints(
    logged: list[AuditEntry], runner: FlaskCliRunner, db_session: Session
) -> None:
    checkpoint(runner)
    audit.record(db_session, actor="user:1", action="alert.list")
    db_session.commit()
    checkpoint(runner)

    result = verify(runner)

    assert result.exit_code == 0, result.output
    assert "2 signed checkpoint(s)" in result.output


def test_a_forged_checkpoint_line_is_refused(
    logged: list[AuditEntry], runner: FlaskCliRunner, app: Flask
) -> None:
    checkpoint(runner)
    path = Path(app.config["AUDIT_CHECKPOINT_FILE"])
    line = path.read_text().replace('"entries":6', '"entries":2')
    path.write_text(line)

    result = verify(runner)

    assert result.exit_code == 1
    assert "line 1 has a bad signature" in result.output


def test_a_broken_chain_is_never_signed(
    logged: list[AuditEntry], runner: FlaskCliRunner, db_session: Session, app: Flask
) -> None:
    delete_tail(db_session, 1, rewind_head=False)

    result = runner.invoke(args=["audit", "checkpoint"])

    assert result.exit_code == 1
    assert not Path(app.config["AUDIT_CHECKPOINT_FILE"]).exists()


def test_the_key_and_the_checkpoints_stay_out_of_the_database(
    logged: list[AuditEntry], runner: FlaskCliRunner, app: Flask, db_session: Session
) -> None:
    checkpoint(runner)
    key = Path(app.config["AUDIT_CHECKPOINT_KEY_FILE"])

    assert key.stat().st_mode & 0o777 == 0o600
    assert db_session.exec(select(AuditHead)).one().entries == ENTRIES


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entry SET actor = 'x'",
        "DELETE FROM audit_entry",
        "TRUNCATE audit_entry",
    ],
)
def test_postgresql_refuses_to_change_the_log(
    logged: list[AuditEntry], db_session: Session, statement: str
) -> None:
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("the append-only triggers are PostgreSQL's")
    with pytest.raises(DBAPIError, match="append-only"):
        db_session.execute(text(statement))
    db_session.rollback()

    assert len(rows(db_session)) == ENTRIES
