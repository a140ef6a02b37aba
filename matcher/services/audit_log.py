"""Reading the audit log for the privacy officer: filter by action, actor and period, page it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from matcher.errors import InvalidRequest
from matcher.models import AuditEntry

MAX_PER_PAGE = 200


@dataclass(frozen=True)
class AuditFilter:
    """What to narrow the log to; periods are inclusive days in UTC."""

    action: str | None = None
    actor: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


@dataclass(frozen=True)
class AuditPage:
    """A page of entries, newest first, and how many matched."""

    items: list[AuditEntry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _conditions(filters: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.action:
        # "login" matches login.success and login.failure; "login.failure" matches itself
        conditions.append(
            (col(AuditEntry.action) == filters.action)
            | col(AuditEntry.action).startswith(filters.action + ".")
        )
    if filters.actor:
        conditions.append(col(AuditEntry.actor) == filters.actor)
    if filters.since is not None:
        conditions.append(
            col(AuditEntry.at) >= dt.datetime.combine(filters.since, dt.time(), dt.UTC)
        )
    if filters.until is not None:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), dt.UTC)
        conditions.append(col(AuditEntry.at) < end)
    return conditions


def list_entries(
    session: Session,
    *,
    filters: AuditFilter = AuditFilter(),
    page: int = 1,
    per_page: int = 50,
) -> AuditPage:
    """Return one page of audit entries matching filters, newest first."""
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidRequest(f"page starts at 1; per_page is 1 to {MAX_PER_PAGE}.")
    conditions = _conditions(filters)
    total = session.exec(select(func.count()).select_from(AuditEntry).where(*conditions)).one()
    rows = session.exec(
        select(AuditEntry)
        .where(*conditions)
        .order_by(col(AuditEntry.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return AuditPage(list(rows), int(total), page, per_page)


def actions(session: Session) -> list[str]:
    """Return the distinct actions in the log, for the filter's choices."""
    return sorted(session.exec(select(AuditEntry.action).distinct()).all())
