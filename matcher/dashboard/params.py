"""Reading query strings and form fields: a malformed value is a 400 page, never a 500."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from flask import abort, request

from matcher.ids import MAX_ID

DEFAULT_PER_PAGE = 50
PER_PAGE_CHOICES = (25, 50, 100, 200)


def integer(values: Mapping[str, str], name: str, *, default: int | None = None) -> int | None:
    """Return a whole-number field up to MAX_ID, default when absent.

    400 when malformed; 422 when out of range (it would not fit the database's id columns).
    """
    raw = values.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit():
        abort(400)
    if len(raw) > len(str(MAX_ID)) or int(raw) > MAX_ID:
        abort(422)
    return int(raw)


def day(values: Mapping[str, str], name: str) -> dt.date | None:
    """Return a YYYY-MM-DD field as a date, None when absent; 400 when malformed."""
    raw = values.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        abort(400)


def choice(values: Mapping[str, str], name: str, allowed: Iterable[str]) -> str | None:
    """Return a field that must be one of allowed, None when absent; 400 otherwise."""
    raw = values.get(name, "").strip()
    if not raw:
        return None
    if raw not in set(allowed):
        abort(400)
    return raw


def paging() -> tuple[int, int]:
    """Return the page number and page size asked for in the query string."""
    page = integer(request.args, "page", default=1)
    per_page = integer(request.args, "per_page", default=DEFAULT_PER_PAGE)
    if page is None or page < 1 or per_page not in PER_PAGE_CHOICES:
        abort(400)
    return page, per_page


def query_without(name: str, **changes: object) -> dict[str, object]:
    """Return the current query arguments with one removed and others changed (for links)."""
    current: dict[str, object] = {key: value for key, value in request.args.items() if value}
    current.pop(name, None)
    current.update({key: value for key, value in changes.items() if value is not None})
    return current
