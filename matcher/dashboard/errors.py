"""Error pages of the dashboard, in the reader's language, and the words for service errors.

Services raise :class:`matcher.errors.MatcherError` with a stable code and an English message;
the dashboard shows the translated text for the code. A refused note names what was found,
never the text.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from matcher.dashboard.i18n import FOUND_LABELS, _, label
from matcher.errors import MatcherError
from matcher.services.noteguard import NoteRefused

MESSAGES = {
    "illegal_transition": _l("This step is not possible in the alert's current status."),
    "role_not_allowed": _l("Your role may not do this."),
    "not_owner": _l("Only an analyst of an involved agency answers for it."),
    "note_empty": _l("Write a text first."),
    "note_too_long": _l("The text is too long."),
    "bad_case_route": _l("Choose a case route."),
    "victim_to_care": _l("A possible victim is referred to care, not to enforcement."),
    "bad_external_reference": _l(
        "The external reference is 1 to 80 letters, digits, spaces and / . _ -."
    ),
    "bad_merge_target": _l("Choose another open alert in your regions to merge into."),
    "not_releasable": _l("This alert no longer involves two agencies."),
    "no_request": _l("No disclosure request awaits your agency's answer."),
    "bad_legal_basis": _l("Choose the legal basis for disclosure."),
    "bad_assignee": _l("Assign the alert to an active coordinator of your regions."),
    "hub_exists": _l("This token is marked as a benign hub already."),
    "no_hub": _l("This token is not marked as a benign hub."),
    "closed": _l("The case has left the workflow; flag it with the organisation that has it."),
    "not_found": _l("No such alert, or not one you may see."),
    "forbidden": _l("Your role may not open this page."),
}

TITLES = {
    400: _l("The request could not be handled"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Not allowed"),
    409: _l("Not possible now"),
    422: _l("Not saved"),
}


def describe(error: MatcherError) -> str:
    """Return the reader's sentence for a service error."""
    if isinstance(error, NoteRefused):
        found = ", ".join(label(FOUND_LABELS, kind) for kind in error.kinds)
        return _(
            "The text was not saved: it seems to contain %(found)s. Free text may not hold "
            "identifiers; refer to the alert number instead.",
            found=found,
        )
    message = MESSAGES.get(error.code)
    return str(message) if message is not None else _("The request could not be handled.")


def _page(status: int, message: str) -> tuple[str, int]:
    title = TITLES.get(status, TITLES[400])
    return render_template("error.html", title=title, message=message, status=status), status


def _matcher_error(error: MatcherError) -> tuple[str, int]:
    return _page(error.status, describe(error))


def _csrf_error(_error: CSRFError) -> tuple[str, int]:
    return _page(
        400,
        _("The form had expired or did not come from this site. Go back, reload and try again."),
    )


def _http_error(error: HTTPException) -> tuple[str, int]:
    status = error.code or 400
    if status == 403:
        return _page(403, str(MESSAGES["forbidden"]))
    if status == 404:
        return _page(404, _("This page does not exist, or you may not see it."))
    return _page(status, _("The request could not be handled."))


def register(blueprint: Blueprint) -> None:
    """Render the dashboard's errors as pages (the JSON API keeps its own handler)."""
    blueprint.register_error_handler(CSRFError, _csrf_error)
    blueprint.register_error_handler(MatcherError, _matcher_error)
    blueprint.register_error_handler(HTTPException, _http_error)
