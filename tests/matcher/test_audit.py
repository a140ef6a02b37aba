"""The audit log is hash-chained: verify() catches any edit, insertion or removal."""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from matcher import audit
from matcher.models import AuditEntry

WORKERS = 4
APPENDS_PER_WORKER = 15


def bypass_triggers(session: Session) -> None:
    """Act as a database owner would: past the append-only triggers (PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL session_replication_role = replica"))


@pytest.fixture
def chain(db_session: Session) -> Iterator[list[AuditEntry]]:
    """Five committed entries."""
    entries = [
        audit.record(
            db_session,
            actor=f"user:{number}",
            action="alert.view",
            subject=f"alert:{number}",
            details={"page": number, "alert_ids": [number, number + 1], "ok": True},
        )
        for number in range(1, 6)
    ]
    db_session.commit()
    yield entries


def test_an_untouched_chain_verifies(chain: list[AuditEntry], db_session: Session) -> None:
    result = audit.verify(db_session)

    assert result.ok
    assert result.entries == len(chain)
    assert result.first_bad_id is None


def test_each_entry_names_the_hash_before_it(chain: list[AuditEntry]) -> None:
    assert chain[0].prev_hash == audit.GENESIS
    for before, after in itertools.pairwise(chain):
        assert after.prev_hash == before.hash


def test_an_empty_log_verifies(db_session: Session) -> None:
    result = audit.verify(db_session)

    assert result.ok
    assert result.entries == 0


@pytest.mark.parametrize(
    "column, value",
    [("actor", "'user:999'"), ("action", "'alert.release'"), ("subject", "'alert:999'")],
)
def test_a_changed_field_is_caught(
    chain: list[AuditEntry], db_session: Session, column: str, value: str
) -> None:
    target = chain[2].id
    bypass_triggers(db_session)
    db_session.execute(text(f"UPDATE audit_entry SET {column} = {value} WHERE id = {target}"))
    db_session.commit()

    result = audit.verify(db_session)

    assert not result.ok
    assert result.first_bad_id == target
    assert "changed" in result.reason


def test_changed_details_are_caught(chain: list[AuditEntry], db_session: Session) -> None:
    row = db_session.get(AuditEntry, chain[1].id)
    assert row is not None
    row.details = {**row.details, "page": 42}
    bypass_triggers(db_session)
    db_session.add(row)
    db_session.commit()

    result = audit.verify(db_session)

    assert not result.ok
    assert result.first_bad_id == chain[1].id


def test_a_removed_middle_entry_is_caught(chain: list[AuditEntry], db_session: Session) -> None:
    bypass_triggers(db_session)
    db_session.execute(text(f"DELETE FROM audit_entry WHERE id = {chain[2].id}"))
    db_session.commit()

    result = audit.verify(db_session)

    assert not result.ok
    assert result.first_bad_id == chain[3].id
    assert "removed" in result.reason


def test_a_removed_last_entry_is_caught(chain: list[AuditEntry], db_session: Session) -> None:
    bypass_triggers(db_session)
    db_session.execute(text(f"DELETE FROM audit_entry WHERE id = {chain[-1].id}"))
    db_session.commit()

    result = audit.verify(db_session)

    assert not result.ok
    assert result.first_bad_id == chain[-1].id
    assert "removed" in result.reason


def test_an_inserted_entry_is_caught(chain: list[AuditEntry], db_session: Session) -> None:
    forged = AuditEntry(
        at=chain[-1].at,
        actor="user:1",
        action="alert.view",
        subject="alert:1",
        details={},
        prev_hash=chain[-1].hash,
        hash="f" * 64,
    )
    db_session.add(forged)
    db_session.commit()

    result = audit.verify(db_session)

    assert not result.ok
    assert result.first_bad_id == forged.id


def test_a_rolled_back_entry_leaves_the_chain_intact(
    chain: list[AuditEntry], db_session: Session
) -> None:
    audit.record(db_session, actor="user:1", action="alert.view")
    db_session.rollback()
    audit.record(db_session, actor="user:1", action="alert.list")
    db_session.commit()

    result = audit.verify(db_session)

    assert result.ok
    assert result.entries == len(chain) + 1


@pytest.mark.parametrize("value", [b"\x00" * 32, 1.5, {"nested": "object"}])
def test_details_accept_only_text_numbers_and_flags(db_session: Session, value: object) -> None:
    with pytest.raises(TypeError):
        audit.record(db_session, actor="user:1", action="alert.view", details={"value": value})


def _append_many(database_url: str, worker: int, barrier: Any) -> None:
    from matcher.db import make_engine

    engine = make_engine(database_url)
    barrier.wait(timeout=60)
    for number in range(APPENDS_PER_WORKER):
        with Session(engine) as session:
            audit.record(
                session, actor=f"worker:{worker}", action="test.append", details={"n": number}
            )
            session.commit()
    engine.dispose()


def test_concurrent_processes_keep_one_chain(
    clean_db: Engine, database_url: str, db_session: Session
) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WORKERS)
    processes = [
        context.Process(target=_append_many, args=(database_url, worker, barrier))
        for worker in range(WORKERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert all(process.exitcode == 0 for process in processes)

    result = audit.verify(db_session)
    hashes = db_session.exec(select(AuditEntry.prev_hash).order_by(col(AuditEntry.id))).all()

    assert result.ok, result.reason
    assert result.entries == WORKERS * APPENDS_PER_WORKER
    assert len(set(hashes)) == len(hashes)  # no two entries follow the same one: no fork
