"""Public endpoints: health, the key epochs the matcher accepts, and the OpenAPI document."""

from __future__ import annotations

from flask import Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from matcher import db, openapi
from matcher.errors import Unavailable
from matcher.services import federation


def health() -> Response:
    """Tell a load balancer whether this process can reach its database."""
    try:
        db.session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        raise Unavailable("The database cannot be reached.", code="database_unavailable") from None
    return jsonify({"status": "ok", "database": "ok"})


def key_epochs() -> Response:
    """List the key epochs by fingerprint, so a client can tell whether its key is current."""
    return jsonify({"epochs": federation.public_key_epochs(db.session())})


def openapi_document() -> Response:
    """Return the OpenAPI 3.1 description of this API."""
    return jsonify(openapi.document())
