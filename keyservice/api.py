"""The key service's HTTP API under /api/v1: thin views that parse, call a service, serialize."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from pydantic import ValidationError
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from client.oprf.messages import EvaluateRequest, PublicKeyList
from keyservice import agencies, db, evaluation, keys, limits, openapi
from keyservice.errors import InvalidRequest, from_validation_error

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _evaluate_request() -> EvaluateRequest:
    """Parse the body in one bounded pass: deep nesting or bad JSON is a 422, never a 500."""
    try:
        return EvaluateRequest.model_validate_json(request.get_data(cache=False))
    except ValidationError as error:
        problems = error.errors(include_input=False)
        if any(item["type"] == "json_invalid" or not item["loc"] for item in problems):
            raise InvalidRequest("The body must be a JSON object.", code="invalid_json") from None
        raise from_validation_error(error) from None


@bp.post("/evaluate")
def evaluate() -> Response:
    """Evaluate an agency's blinded elements under one epoch's key, with one batched proof."""
    with db.get_engine().begin() as conn:
        agency = agencies.authenticate(conn, request.headers.get("Authorization"))
        answer, quota = evaluation.evaluate(
            conn,
            agency,
            _evaluate_request(),
            ring=keys.get_ring(),
            counter=limits.get_counter(),
            bounds=evaluation.Limits(
                max_elements=current_app.config["KEYSERVICE_MAX_ELEMENTS"],
                per_minute=current_app.config["KEYSERVICE_RATE_LIMIT_PER_MINUTE"],
            ),
            now=db.utcnow(),
        )
    response = jsonify(answer.model_dump(mode="json"))
    response.headers["X-Quota-Limit"] = str(quota.limit)
    response.headers["X-Quota-Remaining"] = str(max(0, quota.limit - quota.used))
    response.headers["X-Quota-Reset"] = quota.resets_at.isoformat(timespec="seconds")
    return response


@bp.get("/public-key")
def public_key() -> Response:
    """Publish the newest active epoch's public key, or the one of ?epoch=N."""
    epoch = request.args.get("epoch")
    with db.get_engine().connect() as conn:
        if epoch is None:
            key = keys.current_key(conn)
        elif epoch.isascii() and epoch.isdigit() and len(epoch) < 10:
            key = keys.get_key(conn, int(epoch))
        else:
            raise InvalidRequest(
                "epoch is a positive whole number.",
                code="invalid_epoch",
                fields=[{"location": "epoch", "rule": "int_parsing"}],
            )
    return jsonify(key.info().model_dump(mode="json"))


@bp.get("/public-keys")
def public_keys() -> Response:
    """Publish every epoch's public key, past ones included, newest first."""
    with db.get_engine().connect() as conn:
        published = PublicKeyList(keys=[key.info() for key in keys.list_keys(conn)])
    return jsonify(published.model_dump(mode="json"))


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """Return the OpenAPI 3.1 description of this API."""
    return jsonify(openapi.document())


@bp.get("/health")
def health() -> tuple[Response, int]:
    """Tell a load balancer whether the database and the shared counters answer."""
    counter = limits.get_counter()
    shared = isinstance(counter, limits.RedisCounter)
    try:
        with db.get_engine().connect() as conn:
            active = [key.epoch for key in keys.list_keys(conn) if key.status == "active"]
        if isinstance(counter, limits.RedisCounter):
            counter.ping()
    except (SQLAlchemyError, RedisError) as error:
        log.error("health check failed: %s", type(error).__name__)
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok", "active_epochs": active, "shared_limits": shared}), 200


def init_app(app: Flask) -> None:
    """Register the API routes."""
    app.register_blueprint(bp)
