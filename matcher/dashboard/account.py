"""Signing in and out, the second factor, the language switch, and the user's own account page.

Every failure shows the same sentence, whatever failed (unknown user, wrong password, locked,
wrong code), so the page does not tell an attacker which usernames exist. The audit log
records the reason. The session is renewed on sign-in (no fixation); signing out ends every
session of the user, so a cookie saved before it no longer opens a page.
"""

from __future__ import annotations

import time

from flask import flash, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from matcher import audit, db
from matcher.dashboard.access import current_user, home_url, requires, safe_next
from matcher.dashboard.i18n import LANGUAGES, _
from matcher.models import UserAccount
from matcher.services import signin, users

#: a password was right; the code must follow within this many seconds
CODE_STEP_SECONDS = 300
MAX_FIELD = 200


def _failure_message() -> str:
    return _(
        "Sign-in failed: check your username, password and code. After %(count)d failed "
        "attempts an account is locked for %(minutes)d minutes.",
        count=signin.MAX_FAILURES,
        minutes=int(signin.LOCKOUT.total_seconds() // 60),
    )


def home() -> Response:
    """Send the visitor to their first page."""
    return redirect(home_url())


def _start_session(user_id: int, target: str | None) -> Response:
    language = session.get("language")
    session.clear()  # a fresh session: nothing an attacker planted survives sign-in
    session.permanent = True
    g.user = db.session().get(UserAccount, user_id)
    session["user_id"] = user_id
    session["generation"] = g.user.session_generation if g.user is not None else -1
    if language:
        session["language"] = language
    return redirect(safe_next(target) or home_url(), code=303)


def sign_in() -> str | Response | tuple[str, int]:
    """Show the sign-in form; check the password; pass to the code step when TOTP is on."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("sign_in.html", next=target)
    username = request.form.get("username", "")[:MAX_FIELD]
    password = request.form.get("password", "")[:MAX_FIELD]
    database = db.session()
    attempt = signin.attempt_password(database, username=username, password=password)
    database.commit()
    if not attempt.ok or attempt.user is None:
        return render_template("sign_in.html", next=target, error=_failure_message()), 401
    if attempt.needs_code:
        session.clear()
        session["pending_user_id"] = attempt.user.id
        session["pending_since"] = int(time.time())
        session["pending_next"] = target
        return redirect(url_for("dashboard.sign_in_code"), code=303)
    return _start_session(attempt.user.id or 0, target)


def sign_in_code() -> str | Response | tuple[str, int]:
    """Ask for the authenticator's code of a user who gave the right password."""
    user_id = session.get("pending_user_id")
    since = session.get("pending_since", 0)
    if not isinstance(user_id, int) or time.time() - since > CODE_STEP_SECONDS:
        session.clear()
        return redirect(url_for("dashboard.sign_in"), code=303)
    if request.method == "GET":
        return render_template("sign_in_code.html")
    database = db.session()
    attempt = signin.attempt_code(
        database, user_id=user_id, code=request.form.get("code", "")[:MAX_FIELD]
    )
    database.commit()
    if not attempt.ok:
        if attempt.reason == "locked":
            session.clear()
        return render_template("sign_in_code.html", error=_failure_message()), 401
    return _start_session(user_id, session.get("pending_next"))


def sign_out() -> Response:
    """End the user's sessions, in every browser, and clear this one (keeping the language)."""
    if g.get("user") is not None:
        database = db.session()
        users.end_sessions(database, g.user)
        audit.record(
            database,
            actor=audit.user_actor(g.user.id or 0),
            action="logout",
            subject=audit.user_actor(g.user.id or 0),
        )
        database.commit()
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    flash(_("You are signed out."), "success")
    return redirect(url_for("dashboard.sign_in"), code=303)


def language() -> Response:
    """Switch the pages' language for this session."""
    chosen = request.form.get("language", "")
    if chosen in LANGUAGES:
        session["language"] = chosen
    back = safe_next(request.form.get("next")) or home_url()
    return redirect(back, code=303)


@requires()
def account_page() -> str:
    """Show the signed-in user's account: role, scope, second factor."""
    return render_template("account.html", user=current_user())


@requires()
def totp() -> str | Response | tuple[str, int]:
    """Turn on the second factor: show a new secret once, then confirm it with a code."""
    user = current_user()
    if user.totp_secret:
        flash(_("The second factor is on already. An administrator can reset it."), "info")
        return redirect(url_for("dashboard.account"), code=303)
    if request.method == "GET":
        secret = signin.new_totp_secret()
        session["totp_enrol"] = secret
        uri = signin.provisioning_uri(secret, username=user.username)
        return render_template("totp.html", secret=secret, uri=uri)
    pending = session.get("totp_enrol")
    if not isinstance(pending, str):
        return redirect(url_for("dashboard.totp"), code=303)
    database = db.session()
    if not signin.enrol_totp(database, user, secret=pending, code=request.form.get("code", "")):
        database.rollback()
        uri = signin.provisioning_uri(pending, username=user.username)
        error = _("That code is not right. Check the time on your device and try again.")
        return render_template("totp.html", secret=pending, uri=uri, error=error), 422
    database.commit()
    session.pop("totp_enrol", None)
    flash(_("The second factor is on. From now on you sign in with a code too."), "success")
    return redirect(url_for("dashboard.account"), code=303)
