"""Overlap detection after the receipt: a durable queue of stored batches, worked off in order.

Ingest stores a batch and adds its job in one transaction, then returns the receipt: what a
submit costs and answers never depends on other agencies' tokens (design non-negotiable 9).
A worker claims the oldest jobs, takes the detection lease (:mod:`.lease`), finds their batches'
overlaps with one join of their tokens against the token index (:func:`shared_tokens`), recounts
and creates their alerts set-based (:mod:`.overlap`), groups them (:mod:`.links`) and deletes the
jobs. Several workers skip each other's claimed jobs (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)
and then work one at a time under the lease, so each run sees every signal committed before it:
nothing is lost, nothing is done twice, no alert is made twice.

On PostgreSQL a run is one transaction: a worker killed mid-run rolls back and leaves the jobs for
the next. SQLite has one writer, which a submit needs too: a run that held it while it made the
alerts of a thousand shared tokens would make the agency's *next* submit wait for them, and so
tell it that its last batch overlapped. There :func:`drain` works each run in steps
(:func:`run_in_steps`) of about :data:`STEP_TOKENS` shared tokens, each its own transaction, a
signal's tokens in one step (as if its batch had arrived in parts). Given the agencies' requests
in flight (:class:`Agencies`, the in-process worker's), a step waits for none to be in flight
before it starts and, should one arrive, stops before its next statement, rolls back, and runs
again once it is done: a request waits for one statement, not for the run. A run killed between
steps leaves its jobs queued with part of their alerts made; the next run recounts those (no
change) and makes the rest. Only the run that deletes a job records it (``DELETE ...
RETURNING``), so a job is recorded once even if two SQLite workers worked it.

A run takes every queued job up to :data:`RUN_JOBS` jobs and :data:`RUN_TOKENS` tokens: a run
costs some 40 statements whatever its size, so when batches arrive faster than one run each
the queue is worked off in fewer, larger runs instead of growing (docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import Row, delete, event, exists, func, insert, or_, select
from sqlmodel import Session

from matcher import audit
from matcher.services import alert_filters, lease, links, overlap, submission_limits
from matcher.services.bulk import among, dialect_name
from matcher.services.tables import BATCHES, JOBS, SIGNAL_TOKENS, SIGNALS

#: at most this many jobs in one run
RUN_JOBS = 50
#: and at most this many tokens, unless the oldest job alone holds more: one transaction's size
RUN_TOKENS = 100_000
#: on SQLite, shared tokens per step of a run. A step runs some 48 statements (20 ms) plus
#: 0.2-0.3 ms a token, partly in Python between statements where a request cannot stop it; it
#: is what a stopped step does again. Measured in docs/performance.md ("Detection in steps")
STEP_TOKENS = 64
#: a step stopped this often for requests runs to its end the next time: under a stream of
#: requests with no gap detection still goes on
STEP_INTERRUPTIONS = 3

T = TypeVar("T")


class Agencies(Protocol):
    """The agencies' requests in flight in this process, which detection gives way to."""

    def in_flight(self) -> bool:
        """Say whether an agency's request is being served now."""

    def give_way(self) -> bool:
        """Wait until no agency's request is in flight; False if that did not come (bounded)."""


class _Interrupted(Exception):
    """A step stopped for an agency's request; it is rolled back and run again."""


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
    [tokens] = in_steps(shared_tokens(session, jobs), size=None)
    return _finish(session, jobs, _find(session, tokens, now=now), now=now)


def run_in_steps(
    session: Session, *, size: int | None = None, agencies: Agencies | None = None
) -> list[Detected]:
    """Like :func:`run_next`, committing every step of about size (STEP_TOKENS) shared tokens.

    Each step gives way to the agencies' requests (module docstring).
    """
    steps = _Steps(session, agencies)
    jobs, parts = steps.run(lambda: _claimed(session, size=size or STEP_TOKENS))
    if not jobs:
        return []
    now = dt.datetime.now(dt.UTC)
    changes = overlap.AlertChanges(0, 0, 0)
    for tokens in parts[:-1]:
        changes = _plus(changes, steps.run(lambda: _found(session, tokens, now=now)))  # noqa: B023
    return steps.run(
        lambda: _finish(session, jobs, _plus(changes, _found(session, parts[-1], now=now)), now=now)
    )


class _Steps:
    """Run steps of a run each in its own transaction, stopping them for agencies' requests."""

    def __init__(self, session: Session, agencies: Agencies | None) -> None:
        self.session = session
        self.agencies = agencies
        self.armed = False

    def run(self, step: Callable[[], T]) -> T:
        """Run step and commit; rerun it while a request stops it, at most STEP_INTERRUPTIONS."""
        if self.agencies is None:
            return self._commit(step)
        event.listen(self.session, "do_orm_execute", self._check)
        try:
            for _ in range(STEP_INTERRUPTIONS):
                if not self.agencies.give_way():
                    break  # requests with no gap between them: detection goes on regardless
                self.armed = True
                try:
                    return self._commit(step)
                except _Interrupted:
                    self.session.rollback()
                finally:
                    self.armed = False
            return self._commit(step)
        finally:
            event.remove(self.session, "do_orm_execute", self._check)

    def _commit(self, step: Callable[[], T]) -> T:
        result = step()
        self.session.commit()
        return result

    def _check(self, _state: Any) -> None:
        if self.armed and self.agencies is not None and self.agencies.in_flight():
            raise _Interrupted


def _claimed(session: Session, *, size: int) -> tuple[list[Row[Any]], list[list[bytes]]]:
    """Claim jobs and split their shared tokens into steps."""
    jobs = claim(session)
    return jobs, in_steps(shared_tokens(session, jobs), size=size) if jobs else []


def _found(session: Session, tokens: Sequence[bytes], *, now: dt.datetime) -> overlap.AlertChanges:
    """Take the lease and find the overlaps of one step's tokens."""
    lease.take(session, now=now)
    return _find(session, tokens, now=now)


def _finish(
    session: Session, jobs: list[Row[Any]], changes: overlap.AlertChanges, *, now: dt.datetime
) -> list[Detected]:
    """Delete the jobs and record each, once: only those this transaction deleted."""
    deleted = set(
        session.execute(
            delete(JOBS)
            .where(among(session, JOBS.c.id, [job.id for job in jobs]))
            .returning(JOBS.c.id)
        ).scalars()
    )
    detected = []
    for job in jobs:
        if job.id not in deleted:
            continue  # another SQLite worker finished it between two of this run's steps
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


def _find(session: Session, tokens: Sequence[bytes], *, now: dt.datetime) -> overlap.AlertChanges:
    """Recount and make the alerts of these shared tokens, then group the new ones into links.

    Benign hubs among them raise and count nothing; they are read only to show that their kin,
    held by the same signals (a switchboard's swapped-pair keys), repeat them.
    """
    kept = overlap.without_benign_hubs(session, tokens)
    if not kept:
        return overlap.AlertChanges(0, 0, 0)
    hubs = sorted(set(tokens).difference(kept))
    with alert_filters.deferred(session):  # what the three touch is refreshed once
        changes = overlap.refresh_alerts(session, kept, now=now, create=True, hubs=hubs)
        links.detach_outgrown(session, kept)
        links.link_new_alerts(session, changes.made)
    return changes


def _plus(done: overlap.AlertChanges, step: overlap.AlertChanges) -> overlap.AlertChanges:
    return overlap.AlertChanges(
        done.created + step.created,
        done.updated + step.updated,
        done.emptied + step.emptied,
        done.made + step.made,
    )


def in_steps(held: Iterable[tuple[int, bytes]], *, size: int | None) -> list[list[bytes]]:
    """Split (signal id, token) pairs into token lists of about size, a signal's tokens in one.

    Signals are taken in id order, as their batch stored them; a token already in an earlier
    step is not repeated. Without size, all in one. At least one list. Benign hubs stay with
    their signal's tokens (:func:`_find` leaves them out of the alerts).
    """
    of_signal: dict[int, dict[bytes, None]] = {}
    for signal_id, token in held:
        of_signal.setdefault(signal_id, {})[token] = None
    parts: list[list[bytes]] = []
    step: list[bytes] = []
    taken: set[bytes] = set()
    for signal_id in sorted(of_signal):
        new = [token for token in of_signal[signal_id] if token not in taken]
        if size is not None and step and len(step) + len(new) > size:
            parts.append(sorted(step))
            step = []
        step += new
        taken.update(new)
    return [*parts, sorted(step)]


def shared_tokens(session: Session, jobs: list[Row[Any]]) -> list[tuple[int, bytes]]:
    """Return (signal id, token) of the jobs' batches' tokens another agency's signal holds too.

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
            among(session, SIGNALS.c.batch_id, [job.batch_id for job in jobs])
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
    statement = select(mine.c.signal_id, mine.c.token).where(
        or_(*(mine.c.signal_id.between(low, high) for low, high in ranges.values())),
        held_elsewhere,
    )
    return [(signal_id, token) for signal_id, token in session.execute(statement)]


def drain(session: Session, *, agencies: Agencies | None = None) -> list[Detected]:
    """Work off queued jobs, one run at a time, until a run finds none; one entry per batch.

    On SQLite each run goes in steps that give way to agencies' requests (module docstring);
    on PostgreSQL each is one transaction, started once no agency's request is in flight.
    Tests and the in-process worker call this; ``kruispunt-matcher worker`` loops over it.
    """
    stepwise = dialect_name(session) == "sqlite"
    done: list[Detected] = []
    while True:
        if stepwise:
            detected = run_in_steps(session, agencies=agencies)
        else:
            if agencies is not None:
                agencies.give_way()
            detected = run_next(session)
            session.commit()
        if not detected:  # each path committed its run already
            return done
        done += detected
