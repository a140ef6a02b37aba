"""The detection lease: one row lock that serializes every writer of alert counts.

Detection jobs, withdrawals and purges change which agencies hold a token; each recounts the
alerts of the tokens it touched from ``signal_token`` (:mod:`.overlap`). If two ran at once, each
could miss the other's uncommitted signals and an overlap would be lost. So each first upserts
the single ``detection_lease`` row and keeps its lock until commit: at most one of them works at
a time, and in READ COMMITTED every statement after the lock sees all that the previous holder
committed. A batch's overlaps are then one join against the token index; no lock row per token.

Submits do not take the lease: they only add rows (their job is queued and detected later), so
receipts never wait for detection. The lease is taken before anything that appends to the audit
chain (``audit_head``), in every path, so the two locks are always taken in the same order.
A plain row lock and a constraint: the same on several server processes and on Citus (where
``detection_lease`` is a reference table); no advisory or in-process locks.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from matcher.services.bulk import dialect_insert
from matcher.services.tables import LEASES


def take(session: Session, *, now: dt.datetime) -> None:
    """Take the lease (waiting for its holder to commit); creates the row on first use.

    SQLite has one writer at a time already (``BEGIN IMMEDIATE``); the statement is the same.
    """
    statement = dialect_insert(session, LEASES).values(id=1, taken_at=now)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["id"], set_={"taken_at": statement.excluded.taken_at}
        )
    )
