"""The administrator's pages: user accounts (lifting a lockout, resetting a lost second factor)
and the submissions that were refused or looked unusual (possible guessing in the hmac mode).

Creating users and agencies stays with the admin CLI (``kruispunt-matcher``); this page only
helps with what users get stuck on.
"""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from matcher import db
from matcher.dashboard.access import current_actor, requires
from matcher.dashboard.i18n import _
from matcher.models import UserAccount, UserRole
from matcher.services import federation, signin, submission_limits, users

#: how far back the submissions page looks
SUBMISSION_DAYS_SHOWN = 14


@requires(UserRole.ADMIN)
def user_list() -> str:
    """List the dashboard's users with their role, scope, lockout and second factor."""
    session = db.session()
    agencies = {agency.id: agency.name for agency in federation.list_agencies(session)}
    return render_template(
        "admin/users.html",
        users=users.list_users(session),
        agencies=agencies,
        now=signin.now_utc(),
    )


def _user(user_id: int) -> UserAccount:
    user = db.session().get(UserAccount, user_id)
    if user is None:
        abort(404)
    return user


@requires(UserRole.ADMIN)
def unlock(user_id: int) -> Response:
    """Lift a lockout."""
    session = db.session()
    signin.unlock(session, _user(user_id), actor=current_actor().name)
    session.commit()
    flash(_("The account is unlocked."), "success")
    return redirect(url_for("dashboard.admin_users"), code=303)


@requires(UserRole.ADMIN)
def reset_totp(user_id: int) -> Response:
    """Turn a user's second factor off so that they can enrol a new device."""
    session = db.session()
    signin.reset_totp(session, _user(user_id), actor=current_actor().name)
    session.commit()
    flash(_("The second factor is off; the user can enrol a new device."), "success")
    return redirect(url_for("dashboard.admin_users"), code=303)


@requires(UserRole.ADMIN)
def submissions() -> str:
    """List refused and unusual submissions of the last two weeks, today's first."""
    session = db.session()
    since = signin.now_utc() - dt.timedelta(days=SUBMISSION_DAYS_SHOWN)
    agencies = {agency.id: agency.name for agency in federation.list_agencies(session)}
    return render_template(
        "admin/submissions.html",
        events=submission_limits.recent_events(session, since=since),
        agencies=agencies,
        days=SUBMISSION_DAYS_SHOWN,
        today=signin.now_utc().date(),
    )
