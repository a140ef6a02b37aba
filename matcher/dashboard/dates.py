"""Days and moments on the pages: a ``<time>`` element in the reader's language, Amsterdam time.

A list page shows two or three dates per row; formatting each through Flask-Babel looked up the
locale and the time zone every time (15-27 µs a value, 3 ms of a list page's 25). The texts
are a pure function of the language and the value, so they are kept: the same day or moment on
the next page, or for the next reader of that language, costs a dictionary lookup.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel import dates
from markupsafe import Markup

from matcher.dashboard.i18n import TIMEZONE, reader_language

#: the texts kept per language; a page shows at most a few hundred
_KEPT = 8192
_AMSTERDAM = dates.get_timezone(TIMEZONE)


def day(value: dt.date | None) -> Markup:
    """Return ``<time datetime="2025-06-01">1 jun 2025</time>`` (nothing for no value)."""
    if not value:
        return Markup("")
    return Markup('<time datetime="{}">{}</time>').format(
        value.isoformat(), day_text(value, reader_language())
    )


def when(moment: dt.datetime | None) -> Markup:
    """Return a moment as ``<time>`` with its short date and time in Amsterdam time."""
    if not moment:
        return Markup("")
    return Markup('<time datetime="{}">{}</time>').format(
        moment.isoformat(), moment_text(moment, reader_language())
    )


@lru_cache(maxsize=_KEPT)
def day_text(value: dt.date, language: str) -> str:
    """Return the day in the language's medium form ("1 jun 2025", "Jun 1, 2025")."""
    return str(dates.format_date(value, "medium", locale=language))


@lru_cache(maxsize=_KEPT)
def moment_text(moment: dt.datetime, language: str) -> str:
    """Return the moment in the language's short form, in Amsterdam time (naive is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return str(dates.format_datetime(moment, "short", tzinfo=_AMSTERDAM, locale=language))
