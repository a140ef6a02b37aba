"""The key service's own small database (SQLAlchemy Core): agencies, key epochs, evaluation log.

It holds no secret key (those are files, see ``keys``) and no element: the evaluation log keeps
who asked for how many evaluations when. The log is append-only, enforced by triggers on SQLite
and PostgreSQL so that not even a bug in this code can rewrite it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, current_app
from sqlalchemy import (
    DDL,
    BigInteger,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
)
from sqlalchemy.exc import DBAPIError

_ENGINE = "keyservice.engine"

metadata = MetaData()

agency = Table(
    "agency",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("daily_quota", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

key_epoch = Table(
    "key_epoch",
    metadata,
    Column("epoch", Integer, primary_key=True, autoincrement=False),
    Column("suite", String(40), nullable=False),
    Column("public_key", String(43), nullable=False),
    Column("fingerprint", String(32), nullable=False, unique=True),
    Column("status", String(10), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("retired_at", DateTime(timezone=True)),
)

evaluation_log = Table(
    "evaluation_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("day", String(10), nullable=False, index=True),  # UTC date, for per-day counts
    Column("agency_id", Integer, ForeignKey("agency.id"), nullable=False, index=True),
    Column("epoch", Integer, nullable=False),
    Column("count", Integer, nullable=False),
)

_SQLITE_APPEND_ONLY = """
CREATE TRIGGER IF NOT EXISTS evaluation_log_no_{action} BEFORE {action} ON evaluation_log
BEGIN SELECT RAISE(ABORT, 'the evaluation log is append-only'); END
"""
_POSTGRES_APPEND_ONLY = (
    """
CREATE OR REPLACE FUNCTION evaluation_log_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the evaluation log is append-only'; END $$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER evaluation_log_append_only BEFORE UPDATE OR DELETE ON evaluation_log
FOR EACH STATEMENT EXECUTE FUNCTION evaluation_log_append_only()
""",
)


def _append_only_ddl(statement: str, dialect: str) -> Any:
    return DDL(statement).execute_if(dialect=dialect)  # type: ignore[no-untyped-call]


for _action in ("UPDATE", "DELETE"):
    _statement = _SQLITE_APPEND_ONLY.format(action=_action)
    event.listen(evaluation_log, "after_create", _append_only_ddl(_statement, "sqlite"))
for _statement in _POSTGRES_APPEND_ONLY:
    event.listen(evaluation_log, "after_create", _append_only_ddl(_statement, "postgresql"))


def utcnow() -> dt.datetime:
    """Return the current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """Return a stored time as aware UTC (SQLite gives naive times back)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and enforced foreign keys."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def get_engine() -> Engine:
    """Return the current app's engine."""
    engine: Engine = current_app.extensions[_ENGINE]
    return engine


def create_schema(engine: Engine) -> None:
    """Create the three tables if they are missing (idempotent)."""
    try:
        metadata.create_all(engine)
    except DBAPIError:
        # another worker process created the schema between the check and the CREATE
        metadata.create_all(engine)


def init_app(app: Flask) -> None:
    """Create the engine and the schema (idempotent) when the app is built."""
    engine = make_engine(app.config["KEYSERVICE_DATABASE_URL"])
    create_schema(engine)
    app.extensions[_ENGINE] = engine
