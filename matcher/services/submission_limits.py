"""Per-agency submission limits and the unusual-submission signal (design non-negotiable 11).

In the shared-key (``hmac``) mode any agency can compute the token of a guess, so the matcher
bounds how much an agency may submit and shows administrators what looks like guessing.

**What is counted: signals, weighed by their tokens.** A signal is one row of an agency's
export. Each signal counts once for every :data:`TOKENS_PER_COUNTED_SIGNAL` tokens it carries
(rounded up): an honest row with a phone, an address and a person with a date of birth, near-match
tokens included, stays within one count (the client makes 17-26 tokens per signal on average), so
near-match tokens do not throttle an honest agency; a guesser who packs a signal with the most
tokens a signal may hold (``client.wire.MAX_TOKENS_PER_SIGNAL``) pays for every
:data:`TOKENS_PER_COUNTED_SIGNAL` of them. So an agency can test at most
``TOKENS_PER_COUNTED_SIGNAL`` guesses per counted signal.

- per batch: ``SUBMIT_SIGNALS_PER_BATCH`` (the agency's own ``signals_per_batch`` if set);
- per UTC day: ``SUBMIT_SIGNALS_PER_DAY`` (or the agency's ``signals_per_day``), counted in
  ``submission_day`` by a conditional ``UPDATE``: concurrent batches of one agency, in any
  process, cannot together pass the limit, and a batch that fails rolls its count back.

Above a limit the batch is refused with 429 ``rate_limited`` and ``Retry-After`` (seconds until
the next UTC day). Refusals and unusual submissions are audited and listed for administrators
on the dashboard's Submissions page the moment they happen. A batch is *unusual* when

- ``volume``: the agency's signals today pass ``UNUSUAL_VOLUME_FACTOR`` times its busiest day
  of the previous 28 days (and at least ``UNUSUAL_MIN_SIGNALS``); flagged once per day;
- ``fresh_tokens_of_one_kind``: at least :data:`MIN_TOKENS_FOR_SHARE` tokens, of which
  :data:`ONE_KIND_SHARE` or more are of one kind, and of those :data:`FRESH_SHARE` or more
  were new to the matcher (a dictionary of guesses mostly misses), estimated from a sample of
  :data:`FRESH_SAMPLE` of them. This one reads what other agencies hold, so the batch's
  detection job samples it after the receipt (:func:`check_fresh`), never the submit.

The signal never changes the agency's answer (design non-negotiable 9): only administrators
see it. No Flask here: the settings come in as a :class:`SubmissionPolicy`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import distinct, func, select, update
from sqlmodel import Session, col
from sqlmodel import select as sql_select

from matcher import audit
from matcher.errors import InvalidRequest, RateLimited
from matcher.models import Agency, AuditEntry, SubmissionDay
from matcher.services.bulk import among_partitioned, dialect_insert
from matcher.services.tables import BATCHES, SIGNAL_TOKENS, SIGNALS, SUBMISSION_DAYS

HISTORY_DAYS = 28
#: tokens that count as one signal against the limits (see the module's docstring)
TOKENS_PER_COUNTED_SIGNAL = 32
MIN_TOKENS_FOR_SHARE = 1_000
ONE_KIND_SHARE = 0.9
FRESH_SHARE = 0.9
#: tokens of the batch looked up to estimate the share of new ones
FRESH_SAMPLE = 500
REFUSED = "submission.refused"
UNUSUAL = "submission.unusual"


@dataclass(frozen=True)
class SubmissionPolicy:
    """The matcher-wide limits and thresholds (settings); agencies may have their own limits."""

    signals_per_batch: int = 10_000
    signals_per_day: int = 50_000
    unusual_volume_factor: int = 5
    unusual_min_signals: int = 2_000


@dataclass(frozen=True)
class Admission:
    """A batch let in: how many signals the agency has sent today, this batch included."""

    day: dt.date
    signals_today: int
    signals: int


def seconds_to_next_day(now: dt.datetime) -> int:
    """Return the whole seconds until the next UTC midnight (at least 1)."""
    tomorrow = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
    return max(1, int((tomorrow - now).total_seconds()) + 1)


def limits_for(session: Session, agency_id: int, policy: SubmissionPolicy) -> tuple[int, int]:
    """Return the agency's (signals per batch, signals per day)."""
    agency = session.get(Agency, agency_id)
    per_batch = policy.signals_per_batch
    per_day = policy.signals_per_day
    if agency is not None:
        per_batch = agency.signals_per_batch or per_batch
        per_day = agency.signals_per_day or per_day
    return per_batch, per_day


def _refuse(rule: str, message: str, *, now: dt.datetime, details: dict[str, int]) -> RateLimited:
    error = RateLimited(message, code="rate_limited", retry_after=seconds_to_next_day(now))
    error.audit_details = {"rule": rule, **details}
    return error


def counted_signals(tokens_per_signal: Iterable[int]) -> int:
    """Return what a batch counts against the limits: each signal once per 32 tokens begun."""
    return sum(max(1, -(-tokens // TOKENS_PER_COUNTED_SIGNAL)) for tokens in tokens_per_signal)


def admit(
    session: Session, *, agency_id: int, signals: int, now: dt.datetime, policy: SubmissionPolicy
) -> Admission:
    """Count a batch's signals against the agency's limits; raise RateLimited when over one."""
    per_batch, per_day = limits_for(session, agency_id, policy)
    if signals > per_batch:
        raise _refuse(
            "signals_per_batch",
            f"This batch has more signals than your agency may send in one batch ({per_batch})."
            " Split the export into smaller batches.",
            now=now,
            details={"signals": signals, "limit": per_batch},
        )
    day = now.date()
    session.execute(
        dialect_insert(session, SUBMISSION_DAYS)
        .values(agency_id=agency_id, day=day, signals=0, batches=0)
        .on_conflict_do_nothing()
    )
    counted = session.execute(
        update(SubmissionDay)
        .where(
            col(SubmissionDay.agency_id) == agency_id,
            col(SubmissionDay.day) == day,
            col(SubmissionDay.signals) + signals <= per_day,
        )
        .values(
            signals=col(SubmissionDay.signals) + signals,
            batches=col(SubmissionDay.batches) + 1,
        )
        .returning(col(SubmissionDay.signals))
    ).scalar_one_or_none()
    if counted is None:
        raise _refuse(
            "signals_per_day",
            f"Your agency has reached its limit of {per_day} signals a day. Send the rest after "
            "midnight (UTC), or ask the matcher's administrator for a higher limit.",
            now=now,
            details={"signals": signals, "limit": per_day},
        )
    return Admission(day=day, signals_today=int(counted), signals=signals)


def record_refusal(session: Session, *, agency_id: int, error: RateLimited) -> None:
    """Audit a refused batch (in its own transaction: the batch itself was rolled back)."""
    audit.record(
        session,
        actor=audit.agency_actor(agency_id),
        action=REFUSED,
        subject=f"agency:{agency_id}",
        details=dict(error.audit_details),
    )


def busiest_day(session: Session, *, agency_id: int, before: dt.date) -> int:
    """Return the most signals the agency sent on one day of the HISTORY_DAYS before a day."""
    most = session.execute(
        select(func.max(col(SubmissionDay.signals))).where(
            col(SubmissionDay.agency_id) == agency_id,
            col(SubmissionDay.day) < before,
            col(SubmissionDay.day) >= before - dt.timedelta(days=HISTORY_DAYS),
        )
    ).scalar_one_or_none()
    return int(most or 0)


def _volume_threshold(history: int, policy: SubmissionPolicy) -> int:
    return max(policy.unusual_min_signals, policy.unusual_volume_factor * history)


def check_unusual(
    session: Session,
    *,
    agency_id: int,
    batch_id: str,
    admission: Admission,
    policy: SubmissionPolicy,
) -> list[str]:
    """At submit: audit the batch as unusual by volume when it is; return the reasons.

    Reads the agency's own counters only. The share of fresh tokens, which needs what other
    agencies hold, is sampled after the receipt by the batch's detection job (:func:`check_fresh`).
    """
    reasons: list[str] = []
    history = busiest_day(session, agency_id=agency_id, before=admission.day)
    threshold = _volume_threshold(history, policy)
    before_batch = admission.signals_today - admission.signals
    if admission.signals_today > threshold >= before_batch:
        reasons.append("volume")
        _record_unusual(
            session,
            agency_id=agency_id,
            batch_id=batch_id,
            details={
                "reasons": reasons,
                "signals": admission.signals,
                "signals_today": admission.signals_today,
                "busiest_day": history,
            },
        )
    return reasons


def _record_unusual(
    session: Session, *, agency_id: int, batch_id: str, details: dict[str, object]
) -> None:
    """Audit a batch as unusual, for administrators (``/admin/submissions``); never in an answer."""
    audit.record(
        session,
        actor=audit.agency_actor(agency_id),
        action=UNUSUAL,
        subject=f"batch:{batch_id}",
        details=details,
    )


def check_fresh(session: Session, *, agency_id: int, batch_id: str) -> list[str]:
    """In the batch's detection job: audit it as unusual when it is mostly fresh tokens of one kind.

    Peppered tokens are uniformly random, so the batch's first :data:`FRESH_SAMPLE` tokens of its
    main kind in token order are a fair sample (a share within about 2 points). A token is fresh
    when no signal of another batch holds it. Returns the reasons (empty when not unusual).
    """
    per_kind = session.execute(
        select(BATCHES.c.tokens_per_kind).where(BATCHES.c.id == batch_id)
    ).scalar_one_or_none()
    total = sum((per_kind or {}).values())
    if total < MIN_TOKENS_FOR_SHARE or not per_kind:
        return []
    kind, count = max(per_kind.items(), key=lambda item: item[1])
    if count < ONE_KIND_SHARE * total:
        return []
    mine = SIGNAL_TOKENS.alias("mine")
    sample = list(
        session.execute(
            select(mine.c.token)
            .join(SIGNALS, SIGNALS.c.id == mine.c.signal_id)
            .where(SIGNALS.c.batch_id == batch_id, mine.c.kind == kind)
            .distinct()
            .order_by(mine.c.token)
            .limit(FRESH_SAMPLE)
        ).scalars()
    )
    if not sample:
        return []
    other = SIGNAL_TOKENS.alias("other")
    seen_before = session.execute(
        select(func.count(distinct(other.c.token)))
        .select_from(other.join(SIGNALS, SIGNALS.c.id == other.c.signal_id))
        .where(among_partitioned(session, other.c.token, sample), SIGNALS.c.batch_id != batch_id)
    ).scalar_one()
    fresh = len(sample) - int(seen_before)
    if fresh < FRESH_SHARE * len(sample):
        return []
    reasons = ["fresh_tokens_of_one_kind"]
    _record_unusual(
        session,
        agency_id=agency_id,
        batch_id=batch_id,
        details={
            "reasons": reasons,
            "kind": kind,
            "tokens": count,
            "fresh_percent": round(100 * fresh / len(sample)),
            "sampled": len(sample),
        },
    )
    return reasons


def recent_events(session: Session, *, since: dt.datetime, limit: int = 200) -> list[AuditEntry]:
    """Return the refused and unusual submissions since a moment, newest first."""
    return list(
        session.exec(
            sql_select(AuditEntry)
            .where(
                col(AuditEntry.action).in_((UNUSUAL, REFUSED)),
                col(AuditEntry.at) >= since,
            )
            .order_by(col(AuditEntry.id).desc())
            .limit(limit)
        )
    )


def set_agency_limits(
    session: Session,
    agency: Agency,
    *,
    per_batch: int | None,
    per_day: int | None,
    actor: str,
) -> None:
    """Give an agency limits of its own (None: the matcher's setting applies again)."""
    for value in (per_batch, per_day):
        if value is not None and value < 1:
            raise InvalidRequest("A limit is a whole number of signals, at least 1.")
    agency.signals_per_batch = per_batch
    agency.signals_per_day = per_day
    session.add(agency)
    audit.record(
        session,
        actor=actor,
        action="agency.limits",
        subject=f"agency:{agency.id}",
        details={"signals_per_batch": per_batch, "signals_per_day": per_day},
    )
