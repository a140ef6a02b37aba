"""Agencies that may ask for evaluations: their bearer tokens (stored hashed) and daily quotas.

A token is 256 random bits, so one SHA-256 is a sufficient hash: nothing to brute-force, and the
lookup is a single indexed query per request. The token is shown once, when the agency is added.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from keyservice import db
from keyservice.errors import Conflict, InvalidRequest, NotFound, Unauthorized

TOKEN_PREFIX = "kpks_"  # noqa: S105  (a marker that makes leaked tokens findable, not a secret)
_UNAUTHORIZED = (
    "A valid agency token is required (Authorization: Bearer ...); ask the key service operator."
)


@dataclass(frozen=True)
class Agency:
    """An agency as the key service knows it; never its token."""

    id: int
    name: str
    daily_quota: int
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _from_row(row: Row[tuple[int, str, int, dt.datetime, dt.datetime | None]]) -> Agency:
    created = db.as_utc(row.created_at)
    assert created is not None  # a NOT NULL column
    return Agency(row.id, row.name, row.daily_quota, created, db.as_utc(row.revoked_at))


_COLUMNS = (
    db.agency.c.id,
    db.agency.c.name,
    db.agency.c.daily_quota,
    db.agency.c.created_at,
    db.agency.c.revoked_at,
)


def add_agency(conn: Connection, name: str, *, daily_quota: int) -> tuple[Agency, str]:
    """Register an agency; return it and its bearer token, which is stored only as a hash."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidRequest("An agency name is 1 to 100 characters.", code="invalid_name")
    if daily_quota < 1:
        raise InvalidRequest("A daily quota is at least 1 evaluation.", code="invalid_quota")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        conn.execute(
            insert(db.agency).values(
                name=name, token_hash=_hash(token), daily_quota=daily_quota, created_at=db.utcnow()
            )
        )
    except IntegrityError as error:
        raise Conflict(f"An agency named {name!r} exists already.", code="agency_exists") from error
    return get_agency(conn, name), token


def get_agency(conn: Connection, name: str) -> Agency:
    """Return an agency by name."""
    row = conn.execute(select(*_COLUMNS).where(db.agency.c.name == name)).first()
    if row is None:
        raise NotFound("No such agency; see `kruispunt-keyservice agency list`.")
    return _from_row(row)


def list_agencies(conn: Connection) -> list[Agency]:
    """Return every agency, revoked ones included, by name."""
    return [_from_row(row) for row in conn.execute(select(*_COLUMNS).order_by(db.agency.c.name))]


def revoke_agency(conn: Connection, name: str) -> Agency:
    """Revoke an agency's token for good; its log entries stay."""
    agency = get_agency(conn, name)
    if agency.active:
        conn.execute(
            update(db.agency).where(db.agency.c.id == agency.id).values(revoked_at=db.utcnow())
        )
    return get_agency(conn, name)


def authenticate(conn: Connection, authorization: str | None) -> Agency:
    """Return the active agency named by an 'Authorization: Bearer <token>' header."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise Unauthorized(_UNAUTHORIZED)
    row = conn.execute(select(*_COLUMNS).where(db.agency.c.token_hash == _hash(token))).first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized(_UNAUTHORIZED)
    return _from_row(row)
