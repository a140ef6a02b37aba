"""Errors the key service raises on purpose, and the one handler that renders every error.

    KeyServiceError        500 internal          base; never raised bare on purpose
     ├── Unauthorized      401 unauthorized      missing, unknown or revoked agency token
     ├── NotFound          404 not_found         unknown epoch or agency
     ├── Conflict          409 conflict          retired_epoch, epoch_exists, agency_exists, ...
     ├── TooLarge          413 too_large         too_many_elements
     ├── InvalidRequest    422 invalid_request   invalid_json, invalid_element, ...
     ├── LimitExceeded     429 rate_limited | quota_exhausted (with Retry-After and reset time)
     └── Unavailable       503 limits_unavailable  shared counters unreachable: refuse, retry later

Every response body is the one JSON shape ``client.wire.ErrorBody``, shared with the matcher.
Messages name a position and a rule, never submitted bytes: pydantic's input is dropped.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import ClassVar

from flask import Flask, Response, jsonify, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from client.wire import ErrorBody

log = logging.getLogger(__name__)


class KeyServiceError(Exception):
    """Base of every error the key service raises on purpose: an HTTP status and a stable code."""

    status: ClassVar[int] = 500
    code: str = "internal"

    def __init__(
        self, message: str, *, code: str | None = None, fields: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.fields = list(fields or [])


class Unauthorized(KeyServiceError):
    """No valid agency token: the same answer whichever check failed."""

    status = 401
    code = "unauthorized"


class NotFound(KeyServiceError):
    status = 404
    code = "not_found"


class Conflict(KeyServiceError):
    status = 409
    code = "conflict"


class TooLarge(KeyServiceError):
    status = 413
    code = "too_large"


class InvalidRequest(KeyServiceError):
    status = 422
    code = "invalid_request"


class LimitExceeded(KeyServiceError):
    """A rate limit or daily quota is used up; says when it resets."""

    status = 429
    code = "rate_limited"

    def __init__(
        self, message: str, *, code: str, resets_at: dt.datetime, now: dt.datetime
    ) -> None:
        super().__init__(message, code=code)
        self.resets_at = resets_at
        self.retry_after = max(1, int((resets_at - now).total_seconds() + 0.999))


class Unavailable(KeyServiceError):
    """A part the key service needs is down; it refuses rather than evaluate unmetered."""

    status = 503
    code = "unavailable"


def _location(parts: tuple[int | str, ...], rule: str) -> str:
    if rule == "extra_forbidden" and parts:
        # an unknown field's name is the sender's text and could be anything: do not echo it
        parts = (*parts[:-1], "*")
    return ".".join(str(part) for part in parts) or "body"


def from_validation_error(error: ValidationError) -> InvalidRequest:
    """Turn a pydantic error into locations and rules only (its messages may echo input)."""
    fields = [
        {"location": _location(item["loc"], item["type"]), "rule": item["type"]}
        for item in error.errors(include_url=False, include_input=False, include_context=False)
    ]
    return InvalidRequest(
        f"The request does not match the schema ({len(fields)} problem(s)); see fields.",
        code="invalid_request",
        fields=fields,
    )


def json_error(
    status: int, code: str, message: str, fields: list[dict[str, str]] | None = None
) -> Response:
    """Render the one error shape."""
    body = ErrorBody(error=ErrorBody.Detail(code=code, message=message, fields=fields or []))
    response = jsonify(body.model_dump(mode="json"))
    response.status_code = status
    return response


def _render_own(error: KeyServiceError) -> Response:
    response = json_error(error.status, error.code, error.message, error.fields)
    if isinstance(error, LimitExceeded):
        response.headers["Retry-After"] = str(error.retry_after)
        response.headers["X-Quota-Reset"] = error.resets_at.isoformat(timespec="seconds")
    return response


def _render_http(error: HTTPException) -> Response:
    status = error.code or 500
    code = {400: "bad_request", 405: "method_not_allowed", 413: "too_large"}.get(status)
    name = (error.name or "error").lower().replace(" ", "_")
    response = json_error(status, code or name, error.description or error.name or "error")
    allow = error.get_response().headers.get("Allow")
    if allow:
        response.headers["Allow"] = allow
    return response


def _render_validation(error: ValidationError) -> Response:
    return _render_own(from_validation_error(error))


def _render_unexpected(error: Exception) -> Response:
    # the type only: a message may hold data from the request
    log.error("unhandled %s on %s %s", type(error).__name__, request.method, request.endpoint)
    return json_error(500, "internal", "Something went wrong in the key service; try again later.")


def init_app(app: Flask) -> None:
    """Render every error, ours, Werkzeug's and pydantic's, as the one JSON shape."""
    app.register_error_handler(KeyServiceError, _render_own)
    app.register_error_handler(HTTPException, _render_http)
    app.register_error_handler(ValidationError, _render_validation)
    app.register_error_handler(Exception, _render_unexpected)
