"""The auditor's page: the audit log, filterable and paged, with the chain's verification."""

from __future__ import annotations

from flask import render_template, request

from matcher import audit, db
from matcher.dashboard import params
from matcher.dashboard.access import current_actor, requires
from matcher.dashboard.audit_labels import audit_label
from matcher.models import UserRole
from matcher.services import actors, audit_log

MAX_ACTOR_CHARS = 80


@requires(UserRole.AUDITOR)
def audit_log_page() -> str:
    """Show audit entries (newest first) and whether the hash chain is intact."""
    page, per_page = params.paging()
    session = db.session()
    actions = audit_log.actions(session)
    filters = audit_log.AuditFilter(
        action=params.choice(request.args, "action", _action_choices(actions)),
        actor=request.args.get("actor", "").strip()[:MAX_ACTOR_CHARS] or None,
        since=params.day(request.args, "since"),
        until=params.day(request.args, "until"),
    )
    result = audit_log.list_entries(session, filters=filters, page=page, per_page=per_page)
    verification = audit.verify(session)
    # reading the log is itself recorded: who looked, at which filter (no free text beyond it)
    audit.record(
        session,
        actor=current_actor().name,
        action="audit.read",
        details={"page": page, "action": filters.action, "verified": verification.ok},
    )
    session.commit()
    names = actors.actor_names(session, [entry.actor for entry in result.items])
    return render_template(
        "audit/log.html",
        result=result,
        filters=filters,
        actions=_action_choices(actions),
        verification=verification,
        audit_label=audit_label,
        names=names,
        query_without=params.query_without,
    )


def _action_choices(actions: list[str]) -> list[str]:
    """Return each action and its prefix ('login' for login.success and login.failure)."""
    prefixes = {action.split(".", 1)[0] for action in actions if "." in action}
    return sorted(set(actions) | prefixes)
