"""Plain sentences that explain an alert from its kinds, counts and dates; never a score."""

from __future__ import annotations

import datetime as dt

#: how each kind and level reads in an explanation
PHRASES: dict[tuple[str, str], str] = {
    ("phone", "e164"): "a phone number",
    ("email", "mailbox"): "an e-mail address",
    ("address", "unit"): "an address",
    ("address", "building"): "a building address",
    ("operator", "legal_name"): "an operator's legal name",
    ("operator", "trade_name"): "an operator's trade name",
    ("person", "name"): "a person's name",
    ("person", "name_dob"): "a person's name and date of birth",
    ("iban", "iban"): "a bank account number (IBAN)",
    ("kvk", "kvk"): "a Chamber of Commerce (KvK) number",
    ("plate", "plate"): "a licence plate",
    ("url", "host"): "a website",
    ("phone", "e164_swap"): "a phone number up to two swapped digits",
    ("operator", "legal_near"): "an operator's legal name up to one character",
    ("person", "near_dob"): "a person's name up to one letter, with the date of birth",
}

#: what a near match says about the two spellings, per language (en, nl)
DIFFERENCES: dict[tuple[str, str], dict[str, str]] = {
    ("phone", "e164_swap"): {
        "en": "the phone numbers differ in two swapped digits",
        "nl": "de telefoonnummers verschillen in twee verwisselde cijfers",
    },
    ("operator", "legal_near"): {
        "en": "the legal names differ in at most one character",
        "nl": "de statutaire namen verschillen in hooguit één teken",
    },
    ("person", "near_dob"): {
        "en": "the names differ in at most one letter, or day and month of birth are swapped",
        "nl": (
            "de namen verschillen in hooguit één letter,"
            " of dag en maand van geboorte zijn verwisseld"
        ),
    },
}


def difference(kind: str, level: str, language: str = "en") -> str | None:
    """Return the sentence saying how two near-matching spellings differ, or None if exact."""
    sentences = DIFFERENCES.get((kind, level))
    return sentences.get(language, sentences["en"]) if sentences else None


def phrase(kind: str, level: str) -> str:
    """Return how a kind and level read in a sentence."""
    known = PHRASES.get((kind, level))
    if known is None:
        # an unexpected level: fall back to the kind's first phrase
        known = next((text for (name, _), text in PHRASES.items() if name == kind), None)
    return known or f"an identifier of kind {kind}"


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def _join(phrases: list[str]) -> str:
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def explain_counts(
    *,
    kind: str,
    level: str,
    agencies: int,
    regions: int,
    signals: int,
    first_seen: dt.date,
    last_seen: dt.date,
    linked_kinds: list[str] | None = None,
    also_shared: list[str] | None = None,
) -> str:
    """Return one sentence saying who shares what since when, from counts alone.

    ``also_shared`` is the rest of the alert's evidence; ``linked_kinds`` the other alerts that
    share a signal with it.
    """
    verb = "holds" if agencies == 1 else "share"
    shared = _join(list(dict.fromkeys([phrase(kind, level), *(also_shared or [])])))
    linked = f", linked through the same signals to {_join(linked_kinds)}" if linked_kinds else ""
    return (
        f"{_count(agencies, 'agency', 'agencies')} in {_count(regions, 'region', 'regions')} "
        f"{verb} {shared}{linked}; "
        f"first seen {first_seen.isoformat()}, last seen {last_seen.isoformat()}, "
        f"{_count(signals, 'signal', 'signals')}."
    )
