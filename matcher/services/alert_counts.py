"""How many alerts the matcher raised per week: the picture of counts over time on the list."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from sqlalchemy import case, false, func
from sqlmodel import Session, col, select

from matcher.models import Alert
from matcher.services.alert_detail import visible_to

WEEKS = 12


@dataclass(frozen=True)
class WeekCount:
    """Alerts detected in the week that starts on this Monday."""

    week: dt.date
    alerts: int


def monday_of(day: dt.date) -> dt.date:
    """Return the Monday that starts day's week."""
    return day - dt.timedelta(days=day.weekday())


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def detected_per_week(
    session: Session, *, viewer_regions: set[str] | None, today: dt.date, weeks: int = WEEKS
) -> list[WeekCount]:
    """Return the alerts detected per week over the last weeks, oldest first, empty weeks too."""
    mondays = [monday_of(today) - dt.timedelta(weeks=weeks - 1 - n) for n in range(weeks)]
    bounds = [*mondays, mondays[-1] + dt.timedelta(weeks=1)]
    # one pass over the period's alerts, one sum per week: portable SQL, no date functions
    sums = [
        func.coalesce(
            func.sum(
                case(
                    (
                        (col(Alert.created_at) >= _start(low))
                        & (col(Alert.created_at) < _start(high)),
                        1,
                    ),
                    else_=0,
                )
            ),
            0,
        )
        for low, high in itertools.pairwise(bounds)
    ]
    query = select(*sums).where(
        # one range of ix_alert_created_at, which holds all the sums read
        col(Alert.created_at) >= _start(bounds[0]),
        col(Alert.created_at) < _start(bounds[-1]),
    )
    if viewer_regions is not None:
        scope = visible_to(viewer_regions, for_counting=True) if viewer_regions else false()
        query = query.where(scope)
    row = session.exec(query).one()
    return [
        WeekCount(week=week, alerts=int(count)) for week, count in zip(mondays, row, strict=True)
    ]
