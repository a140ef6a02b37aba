"""Database engine and sessions: SQLite (WAL) by default, PostgreSQL through DATABASE_URL.

Views get a session with :func:`session`; services take a ``Session`` and plain values.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session, SQLModel

from matcher import (
    models,  # noqa: F401  (registers the tables on SQLModel.metadata)
    pepper_record,  # noqa: F401  (registers its table)
)
from matcher.notifications import records  # noqa: F401  (registers the notifications' tables)


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # let SQLAlchemy's "begin" event issue BEGIN, not pysqlite's implicit transactions
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # a receipt promises the batch is stored: FULL syncs the WAL at every commit, so a power
    # loss cannot take back a committed batch (NORMAL only survives a crash of the process)
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # token indexes are random-keyed: a 64 MiB page cache (default 2 MiB) keeps ingest flat
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _tune_postgres(dbapi_connection: Any, _record: Any) -> None:
    # signal_token is hash-partitioned by token, and detection joins it with itself on token
    # (a batch's tokens against everyone's): joined partition by partition, each batch token is
    # one index probe in its own partition; joined whole, the planner hashes every stored token
    # once per batch (O(store) instead of O(batch); docs/performance.md, "Flat growth")
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET enable_partitionwise_join = on")
    dbapi_connection.commit()


def make_engine(url: str, **options: Any) -> Engine:
    """Create an engine for url; SQLite files get WAL and a busy timeout, PostgreSQL
    partition-wise joins."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **options)
        event.listen(engine, "connect", _tune_sqlite)
        # pysqlite's own transaction handling defers BEGIN; take the write lock at BEGIN instead
        # so that concurrent writers queue on busy_timeout rather than fail on upgrade.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    engine = create_engine(url, pool_pre_ping=True, **options)
    event.listen(engine, "connect", _tune_postgres)
    return engine


def create_schema(engine: Engine) -> None:
    """Create every table (tests and the embedded default; production uses migrations)."""
    SQLModel.metadata.create_all(engine)


def engine() -> Engine:
    """Return the current app's engine."""
    result: Engine = current_app.extensions["matcher.engine"]
    return result


def session() -> Session:
    """Return the request's session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    result: Session = g.db_session
    return result


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


def init_app(app: Flask) -> None:
    """Create the engine for the app's DATABASE_URL and close sessions after each request."""
    app.extensions["matcher.engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)
