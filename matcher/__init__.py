"""The central matcher: holds peppered tokens only, finds overlaps, raises alerts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the matcher application; nothing is bound to an app at import time."""
    from matcher import config

    instance = config.instance_path(test_config, environ=os.environ)
    app = Flask(__name__, instance_path=os.path.abspath(instance) if instance else None)
    config.init_app(app, test_config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    """Connect the database, refuse a pepper that is not the database's, start detection."""
    from matcher import db, detection_worker, pepper_record

    db.init_app(app)
    pepper_record.check(app.extensions["matcher.engine"], app.extensions["matcher.pepper"])
    detection_worker.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Mount the JSON API under /api/v1 and the coordinator dashboard."""
    from matcher import api, dashboard, headers, ids

    ids.init_app(app)
    headers.init_app(app)
    api.init_app(app)
    dashboard.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    """Render every error in one shape (JSON under /api)."""
    from matcher import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    """Add the administration commands to `flask --app matcher` and `kruispunt-matcher`."""
    from matcher.cli import register

    register(app.cli)
