"""Dashboard user accounts: creation, Argon2id password hashes, password checks, region scopes.

Sign-in policy (lockout, second factor) is the dashboard's; this module only knows whether a
password is right. Passwords never reach a log, an audit entry or an error message.
"""

from __future__ import annotations

from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlmodel import Session, col, select

from matcher import audit
from matcher.errors import Conflict, InvalidRequest, NotFound
from matcher.models import Agency, UserAccount, UserRole

MIN_PASSWORD_LENGTH = 12
#: argon2-cffi's default is Argon2id with RFC 9106's low-memory parameters
HASHER = PasswordHasher()
_ROLES_WITH_AGENCY = {UserRole.ANALYST}
_ROLES_WITH_REGIONS = {UserRole.COORDINATOR}


def hash_password(password: str, *, hasher: PasswordHasher | None = None) -> str:
    """Return the Argon2id hash of a password that is long enough."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidRequest(f"A password has at least {MIN_PASSWORD_LENGTH} characters.")
    return (hasher or HASHER).hash(password)


def _clean_regions(regions: Iterable[str]) -> list[str]:
    cleaned = sorted({region.strip() for region in regions if region.strip()})
    if any("," in region for region in cleaned):
        raise InvalidRequest("A region name cannot contain a comma.")
    return cleaned


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    agency_id: int | None = None,
    regions: Iterable[str] = (),
    actor: str,
    hasher: PasswordHasher | None = None,
) -> UserAccount:
    """Create a dashboard user; analysts belong to an agency, coordinators to regions."""
    if role not in set(UserRole):
        raise InvalidRequest(f"The role is one of: {', '.join(UserRole)}.")
    if not username.strip() or len(username) > 80:
        raise InvalidRequest("A username has 1 to 80 characters.")
    if role in _ROLES_WITH_AGENCY and agency_id is None:
        raise InvalidRequest("An analyst belongs to an agency: name it.")
    if agency_id is not None and session.get(Agency, agency_id) is None:
        raise NotFound("No such agency.")
    region_list = _clean_regions(regions)
    if role in _ROLES_WITH_REGIONS and not region_list:
        raise InvalidRequest("A coordinator is scoped to at least one region.")
    if find_user(session, username) is not None:
        raise Conflict("A user with this name exists already.", code="user_exists")
    user = UserAccount(
        username=username,
        password_hash=hash_password(password, hasher=hasher),
        role=role,
        agency_id=agency_id,
        regions=",".join(region_list),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.add",
        subject=audit.user_actor(user.id or 0),
        details={"role": role, "agency_id": agency_id, "regions": region_list},
    )
    return user


def find_user(session: Session, username: str) -> UserAccount | None:
    """Return the user of that name, or None."""
    return session.exec(select(UserAccount).where(col(UserAccount.username) == username)).first()


def list_users(session: Session) -> list[UserAccount]:
    """Return every user by name."""
    return list(session.exec(select(UserAccount).order_by(col(UserAccount.username))))


def get_user(session: Session, username: str) -> UserAccount:
    """Return the user of that name or raise NotFound."""
    user = find_user(session, username)
    if user is None:
        raise NotFound("No user has this name.")
    return user


def verify_password(
    session: Session, user: UserAccount, password: str, *, hasher: PasswordHasher | None = None
) -> bool:
    """Tell whether password is the user's; upgrade the stored hash when parameters changed."""
    chosen = hasher or HASHER
    try:
        chosen.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if chosen.check_needs_rehash(user.password_hash):
        user.password_hash = chosen.hash(password)
        session.add(user)
    return True


def set_password(
    session: Session,
    user: UserAccount,
    password: str,
    *,
    actor: str,
    hasher: PasswordHasher | None = None,
) -> None:
    """Replace a user's password."""
    user.password_hash = hash_password(password, hasher=hasher)
    session.add(user)
    end_sessions(session, user)
    audit.record(
        session, actor=actor, action="user.password", subject=audit.user_actor(user.id or 0)
    )


def end_sessions(session: Session, user: UserAccount) -> None:
    """End every dashboard session of the user at once: their cookies name an older generation."""
    session.flush()
    session.execute(
        update(UserAccount)
        .where(col(UserAccount.id) == user.id)
        .values(session_generation=col(UserAccount.session_generation) + 1)
    )
    session.refresh(user)


def deactivate(session: Session, user: UserAccount, *, actor: str) -> None:
    """Take a user's access away: no sign-in, and every open session ends."""
    user.active = False
    session.add(user)
    end_sessions(session, user)
    audit.record(
        session, actor=actor, action="user.deactivate", subject=audit.user_actor(user.id or 0)
    )


def user_regions(user: UserAccount) -> set[str]:
    """Return the regions a user is scoped to."""
    return {region for region in user.regions.split(",") if region}


def viewer_regions(user: UserAccount) -> set[str] | None:
    """Return the regions whose alerts the user may see; None means every region (admin)."""
    if user.role == UserRole.ADMIN:
        return None
    if user.role == UserRole.COORDINATOR:
        return user_regions(user)
    return set()
