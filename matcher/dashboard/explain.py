"""The one sentence that explains an alert, in the reader's language.

Mirrors :func:`matcher.services.alert_detail.explain` (which the API returns in English):
counts, kinds and dates only, no score.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import format_date

from matcher.dashboard.i18n import PHRASES, _, ngettext, select_language
from matcher.services.alert_detail import AlertDetail


def phrase(kind: str, level: str) -> str:
    """Return how a kind and level read in a sentence."""
    found = PHRASES.get((kind, level))
    return str(found) if found is not None else kind


def join(parts: list[str]) -> str:
    """Join phrases as 'a, b and c'."""
    if len(parts) <= 1:
        return "".join(parts)
    return _("%(first)s and %(last)s", first=", ".join(parts[:-1]), last=parts[-1])


def sentence(
    *,
    kind: str,
    level: str,
    agencies: int,
    regions: int,
    signals: int,
    first_seen: dt.date,
    last_seen: dt.date,
    linked: list[tuple[str, str]] | None = None,
    shared: list[tuple[str, str]] | None = None,
) -> str:
    """Return '3 agencies in 2 regions share a phone number; first seen …' in the reader's words.

    ``shared`` is the rest of the alert's evidence; ``linked`` the alerts sharing a signal.
    """
    who = ngettext("%(num)d agency", "%(num)d agencies", agencies)
    where = ngettext("%(num)d region", "%(num)d regions", regions)
    own = phrase(kind, level)
    what = join(list(dict.fromkeys([own, *(phrase(*item) for item in shared or [])])))
    also = sorted({phrase(*item) for item in linked or []} - {own})
    if also:
        what = _(
            "%(what)s, linked through the same signals to %(others)s", what=what, others=join(also)
        )
    return _(
        "%(who)s in %(where)s share %(what)s; first seen %(first)s, last seen %(last)s, "
        "%(signals)s.",
        who=who,
        where=where,
        what=what,
        first=format_date(first_seen, "medium"),
        last=format_date(last_seen, "medium"),
        signals=ngettext("%(num)d signal", "%(num)d signals", signals),
    )


def explain(detail: AlertDetail) -> str:
    """Return the sentence for a coordinator's view of an alert, with how near matches differ."""
    language = select_language()
    differences = "".join(
        f" {text[0].upper()}{text[1:]}."
        for item in detail.evidence
        if item.difference and (text := item.difference.get(language, item.difference["en"]))
    )
    return _counts(detail) + differences


def _counts(detail: AlertDetail) -> str:
    return sentence(
        kind=detail.alert.kind,
        level=detail.alert.level,
        agencies=len(detail.agencies) or detail.alert.agency_count,
        regions=len(detail.regions) or detail.alert.region_count,
        signals=detail.signals or detail.alert.signal_count,
        first_seen=detail.first_seen,
        last_seen=detail.last_seen,
        linked=[(item.kind, item.level) for item in detail.linked],
        shared=[(item.kind, item.level) for item in detail.evidence],
    )
