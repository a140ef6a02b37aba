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
``signal_token``: the rows holding the tokens are read once (:func:`tally`), and the alerts made,
their counts and their agencies are written from that, one statement each per chunk of tokens
(a handful per batch, however many alerts it touches); never kept as running totals that a lost
update could skew. ``alert`` is unique on token and new alerts are inserted with ``ON CONFLICT
DO NOTHING``: there is never a second alert.

An alert is never deleted here: when agencies withdraw or signals expire its counts are recounted
(an alert may drop below two agencies; its workflow status stays for the coordinator to see), and
once no signal holds its token the token is cleared from the alert as well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, exists, select, update
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


class Made(NamedTuple):
    """An alert a refresh made, with the signals holding its token: what linking reads."""

    id: int
    kind: str
    level: str
    token: bytes
    signals: frozenset[int]


class AlertChanges(NamedTuple):
    """How many alerts a refresh created, recounted, and emptied (no signal left)."""

    created: int
    updated: int
    emptied: int
    #: the alerts made, for grouping into links (matcher.services.links)
    made: tuple[Made, ...] = ()


def without_benign_hubs(session: Session, tokens: Sequence[bytes]) -> list[bytes]:
    """Drop tokens a coordinator marked as harmless shared hubs."""
    hubs: set[bytes] = set()
    for chunk in chunks(tokens):
        found = session.execute(select(HUBS.c.token).where(among(session, HUBS.c.token, chunk)))
        hubs.update(found.scalars())
    return [token for token in tokens if token not in hubs]


def refresh_alerts(
    session: Session,
    tokens: Collection[bytes],
    *,
    now: dt.datetime,
    create: bool,
    hubs: Collection[bytes] = (),
) -> AlertChanges:
    """Recount the alerts of tokens (the caller holds the lease); create missing ones if asked.

    Ingest asks to create (agencies only join); withdrawal and purge do not (agencies only
    leave), and they also drop the agencies that left and clear tokens no signal holds. The
    signals holding the tokens are read once (:func:`tally`); the alerts, their counts and their
    agencies are written from that with one statement each per chunk. Benign hubs held by the
    same signals are read too, and only to leave out the tokens that repeat them
    (:func:`subsumed`).
    """
    created = updated = emptied = 0
    made: list[Made] = []
    tallies = tally(session, [*tokens, *hubs])
    regions = dict(session.execute(select(AGENCIES.c.id, AGENCIES.c.region)).tuples().all())
    repeated = subsumed(tallies) if create else set()
    for chunk in chunks(sorted(tokens)):
        existing = dict(
            session.execute(
                select(ALERTS.c.token, ALERTS.c.id).where(among(session, ALERTS.c.token, chunk))
            )
            .tuples()
            .all()
        )
        made_now: dict[bytes, int] = {}
        if create:
            fresh = [
                token
                for token in chunk
                if token not in existing
                and token not in repeated
                and token in tallies
                and len(tallies[token].agencies) >= 2
            ]
            made_now = _create_alerts(session, fresh, tallies, regions, now=now)
        made += (
            Made(
                alert,
                tallies[token].kind,
                tallies[token].level,
                token,
                frozenset(tallies[token].signals),
            )
            for token, alert in made_now.items()
        )
        created += len(made_now)
        counted = {token: alert for token, alert in existing.items() if token in tallies}
        if counted:
            session.execute(
                update(ALERTS)
                .where(ALERTS.c.id == bindparam("alert"))
                .values(
                    agency_count=bindparam("agencies"),
                    region_count=bindparam("regions"),
                    signal_count=bindparam("signals"),
                    first_seen=bindparam("first"),
                    last_seen=bindparam("last"),
                    updated_at=now,
                ),
                [
                    {"alert": alert, **tallies[token].counts(regions)}
                    for token, alert in counted.items()
                ],
            )
            updated += len(counted)
        _count_agencies(session, {**counted, **made_now}, tallies)
        if not create and existing:
            session.execute(_drop_departed_agencies(session, chunk))
            emptied += rowcount(session.execute(_forget_tokens(session, chunk, now=now)))
        alert_filters.refresh(session, [*existing.values(), *made_now.values()])
    return AlertChanges(created, updated, emptied, tuple(made))


@dataclass
class Tally:
    """The signals holding one token: its kind and level, and per agency what it holds."""

    kind: str
    level: str
    signals: set[int] = field(default_factory=set)
    #: agency id -> [signals, first created, last created]
    agencies: dict[int, list[Any]] = field(default_factory=dict)

    def add(self, signal_id: int, agency_id: int, created: dt.datetime) -> None:
        self.signals.add(signal_id)
        held = self.agencies.get(agency_id)
        if held is None:
            self.agencies[agency_id] = [1, created, created]
        else:
            held[0] += 1
            held[1], held[2] = min(held[1], created), max(held[2], created)

    def counts(self, regions: dict[int, str | None]) -> dict[str, Any]:
        """Return the alert's counts: agencies, regions, signals, first and last seen."""
        held = self.agencies.values()
        return {
            "agencies": len(self.agencies),
            "regions": len({regions.get(agency) for agency in self.agencies} - {None}),
            "signals": sum(item[0] for item in held),
            "first": min(item[1] for item in held),
            "last": max(item[2] for item in held),
        }


def tally(session: Session, tokens: Collection[bytes]) -> dict[bytes, Tally]:
    """Read the signals holding each token once: one statement per chunk of tokens.

    A token's kind and level are the least of its rows', as an alert takes them (a label such as
    ``no_addition`` shares its token with ``building``).
    """
    tallies: dict[bytes, Tally] = {}
    held = SIGNAL_TOKENS.alias("held")
    for chunk in chunks(sorted(tokens)):
        rows = session.execute(
            select(
                held.c.token,
                held.c.signal_id,
                held.c.agency_id,
                held.c.kind,
                held.c.level,
                SIGNALS.c.created_at,
            )
            .select_from(held.join(SIGNALS, SIGNALS.c.id == held.c.signal_id))
            .where(among_partitioned(session, held.c.token, chunk))
        )
        for token, signal_id, agency_id, kind, level, created in rows:
            found = tallies.get(token)
            if found is None:
                found = tallies[token] = Tally(kind, level)
            else:
                found.kind, found.level = min(found.kind, kind), min(found.level, level)
            found.add(signal_id, agency_id, created)
    return tallies


def subsumed(tallies: dict[bytes, Tally]) -> set[bytes]:
    """Return the tokens whose evidence a stronger token of the same kind and signals shows.

    Tokens are grouped by kind and by the exact set of signals holding them; in each group the
    tokens ranked below the group's best (:func:`.strength.grade_rank` of their level) are left
    out. A signal's tokens are detected in one step (:mod:`.detection`), so the stronger token of
    a group is among the same tokens whenever the weaker one is.
    """
    groups: dict[tuple[str, frozenset[int]], list[tuple[int, bytes]]] = {}
    for token, held in tallies.items():
        group = groups.setdefault((held.kind, frozenset(held.signals)), [])
        group.append((grade_rank(held.kind, held.level), token))
    left_out: set[bytes] = set()
    for members in groups.values():
        best = min(rank for rank, _ in members)
        left_out.update(token for rank, token in members if rank > best)
    return left_out


def _create_alerts(
    session: Session,
    tokens: Sequence[bytes],
    tallies: dict[bytes, Tally],
    regions: dict[int, str | None],
    *,
    now: dt.datetime,
) -> dict[bytes, int]:
    """INSERT an alert for each of tokens; return the ids made, by token.

    ``ON CONFLICT DO NOTHING``: there is never a second alert of a token.
    """
    if not tokens:
        return {}
    rows = []
    for token in tokens:
        held = tallies[token]
        counts = held.counts(regions)
        rows.append(
            {
                "token": token,
                "kind": held.kind,
                "level": held.level,
                "status": AlertStatus.NEW.value,
                "agency_count": counts["agencies"],
                "region_count": counts["regions"],
                "signal_count": counts["signals"],
                "first_seen": counts["first"],
                "last_seen": counts["last"],
                "created_at": now,
                "updated_at": now,
                "possible_victim": False,
            }
        )
    statement = (
        dialect_insert(session, ALERTS)
        .on_conflict_do_nothing(index_elements=["token"])
        .returning(ALERTS.c.token, ALERTS.c.id)
    )
    return dict(session.execute(statement, rows).tuples().all())


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


def _count_agencies(
    session: Session, alerts: dict[bytes, int], tallies: dict[bytes, Tally]
) -> None:
    """Upsert one alert_agency row per (alert, agency) holding its token, with its counts."""
    rows = [
        {
            "alert_id": alert,
            "agency_id": agency,
            "signal_count": held[0],
            "first_seen": held[1],
            "last_seen": held[2],
        }
        for token, alert in alerts.items()
        for agency, held in tallies[token].agencies.items()
    ]
    if not rows:
        return
    statement = dialect_insert(session, ALERT_AGENCIES)
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
