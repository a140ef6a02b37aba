"""Ingest a batch: check its key, store peppered tokens atomically and idempotently, queue it.

One transaction, in this order (design non-negotiables 3-9):

1. the batch's scheme and key fingerprint must name a current key epoch (409 otherwise);
2. a batch id stored already: the same agency gets its first receipt back, another agency 409;
3. in a savepoint: the agency's submission limits (429 above them, see
   :mod:`matcher.services.submission_limits`), then the batch row first (its primary key is the
   batch id, so a concurrent replay waits on it and then fails on the constraint), then the
   signals and their peppered tokens, written in bulk, and the batch's detection job
   (:mod:`matcher.services.detection`);
4. the unusual-submission signal by volume (the agency's own counters; audited for
   administrators, never in the answer; the share of fresh tokens is sampled by detection);
5. audit, counts only.

Nothing here reads another agency's data: overlaps are found after the receipt, from the queue,
so neither the receipt nor the time it takes tells an agency what others hold.
A constraint violation in step 3 rolls the savepoint back and is explained afterwards: a replay
that raced the first upload, a batch id another agency took, or a reference the agency holds.
The caller commits; nothing is stored if it does not.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from client.collector import no_cyclic_gc
from client.wire import Batch as WireBatch
from client.wire import Receipt
from matcher import audit
from matcher.errors import Conflict
from matcher.models import Batch, KeyEpoch, KeyEpochStatus, Signal
from matcher.pepper import Pepper
from matcher.services import detection, submission_limits
from matcher.services.batch_rows import MAX_ERROR_FIELDS, PreparedBatch, prepare
from matcher.services.bulk import among, chunks, insert_rows
from matcher.services.submission_limits import SubmissionPolicy
from matcher.services.tables import BATCHES, SIGNAL_TOKENS, SIGNALS

SIGNAL_COLUMNS = (
    "agency_id",
    "ref",
    "batch_id",
    "category",
    "observed_on",
    "retain_until",
    "created_at",
)
SIGNAL_TOKEN_COLUMNS = ("token", "signal_id", "agency_id", "kind", "level")
_FETCH_KEY = (
    "Fetch the current key (and its epoch) from the federation's key custodian and prepare "
    "the export again."
)


@no_cyclic_gc()  # a batch is some 100,000 short-lived rows, no cycles (client.collector)
def submit_batch(
    session: Session,
    *,
    agency_id: int,
    batch: WireBatch,
    pepper: Pepper,
    policy: SubmissionPolicy | None = None,
) -> Receipt:
    """Store a validated batch for agency_id and return its receipt (the first one on a replay).

    With a policy (the API always gives one) the batch counts against the agency's limits
    and is checked for the unusual-submission signal; a replay counts nothing.
    """
    _check_key(session, batch)
    stored = _stored_receipt(session, batch_id=batch.batch_id, agency_id=agency_id)
    if stored is not None:
        return stored
    prepared = prepare(batch, pepper=pepper, agency_id=agency_id)
    received_at = dt.datetime.now(dt.UTC)
    admission: submission_limits.Admission | None = None
    try:
        with session.begin_nested():
            if policy is not None:
                admission = submission_limits.admit(
                    session,
                    agency_id=agency_id,
                    signals=max(
                        len(prepared.signals),
                        submission_limits.counted_signals(map(len, prepared.tokens.values())),
                    ),
                    now=received_at,
                    policy=policy,
                )
            _store(
                session,
                agency_id=agency_id,
                batch=batch,
                prepared=prepared,
                now=received_at,
                check_fresh=policy is not None,
            )
    except IntegrityError:
        return _explain_conflict(session, agency_id=agency_id, batch=batch, prepared=prepared)
    if policy is not None and admission is not None:
        submission_limits.check_unusual(
            session,
            agency_id=agency_id,
            batch_id=str(batch.batch_id),
            admission=admission,
            policy=policy,
        )
    audit.record(
        session,
        actor=audit.agency_actor(agency_id),
        action="batch.submit",
        subject=f"batch:{batch.batch_id}",
        details={
            "signals": len(prepared.signals),
            "tokens": prepared.token_count,
        },
    )
    return Receipt(
        batch_id=batch.batch_id,
        received_at=received_at,
        signals=len(prepared.signals),
        tokens=prepared.token_count,
        tokens_per_kind=dict(sorted(prepared.tokens_per_kind.items())),
    )


def _check_key(session: Session, batch: WireBatch) -> None:
    """Refuse a batch made with a key the federation does not know or has retired."""
    scheme = batch.scheme.value
    epoch = session.execute(
        select(KeyEpoch).where(
            col(KeyEpoch.scheme) == scheme, col(KeyEpoch.fingerprint) == batch.key_fingerprint
        )
    ).scalar_one_or_none()
    named = f"scheme {scheme}, epoch {batch.key_epoch}"
    if epoch is None or epoch.epoch != batch.key_epoch:
        raise Conflict(
            f"The matcher does not know the key this batch was made with ({named}). {_FETCH_KEY}",
            code="unknown_key",
        )
    if epoch.status != KeyEpochStatus.CURRENT:
        raise Conflict(
            f"The key this batch was made with ({named}) has been retired. {_FETCH_KEY}",
            code="retired_key",
        )


def _stored_receipt(session: Session, *, batch_id: uuid.UUID, agency_id: int) -> Receipt | None:
    """Return the first receipt of a batch id this agency sent before; refuse another's id."""
    stored = session.get(Batch, str(batch_id), populate_existing=True)
    if stored is None:
        return None
    if stored.agency_id != agency_id:
        raise Conflict(
            "Another agency used this batch id. Prepare the export again to get a new batch id.",
            code="batch_id_taken",
        )
    audit.record(
        session,
        actor=audit.agency_actor(agency_id),
        action="batch.replay",
        subject=f"batch:{batch_id}",
        details={"signals": stored.signal_count, "tokens": stored.token_count},
    )
    return Receipt(
        batch_id=batch_id,
        received_at=stored.received_at,
        signals=stored.signal_count,
        tokens=stored.token_count,
        tokens_per_kind=dict(stored.tokens_per_kind),
        replay=True,
    )


def _store(
    session: Session,
    *,
    agency_id: int,
    batch: WireBatch,
    prepared: PreparedBatch,
    now: dt.datetime,
    check_fresh: bool,
) -> None:
    """Write the batch, its signals and tokens and its detection job; raise on a constraint."""
    batch_id = str(batch.batch_id)
    session.execute(
        insert(BATCHES).values(
            id=batch_id,
            agency_id=agency_id,
            received_at=now,
            scheme=batch.scheme.value,
            key_fingerprint=batch.key_fingerprint,
            key_epoch=batch.key_epoch,
            normalization_version=batch.normalization_version,
            signal_count=len(prepared.signals),
            token_count=prepared.token_count,
            tokens_per_kind=dict(sorted(prepared.tokens_per_kind.items())),
        )
    )
    insert_rows(session, SIGNALS, SIGNAL_COLUMNS, [(*row, now) for row in prepared.signals])
    signal_ids = dict(
        session.execute(
            # Core columns, not ORM attributes: no ORM row loading for thousands of rows. The
            # batch id alone: its batch row (primary key) is this transaction's, so every signal
            # of that id is too; adding the agency made PostgreSQL AND in the agency's index
            select(SIGNALS.c.ref, SIGNALS.c.id).where(SIGNALS.c.batch_id == batch_id)
        )
        .tuples()
        .all()
    )
    insert_rows(
        session,
        SIGNAL_TOKENS,
        SIGNAL_TOKEN_COLUMNS,
        [
            (token, signal_ids[ref], agency_id, kind, level)
            for ref, tokens in prepared.tokens.items()
            for token, kind, level in tokens
        ],
    )
    detection.enqueue(
        session, batch_id=batch_id, agency_id=agency_id, now=now, check_fresh=check_fresh
    )


def _explain_conflict(
    session: Session, *, agency_id: int, batch: WireBatch, prepared: PreparedBatch
) -> Receipt:
    """After a constraint failed: return the replay's receipt, or say which rule was broken."""
    stored = _stored_receipt(session, batch_id=batch.batch_id, agency_id=agency_id)
    if stored is not None:
        return stored
    refs = list(prepared.tokens)
    held: set[str] = set()
    for chunk in chunks(refs):
        held.update(
            session.execute(
                select(col(Signal.ref)).where(
                    col(Signal.agency_id) == agency_id, among(session, col(Signal.ref), chunk)
                )
            ).scalars()
        )
    if not held:
        raise Conflict(
            "The batch clashed with data stored at the same moment; send it again.",
            code="conflict",
        )
    locations = [
        {"location": f"signals.{index}.ref", "rule": "duplicate_ref"}
        for index, signal in enumerate(batch.signals)
        if signal.ref in held
    ]
    raise Conflict(
        f"{len(held)} reference(s) in this batch belong to signals your agency submitted "
        "before. Withdraw those signals first, or give the new signals new references.",
        code="duplicate_ref",
        fields=locations[:MAX_ERROR_FIELDS],
    )
