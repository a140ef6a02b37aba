"""Overlap detection after the receipt: a durable queue of stored batches, worked off in order.

Ingest stores a batch and adds its job in one transaction, then returns the receipt: what a
submit costs and answers never depends on other agencies' tokens (design non-negotiable 9).
A worker claims the oldest job, finds the batch's overlaps (:mod:`.token_locks`, :mod:`.overlap`,
:mod:`.links`) and deletes the job in one transaction. A worker killed mid-job rolls back and
leaves the job for the next; several workers skip each other's claimed jobs (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL; SQLite has one writer at a time). So nothing is lost and nothing is done
twice, and the token locks keep concurrent jobs exact as they kept concurrent batches exact.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import Row, delete, func, insert, select
from sqlmodel import Session

from matcher import audit
from matcher.services import links, overlap, token_locks
from matcher.services.tables import JOBS


class Detected(NamedTuple):
    """One finished job: its batch, how long it waited since the receipt, what it changed."""

    batch_id: str
    waited: dt.timedelta
    changes: overlap.AlertChanges


def enqueue(session: Session, *, batch_id: str, agency_id: int, now: dt.datetime) -> None:
    """Queue a stored batch for detection, in the transaction that stores it."""
    session.execute(insert(JOBS).values(batch_id=batch_id, agency_id=agency_id, enqueued_at=now))


def pending(session: Session) -> int:
    """Return how many stored batches still wait for detection."""
    return int(session.execute(select(func.count()).select_from(JOBS)).scalar_one())


def claim(session: Session) -> Row[Any] | None:
    """Lock and return the oldest job no other transaction has claimed, or None."""
    oldest = (
        select(JOBS.c.id, JOBS.c.batch_id, JOBS.c.agency_id, JOBS.c.enqueued_at)
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
    shared = token_locks.lock_batch_tokens(
        session, batch_id=job.batch_id, agency_id=job.agency_id, now=now
    )
    shared = token_locks.without_benign_hubs(session, shared)
    changes = overlap.refresh_alerts(session, shared, now=now, create=True)
    links.detach_outgrown(session, shared)
    links.link_new_alerts(session, changes.created_ids)
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
