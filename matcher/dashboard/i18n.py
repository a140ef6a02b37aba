"""Languages of the dashboard (Dutch by default, English) and the words for stored codes.

Statuses, kinds, categories, legal bases and audit actions are stored as stable codes; pages
show them through the labels below, so that a translation never changes what is stored. The
compiled catalogues (``matcher/translations/*/LC_MESSAGES/messages.mo``) are committed with
their ``.po`` sources; ``tests/dashboard/test_i18n.py`` fails when they drift apart.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, session
from flask_babel import Babel, LazyString, format_date, format_datetime, gettext
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext as _ngettext


def _(message: str, **variables: Any) -> str:
    """Return message in the reader's language (typed wrapper of flask_babel.gettext)."""
    return str(gettext(message, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Return the singular or plural message in the reader's language."""
    return str(_ngettext(singular, plural, num, **variables))


LANGUAGES: dict[str, str] = {"nl": "Nederlands", "en": "English"}
DEFAULT_LANGUAGE = "nl"
TIMEZONE = "Europe/Amsterdam"

STATUS_LABELS: dict[str, LazyString] = {
    "new": _l("New"),
    "triage": _l("In triage"),
    "dismissed": _l("Dismissed (false positive)"),
    "no_action": _l("No action"),
    "disclosure_requested": _l("Disclosure requested"),
    "disclosed": _l("Disclosed"),
    "case_proposed": _l("Case proposed"),
    "handed_over": _l("Handed over"),
    "closed": _l("Closed"),
    "embargoed": _l("Embargoed"),
    "merged": _l("Merged"),
    "expired": _l("Expired"),
}

KIND_LABELS: dict[str, LazyString] = {
    "phone": _l("phone number"),
    "email": _l("e-mail address"),
    "address": _l("address"),
    "operator": _l("operator"),
    "person": _l("person"),
    "iban": _l("IBAN"),
    "kvk": _l("KvK number"),
    "plate": _l("licence plate"),
    "url": _l("website"),
}

#: how a kind and level read in a sentence ("3 agencies share a phone number")
PHRASES: dict[tuple[str, str], LazyString] = {
    ("phone", "e164"): _l("a phone number"),
    ("email", "mailbox"): _l("an e-mail address"),
    ("address", "unit"): _l("an address"),
    ("address", "building"): _l("a building address"),
    ("operator", "legal_name"): _l("an operator's legal name"),
    ("operator", "trade_name"): _l("an operator's trade name"),
    ("person", "name"): _l("a person's name"),
    ("person", "name_dob"): _l("a person's name and date of birth"),
    ("iban", "iban"): _l("a bank account number (IBAN)"),
    ("kvk", "kvk"): _l("a Chamber of Commerce (KvK) number"),
    ("plate", "plate"): _l("a licence plate"),
    ("url", "host"): _l("a website"),
    ("phone", "e164_swap"): _l("a phone number up to two swapped digits"),
    ("operator", "legal_near"): _l("an operator's legal name up to one character"),
    ("person", "near_dob"): _l("a person's name up to one letter, with the date of birth"),
}

LEVEL_LABELS: dict[str, LazyString] = {
    "e164": _l("exact number"),
    "mailbox": _l("mailbox"),
    "unit": _l("exact address"),
    "building": _l("building"),
    "legal_name": _l("legal name"),
    "trade_name": _l("trade name"),
    "name": _l("name only"),
    "name_dob": _l("name and date of birth"),
    "iban": _l("account"),
    "kvk": _l("registration"),
    "plate": _l("plate"),
    "host": _l("host name"),
    "e164_swap": _l("number with two swapped digits"),
    "legal_near": _l("legal name, one character apart"),
    "near_dob": _l("name one letter apart, with date of birth"),
}

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

#: the note guard's kinds (matcher.services.noteguard.CHECKS) in the reader's language
FOUND_LABELS: dict[str, LazyString] = {
    "phone number": _l("a phone number"),
    "e-mail address": _l("an e-mail address"),
    "web address": _l("a web address"),
    "IBAN": _l("an IBAN"),
    "postcode": _l("a postcode"),
    "citizen service number (BSN)": _l("a citizen service number (BSN)"),
    "KvK number": _l("a KvK number"),
    "licence plate": _l("a licence plate"),
}


def label(table: dict[str, LazyString], code: str | None) -> str:
    """Return the reader's word for a stored code (the code itself when it is unknown)."""
    if code is None:
        return ""
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
        tables, label=label, format_date=format_date, format_datetime=format_datetime
    )
    app.context_processor(lambda: {"current_language": select_language()})
