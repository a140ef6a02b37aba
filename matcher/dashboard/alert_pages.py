"""Coordinator pages: the alert list, an alert in full, workflow actions, notes, benign hubs.

Administrators see the same pages read-only (they may only expire an alert); the workflow
service decides what each user may do, these views only parse and render. A refused action
re-renders the alert with the reason and a 409/422 status, storing nothing.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from client import kinds
from matcher import alert_states, db
from matcher.dashboard import charts, explain, link_chart, params
from matcher.dashboard.access import current_actor, requires
from matcher.dashboard.errors import describe
from matcher.dashboard.i18n import _
from matcher.dashboard.next_step import recommend
from matcher.errors import Conflict, InvalidRequest
from matcher.models import Agency, UserRole, utcnow
from matcher.services import (
    actors,
    alert_history,
    benign_hubs,
    detection,
    disclosure,
    federation,
    links,
    workflow,
)
from matcher.services.alert_counts import detected_per_week
from matcher.services.alert_detail import facts
from matcher.services.alerts import SORTS, AlertFilter, list_alerts
from matcher.services.strength import STRENGTHS

VIEWERS = (UserRole.COORDINATOR, UserRole.ADMIN)


def _regions_for_filter(agencies: list[Agency]) -> list[str]:
    actor = current_actor()
    if actor.viewer_regions is None:
        return sorted({agency.region for agency in agencies})
    return sorted(actor.regions)


@requires(*VIEWERS)
def alert_list() -> str:
    """List the alerts of the user's regions: filters, sort, counts per status, pages."""
    page, per_page = params.paging()
    agencies = federation.list_agencies(db.session())
    regions = _regions_for_filter(agencies)
    # strong and medium by default; weak alerts (a name, a building only) are one choice away
    shown = params.choice(request.args, "strength", [*STRENGTHS, "all"]) or ""
    strengths = {"": ("strong", "medium"), "all": None}.get(shown, (shown,))
    filters = AlertFilter(
        status=params.choice(request.args, "status", alert_states.names()),
        kind=params.choice(request.args, "kind", list(kinds.names())),
        strengths=strengths,
        region=params.choice(request.args, "region", regions),
        agency_id=params.integer(request.args, "agency"),
        since=params.day(request.args, "since"),
        until=params.day(request.args, "until"),
    )
    sort = params.choice(request.args, "sort", SORTS) or "recent"
    result = list_alerts(
        db.session(),
        filters=filters,
        sort=sort,
        page=page,
        per_page=per_page,
        viewer_regions=current_actor().viewer_regions,
    )
    weeks = detected_per_week(
        db.session(), viewer_regions=current_actor().viewer_regions, today=utcnow().date()
    )
    return render_template(
        "alerts/list.html",
        result=result,
        pending=detection.pending(db.session()),
        weekly=charts.weekly_bars(weeks),
        weeks=weeks,
        filters=filters,
        sort=sort,
        sorts=list(SORTS),
        regions=regions,
        agencies=agencies,
        statuses=alert_states.names(),
        kinds=list(kinds.names()),
        strength=shown,
        strengths=STRENGTHS,
        query_without=params.query_without,
    )


def _detail_page(alert_id: int, *, error: str | None = None, status: int = 200) -> tuple[str, int]:
    session = db.session()
    actor = current_actor()
    detail = workflow.open_alert(session, alert_id, actor)
    session.commit()  # the view is audited even when nothing else changes
    names = actors.actor_names(
        session,
        [event.actor for event in detail.events]
        + [item.decided_by for item in disclosure.decisions(session, alert_id) if item.decided_by],
    )
    agency_names = {agency.agency_id: agency.name for agency in detail.agencies}
    actions = workflow.allowed_actions(session, detail.alert, actor)
    page = render_template(
        "alerts/detail.html",
        detail=detail,
        alert=detail.alert,
        sentence=explain.sentence(facts(detail)),
        chart=link_chart.layout(links.link_graph(session, alert_id), agency_names),
        timeline_chart=charts.timeline(detail.timeline),
        actions=actions,
        next_step=recommend(detail.alert.status, [str(action) for action in actions]),
        decisions=disclosure.decisions(session, alert_id),
        agency_names=agency_names,
        hub=benign_hubs.marking_of(session, detail.alert),
        names=names,
        coordinators=actors.coordinators_for(session, actor),
        legal_bases=disclosure.LEGAL_BASES,
        case_routes=workflow.CASE_ROUTES,
        may_write=actor.role == UserRole.COORDINATOR,
        error=error,
    )
    return page, status


@requires(*VIEWERS)
def alert_detail(alert_id: int) -> tuple[str, int]:
    """Show one alert in full (audited)."""
    return _detail_page(alert_id)


def _done(alert_id: int, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("dashboard.alert_detail", alert_id=alert_id), code=303)


def _refused(alert_id: int, error: Conflict | InvalidRequest) -> tuple[str, int]:
    db.session().rollback()
    return _detail_page(alert_id, error=describe(error), status=error.status)


@requires(*VIEWERS)
def alert_action(alert_id: int) -> Response | tuple[str, int]:
    """Take one workflow step on an alert."""
    chosen = params.choice(request.form, "action", list(workflow.Action))
    if chosen is None:
        abort(400)
    action = workflow.Action(chosen)
    note = request.form.get("note") or None
    options = workflow.Options(
        case_route=request.form.get("case_route") or None,
        external_reference=request.form.get("external_reference") or None,
        merge_into=params.integer(request.form, "merge_into"),
        assignee_id=params.integer(request.form, "assignee"),
    )
    session = db.session()
    try:
        workflow.apply(
            session,
            alert_id=alert_id,
            action=action,
            actor=current_actor(),
            note=note,
            options=options,
        )
    except (Conflict, InvalidRequest) as error:
        return _refused(alert_id, error)
    if action == workflow.Action.DISMISS and (not note or request.form.get("confirm") != "yes"):
        # dismissing hides a possibly real overlap: only with a reason and a confirmation
        session.rollback()
        return _detail_page(
            alert_id,
            error=_("To dismiss an alert, give the reason and tick the confirmation."),
            status=422,
        )
    session.commit()
    return _done(alert_id, _("Done: the alert's status was updated."))


@requires(UserRole.COORDINATOR)
def alert_note(alert_id: int) -> Response | tuple[str, int]:
    """Add a note to the alert's history (refused when it holds an identifier)."""
    session = db.session()
    try:
        alert_history.add_note(
            session, alert_id=alert_id, actor=current_actor(), note=request.form.get("note", "")
        )
    except (Conflict, InvalidRequest) as error:
        return _refused(alert_id, error)
    session.commit()
    return _done(alert_id, _("The note was saved."))


@requires(UserRole.COORDINATOR)
def possible_victim(alert_id: int) -> Response | tuple[str, int]:
    """Set or clear the possible-victim flag."""
    flag = request.form.get("flag") == "1"
    session = db.session()
    try:
        workflow.set_possible_victim(session, alert_id=alert_id, actor=current_actor(), flag=flag)
    except (Conflict, InvalidRequest) as error:
        return _refused(alert_id, error)
    session.commit()
    return _done(alert_id, _("The possible-victim flag was updated."))


@requires(UserRole.COORDINATOR)
def mark_hub(alert_id: int) -> Response | tuple[str, int]:
    """Mark the alert's token as a benign hub, with a reason."""
    session = db.session()
    try:
        benign_hubs.mark(
            session, alert_id=alert_id, actor=current_actor(), reason=request.form.get("reason", "")
        )
    except (Conflict, InvalidRequest) as error:
        return _refused(alert_id, error)
    session.commit()
    return _done(alert_id, _("Marked as a benign hub: this token raises no new alerts."))


@requires(UserRole.COORDINATOR)
def unmark_hub(alert_id: int) -> Response | tuple[str, int]:
    """Remove a benign-hub marking."""
    session = db.session()
    try:
        benign_hubs.unmark(session, alert_id=alert_id, actor=current_actor())
    except (Conflict, InvalidRequest) as error:
        return _refused(alert_id, error)
    session.commit()
    return _done(alert_id, _("The benign-hub marking was removed."))


@requires(*VIEWERS)
def hub_list() -> str:
    """List the benign hubs marked on alerts of the user's regions."""
    session = db.session()
    hubs = benign_hubs.list_marked(session, current_actor())
    names = actors.actor_names(session, [f"user:{hub.marked_by}" for hub in hubs])
    return render_template("alerts/hubs.html", hubs=hubs, names=names)
