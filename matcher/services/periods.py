"""The calendar of the alert list's stored counts: months of ``last_seen``, weeks of detection.

The list's counts per status (:mod:`matcher.services.status_counts`) count each listed alert
under the month it was last seen and the week it was detected, always in UTC, so that a period
of days reads its whole months stored and the weekly picture its weeks. Here are the names of
those months and weeks, in Python and in each database's SQL, and the split of a period into
whole months and the days around them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = [
    "MONTH_SQL",
    "WEEK_SQL",
    "PeriodSplit",
    "month_of",
    "month_of_day",
    "split_period",
    "week_of",
]

#: an alert's month in SQL, as :func:`month_of` gives it (``YYYY-MM``, UTC)
MONTH_SQL = {
    "postgresql": "to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM')",
    "sqlite": "strftime('%Y-%m', {column})",
}
#: the Monday of an alert's week in SQL, as :func:`week_of` gives it (``YYYY-MM-DD``, UTC)
WEEK_SQL = {
    "postgresql": "to_char(date_trunc('week', {column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')",
    "sqlite": "date({column}, 'weekday 0', '-6 days')",
}


def month_of(moment: dt.datetime) -> str:
    """Return the month of a time as its facet names it (UTC, ``YYYY-MM``)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return month_of_day(moment.date())


def month_of_day(day: dt.date) -> str:
    """Return the month of a day as its facet names it (``YYYY-MM``)."""
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True)
class PeriodSplit:
    """A period of days as the month facets answer it: whole months, and the days around them.

    ``months`` is (first, last) of the whole months (None for an open end), or None when the
    period holds no whole month; ``edges`` are the inclusive day ranges outside them (None for
    an open end), to be counted from the alerts.
    """

    months: tuple[str | None, str | None] | None
    edges: tuple[tuple[dt.date | None, dt.date | None], ...]


def split_period(since: dt.date | None, until: dt.date | None) -> PeriodSplit:
    """Split an inclusive period of days into its whole months and the days around them."""
    day = dt.timedelta(days=1)
    # the whole months run from `first` (a first of the month) up to `end` (one, exclusive)
    first = since if since is None or since.day == 1 else _next_month(since)
    end = None if until is None else until + day
    if end is not None and end.day != 1:
        end = end.replace(day=1)
    if first is not None and end is not None and first >= end:
        return PeriodSplit(None, ((since, until),))
    edges: list[tuple[dt.date | None, dt.date | None]] = []
    if since is not None and first is not None and first != since:
        edges.append((since, first - day))
    if until is not None and end is not None and end != until + day:
        edges.append((end, until))
    months = (
        None if first is None else month_of_day(first),
        None if end is None else month_of_day(end - day),
    )
    return PeriodSplit(months, tuple(edges))


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def week_of(moment: dt.datetime) -> str:
    """Return the Monday of a time's week as its facet names it (UTC, ``YYYY-MM-DD``)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    day = moment.date()
    return (day - dt.timedelta(days=day.weekday())).isoformat()
