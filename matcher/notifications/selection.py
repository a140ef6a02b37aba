"""Which alerts a notification mentions, and what it may say of one: id, strength, link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matcher.models import Alert

#: grades worth an e-mail; weak alerts wait for the coordinator's own visit
NOTIFIED_STRENGTHS = frozenset({"strong", "medium"})


@dataclass(frozen=True)
class Mention:
    """All a notification carries of one alert."""

    alert_id: int
    strength: str | None
    link: str


def strength_of(alert: Alert) -> str | None:
    """Return the alert's grade (strong, medium, weak), or None where alerts carry no grade."""
    grade: Any = getattr(alert, "strength", None)
    return str(grade) if grade is not None else None


def worth_a_digest(alert: Alert) -> bool:
    """Return whether the coordinators' digest mentions this alert: strong and medium ones.

    The one filter point of the digest. Where alerts carry no grade yet, every new alert is
    mentioned rather than none.
    """
    strength = strength_of(alert)
    return strength is None or strength in NOTIFIED_STRENGTHS


def mention(alert: Alert, *, public_url: str, path: str) -> Mention:
    """Return what may be said of an alert; path is the dashboard page, '{id}' filled in."""
    assert alert.id is not None
    link = public_url.rstrip("/") + path.format(id=alert.id)
    return Mention(alert_id=alert.id, strength=strength_of(alert), link=link)
