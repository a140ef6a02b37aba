"""The OpenAPI 3.1 document of the JSON API, built from the wire models' JSON Schemas.

The wire models (``client.wire``) are the single definition of what travels; this module only
adds the paths, the security schemes and the few coordinator shapes that are not wire models.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, NamedTuple

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from client import kinds, wire
from matcher import alert_states
from matcher.ids import MAX_ID

REF = "#/components/schemas/{model}"
_REQUESTS: tuple[type[BaseModel], ...] = (wire.Batch, wire.Withdrawal)
_RESPONSES: tuple[type[BaseModel], ...] = (
    wire.Receipt,
    wire.WithdrawalReceipt,
    wire.ReleasedAlert,
    wire.ErrorBody,
)

_OBJECT: dict[str, Any] = {"type": "object"}
_STRENGTH: dict[str, Any] = {
    "type": "string",
    "enum": ["strong", "medium", "weak"],
    "description": "From documented rules on the evidence (docs/linkage.md); never a score.",
}
_HAND_WRITTEN: dict[str, dict[str, Any]] = {
    "ReleasedAlerts": {
        "type": "object",
        "required": ["alerts"],
        "properties": {
            "alerts": {"type": "array", "items": {"$ref": REF.format(model="ReleasedAlert")}}
        },
    },
    "KeyEpochs": {
        "type": "object",
        "required": ["epochs"],
        "properties": {
            "epochs": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "scheme": {
                            "type": "string",
                            "enum": [name.value for name in wire.SchemeName],
                        },
                        "epoch": {"type": "integer", "minimum": 1},
                        "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                        "status": {"type": "string", "enum": ["current", "retired"]},
                    },
                },
            }
        },
    },
    "AlertPage": {
        "type": "object",
        "description": "A page of alerts; counts per status ignore the status filter.",
        "required": ["alerts", "page", "per_page", "pages", "total", "counts"],
        "properties": {
            "alerts": {"type": "array", "items": _OBJECT},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "pages": {"type": "integer"},
            "total": {"type": "integer"},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
    },
    "AlertDetail": {
        "type": "object",
        "description": "One alert: explanation, agencies with regions and signals per category, "
        "timeline, workflow events, and the cluster of alerts linked through shared signals.",
        "required": [
            "id",
            "explanation",
            "kind",
            "level",
            "status",
            "strength",
            "evidence",
            "agencies",
            "cluster",
        ],
        "properties": {
            "id": {"type": "integer"},
            "explanation": {"type": "string"},
            "kind": {"type": "string", "enum": list(kinds.names())},
            "level": {"type": "string"},
            "status": {"type": "string"},
            "strength": _STRENGTH,
            "evidence": {"type": "array", "items": {"$ref": REF.format(model="Evidence")}},
            "agencies": {"type": "array", "items": _OBJECT},
            "timeline": {"type": "array", "items": _OBJECT},
            "events": {"type": "array", "items": _OBJECT},
            "cluster": _OBJECT,
        },
    },
    "Evidence": {
        "type": "object",
        "description": "One shared identifier of the alert's link: kind, level, exact or near "
        "(a neighbourhood token: swapped digits, one letter apart), and which agencies share it.",
        "required": ["kind", "level", "match", "agencies"],
        "properties": {
            "kind": {"type": "string", "enum": list(kinds.names())},
            "level": {"type": "string"},
            "match": {"type": "string", "enum": ["exact", "near"]},
            "agencies": {"type": "array", "items": {"type": "string"}},
            "difference": {
                "type": ["object", "null"],
                "description": "For a near match: how the spellings differ, per language (en, nl).",
                "additionalProperties": {"type": "string"},
            },
        },
    },
    "Health": {
        "type": "object",
        "properties": {"status": {"type": "string"}, "database": {"type": "string"}},
    },
}

_AGENCY: list[dict[str, list[str]]] = [{"agencyToken": []}]
_COORDINATOR: list[dict[str, list[str]]] = [{"coordinatorToken": []}]
_ALERT_ID = {
    "name": "alert_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}
_DATE = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


_LIST_PARAMETERS = [
    _query(
        "status",
        {"type": "string", "enum": list(alert_states.names())},
        "Only alerts with this workflow status.",
    ),
    _query("kind", {"type": "string", "enum": list(kinds.names())}, "Only this kind."),
    _query(
        "strength",
        {"type": "string", "minLength": 1},
        "Only alerts of these strengths: strong, medium, weak, or several joined by commas "
        "(strong,medium). All strengths when absent.",
    ),
    _query(
        "region",
        {"type": "string", "minLength": 1},
        "Only alerts involving an agency of this region.",
    ),
    _query(
        "agency",
        {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "Only alerts involving this agency (id).",
    ),
    _query("since", _DATE, "Last new signal (updated_at) on or after this day."),
    _query("until", _DATE, "Last new signal (updated_at) on or before this day."),
    _query(
        "sort",
        {"type": "string", "enum": ["recent", "agencies", "strength"]},
        "recent: last growth first; agencies: most agencies first; strength: most regions, "
        "then agencies, then signals.",
    ),
    _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "Page number, from 1."),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": 200}, "Alerts per page."),
]


def _json(schema: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": REF.format(model=schema)}}}}


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, **_json(schema)}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): _ok("Error (see error.code)", "ErrorBody") for status in statuses}


#: one operation per route endpoint name (matcher.api.ROUTES)
OPERATIONS: dict[str, dict[str, Any]] = {
    "submit_batch": {
        "summary": "Submit a batch of tokens",
        "description": "201 with a receipt once the batch is stored; overlaps with other agencies "
        "are found afterwards, so the receipt says nothing about them. A replay of the same "
        "batch_id by the same agency gets 200 with the first receipt and replay=true. 409 codes: "
        "batch_id_taken, unknown_key, retired_key, duplicate_ref. 429 rate_limited with "
        "Retry-After above the agency's signals per batch or per UTC day.",
        "security": _AGENCY,
        "requestBody": {"required": True, **_json("Batch")},
        "responses": {
            "201": _ok("Stored", "Receipt"),
            "200": _ok("Replay: the first receipt", "Receipt"),
            **_errors(400, 401, 403, 409, 413, 415, 422, 429),
        },
    },
    "withdraw": {
        "summary": "Withdraw the agency's own signals by reference",
        "description": "Deletes the signals and their tokens. References the agency does not "
        "hold, including other agencies' references, count as unknown.",
        "security": _AGENCY,
        "requestBody": {"required": True, **_json("Withdrawal")},
        "responses": {
            "200": _ok("Withdrawn", "WithdrawalReceipt"),
            **_errors(400, 401, 403, 413, 415, 422),
        },
    },
    "released_alerts": {
        "summary": "Alerts released to the calling agency",
        "security": _AGENCY,
        "responses": {"200": _ok("Released alerts", "ReleasedAlerts"), **_errors(401, 403)},
    },
    "key_epochs": {
        "summary": "Key epochs the matcher knows, by fingerprint (public)",
        "responses": {"200": _ok("Key epochs", "KeyEpochs")},
    },
    "coordinator_alerts": {
        "summary": "List alerts in the coordinator's regions",
        "security": _COORDINATOR,
        "parameters": _LIST_PARAMETERS,
        "responses": {"200": _ok("A page of alerts", "AlertPage"), **_errors(401, 403, 422)},
    },
    "coordinator_alert": {
        "summary": "One alert in full",
        "security": _COORDINATOR,
        "parameters": [_ALERT_ID],
        "responses": {"200": _ok("The alert", "AlertDetail"), **_errors(401, 403, 404)},
    },
    "coordinator_release": {
        "summary": "Release an alert to the agencies involved",
        "description": "Only once every involved agency's data owner approved disclosure "
        "(409 approval_required before); the last approval releases it, so this answers 200 "
        "with the released alert. 409 not_releasable for dismissed, merged, expired or "
        "embargoed alerts.",
        "security": _COORDINATOR,
        "parameters": [_ALERT_ID],
        "responses": {"200": _ok("Released", "AlertDetail"), **_errors(401, 403, 404, 409)},
    },
    "openapi": {
        "summary": "This document",
        "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}},
    },
    "health": {
        "summary": "Whether this process reaches its database",
        "responses": {"200": _ok("Healthy", "Health"), **_errors(503)},
    },
}


def _token_item_pairs(schema: dict[str, Any]) -> dict[str, Any]:
    """Say which levels belong to which kind, as the server checks (a level of another kind
    is refused), so that the document does not promise more than the server accepts."""
    pairs = [
        {
            "properties": {
                "kind": {"const": spec.name},
                "level": {"enum": list(spec.level_names)},
            }
        }
        for spec in kinds.specs()
    ]
    return {**schema, "oneOf": pairs}


def _schemas() -> dict[str, Any]:
    pairs = [(model, "validation") for model in _REQUESTS]
    pairs += [(model, "serialization") for model in _RESPONSES]
    _, generated = models_json_schema(pairs, ref_template=REF)  # type: ignore[arg-type]
    schemas: dict[str, Any] = {**generated.get("$defs", {}), **_HAND_WRITTEN}
    schemas["TokenItem"] = _token_item_pairs(schemas["TokenItem"])
    return schemas


def openapi_path(rule: str) -> str:
    """Turn a Flask rule (``/a/<id:alert_id>``) into an OpenAPI path (``/a/{alert_id}``)."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


PREFIX = "/api/v1"


class Path(NamedTuple):
    """Where an operation is served; matcher.api binds each endpoint to its view."""

    rule: str
    endpoint: str
    methods: tuple[str, ...]


#: every path of the API, in the order the document lists them
PATHS: tuple[Path, ...] = (
    Path("/batches", "submit_batch", ("POST",)),
    Path("/withdrawals", "withdraw", ("POST",)),
    Path("/alerts", "released_alerts", ("GET",)),
    Path("/key-epochs", "key_epochs", ("GET",)),
    Path("/coordinator/alerts", "coordinator_alerts", ("GET",)),
    Path("/coordinator/alerts/<id:alert_id>", "coordinator_alert", ("GET",)),
    Path("/coordinator/alerts/<id:alert_id>/release", "coordinator_release", ("POST",)),
    Path("/openapi.json", "openapi", ("GET",)),
    Path("/health", "health", ("GET",)),
)


@cache
def document() -> dict[str, Any]:
    """Return the whole OpenAPI 3.1 document."""
    paths: dict[str, dict[str, Any]] = {}
    for path in PATHS:
        for method in path.methods:
            operation = {"operationId": path.endpoint, **OPERATIONS[path.endpoint]}
            paths.setdefault(openapi_path(path.rule), {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kruispunt matcher API",
            "version": "1",
            "description": "Privacy-preserving signal matching: agencies submit tokens, never "
            "identifiers. Every error has the shape ErrorBody and never holds a submitted value.",
        },
        "servers": [{"url": PREFIX}],
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "agencyToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An agency's API token (scopes submit, withdraw, alerts).",
                },
                "coordinatorToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A coordinator's or admin's API token.",
                },
            },
        },
    }
