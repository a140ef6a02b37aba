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
}


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
    first_observed: dt.date,
    last_observed: dt.date,
    linked_kinds: list[str] | None = None,
) -> str:
    """Return one sentence saying who shares what since when, from counts alone."""
    verb = "holds" if agencies == 1 else "share"
    linked = f", linked through the same signals to {_join(linked_kinds)}" if linked_kinds else ""
    return (
        f"{_count(agencies, 'agency', 'agencies')} in {_count(regions, 'region', 'regions')} "
        f"{verb} {phrase(kind, level)}{linked}; "
        f"first observed {first_observed.isoformat()}, last observed {last_observed.isoformat()}, "
        f"{_count(signals, 'signal', 'signals')}."
    )
