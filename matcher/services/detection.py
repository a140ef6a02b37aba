"""Overlap detection after the receipt: a durable queue of stored batches, worked off in order.

Ingest stores a batch and adds its job in one transaction, then returns the receipt: what a
submit costs and answers never depends on other agencies' tokens (design non-negotiable 9).
A worker claims the oldest job, takes the detection lease (:mod:`.lease`), finds the batch's
overlaps with one join of its tokens against the token index (:func:`shared_tokens`), recounts
and creates their alerts set-based (:mod:`.overlap`), groups them (:mod:`.links`) and deletes the
job, in one transaction. A worker killed mid-job rolls back and leaves the job for the next;
several workers skip each other's claimed jobs (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite
has one writer at a time) and then work one at a time under the lease, so each job sees every
signal committed before it: nothing is lost, nothing is done twice, no alert is made twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import Row, delete, exists, func, insert, select
from sqlmodel import Session

from matcher import audit
from matcher.services import lease, links, overlap, submission_limits
from matcher.services.tables import JOBS, SIGNAL_TOKENS, SIGNALS


class Detected(NamedTuple):
    """One finished job: its batch, how long it waited since the receipt, what it changed."""

    batch_id: str
    waited: dt.timedelta
    changes: overlap.AlertChanges


def enqueue(
    session: Session, *, batch_id: str, agency_id: int, now: dt.datetime, check_fresh: bool = False
) -> None:
    """Queue a stored batch for detection, in the transaction that stores it.

    With check_fresh the job also samples the batch for the unusual-submission signal.
    """
    session.execute(
        insert(JOBS).values(
            batch_id=batch_id, agency_id=agency_id, enqueued_at=now, check_fresh=check_fresh
        )
    )


def pending(session: Session) -> int:
    """Return how many stored batches still wait for detection."""
    return int(session.execute(select(func.count()).select_from(JOBS)).scalar_one())


def claim(session: Session) -> Row[Any] | None:
    """Lock and return the oldest job no other transaction has claimed, or None."""
    oldest = (
        select(JOBS.c.id, JOBS.c.batch_id, JOBS.c.agency_id, JOBS.c.enqueued_at, JOBS.c.check_fresh)
        .order_by(JOBS.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return session.execute(oldest).first()


def run_next(session: Session) -> Detected | None:
    """Claim the oldest unclaimed job, find its batch's overlaps, delete it; None when idle.

    The caller commits: the alerts and the job's deletion land together or not at all.
    """
    job = claim(session)
    if job is None:
        return None
    now = dt.datetime.now(dt.UTC)
    lease.take(session, now=now)
    shared = overlap.without_benign_hubs(session, shared_tokens(session, batch_id=job.batch_id))
    changes = overlap.refresh_alerts(session, shared, now=now, create=True)
    links.detach_outgrown(session, shared)
    links.link_new_alerts(session, changes.created_ids)
    if job.check_fresh:
        submission_limits.check_fresh(session, agency_id=job.agency_id, batch_id=job.batch_id)
    session.execute(delete(JOBS).where(JOBS.c.id == job.id))
    enqueued = job.enqueued_at
    if enqueued.tzinfo is None:  # SQLite returns naive UTC
        enqueued = enqueued.replace(tzinfo=dt.UTC)
    audit.record(
        session,
        actor=audit.SYSTEM,
        action="batch.detect",
        subject=f"batch:{job.batch_id}",
        details={
            "alerts_created": changes.created,
            "alerts_updated": changes.updated,
        },
    )
    return Detected(job.batch_id, now - enqueued, changes)


def shared_tokens(session: Session, *, batch_id: str) -> list[bytes]:
    """Return the batch's tokens that a signal of another agency holds too, in token order.

    One statement: the token rows of the batch's signal-id range (one range scan of the
    signal-id index per partition), each probed against the token index. A batch's signals are
    written by one statement, so the range is theirs, save signals of a batch written at the
    same moment: their shared tokens are recounted once more, which changes no count (alerts
    are recounted from all signals, :mod:`.overlap`), and their own job finds them anyway.
    """
    # the ids themselves, not min() and max(): PostgreSQL would answer those by walking the
    # primary key from its end, filtering on the batch id (a scan growing with the store)
    ids = list(
        session.execute(select(SIGNALS.c.id).where(SIGNALS.c.batch_id == batch_id)).scalars()
    )
    if not ids:
        return []  # withdrawn before detection
    low, high = min(ids), max(ids)
    mine = SIGNAL_TOKENS.alias("mine")
    other = SIGNAL_TOKENS.alias("other")
    held_elsewhere = exists(
        select(other.c.token).where(
            other.c.token == mine.c.token, other.c.agency_id != mine.c.agency_id
        )
    )
    statement = (
        select(mine.c.token)
        .where(mine.c.signal_id.between(low, high), held_elsewhere)
        .distinct()
        .order_by(mine.c.token)
    )
    return list(session.execute(statement).scalars())


def drain(session: Session, *, limit: int | None = None) -> list[Detected]:
    """Work off queued jobs one transaction each until none is left (or limit); return them.

    Tests and the in-process worker call this; ``kruispunt-matcher worker`` loops over it.
    """
    done: list[Detected] = []
    while limit is None or len(done) < limit:
        detected = run_next(session)
        session.commit()
        if detected is None:
            break
        done.append(detected)
    return done
