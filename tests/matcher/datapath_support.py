"""Helpers for the data-path tests (ingest, retention, concurrency): databases, batches, checks.

Every test module that uses these runs on SQLite and, when a PostgreSQL server is reachable
(TEST_DATABASE_URL, else 127.0.0.1:5432), on PostgreSQL in a database of its own.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, LargeBinary, select, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, col

from client import wire
from matcher.db import create_schema, make_engine
from matcher.models import (
    Agency,
    Alert,
    AlertAgency,
    AlertKind,
    AlertRegion,
    AlertTally,
    SignalToken,
)
from matcher.pepper import Pepper
from matcher.services import (
    alerts,
    detection,
    federation,
    ingest,
    list_bits,
    periods,
    retention,
    status_counts,
)
from matcher.services.strength import grade_rank
from matcher.services.tables import ALERTS
from tests.conftest import empty_tables

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FINGERPRINT = "f" * 32
OBSERVED = dt.date(2026, 3, 1)
RETAIN = dt.date(2027, 3, 1)

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@cache
def postgres_base_url() -> str | None:
    """Return a PostgreSQL URL to create test databases from, or None if none answers."""
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES
    try:
        with _admin(url):
            return url
    except psycopg.OperationalError:
        return None


def _admin(url: str) -> psycopg.Connection[Any]:
    target = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(target, autocommit=True, connect_timeout=3)


@contextmanager
def postgres_database() -> Iterator[str]:
    """Create a uniquely named PostgreSQL database with the schema; drop it afterwards."""
    base = postgres_base_url()
    if base is None:
        pytest.skip("no PostgreSQL server reachable")
    name = f"kp_{secrets.token_hex(6)}"
    with _admin(base) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        create_schema(engine)
        engine.dispose()
        yield url
    finally:
        with _admin(base) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def empty(engine: Engine) -> None:
    """Delete every row of every table, children first (past the audit log's triggers)."""
    empty_tables(engine)


@contextmanager
def open_world(backend: str, tmp_path: Path, postgres_url: str | None) -> Iterator[World]:
    """Yield a World on a fresh SQLite file or on the (emptied afterwards) PostgreSQL database."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'matcher.sqlite3'}")
        create_schema(engine)
    else:
        assert postgres_url is not None
        engine = make_engine(postgres_url)
    world = World(engine=engine, key=secrets.token_bytes(32))
    world.add_epoch()
    try:
        yield world
    finally:
        if backend != "sqlite":
            empty(engine)
        engine.dispose()


def raw_token() -> bytes:
    """Return a fresh 32-byte token as a client would send it."""
    return secrets.token_bytes(wire.TOKEN_BYTES)


def new_ref() -> str:
    """Return a fresh opaque reference."""
    return secrets.token_urlsafe(16)[: wire.REF_CHARS]


def signal(
    *tokens: tuple[str, str, bytes],
    ref: str | None = None,
    observed_on: dt.date = OBSERVED,
    retain_until: dt.date = RETAIN,
) -> wire.SignalItem:
    """Build a signal holding (kind, level, raw token) items."""
    return wire.SignalItem(
        ref=ref or new_ref(),
        category=wire.Category.INSPECTION,
        observed_on=observed_on,
        retain_until=retain_until,
        tokens=[
            wire.TokenItem(kind=wire.Kind(kind), level=level, token=wire.encode_token(raw))
            for kind, level, raw in tokens
        ],
    )


def phone(raw: bytes) -> tuple[str, str, bytes]:
    """A phone token item."""
    return ("phone", "e164", raw)


def near_phone(raw: bytes) -> tuple[str, str, bytes]:
    """A phone's swapped-digits (near) token item."""
    return ("phone", "e164_swap", raw)


def name(raw: bytes) -> tuple[str, str, bytes]:
    """A person's name token item (no date of birth: weak evidence)."""
    return ("person", "name", raw)


def batch(
    *signals: wire.SignalItem,
    fingerprint: str = FINGERPRINT,
    epoch: int = 1,
    batch_id: uuid.UUID | None = None,
) -> wire.Batch:
    """Build a batch of signals made with the world's current key."""
    return wire.Batch(
        batch_id=batch_id or uuid.uuid4(),
        scheme=wire.SchemeName.HMAC,
        key_fingerprint=fingerprint,
        key_epoch=epoch,
        normalization_version="2026.1",
        signals=list(signals),
    )


def shown(world: World, **filters: object) -> list[alerts.AlertSummary]:
    """The alerts an administrator's list shows (every region), narrowed by filters."""
    with Session(world.engine) as session:
        page = alerts.list_alerts(
            session,
            filters=alerts.AlertFilter(**filters),
            viewer_regions=None,
        )
        return page.items


@dataclass
class World:
    """A matcher database with a pepper and a current key epoch; runs the services in sessions."""

    engine: Engine
    key: bytes

    @property
    def pepper(self) -> Pepper:
        return Pepper(self.key)

    def add_epoch(
        self, *, epoch: int = 1, fingerprint: str = FINGERPRINT, retired: bool = False
    ) -> None:
        with Session(self.engine) as session:
            federation.add_key_epoch(
                session, scheme="hmac", epoch=epoch, fingerprint=fingerprint, actor="test"
            )
            if retired:
                federation.retire_key_epoch(session, scheme="hmac", epoch=epoch, actor="test")
            session.commit()

    def agency(self, name: str, region: str = "Midden-Nederland") -> int:
        with Session(self.engine) as session:
            agency = federation.add_agency(
                session, name=name, kind="municipality", region=region, actor="test"
            )
            session.commit()
            assert agency.id is not None
            return agency.id

    def submit(self, agency_id: int, sent: wire.Batch, *, detect: bool = True) -> wire.Receipt:
        """Store a batch; detect it at once, or (detect False) leave it queued for `detect`."""
        with Session(self.engine) as session:
            receipt = ingest.submit_batch(
                session, agency_id=agency_id, batch=sent, pepper=self.pepper
            )
            session.commit()
            if detect:
                detection.drain(session)
            return receipt

    def detect(self) -> None:
        """Work off every queued batch (a worker catching up)."""
        with Session(self.engine) as session:
            detection.drain(session)

    def withdraw(self, agency_id: int, refs: list[str]) -> wire.WithdrawalReceipt:
        with Session(self.engine) as session:
            receipt = retention.withdraw(session, agency_id=agency_id, refs=refs)
            session.commit()
            return receipt

    def purge(self, today: dt.date) -> retention.PurgeResult:
        with Session(self.engine) as session:
            result = retention.purge(session, today=today)
            session.commit()
            return result

    def rows(self, model: Any) -> list[Any]:
        with Session(self.engine) as session:
            return list(session.execute(select(model)).scalars())

    def count(self, model: Any) -> int:
        return len(self.rows(model))

    def alerts(self) -> list[Alert]:
        return sorted(self.rows(Alert), key=lambda alert: alert.id)

    def alert_agencies(self, alert_id: int | None) -> dict[int, int]:
        return {
            row.agency_id: row.signal_count
            for row in self.rows(AlertAgency)
            if row.alert_id == alert_id
        }

    def peppered(self, raw: bytes, kind: str = "phone", level: str = "e164") -> bytes:
        return self.pepper.apply(scheme="hmac", epoch=1, kind=kind, level=level, token=raw)

    def stored_bytes(self) -> list[bytes]:
        """Return every binary value in every table (tokens wherever they are kept)."""
        found: list[bytes] = []
        with self.engine.connect() as connection:
            for table in SQLModel.metadata.sorted_tables:
                for column in table.c:
                    if isinstance(column.type, LargeBinary):
                        found.extend(
                            bytes(value)
                            for value in connection.execute(select(column)).scalars()
                            if value is not None
                        )
        return found

    def table_counts(self) -> dict[str, int]:
        """Return the row count of every table that ingest writes."""
        with self.engine.connect() as connection:
            return {
                name: connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
                for name in ("batch", "signal", "signal_token", "alert")
            }


def assert_consistent(engine: Engine) -> None:
    """Check the store against a recount from signal_token: alerts and their agencies."""
    with Session(engine) as session:
        holders: dict[bytes, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        held_by: dict[bytes, set[int]] = defaultdict(set)
        named: dict[bytes, tuple[str, str]] = {}
        for row in session.execute(select(SignalToken)).scalars():
            holders[row.token][row.agency_id] += 1
            held_by[row.token].add(row.signal_id)
            kind, level = named.get(row.token, (row.kind, row.level))
            named[row.token] = (min(kind, row.kind), min(level, row.level))
        regions = {agency.id: agency.region for agency in session.execute(select(Agency)).scalars()}
        every_alert = list(session.execute(select(Alert)).scalars())
        alerts = {alert.token: alert for alert in every_alert if alert.token is not None}
        assert len(alerts) == len([alert for alert in every_alert if alert.token is not None])
        alerted_groups: dict[tuple[str, frozenset[int]], list[bytes]] = defaultdict(list)
        for token in alerts:
            if token in named:
                alerted_groups[(named[token][0], frozenset(held_by[token]))].append(token)
        links: dict[int, dict[int, int]] = defaultdict(dict)
        for link in session.execute(select(AlertAgency)).scalars():
            links[link.alert_id][link.agency_id] = link.signal_count
        for token, agencies in holders.items():
            if len(agencies) < 2:
                continue
            alert = alerts.get(token)
            if alert is None:
                # no alert of its own only where a stronger token of its kind held by the same
                # signals has one (matcher.services.overlap.subsumed)
                kind, level = named[token]
                assert any(
                    grade_rank(*named[other]) < grade_rank(kind, level)
                    for other in alerted_groups.get((kind, frozenset(held_by[token])), ())
                ), "an overlap was lost"
                continue
            assert alert.agency_count == len(agencies)
            assert alert.signal_count == sum(agencies.values())
            assert alert.region_count == len({regions[agency] for agency in agencies})
            assert links[alert.id] == dict(agencies)
        for alert in every_alert:
            if alert.token is None:
                assert alert.agency_count == alert.signal_count == 0
                assert links.get(alert.id, {}) == {}
            else:
                assert alert.agency_count == len(holders.get(alert.token, {}))
    assert_filters_exact(engine)


def expected_filters(session: Session) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    """Recompute every alert's regions and kinds from their sources, as the list once derived
    them per alert: the regions of its alert_agency rows' agencies; its own kind and its
    evidence's (the alerts whose link_id names it)."""
    regions = {agency.id: agency.region for agency in session.execute(select(Agency)).scalars()}
    every_alert = list(session.execute(select(Alert)).scalars())
    expected_regions = {
        (link.alert_id, regions[link.agency_id])
        for link in session.execute(select(AlertAgency)).scalars()
    }
    expected_kinds = {(alert.id, alert.kind) for alert in every_alert if alert.id is not None}
    expected_kinds |= {(alert.link_id, alert.kind) for alert in every_alert if alert.link_id}
    return expected_regions, expected_kinds


def assert_filters_exact(engine: Engine) -> None:
    """Check the list's stored regions and kinds against a recount from their sources."""
    with Session(engine) as session:
        expected_regions, expected_kinds = expected_filters(session)
        stored_regions = {
            (row.alert_id, row.region) for row in session.execute(select(AlertRegion)).scalars()
        }
        stored_kinds = {
            (row.alert_id, row.kind) for row in session.execute(select(AlertKind)).scalars()
        }
    assert stored_regions == expected_regions, "an alert's stored regions went stale"
    assert stored_kinds == expected_kinds, "an alert's stored kinds went stale"
    for of, expected in ((list_bits.REGIONS, expected_regions), (list_bits.KINDS, expected_kinds)):
        masks = stored_masks(engine, of)
        with engine.connect() as connection:
            rows = connection.execute(select(ALERTS.c.id, of.held()))
            stored_bits = {alert_id: bits for alert_id, bits in rows}
        expected_bits = dict.fromkeys(stored_bits, 0)
        for alert_id, name in expected:
            expected_bits[alert_id] += masks.get(name, 0)
        assert stored_bits == expected_bits, f"an alert's {of.column.replace('_', ' ')} went stale"
    assert_status_counts_exact(engine)


def stored_masks(engine: Engine, of: list_bits.Bits = list_bits.REGIONS) -> dict[str, int]:
    """The regions' (or kinds') bits as stored."""
    with engine.connect() as connection:
        rows = connection.execute(select(of.bits.c[of.name], of.bits.c.mask))
        return {name: mask for name, mask in rows}


def assert_status_counts_exact(engine: Engine) -> None:
    """Check the list's stored counts per (regions, status, strength, facet) against a recount.

    The facets: each kind of the alert's evidence, each agency, each pair of the two, the month
    it was last seen, that month with each kind, and the week it was detected.

    The recount reads the alerts, their agencies and their agencies' regions (not the stored
    regions and kinds), so a stale count, region, kind or agency all fail here.
    """
    with Session(engine) as session:
        expected_regions, expected_kinds = expected_filters(session)
        per_alert: dict[int, list[str]] = defaultdict(list)
        for alert_id, region in expected_regions:
            per_alert[alert_id].append(region)
        kinds: dict[int, list[str]] = defaultdict(list)
        for alert_id, kind in expected_kinds:
            kinds[alert_id].append(kind)
        involved: dict[int, list[int]] = defaultdict(list)
        for link in session.execute(select(AlertAgency)).scalars():
            involved[link.alert_id].append(link.agency_id)
        facets: dict[int, list[str]] = defaultdict(list)
        for alert_id in kinds.keys() | involved.keys():
            facets[alert_id] += [status_counts.facet_of(kind=kind) for kind in kinds[alert_id]]
            for agency_id in involved[alert_id]:
                facets[alert_id].append(status_counts.facet_of(agency_id=agency_id))
                facets[alert_id] += [
                    status_counts.facet_of(kind=kind, agency_id=agency_id)
                    for kind in kinds[alert_id]
                ]
        expected: dict[tuple[str, str, str, str], int] = defaultdict(int)
        tallies: dict[int, tuple[str, str, str, str]] = {}
        for alert in session.execute(select(Alert).where(col(Alert.link_id).is_(None))).scalars():
            regions = status_counts.SEPARATOR.join(sorted(per_alert[alert.id or 0]))
            month = periods.month_of(alert.last_seen)
            own = sorted(
                [
                    *facets[alert.id or 0],
                    status_counts.facet_of(month=month),
                    status_counts.week_facet(periods.week_of(alert.created_at)),
                    *(
                        status_counts.facet_of(kind=kind, month=month)
                        for kind in kinds[alert.id or 0]
                    ),
                ]
            )
            for facet in ("", *own):
                expected[(regions, alert.status, alert.strength, facet)] += 1
            joined = status_counts.SEPARATOR.join(own)
            tallies[alert.id or 0] = (regions, alert.status, alert.strength, joined)
        stored = status_counts.stored(session)
        stored_tallies = {
            row.alert_id: (row.regions, row.status, row.strength, row.facets)
            for row in session.execute(select(AlertTally)).scalars()
        }
    assert stored_tallies == tallies, "an alert is counted under a key it no longer has"
    assert stored == dict(expected), "the stored counts per status differ from a recount"
