"""The federation's register: agencies, their API tokens, and the key epochs the matcher accepts.

API tokens are 32 random bytes (URL-safe text), shown once at creation and stored as SHA-256.
Every change is audited; audit details hold ids and statuses, never a token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from client.wire import SchemeName
from matcher import audit
from matcher.errors import Conflict, InvalidRequest, NotFound
from matcher.models import Agency, AgencyKind, ApiToken, KeyEpoch, KeyEpochStatus, utcnow
from matcher.services import list_bits

AGENCY_SCOPES = ("submit", "withdraw", "alerts")
COORDINATOR_SCOPES = ("coordinator",)
DEFAULT_AGENCY_SCOPES = AGENCY_SCOPES
TOKEN_BYTES = 32
#: secrets.token_urlsafe(32) is 43 characters
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
_FINGERPRINT = re.compile(r"[0-9a-f]{32}")


def hash_token(token: str) -> bytes:
    """Return the stored form of an API token."""
    return hashlib.sha256(token.encode("ascii")).digest()


def add_agency(
    session: Session,
    *,
    name: str,
    kind: str,
    region: str,
    contact_point: str | None = None,
    actor: str,
) -> Agency:
    """Register an agency; names are unique."""
    if kind not in set(AgencyKind):
        raise InvalidRequest("An agency's kind is municipality, police, inspectorate or other.")
    if not name.strip() or not region.strip():
        raise InvalidRequest("An agency needs a name and a region.")
    if session.exec(select(Agency.id).where(col(Agency.name) == name)).first() is not None:
        raise Conflict("An agency with this name exists already.", code="agency_exists")
    # the region's bit for the alert list, before any alert can involve the region
    list_bits.assign_region(session, region)
    agency = Agency(name=name, kind=kind, region=region, contact_point=contact_point)
    session.add(agency)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="agency.add",
        subject=f"agency:{agency.id}",
        details={"kind": kind, "region": region},
    )
    return agency


def list_agencies(session: Session) -> list[Agency]:
    """Return every agency by name."""
    return list(session.exec(select(Agency).order_by(col(Agency.name))))


def find_agency(session: Session, name: str) -> Agency:
    """Return the agency of that name."""
    agency = session.exec(select(Agency).where(col(Agency.name) == name)).first()
    if agency is None:
        raise NotFound("No agency has this name; see `kruispunt-matcher agency list`.")
    return agency


def _checked_scopes(scopes: Iterable[str], allowed: tuple[str, ...]) -> str:
    chosen = sorted({scope.strip() for scope in scopes if scope.strip()})
    unknown = [scope for scope in chosen if scope not in allowed]
    if unknown or not chosen:
        raise InvalidRequest(f"Scopes must be chosen from: {', '.join(allowed)}.")
    return " ".join(chosen)


def create_api_token(
    session: Session,
    *,
    agency_id: int | None = None,
    user_id: int | None = None,
    scopes: Iterable[str] = DEFAULT_AGENCY_SCOPES,
    label: str = "",
    actor: str,
) -> tuple[ApiToken, str]:
    """Create a token for an agency or a user; return the row and the secret (never stored)."""
    if (agency_id is None) == (user_id is None):
        raise InvalidRequest("A token belongs to exactly one agency or one user.")
    allowed = AGENCY_SCOPES if agency_id is not None else COORDINATOR_SCOPES
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    row = ApiToken(
        agency_id=agency_id,
        user_id=user_id,
        token_hash=hash_token(secret),
        scopes=_checked_scopes(scopes, allowed),
        label=label,
    )
    session.add(row)
    session.flush()
    owner = f"agency:{agency_id}" if agency_id is not None else f"user:{user_id}"
    audit.record(
        session,
        actor=actor,
        action="token.create",
        subject=f"token:{row.id}",
        details={"owner": owner, "scopes": row.scopes},
    )
    return row, secret


def revoke_api_token(session: Session, *, token_id: int, actor: str) -> ApiToken:
    """Revoke a token; later requests with it fail like any unknown token."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("No API token has this id; see `kruispunt-matcher token list`.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        audit.record(session, actor=actor, action="token.revoke", subject=f"token:{row.id}")
    return row


def list_api_tokens(session: Session) -> list[ApiToken]:
    """Return every token row (never a secret: only hashes are kept)."""
    return list(session.exec(select(ApiToken).order_by(col(ApiToken.id))))


def find_active_token(session: Session, token: str) -> ApiToken | None:
    """Return the unrevoked token row for a presented secret, or None."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    statement = select(ApiToken).where(col(ApiToken.token_hash) == hash_token(token))
    row = session.exec(statement).first()
    if row is None or row.revoked_at is not None:
        return None
    return row


def add_key_epoch(
    session: Session, *, scheme: str, epoch: int, fingerprint: str, actor: str
) -> KeyEpoch:
    """Accept batches made with this key (known by its fingerprint only)."""
    if scheme not in set(SchemeName):
        raise InvalidRequest(f"The scheme is one of: {', '.join(SchemeName)}.")
    if epoch < 1:
        raise InvalidRequest("Epochs start at 1.")
    if not _FINGERPRINT.fullmatch(fingerprint):
        raise InvalidRequest("A key fingerprint is 32 lowercase hexadecimal characters.")
    row = KeyEpoch(scheme=scheme, epoch=epoch, fingerprint=fingerprint)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Conflict("This key fingerprint is registered already.", code="epoch_exists") from None
    audit.record(
        session,
        actor=actor,
        action="epoch.add",
        subject=f"epoch:{row.id}",
        details={"scheme": scheme, "epoch": epoch, "fingerprint": fingerprint},
    )
    return row


def retire_key_epoch(session: Session, *, scheme: str, epoch: int, actor: str) -> list[KeyEpoch]:
    """Refuse further batches made with this scheme's epoch; stored tokens stay."""
    statement = select(KeyEpoch).where(col(KeyEpoch.scheme) == scheme, col(KeyEpoch.epoch) == epoch)
    rows = list(session.exec(statement))
    if not rows:
        raise NotFound("No key epoch matches; see `kruispunt-matcher epoch list`.")
    now = utcnow()
    for row in rows:
        if row.status != KeyEpochStatus.RETIRED:
            row.status = KeyEpochStatus.RETIRED
            row.retired_at = now
            session.add(row)
            audit.record(
                session,
                actor=actor,
                action="epoch.retire",
                subject=f"epoch:{row.id}",
                details={"scheme": scheme, "epoch": epoch},
            )
    return rows


def list_key_epochs(session: Session) -> list[KeyEpoch]:
    """Return every key epoch, newest first per scheme."""
    statement = select(KeyEpoch).order_by(col(KeyEpoch.scheme), col(KeyEpoch.epoch).desc())
    return list(session.exec(statement))


def public_key_epochs(session: Session) -> list[dict[str, str | int]]:
    """Return what any agency may know about key epochs: scheme, epoch, fingerprint, status."""
    return [
        {
            "scheme": row.scheme,
            "epoch": row.epoch,
            "fingerprint": row.fingerprint,
            "status": row.status,
        }
        for row in list_key_epochs(session)
    ]
