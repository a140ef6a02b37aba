"""When the signals behind alerts were observed: the one meaning of "first" and "last" dates.

Dates on alerts mean one thing everywhere: *first/last observed* are the earliest and latest
observation days (``observed_on``) the agencies gave their signals; *detected* and *updated* are
the matcher's own times (the alert's creation and its last new signal).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from matcher.models import Alert, Signal, SignalToken


@dataclass(frozen=True)
class Observed:
    """The earliest and latest observation day of an alert's signals."""

    first: dt.date
    last: dt.date


def observed(session: Session, alert_ids: Iterable[int]) -> dict[int, Observed]:
    """Return the observation period of each alert that still holds signals."""
    ids = sorted(set(alert_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(col(Alert.id), func.min(Signal.observed_on), func.max(Signal.observed_on))
        .join(SignalToken, col(SignalToken.token) == col(Alert.token))
        .join(Signal, col(Signal.id) == col(SignalToken.signal_id))
        .where(col(Alert.id).in_(ids))
        .group_by(col(Alert.id))
    )
    return {
        int(alert_id): Observed(first=first, last=last)
        for alert_id, first, last in rows
        if alert_id is not None and first is not None and last is not None
    }


def observed_or_detected(session: Session, alert: Alert) -> Observed:
    """Return an alert's observation period; its detection day when no signal is left."""
    found = observed(session, [alert.id or 0]).get(alert.id or 0)
    if found is not None:
        return found
    day = alert.created_at.date()
    return Observed(first=day, last=day)
