"""The append-only evaluation log: which agency asked for how many evaluations, under which epoch.

It records counts, never elements, so reading it reveals the volume of each agency's lookups and
nothing about what was looked up (EDPB Guidelines 01/2025, para 109: logging of the service).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select

from keyservice import db
from keyservice.agencies import Agency

log = logging.getLogger("keyservice.evaluations")


@dataclass(frozen=True)
class DailyUsage:
    """One agency's evaluations on one UTC day."""

    day: str
    agency: str
    requests: int
    evaluations: int


def record(conn: Connection, agency: Agency, *, epoch: int, count: int, at: dt.datetime) -> None:
    """Append one evaluation request to the log and the logger: agency and count only."""
    conn.execute(
        insert(db.evaluation_log).values(
            at=at, day=f"{at:%Y-%m-%d}", agency_id=agency.id, epoch=epoch, count=count
        )
    )
    log.info("evaluated agency=%s epoch=%d count=%d", agency.name, epoch, count)


def daily_usage(conn: Connection, *, since: dt.date | None = None) -> list[DailyUsage]:
    """Return evaluations per agency per day, newest day first."""
    log_table, agency_table = db.evaluation_log, db.agency
    query = (
        select(
            log_table.c.day,
            agency_table.c.name,
            func.count().label("requests"),
            func.sum(log_table.c.count).label("evaluations"),
        )
        .join(agency_table, agency_table.c.id == log_table.c.agency_id)
        .group_by(log_table.c.day, agency_table.c.name)
        .order_by(log_table.c.day.desc(), agency_table.c.name)
    )
    if since is not None:
        query = query.where(log_table.c.day >= since.isoformat())
    return [
        DailyUsage(row.day, row.name, int(row.requests), int(row.evaluations))
        for row in conn.execute(query)
    ]
