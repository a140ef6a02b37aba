"""The OpenAPI document describes every route, and its schemas are the wire models' own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from client import wire
from matcher import openapi
from matcher.api import PREFIX


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def api_routes(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule[len(PREFIX) :])
            for method in rule.methods - {"HEAD", "OPTIONS"}:  # type: ignore[operator]
                found.add((path, method.lower()))
    return found


def test_the_document_is_served_as_openapi_3_1(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response.get_json() == openapi.document()
    assert response.get_json()["openapi"] == "3.1.0"


def test_every_route_is_described_and_nothing_else(app: Flask) -> None:
    document = openapi.document()
    described = {
        (path, method) for path, operations in document["paths"].items() for method in operations
    }

    assert described == api_routes(app)


def test_every_reference_resolves() -> None:
    document = openapi.document()
    schemas = document["components"]["schemas"]

    for ref in set(refs(document)):
        assert ref.startswith("#/components/schemas/")
        assert ref.removeprefix("#/components/schemas/") in schemas, ref


def test_the_wire_models_are_the_schemas() -> None:
    schemas = openapi.document()["components"]["schemas"]
    token = schemas["TokenItem"]["properties"]["token"]

    assert schemas["Batch"]["additionalProperties"] is False
    assert schemas["SignalItem"]["additionalProperties"] is False
    assert token["pattern"] == wire.TokenItem.model_json_schema()["properties"]["token"]["pattern"]
    assert set(schemas["Batch"]["properties"]) == set(wire.Batch.model_fields)
    assert set(schemas["ReleasedAlert"]["properties"]) == set(wire.ReleasedAlert.model_fields)
    assert "ErrorBody" in schemas


def test_protected_operations_declare_their_token_and_401() -> None:
    for path, operations in openapi.document()["paths"].items():
        for method, operation in operations.items():
            if "security" in operation:
                assert "401" in operation["responses"], (path, method)
            assert operation["responses"], (path, method)
            assert operation["summary"], (path, method)
