"""The central matcher: stores only peppered tokens, detects overlaps across agencies, raises alerts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the matcher application; nothing is bound to an app at import time."""
    app = Flask(__name__)
    from matcher import api, commands, config, dashboard, db, errors

    config.init_app(app, test_config)
    db.init_app(app)
    errors.init_app(app)
    api.init_app(app)
    dashboard.init_app(app)
    commands.init_app(app)
    return app
