"""Schemathesis over every operation of the key service's API, with an agency's token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.openapi_fuzzing import fuzz, load


def test_the_key_service_answers_as_its_document_says(
    keyservice_app: Flask, key_epoch: Any, make_agency_token: Callable[..., str]
) -> None:
    schema = load(keyservice_app, {"agencyToken": make_agency_token()})

    labels = fuzz(schema)

    # every operation but the document itself, which schemathesis reads rather than tests
    assert len(labels) == 4
