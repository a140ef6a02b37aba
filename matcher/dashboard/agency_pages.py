"""Analyst pages: the agency's alerts (released or awaiting its disclosure answer), signals,
batches, and withdrawing a signal.

An analyst sees only the agency's own references. Before release, an alert shows only what
the data owner needs to decide on disclosure (kind, own signals, how many other agencies);
after release, the other agencies' names and contact points, never their references.
"""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from client.wire import ReleasedAlert
from matcher import audit, db
from matcher.dashboard import params
from matcher.dashboard.access import current_actor, requires
from matcher.dashboard.errors import describe
from matcher.dashboard.explain import sentence
from matcher.dashboard.i18n import _
from matcher.errors import Conflict, InvalidRequest, NotFound
from matcher.models import Agency, Alert, UserRole
from matcher.services import actors, agency_records, alerts, disclosure, workflow
from matcher.services.observation import Observed
from matcher.services.released import released_facts

_REF = re.compile(r"[A-Za-z0-9_-]{22}")

#: why an analyst withdraws a signal: fixed codes, so that no free text can hold an identifier
WITHDRAW_REASONS: dict[str, LazyString] = {
    "mistake": _l("Entered by mistake"),
    "no_longer_relevant": _l("No longer relevant to the case"),
    "retention": _l("Our retention period ended"),
    "other": _l("Another reason"),
}


def _agency() -> Agency:
    actor = current_actor()
    agency = db.session().get(Agency, actor.agency_id) if actor.agency_id is not None else None
    if agency is None:
        abort(403)
    return agency


@requires(UserRole.ANALYST)
def my_alerts() -> str:
    """List disclosure requests awaiting the agency's answer and alerts released to it."""
    agency = _agency()
    session = db.session()
    pending = agency_records.pending_requests(session, agency=agency)
    released = alerts.released_alerts_for_agency(session, agency_id=agency.id or 0)
    audit.record(
        session,
        actor=current_actor().name,
        action="alert.read",
        subject="released",
        details={"alerts": len(released), "alert_ids": [item.alert_id for item in released]},
    )
    session.commit()
    return render_template("agency/alerts.html", agency=agency, pending=pending, released=released)


def _known_alert(alert_id: int, agency: Agency) -> tuple[Alert, ReleasedAlert | None]:
    """Return the alert and its released form, if the agency may know of it; else 404."""
    session = db.session()
    alert = actors.load_alert(session, alert_id, current_actor())
    if alert.released_at is not None:
        released = alerts.released_alerts_for_agency(session, agency_id=agency.id or 0)
        found = next((item for item in released if item.alert_id == alert_id), None)
        if found is not None:
            return alert, found
    if any(item.agency_id == agency.id for item in disclosure.decisions(session, alert_id)):
        return alert, None
    raise NotFound("No such alert, or not one you may see.")


def _alert_page(alert_id: int, *, error: str | None = None, status: int = 200) -> tuple[str, int]:
    agency = _agency()
    session = db.session()
    alert, released = _known_alert(alert_id, agency)
    actor = current_actor()
    audit.record(
        session,
        actor=actor.name,
        action="alert.view",
        subject=f"alert:{alert_id}",
        details={"status": alert.status, "released": released is not None},
    )
    session.commit()
    own = agency_records.own_signals(session, alert=alert, agency_id=agency.id or 0)
    decision = next(
        (item for item in disclosure.decisions(session, alert_id) if item.agency_id == agency.id),
        None,
    )
    if released is not None:
        period = Observed(first=released.first_observed, last=released.last_observed)
    else:
        # before a release the agency learns nothing of others' signals, their days included
        days = [signal.observed_on for signal in own] or [alert.created_at.date()]
        period = Observed(first=min(days), last=max(days))
    page = render_template(
        "agency/alert.html",
        alert=alert,
        released=released,
        own=own,
        decision=decision,
        others=max(alert.agency_count - 1, 0),
        summary=sentence(released_facts(alert, period, session)),
        actions=workflow.allowed_actions(session, alert, actor),
        legal_bases=disclosure.LEGAL_BASES,
        error=error,
    )
    return page, status


@requires(UserRole.ANALYST)
def my_alert(alert_id: int) -> tuple[str, int]:
    """Show one alert as the agency may see it (audited)."""
    return _alert_page(alert_id)


@requires(UserRole.ANALYST)
def decide(alert_id: int) -> Response | tuple[str, int]:
    """Approve (with a legal basis) or decline disclosure on behalf of the agency."""
    agency = _agency()
    _known_alert(alert_id, agency)
    approve = params.choice(request.form, "decision", ("approve", "decline"))
    if approve is None:
        abort(400)
    session = db.session()
    try:
        disclosure.decide(
            session,
            alert_id=alert_id,
            actor=current_actor(),
            approve=approve == "approve",
            legal_basis=request.form.get("legal_basis") or None,
        )
    except (Conflict, InvalidRequest) as error:
        session.rollback()
        return _alert_page(alert_id, error=describe(error), status=error.status)
    session.commit()
    flash(_("Your agency's answer was recorded."), "success")
    return redirect(url_for("dashboard.my_alert", alert_id=alert_id), code=303)


@requires(UserRole.ANALYST)
def embargo(alert_id: int) -> Response | tuple[str, int]:
    """Set or lift an embargo (police analysts of an involved agency only)."""
    agency = _agency()
    _known_alert(alert_id, agency)
    chosen = params.choice(request.form, "action", ("embargo", "lift_embargo"))
    if chosen is None:
        abort(400)
    session = db.session()
    try:
        workflow.apply(
            session, alert_id=alert_id, action=workflow.Action(chosen), actor=current_actor()
        )
    except (Conflict, InvalidRequest) as error:
        session.rollback()
        return _alert_page(alert_id, error=describe(error), status=error.status)
    session.commit()
    flash(_("Done: the alert's status was updated."), "success")
    return redirect(url_for("dashboard.my_alert", alert_id=alert_id), code=303)


@requires(UserRole.ANALYST)
def my_signals() -> str:
    """List the agency's signals and the alerts each may know about."""
    agency = _agency()
    page, per_page = params.paging()
    result = agency_records.list_signals(
        db.session(), agency_id=agency.id or 0, page=page, per_page=per_page
    )
    return render_template(
        "agency/signals.html", agency=agency, result=result, withdraw_reasons=WITHDRAW_REASONS
    )


@requires(UserRole.ANALYST)
def withdraw() -> Response:
    """Withdraw one of the agency's signals: its tokens are deleted."""
    from matcher.services import retention

    agency = _agency()
    ref = request.form.get("ref", "").strip()
    if not _REF.fullmatch(ref):
        abort(400)
    reason = request.form.get("reason", "")
    if reason not in WITHDRAW_REASONS:
        # a withdrawal deletes for good: only with a reason chosen, never by one stray click
        flash(_("Choose why you withdraw the signal, then press Withdraw."), "error")
        return redirect(url_for("dashboard.my_signals"), code=303)
    session = db.session()
    receipt = retention.withdraw(session, agency_id=agency.id or 0, refs=[ref])
    # retention audits the deletion as the agency's; this entry names the analyst who asked
    audit.record(
        session,
        actor=current_actor().name,
        action="signal.withdraw_request",
        subject=f"agency:{agency.id}",
        details={
            "withdrawn": receipt.withdrawn,
            "unknown": receipt.unknown,
            "reason": reason,
        },
    )
    session.commit()
    if receipt.withdrawn:
        flash(_("The signal was withdrawn; its tokens were deleted."), "success")
    else:
        flash(_("Your agency holds no signal with this reference (any more)."), "error")
    return redirect(url_for("dashboard.my_signals"), code=303)


@requires(UserRole.ANALYST)
def my_batches() -> str:
    """List the agency's accepted batches and their receipts."""
    agency = _agency()
    page, per_page = params.paging()
    result = agency_records.list_batches(
        db.session(), agency_id=agency.id or 0, page=page, per_page=per_page
    )
    return render_template("agency/batches.html", agency=agency, result=result)
