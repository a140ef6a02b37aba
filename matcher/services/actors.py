"""Who is acting, and which alerts they may see: the scope rules every alert service applies.

A coordinator sees the alerts that involve an agency of their regions; an administrator sees
all; an analyst sees an alert of their own agency only (and, under an embargo, only when the
agency is police). Anything else is NotFound, so that an alert's existence is not revealed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from matcher import audit
from matcher.errors import Forbidden, NotFound
from matcher.models import (
    Agency,
    AgencyKind,
    Alert,
    AlertAgency,
    AlertStatus,
    UserAccount,
    UserRole,
)
from matcher.services.alert_detail import visible_to
from matcher.services.users import user_regions


@dataclass(frozen=True)
class Actor:
    """A signed-in user as the workflow sees them: role, agency and regions."""

    user_id: int
    role: str
    agency_id: int | None = None
    agency_kind: str | None = None
    regions: frozenset[str] = field(default_factory=frozenset)

    @property
    def name(self) -> str:
        return audit.user_actor(self.user_id)

    @property
    def is_police(self) -> bool:
        return self.agency_kind == AgencyKind.POLICE

    @property
    def viewer_regions(self) -> set[str] | None:
        """Regions whose alerts this user may see as a coordinator; None: every region."""
        if self.role == UserRole.ADMIN:
            return None
        return set(self.regions) if self.role == UserRole.COORDINATOR else set()


def actor_for(session: Session, user: UserAccount) -> Actor:
    """Return the workflow's view of a user."""
    agency = session.get(Agency, user.agency_id) if user.agency_id is not None else None
    return Actor(
        user_id=user.id or 0,
        role=user.role,
        agency_id=user.agency_id,
        agency_kind=agency.kind if agency is not None else None,
        regions=frozenset(user_regions(user)),
    )


def involves(session: Session, alert_id: int, agency_id: int | None) -> bool:
    if agency_id is None:
        return False
    row = session.get(AlertAgency, (alert_id, agency_id))
    return row is not None


def load_alert(session: Session, alert_id: int, actor: Actor) -> Alert:
    """Return the alert if the actor may see it; NotFound otherwise (existence is not revealed)."""
    if actor.role in (UserRole.COORDINATOR, UserRole.ADMIN):
        query = select(Alert).where(col(Alert.id) == alert_id)
        regions = actor.viewer_regions
        if regions is not None:
            query = query.where(visible_to(regions))
        alert = session.exec(query).first()
    elif actor.role == UserRole.ANALYST and involves(session, alert_id, actor.agency_id):
        alert = session.get(Alert, alert_id)
        if alert is not None and alert.status == AlertStatus.EMBARGOED and not actor.is_police:
            alert = None
    else:
        alert = None
    if alert is None:
        raise NotFound("No such alert, or not one you may see.")
    return alert


def coordinator_alert(session: Session, alert_id: int, actor: Actor) -> Alert:
    if actor.role != UserRole.COORDINATOR:
        raise Forbidden("Only coordinators do this.", code="role_not_allowed")
    return load_alert(session, alert_id, actor)


def actor_names(session: Session, actors: Sequence[str]) -> dict[str, str]:
    """Return usernames for audit actors of the form 'user:<id>' (others keep their name)."""
    ids = {int(name[5:]) for name in actors if name.startswith("user:") and name[5:].isdigit()}
    names = {name: name for name in actors}
    if ids:
        rows = session.exec(select(UserAccount).where(col(UserAccount.id).in_(sorted(ids))))
        names.update({audit.user_actor(user.id or 0): user.username for user in rows})
    return names


def coordinators_for(session: Session, actor: Actor) -> list[UserAccount]:
    """Return the active coordinators an alert can be assigned to by this coordinator."""
    rows = session.exec(
        select(UserAccount)
        .where(col(UserAccount.role) == UserRole.COORDINATOR, col(UserAccount.active))
        .order_by(col(UserAccount.username))
    )
    return [user for user in rows if user_regions(user) & set(actor.regions)]
