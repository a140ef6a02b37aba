"""The oblivious key service: evaluates the ``oprf`` scheme on blinded elements for agencies.

A separate application, run by another organisation than the matcher's, possibly on another
host: it never imports ``matcher``. It learns how many evaluations each agency asks for, never
an identifier. Production: ``gunicorn 'keyservice:create_app()'`` (see docs/keyservice.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the key service; nothing is bound to an app at import time."""
    from keyservice import api, config, db, errors, keys, limits

    # the instance folder is the operator's (KEYSERVICE_INSTANCE_PATH), never Flask's default
    # next to the installed code; config refuses to start without one where it is needed
    instance = config.read_settings(test_config)["KEYSERVICE_INSTANCE_PATH"]
    app = Flask(__name__, instance_path=instance)

    config.init_app(app, test_config)
    db.init_app(app)
    keys.init_app(app)
    limits.init_app(app)
    errors.init_app(app)
    api.init_app(app)
    return app
