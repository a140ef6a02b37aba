"""The pepper's fingerprint in the database: a restore with the wrong pepper refuses to start.

Tokens are stored peppered, so a database served with another pepper than the one it was built
with would accept batches and never match them with what it holds. ``db upgrade`` records the
fingerprint of the pepper in use; every start compares it with the pepper it loaded.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import Field, Session, SQLModel, select

from matcher.pepper import Pepper, PepperError


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PepperFingerprint(SQLModel, table=True):
    """One row: the fingerprint of the pepper this database's tokens were made with."""

    __tablename__ = "pepper_fingerprint"

    id: int = Field(default=1, primary_key=True)
    fingerprint: str = Field(max_length=64)
    recorded_at: dt.datetime = Field(default_factory=_utcnow)


def mismatch(stored: str, pepper: Pepper) -> PepperError:
    """Return the one-line error for a pepper that is not this database's."""
    return PepperError(
        f"the pepper (fingerprint {pepper.fingerprint[:12]}) is not the one this database was "
        f"built with ({stored[:12]}): restore the pepper file backed up with this database"
    )


def stored_fingerprint(session: Session) -> str | None:
    """Return the recorded fingerprint, or None before the first `db upgrade` recorded one."""
    row = session.get(PepperFingerprint, 1)
    return row.fingerprint if row is not None else None


def record(session: Session, pepper: Pepper) -> bool:
    """Record the pepper's fingerprint if none is; return True when it was recorded now."""
    stored = stored_fingerprint(session)
    if stored is None:
        session.add(PepperFingerprint(fingerprint=pepper.fingerprint))
        session.flush()
        return True
    if stored != pepper.fingerprint:
        raise mismatch(stored, pepper)
    return False


def check(engine: Engine, pepper: Pepper) -> None:
    """Refuse a pepper that differs from the recorded one.

    A database that cannot be reached yet, or has no schema yet, is not checked here: the
    commands and the health check report those, and `db upgrade` records the fingerprint.
    """
    try:
        with Session(engine) as session:
            stored = session.exec(
                select(PepperFingerprint.fingerprint).where(PepperFingerprint.id == 1)
            ).first()
    except (OperationalError, ProgrammingError):
        return
    if stored is not None and stored != pepper.fingerprint:
        raise mismatch(stored, pepper)
