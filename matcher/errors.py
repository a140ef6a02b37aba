"""Errors the matcher raises on purpose, and the one handler that renders every error.

    MatcherError          500 internal         base; never raised bare on purpose
     ├── BadRequest       400 bad_request      invalid_json, ...
     ├── Unauthorized     401 unauthorized     missing, malformed, unknown or revoked token
     ├── Forbidden        403 forbidden        known caller, not allowed to see or do this
     ├── NotFound         404 not_found
     ├── Conflict         409 conflict         unknown_key, retired_key, batch_id_taken, ...
     ├── TooLarge         413 too_large
     ├── UnsupportedMedia 415 unsupported_media_type
     ├── InvalidRequest   422 invalid_request  invalid_batch, invalid_query, ...
     ├── RateLimited      429 rate_limited
     └── Unavailable      503 unavailable      the database cannot be reached

Under ``/api`` every error, ours or Werkzeug's or pydantic's, becomes the one JSON shape
``client.wire.ErrorBody``. Messages name the location and the rule, never a submitted value:
pydantic's ``input`` and its message (which may echo input) are dropped on purpose.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from flask import Flask, Response, jsonify, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, default_exceptions

from client.wire import ErrorBody

log = logging.getLogger(__name__)

API_PREFIX = "/api/"


class MatcherError(Exception):
    """Base of every error the matcher raises on purpose: an HTTP status and a stable code."""

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


class BadRequest(MatcherError):
    """The request cannot be read at all (e.g. its body is not JSON)."""

    status = 400
    code = "bad_request"


class Unauthorized(MatcherError):
    """No valid credential: the same answer whichever check failed."""

    status = 401
    code = "unauthorized"


class Forbidden(MatcherError):
    """The caller is known but may not see or do this."""

    status = 403
    code = "forbidden"


class NotFound(MatcherError):
    """No such thing, or not one the caller may know about."""

    status = 404
    code = "not_found"


class Conflict(MatcherError):
    """The request clashes with the stored state (a taken batch id, a retired key, ...)."""

    status = 409
    code = "conflict"


class TooLarge(MatcherError):
    """The request body is above the configured limit."""

    status = 413
    code = "too_large"


class UnsupportedMedia(MatcherError):
    """The body is not in a format this endpoint reads (JSON)."""

    status = 415
    code = "unsupported_media_type"


class InvalidRequest(MatcherError):
    """The request is well-formed HTTP but breaks the schema or a rule."""

    status = 422
    code = "invalid_request"


class RateLimited(MatcherError):
    """Too many requests from this caller; retry after ``retry_after`` seconds."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, code: str | None = None, retry_after: int = 60) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after
        #: counts and the rule broken, for the audit log (never a submitted value)
        self.audit_details: dict[str, object] = {}


class Unavailable(MatcherError):
    """A dependency (the database) cannot be reached; retry later."""

    status = 503
    code = "unavailable"


def _location(parts: tuple[int | str, ...], rule: str) -> str:
    if rule == "extra_forbidden" and parts:
        # an unknown field's name is the sender's text and could be anything: do not echo it
        parts = (*parts[:-1], "*")
    return ".".join(str(part) for part in parts) or "body"


def validation_fields(error: ValidationError) -> list[dict[str, str]]:
    """Return where and which rule failed for each pydantic error, never the input or message."""
    return [
        {"location": _location(item["loc"], item["type"]), "rule": item["type"]}
        for item in error.errors(include_url=False, include_input=False, include_context=False)
    ]


MAX_FIELDS = 100


def from_validation_error(error: ValidationError, *, code: str = "invalid_batch") -> InvalidRequest:
    """Turn a pydantic ValidationError into an InvalidRequest holding locations and rules only."""
    fields = validation_fields(error)
    listed = "see fields" if len(fields) <= MAX_FIELDS else f"the first {MAX_FIELDS} are listed"
    return InvalidRequest(
        f"The request does not match the schema ({len(fields)} problem(s); {listed}).",
        code=code,
        fields=fields[:MAX_FIELDS],
    )


def _json(status: int, code: str, message: str, fields: list[dict[str, str]]) -> Response:
    body = ErrorBody(error=ErrorBody.Detail(code=code, message=message, fields=fields))
    response = jsonify(body.model_dump(mode="json"))
    response.status_code = status
    return response


def _is_api_request() -> bool:
    return request.path.startswith(API_PREFIX) or request.path == API_PREFIX.rstrip("/")


def _http_code(error: HTTPException) -> str:
    if error.code == 413:
        return "too_large"
    if error.code == 400:
        return "bad_request"
    name = (error.name or "error").lower().replace(" ", "_").replace("-", "_")
    return "".join(char for char in name if char.isalnum() or char == "_")


_HTTP_MESSAGES = {
    404: "No such endpoint; the API is described at /api/v1/openapi.json.",
    405: "This endpoint does not accept this HTTP method.",
    413: "The request body is larger than this matcher accepts; send fewer signals per batch.",
}


def _render_matcher_error(error: MatcherError) -> Response | HTTPException:
    if _is_api_request():
        response = _json(error.status, error.code, error.message, error.fields)
        if isinstance(error, RateLimited):
            response.headers["Retry-After"] = str(error.retry_after)
        return response
    page = default_exceptions.get(error.status, default_exceptions[500])
    return page(description=error.message)


def _render_http_exception(error: HTTPException) -> Response | HTTPException:
    if not _is_api_request():
        return error
    status = error.code or 500
    # Werkzeug's descriptions are fixed texts (no request data); ours are shorter where we can.
    message = _HTTP_MESSAGES.get(status) or error.description or error.name or "error"
    response = _json(status, _http_code(error), message, [])
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        value = error.get_response().headers.get(header)
        if value:
            response.headers[header] = value
    return response


def _render_validation_error(error: ValidationError) -> Response | HTTPException:
    return _render_matcher_error(from_validation_error(error))


def _render_unexpected(error: Exception) -> Response | HTTPException:
    # the type only: an exception's message may hold data from the request or the database
    log.error("unhandled %s on %s %s", type(error).__name__, request.method, request.endpoint)
    return _render_matcher_error(
        MatcherError("Something went wrong on the matcher; try again later.", code="internal")
    )


def init_app(app: Flask) -> None:
    """Render every error through one handler: ErrorBody JSON under /api, a plain page elsewhere."""
    app.register_error_handler(MatcherError, _render_matcher_error)
    app.register_error_handler(HTTPException, _render_http_exception)
    app.register_error_handler(ValidationError, _render_validation_error)
    app.register_error_handler(Exception, _render_unexpected)
