"""Who may use the app: the browser that opened the one-time link, from this machine only.

- The start link carries a random token that is exchanged once for a session cookie; after
  that it is spent, so a link seen in a terminal scrollback or a browser history is worthless.
- Only ``Host: 127.0.0.1`` or ``localhost`` is served (``TRUSTED_HOSTS``): a web page that
  rebinds its own DNS name to 127.0.0.1 cannot talk to the app.
- Every form carries a per-session CSRF token; a POST without it is refused.
- Pages hold the agency's own data: they are never cached, framed or sent as a referrer.
"""

from __future__ import annotations

import hmac
import secrets
import threading

from flask import Flask, Response, abort, redirect, request, session, url_for
from werkzeug.exceptions import SecurityError
from werkzeug.wrappers import Response as BaseResponse

LOCAL_HOSTS = ["127.0.0.1", "localhost"]
#: endpoints reachable without the session the start link gives
_OPEN_ENDPOINTS = frozenset({"pages.start", "static"})
_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
    " frame-ancestors 'none'; base-uri 'none'"
)


class StartLink:
    """The one-time start token: ``redeem`` is true once, for the right token only."""

    def __init__(self, token: str) -> None:
        self._token = token
        self._spent = False
        self._lock = threading.Lock()

    def redeem(self, offered: str) -> bool:
        """Spend the token if offered is it; every later call is false."""
        with self._lock:
            if self._spent or not hmac.compare_digest(offered.encode(), self._token.encode()):
                return False
            self._spent = True
            return True


def csrf_token() -> str:
    """Return this session's CSRF token (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def _check_request() -> BaseResponse | None:
    try:
        request.host  # noqa: B018 (reading it checks it against TRUSTED_HOSTS)
    except SecurityError:
        abort(400, description="host")
    if request.endpoint in _OPEN_ENDPOINTS:
        return None
    if not session.get("signed_in"):
        abort(403)
    if request.method == "POST":
        offered = request.form.get("csrf_token", "")
        expected = session.get("csrf", "")
        if not expected or not hmac.compare_digest(offered.encode(), str(expected).encode()):
            abort(400, description="csrf")
    return None


def _harden(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def sign_in(link: StartLink, token: str) -> BaseResponse:
    """Exchange the start token for a fresh session, or refuse (403) a spent or wrong one."""
    if not link.redeem(token):
        abort(403, description="spent")
    session.clear()
    session["signed_in"] = True
    csrf_token()
    return redirect(url_for("exports.choose"))


def init_app(app: Flask) -> None:
    """Serve local hosts only, require the session and CSRF token, harden every response."""
    app.config.update(
        TRUSTED_HOSTS=LOCAL_HOSTS,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="kruispunt-app",
    )
    app.before_request(_check_request)
    app.after_request(_harden)
    app.jinja_env.globals["csrf_token"] = csrf_token
