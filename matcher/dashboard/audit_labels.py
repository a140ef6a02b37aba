"""The audit log's action codes in the reader's words; the stored codes never change."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from matcher.dashboard.i18n import ACTION_LABELS, _

AUDIT_LABELS: dict[str, LazyString] = {
    "agency.add": _l("Agency registered"),
    "alert.list": _l("Alert list read (API)"),
    "alert.read": _l("Released alerts read (API)"),
    "alert.release": _l("Alert released to the agencies"),
    "alert.view": _l("Alert viewed"),
    "audit.read": _l("Audit log read"),
    "audit.verify": _l("Audit chain checked"),
    "batch.replay": _l("Batch sent again (nothing added)"),
    "batch.submit": _l("Batch received"),
    "db.upgrade": _l("Database schema upgraded"),
    "digest.subscribe": _l("E-mail digest switched on"),
    "digest.unsubscribe": _l("E-mail digest switched off"),
    "epoch.add": _l("Key epoch accepted"),
    "epoch.retire": _l("Key epoch retired"),
    "login.failure": _l("Sign-in failed"),
    "login.success": _l("Signed in"),
    "signal.purge": _l("Expired signals deleted"),
    "signal.withdraw": _l("Signals withdrawn"),
    "signal.withdraw_request": _l("Withdrawal asked for by an analyst"),
    "token.create": _l("API token created"),
    "token.revoke": _l("API token revoked"),
    "user.add": _l("User created"),
    "user.password": _l("Password changed"),
    "user.totp_enrol": _l("Two-step sign-in set up"),
    "user.totp_reset": _l("Two-step sign-in reset"),
    "user.unlock": _l("User unlocked"),
    "webhook.register": _l("Webhook registered"),
    "webhook.remove": _l("Webhook removed"),
}


def audit_label(code: str) -> str:
    """Return an audit action in the reader's words ('alert.dismiss': the step's own words)."""
    found = AUDIT_LABELS.get(code)
    if found is not None:
        return str(found)
    subject, _dot, step = code.partition(".")
    if subject == "alert" and step in ACTION_LABELS:
        return _("Alert: %(step)s", step=str(ACTION_LABELS[step]))
    return code
