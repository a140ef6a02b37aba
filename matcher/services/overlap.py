"""Overlap detection: keep one alert per token held by two or more agencies, counted from signals.

Every writer that adds or removes a token's signals first locks the token's ``token_entry`` row
(:func:`lock_tokens`, sorted order) and only then, in later statements, recounts. In READ
COMMITTED each statement sees everything committed before it began, so whoever holds a token's
lock last sees all signals of that token: no overlap is lost, no alert is made twice (``alert``
is unique on token) and counts never go stale, with any number of server processes. No
in-process or advisory locks: plain row locks and constraints, which also hold on Citus.

An alert is never deleted here: when agencies withdraw or signals expire its counts are recounted
(an alert may drop below two agencies; its workflow status stays for the coordinator to see), and
once no signal holds its token the token is cleared from the alert as well.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    CursorResult,
    Table,
    bindparam,
    delete,
    distinct,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

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
from matcher.services.bulk import dialect_name, upsert_token_entries

#: tokens per IN list: keeps every statement well under SQLite's variable limit
CHUNK = 500
# Core tables, not ORM entities: executemany UPDATEs with their own WHERE are plain Core
ALERTS: Table = Alert.__table__  # type: ignore[attr-defined]
ENTRIES: Table = TokenEntry.__table__  # type: ignore[attr-defined]


class AlertChanges(NamedTuple):
    """How many alerts a refresh created, recounted, and emptied (no signal left)."""

    created: int
    updated: int
    emptied: int


@dataclass
class _Holder:
    signals: int = 0
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None


@dataclass
class _TokenCount:
    kind: str = ""
    level: str = ""
    regions: set[str] = field(default_factory=set)
    holders: dict[int, _Holder] = field(default_factory=dict)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """Yield consecutive slices of at most size items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def lock_tokens(
    session: Session,
    entries: Collection[tuple[bytes, str, str]],
    *,
    agency_id: int,
    now: dt.datetime,
) -> list[bytes]:
    """Lock (creating if new) each token's entry in token order; return the tokens now shared."""
    return upsert_token_entries(session, list(set(entries)), agency_id=agency_id, now=now)


def without_benign_hubs(session: Session, tokens: Sequence[bytes]) -> list[bytes]:
    """Drop tokens a coordinator marked as harmless shared hubs."""
    hubs: set[bytes] = set()
    for chunk in chunks(tokens):
        found = session.execute(select(col(BenignHub.token)).where(col(BenignHub.token).in_(chunk)))
        hubs.update(found.scalars())
    return [token for token in tokens if token not in hubs]


def _count(session: Session, tokens: Sequence[bytes]) -> dict[bytes, _TokenCount]:
    statement = (
        select(
            col(SignalToken.token),
            col(SignalToken.kind),
            col(SignalToken.level),
            col(SignalToken.agency_id),
            col(Agency.region),
            func.count(),
            func.min(col(Signal.created_at)),
            func.max(col(Signal.created_at)),
        )
        .join(Signal, col(Signal.id) == col(SignalToken.signal_id))
        .join(Agency, col(Agency.id) == col(SignalToken.agency_id))
        .where(col(SignalToken.token).in_(tokens))
        .group_by(
            col(SignalToken.token),
            col(SignalToken.kind),
            col(SignalToken.level),
            col(SignalToken.agency_id),
            col(Agency.region),
        )
    )
    counts: dict[bytes, _TokenCount] = defaultdict(_TokenCount)
    for token, kind, level, agency_id, region, signals, first, last in session.execute(statement):
        count = counts[token]
        count.kind, count.level = kind, level
        count.regions.add(region)
        count.holders[agency_id] = _Holder(signals, first, last)
    return counts


def _alert_values(count: _TokenCount, *, now: dt.datetime) -> dict[str, Any]:
    holders = count.holders.values()
    return {
        "agency_count": len(count.holders),
        "region_count": len(count.regions),
        "signal_count": sum(holder.signals for holder in holders),
        "first_seen": min(holder.first_seen for holder in holders if holder.first_seen),
        "last_seen": max(holder.last_seen for holder in holders if holder.last_seen),
        "updated_at": now,
    }


def refresh_alerts(
    session: Session, tokens: Collection[bytes], *, now: dt.datetime, create: bool
) -> AlertChanges:
    """Recount the alerts of tokens whose locks the caller holds; create missing ones if asked."""
    created = updated = emptied = 0
    for chunk in chunks(sorted(tokens)):
        existing = dict(
            session.execute(
                select(col(Alert.token), col(Alert.id)).where(col(Alert.token).in_(chunk))
            )
            .tuples()
            .all()
        )
        counted = chunk if create else [token for token in chunk if token in existing]
        counts = _count(session, counted) if counted else {}
        new = [
            token
            for token, count in counts.items()
            if create and token not in existing and len(count.holders) >= 2
        ]
        if new:
            rows = [
                {
                    "token": token,
                    "kind": counts[token].kind,
                    "level": counts[token].level,
                    "status": AlertStatus.NEW.value,
                    "created_at": now,
                    **_alert_values(counts[token], now=now),
                }
                for token in new
            ]
            result = session.execute(
                insert(ALERTS).returning(ALERTS.c.token, ALERTS.c.id, sort_by_parameter_order=True),
                rows,
            )
            existing.update(result.tuples().all())
            created += len(new)
        recounted = [
            {"alert_id": alert_id, **_alert_values(counts[token], now=now)}
            for token, alert_id in existing.items()
            if token in counts and token not in new
        ]
        if recounted:
            session.execute(
                update(ALERTS)
                .where(ALERTS.c.id == bindparam("alert_id"))
                .values({name: bindparam(name) for name in recounted[0] if name != "alert_id"}),
                recounted,
            )
            updated += len(recounted)
        gone = [alert_id for token, alert_id in existing.items() if token not in counts]
        if gone:
            session.execute(
                update(ALERTS)
                .where(ALERTS.c.id.in_(gone))
                .values(token=None, agency_count=0, region_count=0, signal_count=0, updated_at=now)
            )
            emptied += len(gone)
        _sync_alert_agencies(session, existing, counts)
    return AlertChanges(created, updated, emptied)


def _sync_alert_agencies(
    session: Session, alerts: dict[bytes, int], counts: dict[bytes, _TokenCount]
) -> None:
    """Make each alert's AlertAgency rows match its holders: upsert present, delete absent."""
    if not alerts:
        return
    wanted = {
        (alert_id, agency_id): holder
        for token, alert_id in alerts.items()
        for agency_id, holder in (counts[token].holders.items() if token in counts else ())
    }
    stored = set(
        session.execute(
            select(col(AlertAgency.alert_id), col(AlertAgency.agency_id)).where(
                col(AlertAgency.alert_id).in_(list(alerts.values()))
            )
        )
        .tuples()
        .all()
    )
    stale = [key for key in stored if key not in wanted]
    if stale:
        session.execute(
            delete(AlertAgency).where(
                tuple_(col(AlertAgency.alert_id), col(AlertAgency.agency_id)).in_(stale)
            )
        )
    if not wanted:
        return
    rows = [
        {
            "alert_id": alert_id,
            "agency_id": agency_id,
            "signal_count": holder.signals,
            "first_seen": holder.first_seen,
            "last_seen": holder.last_seen,
        }
        for (alert_id, agency_id), holder in sorted(wanted.items())
    ]
    dialect_insert = postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert
    statement = dialect_insert(AlertAgency)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["alert_id", "agency_id"],
            set_={
                "signal_count": statement.excluded.signal_count,
                "first_seen": statement.excluded.first_seen,
                "last_seen": statement.excluded.last_seen,
            },
        ),
        rows,
    )


def settle_token_entries(session: Session, tokens: Collection[bytes]) -> int:
    """After signals were deleted, make each locked entry exact again; delete unheld ones."""
    deleted = 0
    for chunk in chunks(sorted(tokens)):
        holders = {
            token: (agencies, first_agency)
            for token, agencies, first_agency in session.execute(
                select(
                    col(SignalToken.token),
                    func.count(distinct(col(SignalToken.agency_id))),
                    func.min(col(SignalToken.agency_id)),
                )
                .where(col(SignalToken.token).in_(chunk))
                .group_by(col(SignalToken.token))
            )
            .tuples()
            .all()
        }
        unheld = [token for token in chunk if token not in holders]
        if unheld:
            result = session.execute(delete(TokenEntry).where(col(TokenEntry.token).in_(unheld)))
            deleted += cast(CursorResult[Any], result).rowcount
        if holders:
            session.execute(
                update(ENTRIES)
                .where(ENTRIES.c.token == bindparam("entry_token"))
                .values(agency_id=bindparam("holder"), shared=bindparam("is_shared")),
                [
                    {"entry_token": token, "holder": first, "is_shared": agencies > 1}
                    for token, (agencies, first) in holders.items()
                ],
            )
    return deleted
