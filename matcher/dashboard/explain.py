"""The one sentence that explains an alert, in the reader's language.

Mirrors :func:`matcher.services.alert_detail.explain` (which the API returns in English):
counts, kinds and dates only, no score.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import format_date

from matcher.dashboard.i18n import PHRASES, _, ngettext
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
    first_observed: dt.date,
    last_observed: dt.date,
    linked: list[tuple[str, str]] | None = None,
) -> str:
    """Return '3 agencies in 2 regions share a phone number; first observed …' in their words."""
    who = ngettext("%(num)d agency", "%(num)d agencies", agencies)
    where = ngettext("%(num)d region", "%(num)d regions", regions)
    what = phrase(kind, level)
    also = sorted({phrase(*item) for item in linked or []} - {what})
    if also:
        what = _(
            "%(what)s, linked through the same signals to %(others)s", what=what, others=join(also)
        )
    return _(
        "%(who)s in %(where)s share %(what)s; first observed %(first)s, last observed %(last)s, "
        "%(signals)s.",
        who=who,
        where=where,
        what=what,
        first=format_date(first_observed, "medium"),
        last=format_date(last_observed, "medium"),
        signals=ngettext("%(num)d signal", "%(num)d signals", signals),
    )


def explain(detail: AlertDetail) -> str:
    """Return the sentence for a coordinator's view of an alert."""
    return sentence(
        kind=detail.alert.kind,
        level=detail.alert.level,
        agencies=len(detail.agencies) or detail.alert.agency_count,
        regions=len(detail.regions) or detail.alert.region_count,
        signals=detail.signals or detail.alert.signal_count,
        first_observed=detail.first_observed,
        last_observed=detail.last_observed,
        linked=[(item.kind, item.level) for item in detail.linked],
    )
