"""Reading JSON request bodies and query strings into typed values, without echoing any of them."""

from __future__ import annotations

import datetime as dt
import re
from typing import TypeVar

from flask import Response, jsonify, request
from pydantic import BaseModel, ValidationError

from matcher.errors import BadRequest, InvalidRequest, UnsupportedMedia, from_validation_error
from matcher.ids import MAX_ID

M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], *, code: str) -> M:
    """Validate the JSON body against a wire model; errors name locations and rules only."""
    if not request.is_json:
        raise UnsupportedMedia("Send the body as JSON with 'Content-Type: application/json'.")
    raw = request.get_data(cache=False)  # raises 413 above MAX_CONTENT_LENGTH
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        if any(item["type"] == "json_invalid" for item in error.errors(include_input=False)):
            raise BadRequest("The body is not valid JSON.", code="invalid_json") from None
        raise from_validation_error(error, code=code) from None


def model_response(model: BaseModel, status: int = 200) -> tuple[Response, int]:
    """Serialize a wire model as the JSON response."""
    return jsonify(model.model_dump(mode="json")), status


def _bad_query(name: str, rule: str) -> InvalidRequest:
    return InvalidRequest(
        f"The query parameter '{name}' is not valid: {rule}.",
        code="invalid_query",
        fields=[{"location": f"query.{name}", "rule": rule}],
    )


def _given(name: str, rule: str) -> str | None:
    """Return a query parameter's text; None when absent, 422 when present but empty."""
    value = request.args.get(name)
    if value == "":
        raise _bad_query(name, rule)
    return value


def query_text(name: str, *, choices: set[str] | None = None) -> str | None:
    """Return a query parameter, checked against choices when given."""
    rule = "one of " + ", ".join(sorted(choices)) if choices is not None else "not empty"
    value = _given(name, rule)
    if value is not None and choices is not None and value not in choices:
        raise _bad_query(name, "one of " + ", ".join(sorted(choices)))
    return value


def query_int(
    name: str, *, default: int | None = None, minimum: int = 1, maximum: int = MAX_ID
) -> int | None:
    """Return a query parameter as a whole number from minimum to maximum."""
    rule = f"a whole number from {minimum} to {maximum}"
    value = _given(name, rule)
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or len(value) > len(str(maximum)):
        raise _bad_query(name, rule)
    if not minimum <= int(value) <= maximum:
        raise _bad_query(name, rule)
    return int(value)


def query_date(name: str) -> dt.date | None:
    """Return a query parameter as an ISO date (YYYY-MM-DD)."""
    value = _given(name, "a date as YYYY-MM-DD")
    if value is None:
        return None
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise _bad_query(name, "a date as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _bad_query(name, "a date as YYYY-MM-DD") from None
