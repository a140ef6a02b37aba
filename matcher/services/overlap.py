"""Overlap detection: keep one alert per token held by two or more agencies, counted from signals.

Every writer that adds or removes a token's signals first locks the token's ``token_entry`` row
(:func:`lock_tokens`, sorted order) and only then, in later statements, recounts. In READ
COMMITTED each statement sees everything committed before it began, so whoever holds a token's
lock last sees all signals of that token: no overlap is lost, no alert is made twice (``alert``
is unique on token) and counts never go stale, with any number of server processes. No
in-process or advisory locks: plain row locks and constraints, which also hold on Citus.

Counts are recounted from ``signal_token`` by set-based statements (a handful per batch, however
many alerts it touches), never kept as running totals that a lost update could skew.

An alert is never deleted here: when agencies withdraw or signals expire its counts are recounted
(an alert may drop below two agencies; its workflow status stays for the coordinator to see), and
once no signal holds its token the token is cleared from the alert as well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    CursorResult,
    Table,
    delete,
    distinct,
    exists,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from matcher.models import (
    Agency,
    Alert,
    AlertAgency,
    AlertStatus,
    BenignHub,
    Signal,
    SignalToken,
    TokenEntry,
)
from matcher.services.bulk import among, dialect_name

#: tokens per statement: keeps IN lists well under SQLite's variable limit
CHUNK = 500
AGENCIES: Table = Agency.__table__  # type: ignore[attr-defined]
ALERTS: Table = Alert.__table__  # type: ignore[attr-defined]
ALERT_AGENCIES: Table = AlertAgency.__table__  # type: ignore[attr-defined]
HUBS: Table = BenignHub.__table__  # type: ignore[attr-defined]
ENTRIES: Table = TokenEntry.__table__  # type: ignore[attr-defined]
SIGNALS: Table = Signal.__table__  # type: ignore[attr-defined]
SIGNAL_TOKENS: Table = SignalToken.__table__  # type: ignore[attr-defined]


class AlertChanges(NamedTuple):
    """How many alerts a refresh created, recounted, and emptied (no signal left)."""

    created: int
    updated: int
    emptied: int


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """Yield consecutive slices of at most size items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def lock_batch_tokens(
    session: Session, *, batch_id: str, agency_id: int, now: dt.datetime
) -> list[bytes]:
    """Lock the entries of the tokens a batch's signals hold; return the tokens now shared."""
    held = SIGNAL_TOKENS.join(SIGNALS, SIGNALS.c.id == SIGNAL_TOKENS.c.signal_id)
    return _lock(session, held, SIGNALS.c.batch_id == batch_id, agency_id=agency_id, now=now)


def lock_signal_tokens(session: Session, signal_ids: Sequence[int], *, now: dt.datetime) -> None:
    """Lock the entries of the tokens these signals hold, before the signals are deleted.

    The upsert is ingest's, so the lock order is the same; the agency 0 (none) may mark an
    entry shared for the moment: :func:`settle_token_entries` makes it exact before commit.
    """
    where = among(session, SIGNAL_TOKENS.c.signal_id, signal_ids)
    _lock(session, SIGNAL_TOKENS, where, agency_id=0, now=now)


def _lock(
    session: Session, held: Any, where: Any, *, agency_id: int, now: dt.datetime
) -> list[bytes]:
    """Upsert one token_entry per token held selects, in token order; return the shared ones.

    On PostgreSQL the upsert locks each token's row in token order and evaluates ``shared`` on
    the newest committed version, so concurrent batches holding a token run one after the other
    and the later one sees the earlier one's signals; the common order rules out deadlocks.
    """
    tokens = SIGNAL_TOKENS.c
    source = (
        select(
            tokens.token,
            tokens.kind,
            tokens.level,
            literal(now, ENTRIES.c.first_seen.type),
            literal(agency_id),
            literal(False),
        )
        .select_from(held)
        .where(where)
        .distinct()
        .order_by(tokens.token)
    )
    names = ["token", "kind", "level", "first_seen", "agency_id", "shared"]
    insert = _dialect_insert(session, ENTRIES).from_select(names, source)
    upsert = insert.on_conflict_do_update(
        index_elements=["token"],
        set_={"shared": ENTRIES.c.shared | (ENTRIES.c.agency_id != insert.excluded.agency_id)},
    ).returning(ENTRIES.c.token, ENTRIES.c.shared)
    if dialect_name(session) == "postgresql":
        upserted = upsert.cte("upserted")
        found = session.execute(select(upserted.c.token).where(upserted.c.shared))
        return list(found.scalars())
    return [token for token, shared in session.execute(upsert).tuples() if shared]


def without_benign_hubs(session: Session, tokens: Sequence[bytes]) -> list[bytes]:
    """Drop tokens a coordinator marked as harmless shared hubs."""
    hubs: set[bytes] = set()
    for chunk in chunks(tokens):
        found = session.execute(select(HUBS.c.token).where(among(session, HUBS.c.token, chunk)))
        hubs.update(found.scalars())
    return [token for token in tokens if token not in hubs]


def refresh_alerts(
    session: Session, tokens: Collection[bytes], *, now: dt.datetime, create: bool
) -> AlertChanges:
    """Recount the alerts of tokens whose locks the caller holds; create missing ones if asked.

    Ingest asks to create (agencies only join); withdrawal and purge do not (agencies only
    leave), and they also drop the agencies that left and clear tokens no signal holds.
    """
    created = updated = emptied = 0
    for chunk in chunks(sorted(tokens)):
        existing = list(
            session.execute(
                select(ALERTS.c.id).where(among(session, ALERTS.c.token, chunk))
            ).scalars()
        )
        counts = _counts(session, chunk)
        made = len(session.execute(_create_alerts(session, counts, now=now)).all()) if create else 0
        created += made
        if existing:
            recount = (
                update(ALERTS)
                .where(among(session, ALERTS.c.id, existing), ALERTS.c.token == counts.c.token)
                .values(
                    agency_count=counts.c.agencies,
                    region_count=counts.c.regions,
                    signal_count=counts.c.signals,
                    first_seen=counts.c.first_seen,
                    last_seen=counts.c.last_seen,
                    updated_at=now,
                )
            )
            updated += _rowcount(session.execute(recount))
        if made or existing:
            session.execute(_count_agencies(session, chunk))
        if not create and existing:
            session.execute(_drop_departed_agencies(session, chunk))
            emptied += _rowcount(session.execute(_forget_tokens(session, chunk, now=now)))
    return AlertChanges(created, updated, emptied)


def _counts(session: Session, tokens: Sequence[bytes]) -> Any:
    """Return a subquery counting, per token, the agencies, regions and signals holding it."""
    held = SIGNAL_TOKENS.alias("held")
    return (
        select(
            held.c.token.label("token"),
            func.min(held.c.kind).label("kind"),
            func.min(held.c.level).label("level"),
            func.count(distinct(held.c.agency_id)).label("agencies"),
            func.count(distinct(AGENCIES.c.region)).label("regions"),
            func.count().label("signals"),
            func.min(SIGNALS.c.created_at).label("first_seen"),
            func.max(SIGNALS.c.created_at).label("last_seen"),
        )
        .select_from(
            held.join(SIGNALS, SIGNALS.c.id == held.c.signal_id).join(
                AGENCIES, AGENCIES.c.id == held.c.agency_id
            )
        )
        .where(among(session, held.c.token, tokens))
        .group_by(held.c.token)
        .subquery("counted")
    )


def _create_alerts(session: Session, counts: Any, *, now: dt.datetime) -> Any:
    """INSERT an alert for each counted token two or more agencies hold that has none yet."""
    stamp = literal(now, ALERTS.c.created_at.type)
    new = select(
        counts.c.token,
        counts.c.kind,
        counts.c.level,
        literal(AlertStatus.NEW.value),
        counts.c.agencies,
        counts.c.regions,
        counts.c.signals,
        counts.c.first_seen,
        counts.c.last_seen,
        stamp,
        stamp,
        literal(False),
    ).where(counts.c.agencies >= 2)
    names = [
        "token",
        "kind",
        "level",
        "status",
        "agency_count",
        "region_count",
        "signal_count",
        "first_seen",
        "last_seen",
        "created_at",
        "updated_at",
        "possible_victim",
    ]
    # RETURNING counts the rows made (a rowcount of INSERT is not reported by every driver)
    statement = _dialect_insert(session, ALERTS).from_select(names, new)
    return statement.on_conflict_do_nothing(index_elements=["token"]).returning(ALERTS.c.id)


def _forget_tokens(session: Session, tokens: Sequence[bytes], *, now: dt.datetime) -> Any:
    """UPDATE the alerts whose token no signal holds any more: no token, no counts."""
    held = SIGNAL_TOKENS.alias("held")
    return (
        update(ALERTS)
        .where(
            among(session, ALERTS.c.token, tokens),
            ~exists(select(held.c.token).where(held.c.token == ALERTS.c.token)),
        )
        .values(token=None, agency_count=0, region_count=0, signal_count=0, updated_at=now)
    )


def _count_agencies(session: Session, tokens: Sequence[bytes]) -> Any:
    """Upsert one alert_agency row per (alert, agency) holding its token, with its counts."""
    held = SIGNAL_TOKENS.alias("held")
    with_signal = held.join(SIGNALS, SIGNALS.c.id == held.c.signal_id)
    per_agency = (
        select(
            ALERTS.c.id,
            held.c.agency_id,
            func.count(),
            func.min(SIGNALS.c.created_at),
            func.max(SIGNALS.c.created_at),
        )
        .select_from(ALERTS.join(with_signal, held.c.token == ALERTS.c.token))
        .where(among(session, ALERTS.c.token, tokens))
        .group_by(ALERTS.c.id, held.c.agency_id)
    )
    statement = _dialect_insert(session, ALERT_AGENCIES).from_select(
        ["alert_id", "agency_id", "signal_count", "first_seen", "last_seen"], per_agency
    )
    return statement.on_conflict_do_update(
        index_elements=["alert_id", "agency_id"],
        set_={
            "signal_count": statement.excluded.signal_count,
            "first_seen": statement.excluded.first_seen,
            "last_seen": statement.excluded.last_seen,
        },
    )


def _drop_departed_agencies(session: Session, tokens: Sequence[bytes]) -> Any:
    """DELETE the alert_agency rows of agencies no longer holding their alert's token."""
    held = SIGNAL_TOKENS.alias("held")
    owner = ALERTS.alias("owner")
    still_holds = (
        select(held.c.token)
        .select_from(held.join(owner, owner.c.token == held.c.token))
        .where(
            owner.c.id == ALERT_AGENCIES.c.alert_id,
            held.c.agency_id == ALERT_AGENCIES.c.agency_id,
        )
    )
    touched = select(ALERTS.c.id).where(among(session, ALERTS.c.token, tokens))
    return delete(ALERT_AGENCIES).where(
        ALERT_AGENCIES.c.alert_id.in_(touched), ~exists(still_holds)
    )


def settle_token_entries(session: Session, tokens: Collection[bytes]) -> int:
    """After signals were deleted, make each locked entry exact again; delete unheld ones."""
    deleted = 0
    held = SIGNAL_TOKENS.alias("held")
    of_entry = held.c.token == ENTRIES.c.token
    for chunk in chunks(sorted(tokens)):
        in_chunk = among(session, ENTRIES.c.token, chunk)
        unheld = delete(ENTRIES).where(in_chunk, ~exists(select(held.c.token).where(of_entry)))
        deleted += _rowcount(session.execute(unheld))
        agencies = select(func.count(distinct(held.c.agency_id))).where(of_entry)
        session.execute(
            update(ENTRIES)
            .where(in_chunk)
            .values(
                agency_id=select(func.min(held.c.agency_id)).where(of_entry).scalar_subquery(),
                shared=agencies.scalar_subquery() > 1,
            )
        )
    return deleted


def _dialect_insert(session: Session, table: Table) -> Any:
    """Return the INSERT construct with ON CONFLICT support of the session's database."""
    return (postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert)(table)


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)
