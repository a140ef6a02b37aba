"""The one sentence that explains an alert, for the API, the CLI and the dashboard alike.

Counts, kinds and dates only, never a score. How a kind and level read comes from the kind's
spec (:mod:`client.kinds`), in Dutch or English; the API answers in English with ISO dates, the
dashboard in the reader's language with the reader's date format.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from client import kinds

#: (singular, plural) of the counted things, and the frame of the sentence, per language
_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "agency": ("agency", "agencies"),
        "region": ("region", "regions"),
        "signal": ("signal", "signals"),
        "share": ("holds", "share"),
    },
    "nl": {
        "agency": ("organisatie", "organisaties"),
        "region": ("regio", "regio’s"),
        "signal": ("signaal", "signalen"),
        "share": ("deelt", "delen"),
    },
}
_FRAMES: dict[str, dict[str, str]] = {
    "en": {
        "sentence": "{who} in {where} {verb} {what}; first observed {first}, last observed {last}, "
        "{signals}.",
        "linked": "{what}, linked through the same signals to {others}",
        "and": "and",
        "unknown": "an identifier of kind {kind}",
    },
    "nl": {
        "sentence": "{who} in {where} {verb} {what}; voor het eerst waargenomen {first}, laatst "
        "waargenomen {last}, {signals}.",
        "linked": "{what}, via dezelfde signalen verbonden met {others}",
        "and": "en",
        "unknown": "een gegeven van de soort {kind}",
    },
}


@dataclass(frozen=True)
class Facts:
    """What an explanation is made of: counts, dates and the kinds shared."""

    kind: str
    level: str
    agencies: int
    regions: int
    signals: int
    #: the earliest and latest observation day of the signals (docs/api.md, Dates)
    first_observed: dt.date
    last_observed: dt.date
    #: (kind, level) of the alerts linked to this one through the same signals
    linked: Sequence[tuple[str, str]] = ()
    #: (kind, level) of the rest of this alert's evidence: what else its signals share
    shared: Sequence[tuple[str, str]] = ()


def _language(language: str) -> str:
    return language if language in _FRAMES else "en"


def phrase(kind: str, level: str, language: str = "en") -> str:
    """Return how a kind and level read in a sentence ("a phone number")."""
    language = _language(language)
    spec = kinds.spec(kind)
    if spec is None:
        return _FRAMES[language]["unknown"].format(kind=kind)
    # an unexpected level reads as the kind's first level
    found = spec.level(level) or spec.levels[0]
    return found.phrase.in_language(language)


def difference(kind: str, level: str, language: str = "en") -> str | None:
    """Return how two spellings matching on a near level differ; None for an exact level."""
    spec = kinds.spec(kind)
    found = spec.level(level) if spec is not None else None
    if found is None or found.difference is None:
        return None
    return found.difference.in_language(_language(language))


def _count(number: int, thing: str, language: str) -> str:
    singular, plural = _WORDS[language][thing]
    return f"{number} {singular if number == 1 else plural}"


def join(parts: Sequence[str], language: str = "en") -> str:
    """Join phrases as 'a, b and c'."""
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {_FRAMES[_language(language)]['and']} {parts[-1]}"


def linked_phrases(facts: Facts, language: str = "en") -> list[str]:
    """Return the phrases of the linked kinds, sorted, without this alert's own."""
    own = phrase(facts.kind, facts.level, language)
    return sorted({phrase(kind, level, language) for kind, level in facts.linked} - {own})


def explain(
    facts: Facts,
    *,
    language: str = "en",
    format_day: Callable[[dt.date], str] = dt.date.isoformat,
) -> str:
    """Return one sentence saying who shares what since when, from counts alone.

    Near evidence adds how the spellings differ: 'The phone numbers differ in two swapped digits.'
    """
    language = _language(language)
    frames = _FRAMES[language]
    evidence = [(facts.kind, facts.level), *facts.shared]
    what = join(list(dict.fromkeys(phrase(*item, language) for item in evidence)), language)
    others = linked_phrases(facts, language)
    if others:
        what = frames["linked"].format(what=what, others=join(others, language))
    return frames["sentence"].format(
        who=_count(facts.agencies, "agency", language),
        where=_count(facts.regions, "region", language),
        verb=_WORDS[language]["share"][0 if facts.agencies == 1 else 1],
        what=what,
        first=format_day(facts.first_observed),
        last=format_day(facts.last_observed),
        signals=_count(facts.signals, "signal", language),
    ) + _differences(evidence, language)


def _differences(evidence: Sequence[tuple[str, str]], language: str) -> str:
    texts = dict.fromkeys(
        text for kind, level in evidence if (text := difference(kind, level, language))
    )
    return "".join(f" {text[0].upper()}{text[1:]}." for text in texts)
