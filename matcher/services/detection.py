"""Overlap detection after the receipt: a durable queue of stored batches, worked off in order.

Ingest stores a batch and adds its job in one transaction, then returns the receipt: what a
submit costs and answers never depends on other agencies' tokens (design non-negotiable 9).
A worker claims the oldest jobs, takes the detection lease (:mod:`.lease`), finds their batches'
overlaps with one join of their tokens against the token index (:func:`shared_tokens`), recounts
and creates their alerts set-based (:mod:`.overlap`), groups them (:mod:`.links`) and deletes the
jobs, in one transaction. A worker killed mid-run rolls back and leaves the jobs for the next;
several workers skip each other's claimed jobs (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite
has one writer at a time) and then work one at a time under the lease, so each run sees every
signal committed before it: nothing is lost, nothing is done twice, no alert is made twice.

A run takes every queued job up to :data:`RUN_JOBS` jobs and :data:`RUN_TOKENS` tokens: a run
costs some 40 statements whatever its size, so when batches arrive faster than one run each
the queue is worked off in fewer, larger runs instead of growing (docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import Row, delete, exists, func, insert, or_, select
from sqlmodel import Session

from matcher import audit
from matcher.services import lease, links, overlap, submission_limits
from matcher.services.bulk import among
from matcher.services.tables import BATCHES, JOBS, SIGNAL_TOKENS, SIGNALS

#: at most this many jobs in one run
RUN_JOBS = 50
#: and at most this many tokens, unless the oldest job alone holds more: one transaction's size
RUN_TOKENS = 100_000


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


def claim(session: Session) -> list[Row[Any]]:
    """Lock and return the oldest jobs no other transaction has claimed, within one run's size.

    Jobs locked beyond the token budget stay locked, unworked, until this run commits: other
    workers skip them and the next run takes them.
    """
    oldest = (
        select(
            JOBS.c.id,
            JOBS.c.batch_id,
            JOBS.c.agency_id,
            JOBS.c.enqueued_at,
            JOBS.c.check_fresh,
            func.coalesce(BATCHES.c.token_count, 0).label("tokens"),
        )
        .select_from(JOBS.outerjoin(BATCHES, BATCHES.c.id == JOBS.c.batch_id))
        .order_by(JOBS.c.id)
        .limit(RUN_JOBS)
        .with_for_update(skip_locked=True, of=JOBS)
    )
    claimed: list[Row[Any]] = []
    tokens = 0
    for job in session.execute(oldest):
        tokens += job.tokens
        if claimed and tokens > RUN_TOKENS:
            break
        claimed.append(job)
    return claimed


def run_next(session: Session) -> list[Detected]:
    """Claim the oldest unclaimed jobs, find their batches' overlaps, delete them; [] when idle.

    The caller commits: the alerts and the jobs' deletion land together or not at all.
    """
    jobs = claim(session)
    if not jobs:
        return []
    now = dt.datetime.now(dt.UTC)
    lease.take(session, now=now)
    batch_ids = [job.batch_id for job in jobs]
    shared = overlap.without_benign_hubs(session, shared_tokens(session, batch_ids=batch_ids))
    changes = overlap.refresh_alerts(session, shared, now=now, create=True)
    links.detach_outgrown(session, shared)
    links.link_new_alerts(session, changes.created_ids)
    session.execute(delete(JOBS).where(among(session, JOBS.c.id, [job.id for job in jobs])))
    detected = []
    for job in jobs:
        if job.check_fresh:
            submission_limits.check_fresh(session, agency_id=job.agency_id, batch_id=job.batch_id)
        enqueued = job.enqueued_at
        if enqueued.tzinfo is None:  # SQLite returns naive UTC
            enqueued = enqueued.replace(tzinfo=dt.UTC)
        audit.record(
            session,
            actor=audit.SYSTEM,
            action="batch.detect",
            subject=f"batch:{job.batch_id}",
            # the run's figures: batches detected together share their alerts
            details={
                "alerts_created": changes.created,
                "alerts_updated": changes.updated,
                "batches_in_run": len(jobs),
            },
        )
        detected.append(Detected(job.batch_id, now - enqueued, changes))
    return detected


def shared_tokens(session: Session, *, batch_ids: list[str]) -> list[bytes]:
    """Return the batches' tokens that a signal of another agency holds too, in token order.

    One statement: the token rows of each batch's signal-id range (one range scan of the
    signal-id index per partition and batch), each probed against the token index. A batch's
    signals are written by one statement, so the range is theirs, save signals of a batch written
    at the same moment: their shared tokens are recounted once more, which changes no count
    (alerts are recounted from all signals, :mod:`.overlap`), and their own job finds them anyway.
    """
    # the ids themselves, not min() and max(): PostgreSQL would answer those by walking the
    # primary key from its end, filtering on the batch id (a scan growing with the store)
    ranges: dict[str, tuple[int, int]] = {}
    for batch_id, signal_id in session.execute(
        select(SIGNALS.c.batch_id, SIGNALS.c.id).where(
            among(session, SIGNALS.c.batch_id, batch_ids)
        )
    ):
        low, high = ranges.get(batch_id, (signal_id, signal_id))
        ranges[batch_id] = (min(low, signal_id), max(high, signal_id))
    if not ranges:
        return []  # withdrawn before detection
    mine = SIGNAL_TOKENS.alias("mine")
    other = SIGNAL_TOKENS.alias("other")
    held_elsewhere = exists(
        select(other.c.token).where(
            other.c.token == mine.c.token, other.c.agency_id != mine.c.agency_id
        )
    )
    statement = (
        select(mine.c.token)
        .where(
            or_(*(mine.c.signal_id.between(low, high) for low, high in ranges.values())),
            held_elsewhere,
        )
        .distinct()
        .order_by(mine.c.token)
    )
    return list(session.execute(statement).scalars())


def drain(session: Session) -> list[Detected]:
    """Work off queued jobs, one transaction per run, until none is left.

    Returns one entry per batch. Tests and the in-process worker call this;
    ``kruispunt-matcher worker`` loops over it.
    """
    done: list[Detected] = []
    while detected := run_next(session):
        session.commit()
        done += detected
    session.commit()
    return done
