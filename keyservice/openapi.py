"""The OpenAPI 3.1 document of the key service's HTTP API, built from the messages' own schemas.

``client.oprf.messages`` defines what travels between agency and key service, once; this module
adds the paths, the agency token and the health answer. Served at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from client.oprf.messages import (
    MAX_EPOCH,
    EvaluateRequest,
    EvaluateResponse,
    PublicKeyInfo,
    PublicKeyList,
)
from client.wire import ErrorBody

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
_REQUESTS: tuple[type[BaseModel], ...] = (EvaluateRequest,)
_RESPONSES: tuple[type[BaseModel], ...] = (
    EvaluateResponse,
    PublicKeyInfo,
    PublicKeyList,
    ErrorBody,
)
_HEALTH: dict[str, Any] = {
    "type": "object",
    "required": ["status"],
    "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "active_epochs": {"type": "array", "items": {"type": "integer"}},
        "shared_limits": {"type": "boolean"},
    },
}


def _json(schema: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": REF.format(model=schema)}}}}


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, **_json(schema)}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): _ok("Error (see error.code)", "ErrorBody") for status in statuses}


_AGENCY: list[dict[str, list[str]]] = [{"agencyToken": []}]

#: one operation per (path, method) of keyservice.api
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("/evaluate", "post"): {
        "operationId": "evaluate",
        "summary": "Evaluate blinded elements under one epoch's key, with one batched proof",
        "description": "Counts against the agency's daily quota and per-minute rate limit. "
        "404 unknown_epoch; 409 retired_epoch; 413 too_many_elements (above the service's "
        "KEYSERVICE_MAX_ELEMENTS) or a body above its byte limit; 429 rate_limited or "
        "quota_exhausted with Retry-After; 503 when the shared counters cannot be reached.",
        "security": _AGENCY,
        "requestBody": {"required": True, **_json("EvaluateRequest")},
        "responses": {
            "200": _ok("The evaluated elements and the proof", "EvaluateResponse"),
            **_errors(400, 401, 404, 409, 413, 422, 429, 503),
        },
    },
    ("/public-key", "get"): {
        "operationId": "public_key",
        "summary": "The newest active epoch's public key, or the one of ?epoch=N (public)",
        "parameters": [
            {
                "name": "epoch",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_EPOCH},
            }
        ],
        "responses": {"200": _ok("The public key", "PublicKeyInfo"), **_errors(404, 422)},
    },
    ("/public-keys", "get"): {
        "operationId": "public_keys",
        "summary": "Every epoch's public key, past ones included, newest first (public)",
        "responses": {"200": _ok("The public keys", "PublicKeyList")},
    },
    ("/health", "get"): {
        "operationId": "health",
        "summary": "Whether the database and the shared counters answer",
        "responses": {
            "200": {
                "description": "Healthy",
                "content": {"application/json": {"schema": _HEALTH}},
            },
            "503": {
                "description": "Unavailable",
                "content": {"application/json": {"schema": _HEALTH}},
            },
        },
    },
    ("/openapi.json", "get"): {
        "operationId": "openapi",
        "summary": "This document",
        "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}},
    },
}


def _schemas() -> dict[str, Any]:
    pairs = [(model, "validation") for model in _REQUESTS]
    pairs += [(model, "serialization") for model in _RESPONSES]
    _, generated = models_json_schema(pairs, ref_template=REF)  # type: ignore[arg-type]
    return dict(generated.get("$defs", {}))


@cache
def document() -> dict[str, Any]:
    """Return the whole OpenAPI 3.1 document."""
    paths: dict[str, dict[str, Any]] = {}
    for (path, method), operation in OPERATIONS.items():
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kruispunt key service API",
            "version": "1",
            "description": "Oblivious evaluation of the oprf scheme: agencies send blinded "
            "elements, never identifiers. Every error has the shape ErrorBody and never holds a "
            "submitted value or field name.",
        },
        "servers": [{"url": PREFIX}],
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "agencyToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An agency's key-service token (kruispunt-keyservice agency).",
                }
            },
        },
    }
