"""The token table's layout: hash partitions on PostgreSQL, made by the schema and by the migration.

The suite's PostgreSQL run creates its schema from the models, so every PostgreSQL test runs on
the partitioned layout; here the migration is checked to bring an existing database there in
place, with its tokens and alerts, after which ingest and detection stay exact.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from datapath_support import assert_consistent, batch, phone, raw_token, signal
from flask import Flask
from sqlalchemy import Engine, create_engine, event, select, text
from sqlmodel import Session

from matcher import partitions
from matcher.models import SignalToken
from matcher.pepper import Pepper
from matcher.services import detection, federation, ingest
from matcher.services.bulk import among_partitioned
from matcher.services.tables import SIGNAL_TOKENS

BEFORE = "20261201_1400_ingest_queue"
MOMENT = "2026-03-01 12:00:00+00:00"


def _partitions(connection: object, parent: str) -> list[str]:
    rows = connection.execute(  # type: ignore[attr-defined]
        text(
            "SELECT child.relname FROM pg_inherits JOIN pg_class parent ON parent.oid = inhparent"
            " JOIN pg_class child ON child.oid = inhrelid WHERE parent.relname = :parent"
            " ORDER BY child.relname"
        ),
        {"parent": parent},
    )
    return list(rows.scalars())


def test_the_test_schema_partitions_signal_token_on_postgresql(db_engine: Engine) -> None:
    if db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps one table")
    with db_engine.connect() as connection:
        strategy = connection.execute(
            text(
                "SELECT partstrat FROM pg_partitioned_table"
                " JOIN pg_class ON pg_class.oid = partrelid WHERE relname = 'signal_token'"
            )
        ).scalar_one()
        found = _partitions(connection, "signal_token")
    assert strategy == "h"
    assert found == partitions.partition_names("signal_token")


def _insert_before(engine: Engine, pepper: Pepper, shared: bytes, alone: bytes) -> None:
    """Rows as the previous schema held them: two agencies share a token, with its alert."""
    stored = {
        raw: pepper.apply(scheme="hmac", epoch=1, kind="phone", level="e164", token=raw)
        for raw in (shared, alone)
    }
    with engine.begin() as connection:
        for number in (1, 2):
            connection.execute(
                text(
                    "INSERT INTO agency (id, name, kind, region, created_at)"
                    " VALUES (:id, :name, 'police', :region, :at)"
                ),
                {"id": number, "name": f"Agency {number}", "region": f"R{number}", "at": MOMENT},
            )
        signals = [(1, 1, [shared, alone]), (2, 2, [shared])]
        for signal_id, agency_id, raws in signals:
            connection.execute(
                text(
                    "INSERT INTO signal (id, agency_id, ref, batch_id, category, observed_on,"
                    " retain_until, created_at) VALUES (:id, :agency, :ref, :batch, 'tip',"
                    " '2026-03-01', '2027-03-01', :at)"
                ),
                {
                    "id": signal_id,
                    "agency": agency_id,
                    "ref": f"ref{signal_id}",
                    "batch": f"batch{signal_id}",
                    "at": MOMENT,
                },
            )
            for raw in raws:
                connection.execute(
                    text(
                        "INSERT INTO signal_token (token, signal_id, agency_id, kind, level)"
                        " VALUES (:token, :signal, :agency, 'phone', 'e164')"
                    ),
                    {"token": stored[raw], "signal": signal_id, "agency": agency_id},
                )
        for raw, shared_flag in ((shared, True), (alone, False)):
            connection.execute(
                text(
                    "INSERT INTO token_entry (token, kind, level, first_seen, agency_id, shared)"
                    " VALUES (:token, 'phone', 'e164', :at, 1, :shared)"
                ),
                {"token": stored[raw], "at": MOMENT, "shared": shared_flag},
            )
        connection.execute(
            text(
                "INSERT INTO alert (id, token, kind, level, status, agency_count, region_count,"
                " signal_count, first_seen, last_seen, created_at, updated_at, possible_victim,"
                " strength) VALUES (1, :token, 'phone', 'e164', 'triage', 2, 2, 2, :at, :at, :at,"
                " :at, false, 'strong')"
            ),
            {"token": stored[shared], "at": MOMENT},
        )
        for agency_id in (1, 2):
            connection.execute(
                text(
                    "INSERT INTO alert_agency (alert_id, agency_id, signal_count, first_seen,"
                    " last_seen) VALUES (1, :agency, 1, :at, :at)"
                ),
                {"agency": agency_id, "at": MOMENT},
            )
        if connection.dialect.name == "postgresql":  # explicit ids leave the sequences behind
            for table in ("agency", "signal", "alert"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                        f" (SELECT max(id) FROM {table}))"
                    )
                )
        connection.execute(
            text(
                "INSERT INTO detection_job (batch_id, agency_id, enqueued_at)"
                " VALUES ('batch2', 2, :at)"
            ),
            {"at": MOMENT},
        )


def test_the_migration_upgrades_a_database_in_place_and_detection_stays_exact(
    migration_app: Flask, fresh_database_url: str, tmp_path: Path
) -> None:
    pepper_file = tmp_path / "pepper.key"
    Pepper.create_file(str(pepper_file))
    pepper = Pepper.load(path=str(pepper_file), environ={})
    app = migration_app
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", BEFORE]).exit_code == 0
    engine = create_engine(fresh_database_url)
    shared, alone = raw_token(), raw_token()
    try:
        _insert_before(engine, pepper, shared, alone)
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with engine.connect() as connection:
            tables = set(
                connection.execute(
                    text(
                        "SELECT name FROM sqlite_master WHERE type = 'table'"
                        if connection.dialect.name == "sqlite"
                        else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    )
                ).scalars()
            )
            assert "token_entry" not in tables and "detection_lease" in tables
            assert connection.execute(text("SELECT count(*) FROM signal_token")).scalar_one() == 3
            if connection.dialect.name == "postgresql":
                assert _partitions(connection, "signal_token") == partitions.partition_names(
                    "signal_token"
                )
        with Session(engine) as session:
            federation.add_key_epoch(
                session, scheme="hmac", epoch=1, fingerprint="f" * 32, actor="test"
            )
            third = federation.add_agency(
                session, name="Agency 3", kind="municipality", region="R3", actor="test"
            )
            session.commit()
            assert third.id is not None
            sent = batch(signal(phone(shared)), signal(phone(alone)), fingerprint="f" * 32)
            ingest.submit_batch(session, agency_id=third.id, batch=sent, pepper=pepper)
            session.commit()
            done = detection.drain(session)
            assert len(done) == 2  # the job queued before the upgrade, and the new batch's
            alerts = session.execute(
                text("SELECT id, agency_count, signal_count, status FROM alert ORDER BY id")
            ).all()
        # the alert made before the upgrade kept its id and status and counts the third agency
        kept, *made = (tuple(row) for row in alerts)
        assert kept == (1, 3, 3, "triage")
        assert [row[1:3] for row in made] == [(2, 2)]
        assert_consistent(engine)
    finally:
        engine.dispose()
        app.extensions["matcher.engine"].dispose()


def test_tokens_are_looked_up_in_their_own_partitions(
    db_session: Session, make_agency: Any, make_signal: Any
) -> None:
    """among_partitioned finds exactly the tokens asked for, wherever their partition."""
    agency = make_agency()
    held = [secrets.token_bytes(32) for _ in range(40)]  # spread over the 16 partitions
    for token in held:
        db_session.add(
            SignalToken(
                token=token,
                signal_id=make_signal(agency).id,
                agency_id=agency.id,
                kind="phone",
                level="e164",
            )
        )
    db_session.commit()
    asked = [*held[::3], secrets.token_bytes(32), held[0]]  # one unknown, one asked twice
    statement = select(SIGNAL_TOKENS.c.token).where(
        among_partitioned(db_session, SIGNAL_TOKENS.c.token, asked)
    )

    assert set(db_session.execute(statement).scalars()) == set(held[::3])


def _joins(plan: dict[str, Any]) -> list[set[str]]:
    """Return, per join node of a JSON plan, the relations scanned beneath it."""

    def scanned(node: dict[str, Any]) -> set[str]:
        found = {node["Relation Name"]} if "Relation Name" in node else set()
        for child in node.get("Plans", []):
            found |= scanned(child)
        return found

    joins: list[set[str]] = []

    def walk(node: dict[str, Any]) -> None:
        if node["Node Type"] in ("Nested Loop", "Hash Join", "Merge Join"):
            joins.append(scanned(node))
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    return joins


def test_detection_joins_a_batch_with_the_store_partition_by_partition(world: Any) -> None:
    """The overlap query joins signal_token with itself on token. Joined whole, PostgreSQL
    hashes every stored token for each batch (a cost growing with the store); joined partition
    by partition (``enable_partitionwise_join``, set by the engine), each of the batch's tokens
    is probed in its own partition only."""
    if world.engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps one table")
    first, second = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    shared = [raw_token() for _ in range(40)]
    world.submit(first, batch(*(signal(phone(raw)) for raw in shared)))
    world.submit(second, batch(*(signal(phone(raw)) for raw in shared[:20])), detect=False)
    captured: list[tuple[str, Any]] = []
    with Session(world.engine) as session:
        connection = session.connection()

        def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            if "mine.signal_id" in statement:
                captured.append((statement, parameters))

        event.listen(connection, "before_cursor_execute", keep)
        pairs = detection.shared_tokens(session, detection.claim(session))
        assert len(pairs) == 20
        [(statement, parameters)] = captured
        cursor = connection.connection.driver_connection.cursor()
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
        [[document]] = cursor.fetchall()
        session.rollback()
    joins = _joins(document[0]["Plan"])
    assert joins, "the overlap query joins signal_token with itself"
    assert all(len(relations) == 1 for relations in joins), joins
