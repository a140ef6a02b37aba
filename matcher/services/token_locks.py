"""Token entries: the one row per token whose lock orders every change to that token's signals.

Every writer that adds or removes a token's signals first upserts the token's ``token_entry``
row, in token order, and only then, in later statements, recounts (:mod:`.overlap`). In READ
COMMITTED each statement sees everything committed before it began, and ``INSERT ... ON
CONFLICT DO UPDATE`` waits for, then works on, the newest committed row. So whoever holds a
token's lock last sees all signals of that token: no overlap is lost and no alert is made twice,
with any number of server processes. The common order rules out deadlocks. No in-process or
advisory locks: plain row locks and constraints (on Citus, token-distributed tables whose
statements stay on the shard of each token).

An entry also says who first held the token and whether two or more agencies do (``shared``),
so the lock statement's RETURNING tells ingest at once which tokens overlap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import delete, distinct, exists, func, literal, select, update
from sqlmodel import Session

from matcher.services.bulk import among, chunks, dialect_insert, dialect_name, rowcount
from matcher.services.tables import ENTRIES, HUBS, SIGNAL_TOKENS, SIGNALS


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
    insert = dialect_insert(session, ENTRIES).from_select(names, source)
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


def settle_token_entries(session: Session, tokens: Collection[bytes]) -> int:
    """After signals were deleted, make each locked entry exact again; delete unheld ones."""
    deleted = 0
    held = SIGNAL_TOKENS.alias("held")
    of_entry = held.c.token == ENTRIES.c.token
    for chunk in chunks(sorted(tokens)):
        in_chunk = among(session, ENTRIES.c.token, chunk)
        unheld = delete(ENTRIES).where(in_chunk, ~exists(select(held.c.token).where(of_entry)))
        deleted += rowcount(session.execute(unheld))
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
