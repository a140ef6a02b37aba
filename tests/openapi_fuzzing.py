"""Schemathesis over every operation of an OpenAPI document (the matcher's, the key service's).

Each operation gets a bounded number of generated requests, valid ones (positive) and invalid
ones (negative), sent with valid credentials to the real app. Every answer must be: no server
error, a status, content type, headers and body the document allows, a 4xx for invalid data,
and no error that echoes a submitted value or an unknown field's name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = 30
#: submitted text shorter than this is too common to tell an echo from a coincidence
MIN_ECHO_CHARS = 6
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def known_names(document: Any) -> set[str]:
    """Return every property name and enum value the document itself spells out."""
    found: set[str] = set()
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "properties" and isinstance(value, dict):
                found.update(value)
            if key in ("enum", "const"):
                found.update(str(item) for item in (value if isinstance(value, list) else [value]))
            found |= known_names(value)
    elif isinstance(document, list):
        for item in document:
            found |= known_names(item)
    return found


def submitted_texts(value: Any) -> Iterator[str]:
    """Yield every string and every object key a request carried (numbers are no text)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from submitted_texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from submitted_texts(item)
    elif isinstance(value, str):
        yield value


def error_words(response: Any) -> set[str]:
    """Return the error body's own code and rules: a request that sends one gets no echo of it.

    (A query ``region=invalid_query`` is answered with the code ``invalid_query``.)
    """
    try:
        body = response.json()
    except ValueError:
        return set()
    error = body.get("error", body) if isinstance(body, dict) else {}
    if not isinstance(error, dict):
        return set()
    words = {str(error.get("code", ""))}
    for field in error.get("fields") or []:
        if isinstance(field, dict):
            words.add(str(field.get("rule", "")))
    return words


def assert_no_echo(case: Any, response: Any, known: set[str]) -> None:
    if response.status_code < 400:
        return
    text = response.text
    parts = (
        case.body if not isinstance(case.body, bytes) else None,
        case.query,
        case.path_parameters,
    )
    vocabulary = known | error_words(response)
    for submitted in {item for part in parts for item in submitted_texts(part)}:
        if len(submitted) >= MIN_ECHO_CHARS and submitted not in vocabulary:
            assert submitted not in text, f"{case.operation.label} echoed {submitted!r}: {text}"


def run_operation(operation: Any, mode: GenerationMode, known: set[str]) -> None:
    """Send EXAMPLES generated requests of one mode to one operation and check every answer."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        # report the example found as it is: shrinking a whole batch takes minutes
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
    )
    def run(case: Any) -> None:
        response = case.call_and_validate(checks=CHECKS)
        assert_no_echo(case, response, known)

    try:
        run()
    except Unsatisfiable:
        # an operation without parameters or body has nothing to make invalid
        assert mode == GenerationMode.NEGATIVE, operation.label


def load(app: Any, tokens: dict[str, str]) -> Any:
    """Read an app's document, with a valid bearer token for each of its security schemes."""
    schemes = {name: {"bearer": token} for name, token in tokens.items()}
    config = schemathesis.Config.from_dict({"auth": {"openapi": schemes}})
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)


def fuzz(schema: Any) -> list[str]:
    """Run every operation in both modes; return the labels that were run."""
    known = known_names(schema.raw_schema)
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run_operation(operation, mode, known)
    return labels
