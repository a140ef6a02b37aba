"""Schemathesis over every operation of the matcher's API, with an agency's and an admin's token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.openapi_fuzzing import fuzz, load


def test_the_matcher_answers_as_its_document_says(
    app: Flask,
    make_agency: Callable[..., Any],
    make_api_token: Callable[..., str],
    make_user: Callable[..., Any],
    make_user_token: Callable[..., str],
    make_epoch: Callable[..., Any],
    make_signal: Callable[..., Any],
    make_alert: Callable[..., Any],
) -> None:
    utrecht = make_agency("Gemeente Utrecht")
    breda = make_agency("Gemeente Breda", "Zeeland-West-Brabant")
    make_epoch()
    for _ in range(3):
        make_alert(make_signal(utrecht), make_signal(breda))
    schema = load(
        app,
        {
            "agencyToken": make_api_token(utrecht),
            "coordinatorToken": make_user_token(make_user("beheer", "admin")),
        },
    )

    labels = fuzz(schema)

    # every operation but the document itself, which schemathesis reads rather than tests
    assert len(labels) == 8
