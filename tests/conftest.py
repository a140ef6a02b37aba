"""Shared fixtures: a database per test session (and per xdist worker), the app, and factories.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set; then each
worker creates its own database ``kp_<random hex>`` and drops it at the end. The schema is
created once per session; tables are emptied after each test that used the database.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from hypothesis import settings
from sqlalchemy import Engine, create_engine, delete, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

# CI replays the same examples on every run, so that a landing does not depend on luck; local runs
# keep exploring new examples and report what they find. Neither has a per-example deadline: the
# suite asserts behaviour, never speed, and a loaded machine must not fail a correct example.
settings.register_profile("local", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "local")

# Tests read alerts right after a submit: every app made in the suite (and every command it runs)
# finds overlaps in the submit request itself unless a test asks for another mode.
os.environ.setdefault("KRUISPUNT_DETECTION", "inline")

TEST_PASSWORD = "correct horse battery staple"
#: real Argon2id with the smallest parameters, so that creating users in tests stays fast
CHEAP_HASHER = PasswordHasher.from_parameters(CHEAPEST)


def _admin_connect(url: str) -> Any:
    import psycopg

    target = make_url(url).set(drivername="postgresql")
    return psycopg.connect(
        target.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
    )


def create_postgres_database(base_url: str) -> str:
    """Create a uniquely named database next to base_url's and return its URL."""
    name = f"kp_{secrets.token_hex(6)}"
    with _admin_connect(base_url) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    """Drop a database made by create_postgres_database, closing leftover connections."""
    name = make_url(url).database
    assert name and name.startswith("kp_")
    base = make_url(url).set(database="postgres").render_as_string(hide_password=False)
    with _admin_connect(base) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch_database(sqlite_file: Path) -> Iterator[str]:
    """Yield the URL of an empty database: sqlite_file, or a new PostgreSQL database dropped after.

    PostgreSQL when TEST_DATABASE_URL names a server.
    """
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{sqlite_file}"
        return
    url = create_postgres_database(base)
    try:
        yield url
    finally:
        drop_postgres_database(url)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database for this test session: a SQLite file, or a fresh PostgreSQL database."""
    with scratch_database(tmp_path_factory.mktemp("db") / "matcher.sqlite3") as url:
        yield url


@pytest.fixture(scope="session")
def db_engine(database_url: str) -> Iterator[Engine]:
    """An engine on the session's database, with every table created."""
    from matcher.db import create_schema, make_engine

    engine = make_engine(database_url)
    create_schema(engine)
    yield engine
    engine.dispose()


def empty_tables(engine: Engine) -> None:
    """Delete every row, children before parents (past the audit log's append-only triggers)."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(delete(table))


@pytest.fixture
def clean_db(db_engine: Engine) -> Iterator[Engine]:
    """The session's engine; every table is emptied after the test."""
    try:
        yield db_engine
    finally:
        empty_tables(db_engine)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, shared by the browser tests of one module."""
    from playwright.sync_api import sync_playwright

    from tests.dashboard import live

    with sync_playwright() as playwright:
        chromium = live.launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def pepper_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pepper file made the way the embedded default makes it (0600)."""
    from matcher.pepper import Pepper

    path = tmp_path_factory.mktemp("secrets") / "pepper.key"
    Pepper.create_file(str(path))
    return path


@pytest.fixture
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    """Hash passwords with real Argon2id at its cheapest parameters (speed only)."""
    from matcher.services import users

    monkeypatch.setattr(users, "HASHER", CHEAP_HASHER)
    return CHEAP_HASHER


@pytest.fixture
def app(
    clean_db: Engine,
    database_url: str,
    pepper_file: Path,
    tmp_path: Path,
    cheap_passwords: PasswordHasher,
) -> Iterator[Any]:
    """The matcher app on the test database, in testing mode."""
    from matcher import create_app

    flask_app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "PEPPER_FILE": str(pepper_file),
            "SECRET_KEY": "test-secret-key",
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    yield flask_app
    flask_app.extensions["matcher.engine"].dispose()


@pytest.fixture
def client(app: Any) -> Any:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    """A CLI runner of the app's commands."""
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def observer_engine(database_url: str, db_engine: Engine) -> Iterator[Engine]:
    """The tests' own engine. On SQLite its reads take no lock.

    The app's engine begins every SQLite transaction with BEGIN IMMEDIATE (the write lock), so a
    test that had merely read through it would stall the app's next write until it committed.
    """
    if not database_url.startswith("sqlite"):
        yield db_engine
        return
    engine = create_engine(database_url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    yield engine
    engine.dispose()


@pytest.fixture
def db_session(clean_db: Engine, observer_engine: Engine) -> Iterator[Session]:
    """A session on the test database (commit to make rows visible to the app)."""
    with Session(observer_engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def make_agency(db_session: Session) -> Callable[..., Any]:
    """Register an agency through the federation service."""
    from matcher.services import federation

    def make(
        name: str = "Gemeente Utrecht",
        region: str = "Midden-Nederland",
        kind: str = "municipality",
        contact_point: str | None = None,
    ) -> Any:
        agency = federation.add_agency(
            db_session,
            name=name,
            kind=kind,
            region=region,
            contact_point=contact_point or f"Desk of {name}",
            actor="test",
        )
        db_session.commit()
        return agency

    return make


@pytest.fixture
def make_api_token(db_session: Session) -> Callable[..., str]:
    """Create an agency's API token and return its secret."""
    from matcher.services import federation

    def make(agency: Any, scopes: tuple[str, ...] = ("submit", "withdraw", "alerts")) -> str:
        _, secret = federation.create_api_token(
            db_session, agency_id=agency.id, scopes=scopes, actor="test"
        )
        db_session.commit()
        return secret

    return make


@pytest.fixture
def make_user(db_session: Session, cheap_passwords: PasswordHasher) -> Callable[..., Any]:
    """Create a dashboard user (password TEST_PASSWORD unless given)."""
    from matcher.services import users

    def make(
        username: str = "coordinator",
        role: str = "coordinator",
        agency: Any = None,
        regions: tuple[str, ...] = ("Midden-Nederland",),
        password: str = TEST_PASSWORD,
    ) -> Any:
        user = users.create_user(
            db_session,
            username=username,
            password=password,
            role=role,
            agency_id=agency.id if agency is not None else None,
            regions=regions if role == "coordinator" else (),
            actor="test",
        )
        db_session.commit()
        return user

    return make


@pytest.fixture
def make_user_token(db_session: Session) -> Callable[..., str]:
    """Create a coordinator's (or admin's) API token and return its secret."""
    from matcher.services import federation

    def make(user: Any) -> str:
        _, secret = federation.create_api_token(
            db_session, user_id=user.id, scopes=("coordinator",), actor="test"
        )
        db_session.commit()
        return secret

    return make


@pytest.fixture
def make_epoch(db_session: Session) -> Callable[..., Any]:
    """Register a key epoch the matcher accepts (retired when status='retired')."""
    from matcher.services import federation

    def make(
        scheme: str = "hmac",
        epoch: int = 1,
        fingerprint: str | None = None,
        status: str = "current",
    ) -> Any:
        row = federation.add_key_epoch(
            db_session,
            scheme=scheme,
            epoch=epoch,
            fingerprint=fingerprint or secrets.token_hex(16),
            actor="test",
        )
        if status == "retired":
            federation.retire_key_epoch(db_session, scheme=scheme, epoch=epoch, actor="test")
        db_session.commit()
        return row

    return make


@pytest.fixture
def make_signal(db_session: Session) -> Callable[..., Any]:
    """Store one signal of an agency directly (no tokens yet; make_alert attaches them)."""
    import datetime as dt

    from matcher.models import Signal

    def make(
        agency: Any,
        category: str = "inspection",
        observed_on: dt.date = dt.date(2026, 3, 1),
        ref: str | None = None,
    ) -> Any:
        signal = Signal(
            agency_id=agency.id,
            ref=ref or secrets.token_urlsafe(16),
            batch_id="00000000-0000-4000-8000-000000000000",
            category=category,
            observed_on=observed_on,
            retain_until=observed_on + dt.timedelta(days=365),
        )
        db_session.add(signal)
        db_session.commit()
        return signal

    return make


@pytest.fixture
def make_alert(db_session: Session) -> Callable[..., Any]:
    """Give signals one shared token and store the alert ingest would raise for them.

    Signals given to two alerts link those alerts into one cluster, as at ingest.
    """
    import datetime as dt

    from matcher.models import Agency, Alert, AlertAgency, SignalToken
    from matcher.services import alert_filters
    from matcher.services.strength import Evidence, strength

    def make(
        *signals: Any,
        kind: str = "phone",
        level: str = "e164",
        status: str = "new",
        seen: dt.datetime | None = None,
    ) -> Any:
        token = secrets.token_bytes(32)
        moment = seen or dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
        per_agency: dict[int, int] = {}
        for signal in signals:
            db_session.add(
                SignalToken(
                    token=token,
                    signal_id=signal.id,
                    agency_id=signal.agency_id,
                    kind=kind,
                    level=level,
                )
            )
            per_agency[signal.agency_id] = per_agency.get(signal.agency_id, 0) + 1
        regions = {db_session.get(Agency, agency_id).region for agency_id in per_agency}  # type: ignore[union-attr]
        alert = Alert(
            token=token,
            kind=kind,
            level=level,
            status=status,
            agency_count=len(per_agency),
            region_count=len(regions),
            signal_count=len(signals),
            first_seen=moment,
            last_seen=moment,
            created_at=moment,
            updated_at=moment,
            strength=strength([Evidence(kind, level, len(signals))]),
        )
        db_session.add(alert)
        db_session.flush()
        for agency_id, count in per_agency.items():
            db_session.add(
                AlertAgency(
                    alert_id=alert.id,
                    agency_id=agency_id,
                    signal_count=count,
                    first_seen=moment,
                    last_seen=moment,
                )
            )
        db_session.flush()
        alert_filters.refresh(db_session, [alert.id])
        db_session.commit()
        return alert

    return make


def record_approvals(session: Session, alert_id: int) -> None:
    """Put an alert where the disclosure workflow leaves it when every data owner approved.

    Tests of what happens *after* approval use this; the approval steps themselves are tested
    through the workflow services and the dashboard (tests/dashboard/test_workflow.py).
    """
    from sqlmodel import col, select

    from matcher.models import Alert, AlertAgency, DisclosureDecision
    from matcher.services import status_counts

    alert = session.get(Alert, alert_id)
    assert alert is not None
    alert.status = "disclosure_requested"
    session.add(alert)
    involved = session.exec(
        select(AlertAgency.agency_id).where(col(AlertAgency.alert_id) == alert_id)
    ).all()
    for agency_id in involved:
        session.merge(
            DisclosureDecision(
                alert_id=alert_id,
                agency_id=agency_id,
                decision="approved",
                legal_basis="riec_covenant",
                decided_by="test",
            )
        )
    status_counts.refresh(session, [alert_id])
    session.commit()


@pytest.fixture
def approve(db_session: Session) -> Callable[[int], None]:
    """Record every involved agency's approval of disclosing an alert."""
    return lambda alert_id: record_approvals(db_session, alert_id)
