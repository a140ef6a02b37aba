"""Overlap alerts: one alert per token held by two or more agencies, counted from signals.

A shared token that only repeats stronger evidence gets no alert of its own: when a token of the
same kind held by exactly the same signals is stronger (:func:`.strength.grade_rank`: an exact
phone number beside its swapped-pair keys, a name with its date of birth beside the name alone),
the stronger one's alert already shows that evidence (:func:`subsumed`). The signals of a shared
phone number give one alert instead of eight, and a link's evidence lists what links it, not each
key of its neighbourhood. Such a token gets its alert once other signals hold it (a third
agency's spelling with a swapped pair): its holders then differ.

Callers hold the detection lease (:mod:`.lease`) before they ask for a refresh, so the
counts read here include every committed signal of those tokens. Counts are recounted from
``signal_token`` by set-based statements (a handful per batch, however many alerts it touches),
never kept as running totals that a lost update could skew. ``alert`` is unique on token and
new alerts are inserted with ``ON CONFLICT DO NOTHING``: there is never a second alert.

An alert is never deleted here: when agencies withdraw or signals expire its counts are recounted
(an alert may drop below two agencies; its workflow status stays for the coordinator to see), and
once no signal holds its token the token is cleared from the alert as well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any, NamedTuple

from sqlalchemy import delete, distinct, exists, func, literal, select, update
from sqlmodel import Session

from matcher.models import AlertStatus
from matcher.services import alert_filters
from matcher.services.bulk import among, among_partitioned, chunks, dialect_insert, rowcount
from matcher.services.strength import grade_rank
from matcher.services.tables import (
    AGENCIES,
    ALERT_AGENCIES,
    ALERTS,
    HUBS,
    SIGNAL_TOKENS,
    SIGNALS,
)


class AlertChanges(NamedTuple):
    """How many alerts a refresh created, recounted, and emptied (no signal left)."""

    created: int
    updated: int
    emptied: int
    #: the ids of the alerts made, for grouping into links (matcher.services.links)
    created_ids: tuple[int, ...] = ()


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
    """Recount the alerts of tokens (the caller holds the lease); create missing ones if asked.

    Ingest asks to create (agencies only join); withdrawal and purge do not (agencies only
    leave), and they also drop the agencies that left and clear tokens no signal holds.
    """
    created = updated = emptied = 0
    made_ids: list[int] = []
    repeated = subsumed(session, tokens) if create else set()
    for chunk in chunks(sorted(tokens)):
        existing = list(
            session.execute(
                select(ALERTS.c.id).where(among(session, ALERTS.c.token, chunk))
            ).scalars()
        )
        counts = _counts(session, chunk)
        made_now = (
            list(
                session.execute(
                    _create_alerts(session, counts, now=now, skip=repeated.intersection(chunk))
                ).scalars()
            )
            if create
            else []
        )
        made = len(made_now)
        made_ids += made_now
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
            updated += rowcount(session.execute(recount))
        if made or existing:
            session.execute(_count_agencies(session, chunk))
        if not create and existing:
            session.execute(_drop_departed_agencies(session, chunk))
            emptied += rowcount(session.execute(_forget_tokens(session, chunk, now=now)))
        alert_filters.refresh(session, [*existing, *made_now])
    return AlertChanges(created, updated, emptied, tuple(made_ids))


def subsumed(session: Session, tokens: Collection[bytes]) -> set[bytes]:
    """Return the tokens whose evidence a stronger token of the same kind and signals shows.

    Tokens are grouped by kind (and level, as an alert takes them: the least of its rows) and by
    the exact set of signals holding them; in each group the tokens ranked below the group's
    best are left out. A signal's tokens are detected in one step (:mod:`.detection`), so the
    stronger token of a group is among the same tokens whenever the weaker one is.
    """
    holders: dict[bytes, set[int]] = {}
    named: dict[bytes, tuple[str, str]] = {}
    for chunk in chunks(sorted(tokens)):
        rows = session.execute(
            select(
                SIGNAL_TOKENS.c.token,
                SIGNAL_TOKENS.c.signal_id,
                SIGNAL_TOKENS.c.kind,
                SIGNAL_TOKENS.c.level,
            ).where(among_partitioned(session, SIGNAL_TOKENS.c.token, chunk))
        )
        for token, signal_id, kind, level in rows:
            holders.setdefault(token, set()).add(signal_id)
            least_kind, least_level = named.get(token, (kind, level))
            named[token] = (min(least_kind, kind), min(least_level, level))
    groups: dict[tuple[str, frozenset[int]], list[tuple[int, bytes]]] = {}
    for token, signals in holders.items():
        kind, level = named[token]
        groups.setdefault((kind, frozenset(signals)), []).append((grade_rank(kind, level), token))
    left_out: set[bytes] = set()
    for members in groups.values():
        best = min(rank for rank, _ in members)
        left_out.update(token for rank, token in members if rank > best)
    return left_out


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
        .where(among_partitioned(session, held.c.token, tokens))
        .group_by(held.c.token)
        .subquery("counted")
    )


def _create_alerts(
    session: Session, counts: Any, *, now: dt.datetime, skip: Collection[bytes] = ()
) -> Any:
    """INSERT an alert for each counted token two or more agencies hold that has none yet.

    Tokens in skip (:func:`subsumed`) get none.
    """
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
    if skip:
        new = new.where(~among(session, counts.c.token, sorted(skip)))
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
    statement = dialect_insert(session, ALERTS).from_select(names, new)
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
    statement = dialect_insert(session, ALERT_AGENCIES).from_select(
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
