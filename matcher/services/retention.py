"""Retention by deletion: an agency withdraws its signals, and expired signals are purged.

Both delete the signals and their tokens for real (design non-negotiable 7), then recount the
alerts the tokens belong to (:mod:`.overlap`; an alert no signal holds forgets its token). They
take the detection lease first (:mod:`.lease`), as detection jobs do, so a withdrawal or purge
running beside detection, or beside another purge from a second cron host, neither loses nor
double-counts.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import delete, select
from sqlmodel import Session, col

from client.wire import WithdrawalReceipt
from matcher import audit
from matcher.models import Signal, SignalToken
from matcher.services import lease, links, overlap
from matcher.services.bulk import among, chunks, rowcount
from matcher.services.tables import SIGNAL_TOKENS, SIGNALS

#: signals deleted per round of statements
SIGNALS_PER_ROUND = 2000


class PurgeResult(NamedTuple):
    """What a purge deleted: signals, their signal tokens, and how many alerts it recounted."""

    signals: int
    tokens: int
    alerts_updated: int


def withdraw(session: Session, *, agency_id: int, refs: list[str]) -> WithdrawalReceipt:
    """Delete the agency's own signals by reference; refs it does not hold count as unknown."""
    wanted = sorted(set(refs))
    signal_ids: list[int] = []
    for chunk in chunks(wanted):
        signal_ids.extend(
            session.execute(
                select(col(Signal.id)).where(
                    col(Signal.agency_id) == agency_id, among(session, col(Signal.ref), chunk)
                )
            ).scalars()
        )
    removed = _delete_signals(session, signal_ids)
    receipt = WithdrawalReceipt(withdrawn=removed.signals, unknown=len(wanted) - removed.signals)
    audit.record(
        session,
        actor=audit.agency_actor(agency_id),
        action="signal.withdraw",
        subject=f"agency:{agency_id}",
        details={
            "requested": len(wanted),
            "withdrawn": receipt.withdrawn,
            "unknown": receipt.unknown,
            "tokens": removed.tokens,
            "alerts_updated": removed.alerts_updated,
        },
    )
    return receipt


def purge(session: Session, *, today: dt.date) -> PurgeResult:
    """Delete every signal whose retention ended before today; safe to run again and at once."""
    expired = list(
        session.execute(
            select(col(Signal.id)).where(col(Signal.retain_until) < today).order_by(col(Signal.id))
        ).scalars()
    )
    result = _delete_signals(session, expired)
    audit.record(
        session,
        actor=audit.SYSTEM,
        action="signal.purge",
        subject="retention",
        details={"today": today.isoformat(), **result._asdict()},
    )
    return result


def _delete_signals(session: Session, signal_ids: list[int]) -> PurgeResult:
    """Take the lease, delete signals and their tokens, recount the alerts of the tokens."""
    signals = tokens = alerts_updated = 0
    now = dt.datetime.now(dt.UTC)
    if signal_ids:
        lease.take(session, now=now)
    for chunk in chunks(signal_ids, SIGNALS_PER_ROUND):
        touched = sorted(
            session.execute(
                select(col(SignalToken.token))
                .where(among(session, col(SignalToken.signal_id), chunk))
                .distinct()
            ).scalars()
        )
        tokens += rowcount(
            session.execute(
                delete(SIGNAL_TOKENS).where(among(session, SIGNAL_TOKENS.c.signal_id, chunk))
            )
        )
        signals += rowcount(
            session.execute(delete(SIGNALS).where(among(session, SIGNALS.c.id, chunk)))
        )
        graded = links.alerts_of_tokens(session, touched)  # before refresh clears spent tokens
        changes = overlap.refresh_alerts(session, touched, now=now, create=False)
        links.regrade(session, graded)
        alerts_updated += changes.updated + changes.emptied
    return PurgeResult(signals, tokens, alerts_updated)
