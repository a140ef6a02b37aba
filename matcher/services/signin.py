"""Dashboard sign-in policy: lockout after repeated failures, and the optional TOTP second factor.

Failures are counted in the database (``user_account.failed_logins``/``locked_until``) with an
atomic increment taken *before* the password is checked, so that several workers on several hosts
share one count and parallel guesses cannot all be checked before the lock. Every attempt is
audited. A known user is named by id; text typed for an unknown username is never recorded (it
is often a password typed in the wrong field). Callers commit whatever the outcome, so that a
failure is counted even though the answer is a refusal.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

import pyotp
from sqlalchemy import update
from sqlmodel import Session, col

from matcher import audit
from matcher.models import UserAccount
from matcher.services import users

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
TOTP_ISSUER = "Kruispunt"
#: accept the previous and the next 30-second step too, for clocks that drift a little
TOTP_DRIFT_STEPS = 1
ANONYMOUS = "anonymous"
# verified against when the username is unknown, so that both answers take as long
_DUMMY_HASH = users.HASHER.hash("kruispunt-timing-equalizer")


def now_utc() -> dt.datetime:
    """Return now in UTC (the tables store aware datetimes and give them back in UTC)."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Attempt:
    """The outcome of one sign-in step: who, whether it passed, and whether a code is due."""

    ok: bool
    user: UserAccount | None = None
    needs_code: bool = False
    reason: str = ""


def is_locked(user: UserAccount, *, now: dt.datetime) -> bool:
    """Tell whether the account is locked at this moment."""
    return user.locked_until is not None and user.locked_until > now


def _claim_attempt(session: Session, user: UserAccount, *, now: dt.datetime) -> int | None:
    """Count an attempt as failed before checking it; None (and no count) while locked.

    The increment takes the user's row lock until the caller commits, so parallel attempts on
    one account are checked one after another, each seeing the count the one before left: no
    more than MAX_FAILURES guesses are ever checked before the lock, however many arrive at once.
    """
    failures = session.execute(
        update(UserAccount)
        .where(col(UserAccount.id) == user.id)
        .values(failed_logins=col(UserAccount.failed_logins) + 1)
        .returning(col(UserAccount.failed_logins))
    ).scalar_one()
    session.refresh(user)
    if is_locked(user, now=now):
        _release_attempt(session, user)
        return None
    return int(failures)


def _release_attempt(session: Session, user: UserAccount) -> None:
    """Take back a claimed attempt that turned out not to be a failure."""
    session.execute(
        update(UserAccount)
        .where(col(UserAccount.id) == user.id)
        .values(failed_logins=col(UserAccount.failed_logins) - 1)
    )
    session.refresh(user)


def _fail(
    session: Session, user: UserAccount, *, reason: str, failures: int, now: dt.datetime
) -> Attempt:
    # the attempt was counted when claimed; the last allowed failure locks and ends sessions
    locked = failures >= MAX_FAILURES
    if locked:
        session.execute(
            update(UserAccount)
            .where(col(UserAccount.id) == user.id)
            .values(failed_logins=0, locked_until=now + LOCKOUT)
        )
        users.end_sessions(session, user)
    session.refresh(user)
    audit.record(
        session,
        actor=audit.user_actor(user.id or 0),
        action="login.failure",
        subject=audit.user_actor(user.id or 0),
        details={"reason": reason, "failures": failures, "locked": locked},
    )
    return Attempt(ok=False, user=user, reason=reason)


def _refuse_locked(session: Session, user: UserAccount) -> Attempt:
    audit.record(
        session,
        actor=audit.user_actor(user.id or 0),
        action="login.failure",
        subject=audit.user_actor(user.id or 0),
        details={"reason": "locked"},
    )
    return Attempt(ok=False, user=user, reason="locked")


def _succeed(session: Session, user: UserAccount, *, factor: str) -> Attempt:
    session.execute(
        update(UserAccount)
        .where(col(UserAccount.id) == user.id)
        .values(failed_logins=0, locked_until=None)
    )
    session.refresh(user)
    audit.record(
        session,
        actor=audit.user_actor(user.id or 0),
        action="login.success",
        subject=audit.user_actor(user.id or 0),
        details={"factor": factor, "role": user.role},
    )
    return Attempt(ok=True, user=user)


def attempt_password(
    session: Session, *, username: str, password: str, now: dt.datetime | None = None
) -> Attempt:
    """Check a username and password; a user with TOTP passes to the code step, not in."""
    moment = now or now_utc()
    user = users.find_user(session, username)
    if user is None:
        users.HASHER.verify(_DUMMY_HASH, "kruispunt-timing-equalizer")
        audit.record(
            session, actor=ANONYMOUS, action="login.failure", details={"reason": "unknown_user"}
        )
        return Attempt(ok=False, reason="unknown_user")
    failures = _claim_attempt(session, user, now=moment)
    if failures is None:
        return _refuse_locked(session, user)
    if not users.verify_password(session, user, password):
        return _fail(session, user, reason="bad_password", failures=failures, now=moment)
    if not user.active:
        return _fail(session, user, reason="inactive", failures=failures, now=moment)
    if user.totp_secret:
        _release_attempt(session, user)  # the password was right; the code step counts its own
        return Attempt(ok=True, user=user, needs_code=True)
    return _succeed(session, user, factor="password")


def _matching_step(secret: str, code: str, *, now: dt.datetime) -> int | None:
    totp = pyotp.TOTP(secret)
    moment = now if now.tzinfo is not None else now.replace(tzinfo=dt.UTC)
    current = totp.timecode(moment)
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code.strip()):
            return step
    return None


def accept_code(
    session: Session, user: UserAccount, code: str, *, now: dt.datetime | None = None
) -> bool:
    """Tell whether code is the user's current TOTP code, never accepting a step twice."""
    if not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code, now=now or now_utc())
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    # conditional update: two workers given the same code cannot both accept it
    claimed = session.execute(
        update(UserAccount)
        .where(col(UserAccount.id) == user.id)
        .where(col(UserAccount.totp_last_step).is_(None) | (col(UserAccount.totp_last_step) < step))
        .values(totp_last_step=step)
        .returning(col(UserAccount.id))
    ).first()
    session.refresh(user)
    return claimed is not None


def attempt_code(
    session: Session, *, user_id: int, code: str, now: dt.datetime | None = None
) -> Attempt:
    """Check the second factor of a user who gave the right password."""
    moment = now or now_utc()
    user = session.get(UserAccount, user_id)
    if user is None or not user.active:
        return Attempt(ok=False, reason="unknown_user")
    failures = _claim_attempt(session, user, now=moment)
    if failures is None:
        return _refuse_locked(session, user)
    if not accept_code(session, user, code, now=moment):
        return _fail(session, user, reason="bad_code", failures=failures, now=moment)
    return _succeed(session, user, factor="totp")


def new_totp_secret() -> str:
    """Return a fresh base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, *, username: str) -> str:
    """Return the otpauth:// URI an authenticator app reads."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)


def enrol_totp(
    session: Session,
    user: UserAccount,
    *,
    secret: str,
    code: str,
    now: dt.datetime | None = None,
) -> bool:
    """Turn on the second factor once the user proves the authenticator holds secret."""
    step = _matching_step(secret, code, now=now or now_utc())
    if step is None:
        return False
    user.totp_secret = secret
    user.totp_last_step = step
    session.add(user)
    audit.record(
        session,
        actor=audit.user_actor(user.id or 0),
        action="user.totp_enrol",
        subject=audit.user_actor(user.id or 0),
    )
    return True


def reset_totp(session: Session, user: UserAccount, *, actor: str) -> None:
    """Turn the second factor off (an administrator helping a user who lost the device)."""
    user.totp_secret = None
    user.totp_last_step = None
    session.add(user)
    audit.record(
        session, actor=actor, action="user.totp_reset", subject=audit.user_actor(user.id or 0)
    )


def unlock(session: Session, user: UserAccount, *, actor: str) -> None:
    """Lift a lockout before it ends by itself."""
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    audit.record(session, actor=actor, action="user.unlock", subject=audit.user_actor(user.id or 0))
