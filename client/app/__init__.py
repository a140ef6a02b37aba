"""``kruispunt app``: the analysts' web app on their own machine, Dutch by default.

The factory reads like a table of contents: security, languages, pages, error pages. Nothing is
bound to an app at import time; ``client.cli.app`` serves it on 127.0.0.1.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, render_template
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException

from client.app import alert_pages, export_pages, guard, i18n, pages
from client.app.settings import AppSettings
from client.app.workspace import Workspace

#: the largest export the app takes (a local file; the limit only keeps a mistake in bounds)
MAX_UPLOAD_BYTES = 512 * 1024 * 1024

__all__ = ["AppSettings", "create_app"]


def create_app(settings: AppSettings, test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app for one run: a fresh secret key, the one-time start link, empty state."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secrets.token_bytes(32), MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES)
    if test_config:
        app.config.update(test_config)
    app.extensions["kruispunt"] = settings
    app.extensions["kruispunt-workspace"] = Workspace(settings.work_dir)
    app.extensions["kruispunt-start"] = guard.StartLink(settings.start_token)
    guard.init_app(app)
    i18n.init_app(app)
    register_blueprints(app)
    register_errorhandlers(app)
    return app


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(pages.bp)
    app.register_blueprint(export_pages.bp)
    app.register_blueprint(alert_pages.bp)


def register_errorhandlers(app: Flask) -> None:
    def render(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        if request_ctx.url_adapter is None:
            # an untrusted Host header: no URL can be built, so no page with links either
            return i18n.error_text(code, "host"), code
        return render_template("error.html", code=code, reason=error.description), code

    app.register_error_handler(HTTPException, render)
