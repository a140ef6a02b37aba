"""The start link and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from client.app import guard
from client.app.i18n import LANGUAGES

bp = Blueprint("pages", __name__)


@bp.get("/start/<token>")
def start(token: str) -> BaseResponse:
    link: guard.StartLink = current_app.extensions["kruispunt-start"]
    return guard.sign_in(link, token)


def local_path(target: str) -> str | None:
    """Return target if it is a path on this app (no scheme, host, '//', '\\' or control)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(not char.isprintable() for char in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.post("/language")
def language() -> BaseResponse:
    chosen = request.form.get("lang", "")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return redirect(local_path(request.form.get("next", "")) or url_for("exports.choose"))
