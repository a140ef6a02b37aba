"""The append-only, hash-chained audit log: who did what to personal data, and proof of it.

Each entry's hash is ``sha256(prev_hash || canonical JSON of the entry)``. Appends are serialized
by the single ``audit_head`` row, updated in the appending transaction: ``UPDATE ... RETURNING``
takes a row lock that the next writer waits on (any process, any host), so the chain never forks.
Details hold counts, ids and statuses only: never an identifier, a token or a credential.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from matcher.models import AuditEntry, AuditHead

GENESIS = "0" * 64
HEAD_ID = 1
SYSTEM = "system"
CLI = "cli"

Scalar = str | int | bool | None


class AuditVerification(NamedTuple):
    """The result of checking the whole chain, and the head it was checked up to."""

    ok: bool
    entries: int
    first_bad_id: int | None
    reason: str
    last_id: int | None = None
    last_hash: str = GENESIS


def agency_actor(agency_id: int) -> str:
    """Name an agency as an audit actor (never its token)."""
    return f"agency:{agency_id}"


def user_actor(user_id: int) -> str:
    """Name a dashboard or API user as an audit actor (never its token)."""
    return f"user:{user_id}"


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    # hash one form whatever the database gives back (aware UTC, or naive UTC on SQLite)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def _check_details(details: Mapping[str, object]) -> dict[str, object]:
    clean: dict[str, object] = {}
    for key, value in details.items():
        items = value if isinstance(value, list | tuple) else [value]
        if not all(isinstance(item, Scalar) for item in items):
            # bytes (tokens), floats (do not round-trip exactly) and objects are refused
            raise TypeError(f"audit detail {key!r} must be text, an integer, a boolean or a list")
        clean[str(key)] = list(value) if isinstance(value, list | tuple) else value
    return clean


def entry_hash(
    prev_hash: str,
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    subject: str,
    details: Mapping[str, object],
) -> str:
    """Return the chained hash of one entry's content after prev_hash."""
    canonical = json.dumps(
        {
            "at": _naive_utc(at).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "subject": subject,
            "details": details,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(prev_hash.encode("ascii") + canonical.encode("utf-8")).hexdigest()


def _ensure_head(session: Session) -> None:
    values = {"id": HEAD_ID, "last_id": None, "last_hash": GENESIS, "entries": 0}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(AuditHead).values(**values).on_conflict_do_nothing())


def _lock_head(session: Session) -> tuple[str, int]:
    statement = (
        update(AuditHead)
        .where(col(AuditHead.id) == HEAD_ID)
        .values(entries=col(AuditHead.entries) + 1)
        .returning(col(AuditHead.last_hash), col(AuditHead.entries))
    )
    row = session.execute(statement).first()
    if row is None:
        _ensure_head(session)
        row = session.execute(statement).one()
    return str(row[0]), int(row[1])


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str = "",
    details: Mapping[str, object] | None = None,
) -> AuditEntry:
    """Append an entry inside the caller's transaction; it is kept only if the caller commits."""
    clean = _check_details(details or {})
    prev_hash, _count = _lock_head(session)
    at = dt.datetime.now(dt.UTC)
    digest = entry_hash(
        prev_hash, at=at, actor=actor, action=action, subject=subject, details=clean
    )
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        details=clean,
        prev_hash=prev_hash,
        hash=digest,
    )
    session.add(entry)
    session.flush()
    session.execute(
        update(AuditHead)
        .where(col(AuditHead.id) == HEAD_ID)
        .values(last_hash=digest, last_id=entry.id)
    )
    return entry


def _consistent_snapshot(session: Session) -> None:
    # the walk and the head must see one moment, or a concurrent append looks like a removal;
    # SQLite's BEGIN IMMEDIATE gives that already, PostgreSQL needs REPEATABLE READ
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def verify(
    session: Session, *, batch_size: int = 1000, checkpoints: Mapping[int, str] | None = None
) -> AuditVerification:
    """Walk the chain in order and report the first entry that was changed, inserted or removed.

    checkpoints maps a position in the chain (its N-th entry) to the hash a signed checkpoint
    recorded for it (:mod:`matcher.checkpoints`): a rewritten, rehashed or truncated chain
    disagrees with them even when it is consistent in itself.
    """
    _consistent_snapshot(session)
    signed = {position: digest for position, digest in (checkpoints or {}).items() if position}
    expected_prev = GENESIS
    count = 0
    last_id: int | None = None
    # plain rows, not ORM objects: the session's identity map must not hide what is stored
    columns = (
        col(AuditEntry.id),
        col(AuditEntry.at),
        col(AuditEntry.actor),
        col(AuditEntry.action),
        col(AuditEntry.subject),
        col(AuditEntry.details),
        col(AuditEntry.prev_hash),
        col(AuditEntry.hash),
    )
    rows = session.execute(
        select(*columns).order_by(col(AuditEntry.id)).execution_options(yield_per=batch_size)
    )
    try:
        for entry_id, at, actor, action, subject, details, prev_hash, stored_hash in rows:
            count += 1
            if prev_hash != expected_prev:
                return AuditVerification(
                    False, count, entry_id, "an entry before this one was removed or inserted"
                )
            digest = entry_hash(
                prev_hash, at=at, actor=actor, action=action, subject=subject, details=details
            )
            if digest != stored_hash:
                return AuditVerification(False, count, entry_id, "this entry was changed")
            if signed.get(count, stored_hash) != stored_hash:
                return AuditVerification(
                    False,
                    count,
                    entry_id,
                    "this entry differs from a signed checkpoint: the log was rewritten",
                )
            expected_prev = stored_hash
            last_id = entry_id
    finally:
        rows.close()  # a server-side cursor on PostgreSQL
    if signed and count < max(signed):
        return AuditVerification(
            False,
            count,
            None,
            f"a signed checkpoint recorded {max(signed)} entries: entries were removed",
        )
    result = _compare_with_head(session, count=count, last_hash=expected_prev, last_id=last_id)
    return result._replace(last_id=last_id, last_hash=expected_prev)


def _compare_with_head(
    session: Session, *, count: int, last_hash: str, last_id: int | None
) -> AuditVerification:
    head = session.execute(
        select(col(AuditHead.last_hash), col(AuditHead.entries), col(AuditHead.last_id)).where(
            col(AuditHead.id) == HEAD_ID
        )
    ).first()
    if head is None:
        if count == 0:
            return AuditVerification(True, 0, None, "the log is empty")
        return AuditVerification(False, count, None, "the chain's head row is missing")
    if head.last_hash != last_hash or head.entries != count or head.last_id != last_id:
        # the newest entries were removed (or the head was edited): name the last one recorded
        return AuditVerification(
            False, count, head.last_id, "the chain ends before its head: entries were removed"
        )
    return AuditVerification(True, count, None, f"{count} entries, chain intact")


def count_entries(session: Session) -> int:
    """Return how many entries the log holds."""
    return int(session.execute(select(func.count()).select_from(AuditEntry)).scalar_one())
