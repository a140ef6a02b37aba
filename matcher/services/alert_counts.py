"""How many alerts the matcher raised per week: the picture of counts over time on the list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from matcher.services import status_counts

WEEKS = 12


@dataclass(frozen=True)
class WeekCount:
    """Alerts detected in the week that starts on this Monday."""

    week: dt.date
    alerts: int


def monday_of(day: dt.date) -> dt.date:
    """Return the Monday that starts day's week."""
    return day - dt.timedelta(days=day.weekday())


def detected_per_week(
    session: Session, *, viewer_regions: set[str] | None, today: dt.date, weeks: int = WEEKS
) -> list[WeekCount]:
    """Return the alerts detected per week over the last weeks, oldest first, empty weeks too.

    An alert is one real link as the list shows it (its evidence is not counted again), in any
    status or strength; the numbers are the list's stored counts per week
    (:func:`matcher.services.status_counts.per_week`), a few hundred rows whatever the number
    of alerts.
    """
    mondays = [monday_of(today) - dt.timedelta(weeks=weeks - 1 - n) for n in range(weeks)]
    found = status_counts.per_week(
        session, viewer_regions=viewer_regions, mondays=[day.isoformat() for day in mondays]
    )
    return [WeekCount(week=week, alerts=found.get(week.isoformat(), 0)) for week in mondays]
