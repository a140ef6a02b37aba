"""Ingest a batch: check its key, store peppered tokens atomically and idempotently, raise alerts.

One transaction, in this order (design non-negotiables 3-8):

1. the batch's scheme and key fingerprint must name a current key epoch (409 otherwise);
2. a batch id stored already: the same agency gets its first receipt back, another agency 409;
3. in a savepoint: the batch row first (its primary key is the batch id, so a concurrent replay
   waits on it and then fails on the constraint), then the signals and their peppered tokens;
4. lock the batch's tokens in sorted order and create or recount the alerts of the tokens now
   held by two or more agencies (:mod:`matcher.services.overlap`);
5. audit, counts only.

A constraint violation in step 3 rolls the savepoint back and is explained afterwards: a replay
that raced the first upload, a batch id another agency took, or a reference the agency holds.
The caller commits; nothing is stored if it does not.
"""

from __future__ import annotations

import datetime as dt
import uuid
from binascii import a2b_base64
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from client.wire import Batch as WireBatch
from client.wire import Category, Kind, Receipt
from matcher import audit
from matcher.errors import Conflict, InvalidRequest
from matcher.models import Batch, KeyEpoch, KeyEpochStatus, Signal, SignalToken
from matcher.pepper import Applier, Pepper
from matcher.services import overlap
from matcher.services.bulk import among, insert_rows

BATCHES: Table = Batch.__table__  # type: ignore[attr-defined]
SIGNALS: Table = Signal.__table__  # type: ignore[attr-defined]
SIGNAL_TOKENS: Table = SignalToken.__table__  # type: ignore[attr-defined]
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
#: at most this many locations are listed in an error; the message gives the total
MAX_ERROR_FIELDS = 50
#: plain strings for the driver (enum members cost an attribute lookup per row)
KIND_NAMES = {kind: kind.value for kind in Kind}
CATEGORY_NAMES = {category: category.value for category in Category}
_URLSAFE = bytes.maketrans(b"-_", b"+/")
_FETCH_KEY = (
    "Fetch the current key (and its epoch) from the federation's key custodian and prepare "
    "the export again."
)


@dataclass
class _Prepared:
    """A batch turned into rows: peppered tokens, deduplicated per signal, sorted by ref."""

    signals: list[tuple[Any, ...]] = field(default_factory=list)
    #: per ref: the signal's distinct (peppered token, kind, level)
    tokens: dict[str, set[tuple[bytes, str, str]]] = field(default_factory=dict)
    tokens_per_kind: Counter[str] = field(default_factory=Counter)

    @property
    def token_count(self) -> int:
        return sum(self.tokens_per_kind.values())


def submit_batch(session: Session, *, agency_id: int, batch: WireBatch, pepper: Pepper) -> Receipt:
    """Store a validated batch for agency_id and return its receipt (the first one on a replay)."""
    _check_key(session, batch)
    stored = _stored_receipt(session, batch_id=batch.batch_id, agency_id=agency_id)
    if stored is not None:
        return stored
    prepared = _prepare(batch, pepper=pepper, agency_id=agency_id)
    received_at = dt.datetime.now(dt.UTC)
    try:
        with session.begin_nested():
            changes = _store(
                session, agency_id=agency_id, batch=batch, prepared=prepared, now=received_at
            )
    except IntegrityError:
        return _explain_conflict(session, agency_id=agency_id, batch=batch, prepared=prepared)
    audit.record(
        session,
        actor=audit.agency_actor(agency_id),
        action="batch.submit",
        subject=f"batch:{batch.batch_id}",
        details={
            "signals": len(prepared.signals),
            "tokens": prepared.token_count,
            "alerts_created": changes.created,
            "alerts_updated": changes.updated,
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


class _Appliers(dict[tuple[str, str], Applier]):
    """The pepper of each (kind, level) of one batch's scheme and epoch, made on first use."""

    def __init__(self, pepper: Pepper, batch: WireBatch) -> None:
        super().__init__()
        self.pepper, self.scheme, self.epoch = pepper, batch.scheme.value, batch.key_epoch

    def __missing__(self, domain: tuple[str, str]) -> Applier:
        kind, level = domain
        apply = self.pepper.applier(scheme=self.scheme, epoch=self.epoch, kind=kind, level=level)
        self[domain] = apply
        return apply


def _token_bytes(text: str) -> bytes:
    # the view validated the text (43 base64url characters); decode without checking again
    return a2b_base64(text.encode("ascii").translate(_URLSAFE) + b"=")


def _prepare(batch: WireBatch, *, pepper: Pepper, agency_id: int) -> _Prepared:
    """Pepper every token and build the rows; refuse a reference used twice in the batch."""
    prepared = _Prepared()
    appliers = _Appliers(pepper, batch)
    positions: dict[str, int] = {}
    repeated: list[int] = []
    batch_id = str(batch.batch_id)
    for index, signal in enumerate(batch.signals):
        if signal.ref in positions:
            repeated.append(index)
            continue
        positions[signal.ref] = index
        # a set: a token listed twice in one signal is stored (and counted) once
        tokens = {
            (appliers[kind, item.level](_token_bytes(item.token)), kind, item.level)
            for item in signal.tokens
            for kind in (KIND_NAMES[item.kind],)
        }
        prepared.tokens[signal.ref] = tokens
        prepared.signals.append(
            (
                agency_id,
                signal.ref,
                batch_id,
                CATEGORY_NAMES[signal.category],
                signal.observed_on,
                signal.retain_until,
            )
        )
    prepared.tokens_per_kind.update(
        map(itemgetter(1), chain.from_iterable(prepared.tokens.values()))
    )
    if repeated:
        raise InvalidRequest(
            f"{len(repeated)} signal(s) repeat a reference used earlier in this batch; "
            "every signal needs its own reference.",
            code="invalid_batch",
            fields=[
                {"location": f"signals.{index}.ref", "rule": "duplicate_ref"}
                for index in repeated[:MAX_ERROR_FIELDS]
            ],
        )
    prepared.signals.sort(key=lambda row: row[1])  # one lock order for concurrent uploads
    return prepared


def _store(
    session: Session, *, agency_id: int, batch: WireBatch, prepared: _Prepared, now: dt.datetime
) -> overlap.AlertChanges:
    """Write the batch, its signals and tokens, then detect overlaps; raise on a constraint."""
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
            # Core columns, not ORM attributes: no ORM row loading for thousands of rows
            select(SIGNALS.c.ref, SIGNALS.c.id).where(
                SIGNALS.c.batch_id == batch_id, SIGNALS.c.agency_id == agency_id
            )
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
    shared = overlap.lock_batch_tokens(session, batch_id=batch_id, agency_id=agency_id, now=now)
    shared = overlap.without_benign_hubs(session, shared)
    return overlap.refresh_alerts(session, shared, now=now, create=True)


def _explain_conflict(
    session: Session, *, agency_id: int, batch: WireBatch, prepared: _Prepared
) -> Receipt:
    """After a constraint failed: return the replay's receipt, or say which rule was broken."""
    stored = _stored_receipt(session, batch_id=batch.batch_id, agency_id=agency_id)
    if stored is not None:
        return stored
    refs = list(prepared.tokens)
    held: set[str] = set()
    for chunk in overlap.chunks(refs):
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
