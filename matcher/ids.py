"""Database ids in URLs and query strings: whole numbers that fit the id columns.

The id columns are 32-bit integers on PostgreSQL; a larger number in a URL would reach the
database and fail there with a 500. The ``id`` URL converter answers 404 instead (no such
thing), and query values are checked against the same bound.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<id:name>``: a whole number from 1 to MAX_ID; anything else is no match (404)."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def init_app(app: Flask) -> None:
    """Let routes say ``<id:alert_id>``."""
    app.url_map.converters["id"] = IdConverter
