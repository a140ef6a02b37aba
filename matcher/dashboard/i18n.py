"""Languages of the dashboard (Dutch by default, English) and the words for stored codes.

Categories, legal bases and audit actions are stored as stable codes; pages
show them through the labels below, so that a translation never changes what is stored. Kinds,
levels and statuses carry their words in both languages in their specs (:mod:`client.kinds`,
:mod:`matcher.alert_states`). The
compiled catalogues (``matcher/translations/*/LC_MESSAGES/messages.mo``) are committed with
their ``.po`` sources; ``tests/dashboard/test_i18n.py`` fails when they drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from flask import Flask, g, has_app_context, session
from flask_babel import Babel, LazyString, get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext as _ngettext

from client import kinds
from client.kinds import Text
from matcher import alert_states
from matcher.services import noteguard


def _(message: str, **variables: Any) -> str:
    """Return message in the reader's language (typed wrapper of flask_babel.gettext)."""
    return str(gettext(message, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Return the singular or plural message in the reader's language."""
    return str(_ngettext(singular, plural, num, **variables))


LANGUAGES: dict[str, str] = {"nl": "Nederlands", "en": "English"}
DEFAULT_LANGUAGE = "nl"
TIMEZONE = "Europe/Amsterdam"

STRENGTH_LABELS: dict[str, LazyString] = {
    "strong": _l("strong"),
    "medium": _l("medium"),
    "weak": _l("weak"),
}

MATCH_LABELS: dict[str, LazyString] = {
    "exact": _l("exact"),
    "near": _l("near"),
}

CATEGORY_LABELS: dict[str, LazyString] = {
    "permit_application": _l("Permit application"),
    "inspection": _l("Inspection or control"),
    "advertisement_monitoring": _l("Advertisement monitoring"),
    "intake_interview": _l("Intake interview"),
    "tip": _l("Tip or complaint"),
    "police_report": _l("Police report"),
    "bibob": _l("Bibob"),
    "other": _l("Other"),
}

LEGAL_BASIS_LABELS: dict[str, LazyString] = {
    "gdpr_6_1_e": _l("Public task, GDPR art. 6(1)(e)"),
    "riec_covenant": _l("RIEC covenant"),
    "wpg_art_18": _l("Police Data Act (Wpg) art. 18"),
    "bibob": _l("Bibob Act"),
    "wgs": _l("Data Processing by Partnerships Act (WGS)"),
}

CASE_ROUTE_LABELS: dict[str, LazyString] = {
    "riec": _l("RIEC case"),
    "police": _l("Police"),
    "municipal_enforcement": _l("Municipal enforcement"),
    "bibob": _l("Bibob procedure"),
    "care_referral": _l("Care referral"),
}

ACTION_LABELS: dict[str, LazyString] = {
    "assign": _l("Take into triage"),
    "dismiss": _l("Dismiss as false positive"),
    "no_action": _l("No action needed"),
    "request_disclosure": _l("Request disclosure"),
    "propose_case": _l("Propose a case"),
    "hand_over": _l("Record hand-over"),
    "close": _l("Close"),
    "reopen": _l("Reopen"),
    "embargo": _l("Embargo"),
    "lift_embargo": _l("Lift embargo"),
    "merge": _l("Merge into another alert"),
    "expire": _l("Expire"),
    "approve": _l("Disclosure approved"),
    "decline": _l("Disclosure declined"),
    "disclosure_declined": _l("Back to triage after a decline"),
    "release": _l("Released to the agencies"),
    "note": _l("Note"),
    "flag_possible_victim": _l("Flagged: possible victim"),
    "unflag_possible_victim": _l("Possible-victim flag removed"),
    "mark_benign_hub": _l("Marked as benign hub"),
    "unmark_benign_hub": _l("Benign-hub marking removed"),
}

ROLE_LABELS: dict[str, LazyString] = {
    "coordinator": _l("Coordinator"),
    "analyst": _l("Analyst"),
    "admin": _l("Administrator"),
    "auditor": _l("Auditor"),
}

DECISION_LABELS: dict[str, LazyString] = {
    "pending": _l("Awaiting answer"),
    "approved": _l("Approved"),
    "declined": _l("Declined"),
}


class SpecWords(Mapping[str, str]):
    """Words that a spec declares in both languages, read in the reader's language."""

    def __init__(self, words: Callable[[], dict[str, Text]]) -> None:
        self._words = words

    def __getitem__(self, code: str) -> str:
        return self._words()[code].in_language(reader_language())

    def __iter__(self) -> Iterator[str]:
        return iter(self._words())

    def __len__(self) -> int:
        return len(self._words())


def _kind_words() -> dict[str, Text]:
    return {spec.name: spec.label for spec in kinds.specs()}


def _level_words() -> dict[str, Text]:
    words: dict[str, Text] = {}
    for spec in kinds.specs():
        for level in spec.levels:
            words.setdefault(level.name, level.label)
    return words


def _found_words() -> dict[str, Text]:
    return {guard.rule: guard.label for guard in noteguard.guards()}


def _status_words() -> dict[str, Text]:
    return {state.name: state.label for state in alert_states.states()}


#: how statuses read on the pages (from matcher.alert_states)
STATUS_LABELS = SpecWords(_status_words)
#: how kinds and levels read on the pages (from client.kinds)
KIND_LABELS = SpecWords(_kind_words)
LEVEL_LABELS = SpecWords(_level_words)
#: the note guard's findings (matcher.services.noteguard) in the reader's language
FOUND_LABELS = SpecWords(_found_words)


def reader_language() -> str:
    """Return the language the page is written in (Dutch outside a request)."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def label(table: Mapping[str, object], code: str | None) -> str:
    """Return the reader's word for a stored code (the code itself when it is unknown).

    A list page asks for a few hundred words of a dozen codes; each is translated once per
    application context and language (translating finds the locale and, for a spec's words,
    builds the spec's table).
    """
    if code is None:
        return ""
    if not has_app_context():
        return _word(table, code)
    words: dict[tuple[int, str, str], str] = g.setdefault("labels", {})
    key = (id(table), code, reader_language())
    if key not in words:
        words[key] = _word(table, code)
    return words[key]


def _word(table: Mapping[str, object], code: str) -> str:
    found = table.get(code)
    return str(found) if found is not None else code


def select_language() -> str:
    """Return the language chosen in the session, Dutch otherwise."""
    chosen = session.get("language")
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def init_app(app: Flask) -> None:
    """Set up Flask-Babel with the session's language and Amsterdam time."""
    Babel(
        app,
        locale_selector=select_language,
        default_locale=DEFAULT_LANGUAGE,
        default_timezone=TIMEZONE,
    )
    tables: dict[str, Any] = {
        "STATUS_LABELS": STATUS_LABELS,
        "KIND_LABELS": KIND_LABELS,
        "LEVEL_LABELS": LEVEL_LABELS,
        "STRENGTH_LABELS": STRENGTH_LABELS,
        "MATCH_LABELS": MATCH_LABELS,
        "CATEGORY_LABELS": CATEGORY_LABELS,
        "LEGAL_BASIS_LABELS": LEGAL_BASIS_LABELS,
        "CASE_ROUTE_LABELS": CASE_ROUTE_LABELS,
        "ACTION_LABELS": ACTION_LABELS,
        "ROLE_LABELS": ROLE_LABELS,
        "DECISION_LABELS": DECISION_LABELS,
        "LANGUAGES": LANGUAGES,
    }
    app.jinja_env.globals.update(
        tables,
        is_victim_flaggable=alert_states.is_victim_flaggable,
        is_hub_markable=alert_states.is_hub_markable,
        label=label,
    )
    app.context_processor(lambda: {"current_language": select_language()})
