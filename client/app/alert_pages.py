"""The agency's released alerts with its own case numbers, and withdrawal with a confirmation.

Case numbers come from the local ledger and stay on this machine; the matcher only ever hears
the opaque references.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from client.app.export_pages import settings
from client.app.i18n import _
from client.errors import ClientError
from client.ledger import Ledger
from client.outbox import withdraw_refs
from client.wire import REF_CHARS

bp = Blueprint("alerts", __name__)
_REF = re.compile(rf"[A-Za-z0-9_-]{{{REF_CHARS}}}")
MAX_CASE_CHARS = 200


@bp.get("/alerts")
def alerts() -> str:
    factory = settings().matcher
    if factory is None:
        return render_template("alerts.html", alerts=None, entries={}, problem=None)
    try:
        with factory() as client:
            released = client.alerts()
    except ClientError as error:
        return render_template("alerts.html", alerts=None, entries={}, problem=str(error))
    with Ledger(settings().ledger_path) as ledger:
        entries = ledger.lookup(signal.ref for alert in released for signal in alert.own_signals)
    return render_template("alerts.html", alerts=released, entries=entries, problem=None)


def _chosen_refs() -> tuple[str, str, list[str]]:
    """Return what the form names (a case or a reference), how to show it, and its live refs."""
    case = request.form.get("case", "")
    ref = request.form.get("ref", "")
    if case and len(case) <= MAX_CASE_CHARS:
        with Ledger(settings().ledger_path) as ledger:
            refs = ledger.refs_for_cases([case])[case]
        return "case", case, refs
    if _REF.fullmatch(ref):
        return "ref", ref, [ref]
    abort(400)


@bp.post("/withdraw")
def confirm_withdrawal() -> str:
    what, name, refs = _chosen_refs()
    return render_template("withdraw.html", what=what, name=name, count=len(refs))


@bp.post("/withdraw/confirmed")
def withdraw() -> BaseResponse:
    _what, _name, refs = _chosen_refs()
    factory = settings().matcher
    if factory is None:
        flash(_("No matcher is set: start the app with --matcher URL."), "error")
        return redirect(url_for("alerts.alerts"))
    if not refs:
        flash(_("Nothing to withdraw: these signals were withdrawn before."), "error")
        return redirect(url_for("alerts.alerts"))
    try:
        with factory() as client, Ledger(settings().ledger_path) as ledger:
            withdrawn, _unknown = withdraw_refs(client, ledger, refs)
    except ClientError as error:
        flash(_("Withdrawing failed: {reason}", reason=str(error)), "error")
        return redirect(url_for("alerts.alerts"))
    flash(_("Signals withdrawn: {count}. The matcher deleted their tokens.", count=withdrawn), "ok")
    return redirect(url_for("alerts.alerts"))
