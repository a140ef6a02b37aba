"""Who is signed in, and which roles may open a page: checked on the server for every request.

The session cookie holds the user's id and session generation only. Each request reloads the
user from the database, so a deactivated account or a changed role takes effect at once, and a
cookie whose generation is older than the user's (sign-out, a new password, a lockout, a
deactivation raise it) is refused: a saved cookie does not outlive the session it belonged to.
Anonymous visitors are sent to the sign-in page; a signed-in user without the role gets 403; an
alert outside the user's scope is a 404 (decided by the workflow service), so that its
existence is not revealed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar
from urllib.parse import unquote, urlsplit

from flask import abort, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from matcher import db
from matcher.models import UserAccount
from matcher.services import actors

P = ParamSpec("P")
R = TypeVar("R")

#: each role's first page after signing in
HOME: dict[str, str] = {
    "coordinator": "dashboard.alert_list",
    "admin": "dashboard.alert_list",
    "analyst": "dashboard.my_alerts",
    "auditor": "dashboard.audit_log",
}


def load_user() -> None:
    """Put the signed-in user (or None) and the workflow's view of them on g."""
    g.user = None
    g.actor = None
    user_id = session.get("user_id")
    if not isinstance(user_id, int):
        return
    user = db.session().get(UserAccount, user_id)
    generation = session.get("generation")
    if (
        user is None
        or not user.active
        or not isinstance(generation, int)
        or generation != user.session_generation
    ):
        session.clear()
        return
    g.user = user
    g.actor = actors.actor_for(db.session(), user)


def current_user() -> UserAccount:
    """Return the signed-in user (only inside a view guarded by requires)."""
    user: UserAccount = g.user
    return user


def current_actor() -> actors.Actor:
    """Return the workflow's view of the signed-in user."""
    actor: actors.Actor = g.actor
    return actor


def home_url() -> str:
    """Return the signed-in user's first page, or the sign-in page."""
    if g.get("user") is None:
        return url_for("dashboard.sign_in")
    return url_for(HOME.get(g.user.role, "dashboard.account"))


def requires(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R | Response]]:
    """Let a view run only for a signed-in user holding one of roles (any role if none given)."""

    def decorate(view: Callable[P, R]) -> Callable[P, R | Response]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R | Response:
            if g.get("user") is None:
                target = request.full_path.rstrip("?") if request.method == "GET" else None
                return redirect(url_for("dashboard.sign_in", next=target))
            if roles and g.user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


def safe_next(target: str | None) -> str | None:
    """Return target if it is a path on this site (never another host), else None.

    Checked on the decoded text and once more after percent-decoding it: no scheme, no host
    (``//``), no backslash and no control character (a browser drops a tab or a newline, so
    ``/<TAB>/evil.example`` would become ``//evil.example``).
    """
    if not target:
        return None
    for text in (target, unquote(target)):
        if not _is_local_path(text):
            return None
    return target


def _is_local_path(text: str) -> bool:
    if not text.startswith("/") or text.startswith("//") or "\\" in text:
        return False
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in text):
        return False
    parts = urlsplit(text)
    return not parts.scheme and not parts.netloc
