"""The alert's explanation in the reader's language: the services' sentence, dated for the page."""

from __future__ import annotations

import datetime as dt

from matcher.dashboard.dates import day_text
from matcher.dashboard.i18n import reader_language
from matcher.services.explanations import Facts, explain


def _day(day: dt.date) -> str:
    return day_text(day, reader_language())


def sentence(facts: Facts) -> str:
    """Return '3 agencies in 2 regions share a phone number; first observed …' in their words."""
    return explain(facts, language=reader_language(), format_day=_day)
