"""Small SVG pictures drawn on the server: the timeline of an alert, alerts per week.

No script and no external library: coordinates are computed here and the templates draw them.
Every picture has the same facts as text or a table next to it, for screen readers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from matcher.services.alert_counts import WeekCount
from matcher.services.alert_detail import TimelineEntry

WIDTH = 640
LEFT = 150  # room for agency names
ROW = 28
TOP = 12
AXIS = 26


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float
    title: str


@dataclass(frozen=True)
class Lane:
    y: float
    name: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    lanes: list[Lane]
    dots: list[Dot]
    ticks: list[Tick]
    left: int


def _x(day: dt.date, first: dt.date, span: int) -> float:
    usable = WIDTH - LEFT - 20
    return LEFT + 10 + (usable * (day - first).days / span if span else usable / 2)


def timeline(entries: Sequence[TimelineEntry]) -> Timeline | None:
    """Lay out one lane per agency and one dot per day it observed signals (area ~ count)."""
    if not entries:
        return None
    agencies = sorted({entry.agency for entry in entries})
    lanes = {name: TOP + ROW * index + ROW / 2 for index, name in enumerate(agencies)}
    first = min(entry.day for entry in entries)
    last = max(entry.day for entry in entries)
    span = (last - first).days
    per_day: dict[tuple[str, dt.date], int] = {}
    for entry in entries:
        key = (entry.agency, entry.day)
        per_day[key] = per_day.get(key, 0) + entry.signals
    dots = [
        Dot(
            x=round(_x(day, first, span), 1),
            y=lanes[agency],
            r=round(min(11.0, 4 + 2.2 * (count**0.5)), 1),
            title=f"{agency}, {day.isoformat()}: {count}",
        )
        for (agency, day), count in sorted(per_day.items())
    ]
    height = int(TOP + ROW * len(agencies) + AXIS)
    days = sorted({first, last} | ({first + dt.timedelta(days=span // 2)} if span > 6 else set()))
    ticks = [Tick(x=round(_x(day, first, span), 1), label=day.isoformat()) for day in days]
    return Timeline(
        width=WIDTH,
        height=height,
        lanes=[Lane(y=y, name=name) for name, y in lanes.items()],
        dots=dots,
        ticks=ticks,
        left=LEFT,
    )


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    width: float
    title: str
    label: str


@dataclass(frozen=True)
class Bars:
    width: int
    height: int
    bars: list[Bar]
    baseline: float
    most: int


def weekly_bars(weeks: Sequence[WeekCount]) -> Bars:
    """Lay out one bar per week, scaled to the busiest week."""
    width, height, bottom, top = 480, 120, 22, 14
    most = max((week.alerts for week in weeks), default=0)
    slot = width / max(len(weeks), 1)
    usable = height - bottom - top
    bars = []
    for index, week in enumerate(weeks):
        tall = usable * week.alerts / most if most else 0
        bars.append(
            Bar(
                x=round(index * slot + slot * 0.15, 1),
                y=round(height - bottom - tall, 1),
                height=round(tall, 1),
                width=round(slot * 0.7, 1),
                title=f"{week.week.isoformat()}: {week.alerts}",
                label=week.week.strftime("%d-%m"),
            )
        )
    return Bars(width=width, height=height, bars=bars, baseline=height - bottom, most=most)
