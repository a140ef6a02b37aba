"""The alert list's counts per status, stored: how many listed alerts per regions, status,
strength and facet.

Every page of the list shows how many alerts match per status. Counting them from the alerts
costs a scan of every listed alert (an administrator) or of a region's ``alert_region`` rows
joined with the alerts (a coordinator), per page; with a kind or an agency, of the filter's rows.
Here they are kept instead:

- ``alert_tally``: per listed alert (no ``link_id``), what it is counted under: its regions
  (sorted, joined), its status, its strength and its facets: ``kind:<kind>`` per kind of its
  evidence (``alert_kind``), ``agency:<id>`` per agency it involves (``alert_agency``) and
  ``kind:<kind>,agency:<id>`` per pair of the two (the list filtered on both); the month of its
  ``last_seen`` (the list's period), alone and with each kind: ``month:2025-06``,
  ``kind:<kind>,month:2025-06``; and the week it was detected, ``week:2025-06-02`` (the Monday
  of its ``created_at``: the list's picture of alerts detected per week);
- ``alert_status_count``: numbers of alerts per key (regions, status, strength, facet). Facet
  ``''`` counts every alert of the regions, status and strength; each of an alert's facets
  counts it once more under that facet. A key may have several rows; their sum is the count.

:func:`refresh` is called wherever an alert's regions, status, strength, kinds, agencies or
``link_id`` may have changed (:func:`matcher.services.alert_filters.refresh` for detection,
withdrawal, purge, linking and detaching; :func:`matcher.services.links.regrade`;
:func:`matcher.services.alert_history.record_step` for every status step, merge included;
:func:`matcher.services.alerts.release_alert`).
It reads the alert as it is now, compares it with its tally row, and for the alerts whose keys
moved writes the new tally and the difference per key, in the caller's transaction.

Concurrency (PostgreSQL): :func:`refresh` first locks the alerts' rows (in id order; callers
have usually written them already), so two transactions never move one alert at once. The
counters are not upserted in place, which would make every detection transaction wait on the
hot rows (new, weak, one region set) until the one before commits: a change reads the committed
rows of its keys ``FOR UPDATE SKIP LOCKED``, deletes them and inserts one row with their sum
plus its own difference. A row another transaction is folding is skipped, not waited for; it
stays counted either by that transaction's sum or, if that one rolls back, by itself. A reader
sees committed rows only, so every count it sums is exact.

Detection defers its refreshes (:func:`deferred`): linking and regrading a batch's alerts would
otherwise move many of them two or three times in one transaction; they are counted once, as
they are at the end.

A read applies when the list filters on status, strength and regions (the dashboard's default),
and on a kind, an agency or both (one facet, :func:`facet_of`). A period reads the whole months
it spans from the month facets (:func:`counts` with ``months``); the days before its first and
after its last whole month, and a period with an agency, are counted from the alerts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, text, tuple_, update
from sqlmodel import Session

from matcher.models import AlertRegion, AlertStatusCount, AlertTally
from matcher.services.bulk import among, chunks, dialect_name
from matcher.services.deferral import deferring, noted
from matcher.services.periods import MONTH_SQL, WEEK_SQL, month_of, week_of
from matcher.services.tables import ALERT_AGENCIES, ALERT_KINDS, ALERTS

TALLIES: Table = AlertTally.__table__  # type: ignore[attr-defined]
REGIONS: Table = AlertRegion.__table__  # type: ignore[attr-defined]
COUNTS: Table = AlertStatusCount.__table__  # type: ignore[attr-defined]
#: joins an alert's regions in its key (a region name never holds a control character)
SEPARATOR = "\x1f"

#: regions, status, strength, facet
Key = tuple[str, str, str, str]
#: what one listed alert is counted under: regions, status, strength, facets (joined)
Tally = tuple[str, str, str, str]
#: the columns of a count row's key, in Key's order
KEY_COLUMNS = (COUNTS.c.regions, COUNTS.c.status, COUNTS.c.strength, COUNTS.c.facet)

__all__ = [
    "COUNTS",
    "SEPARATOR",
    "TALLIES",
    "backfill_statements",
    "counts",
    "deferred",
    "facet_of",
    "per_week",
    "refresh",
    "refresh_all",
    "stored",
    "week_facet",
]


def facet_of(
    *, kind: str | None = None, agency_id: int | None = None, month: str | None = None
) -> str:
    """Return the facet that counts the alerts with evidence of kind and involving agency_id,
    or (without an agency) last seen in month (``2025-06``).

    Any of them; none is facet ``''``, every alert. An agency and a month together are not
    counted (a period with an agency is counted from the alerts).
    """
    if agency_id is not None and month is not None:
        raise ValueError("no facet counts an agency per month")
    parts = ([f"kind:{kind}"] if kind else []) + (
        [f"agency:{agency_id}"] if agency_id is not None else []
    )
    base = ",".join(parts)
    return base if month is None else _in_month(base, month)


def _in_month(facet: str, month: str) -> str:
    """Return the facet counting facet's alerts last seen in month (``''`` for the prefix)."""
    return f"{facet},month:{month}" if facet else f"month:{month}"


#: the session's alerts to count at the end of a :func:`deferred` block
_PENDING = "status_counts.pending"


@contextmanager
def deferred(session: Session) -> Iterator[None]:
    """Count the alerts once at the end of the block: each :func:`refresh` inside only notes them
    (:mod:`.deferral`)."""
    with deferring(session, _PENDING, refresh):
        yield


def refresh(session: Session, alert_ids: Iterable[int]) -> None:
    """Count these alerts under their regions, status, strength and facets as they are now."""
    pending = noted(session, _PENDING)
    if pending is not None:
        pending.update(alert_ids)
        return
    given = sorted(set(alert_ids))
    if not given:
        return
    session.flush()  # status steps change the ORM object; read what they wrote
    moved: Counter[Key] = Counter()
    for chunk in chunks(given):
        # lock the alerts: one transaction at a time moves an alert between keys
        current = {
            alert_id: (status, strength, link_id, last_seen, created_at)
            for alert_id, status, strength, link_id, last_seen, created_at in session.execute(
                select(
                    ALERTS.c.id,
                    ALERTS.c.status,
                    ALERTS.c.strength,
                    ALERTS.c.link_id,
                    ALERTS.c.last_seen,
                    ALERTS.c.created_at,
                )
                .where(among(session, ALERTS.c.id, chunk))
                .order_by(ALERTS.c.id)
                .with_for_update()
            )
        }
        regions = _regions_of(session, chunk)
        facets = _facets_of(session, chunk)
        tallied: dict[int, Tally] = {
            row[0]: (row[1], row[2], row[3], row[4])
            for row in session.execute(
                select(
                    TALLIES.c.alert_id,
                    TALLIES.c.regions,
                    TALLIES.c.status,
                    TALLIES.c.strength,
                    TALLIES.c.facets,
                ).where(among(session, TALLIES.c.alert_id, chunk))
            )
        }
        added: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        gone: list[int] = []
        for alert_id in chunk:
            now = current.get(alert_id)
            new: Tally | None = None
            if now is not None and now[2] is None:
                joined = SEPARATOR.join(sorted(regions.get(alert_id, ())))
                own = _with_times(facets.get(alert_id, ()), month_of(now[3]), week_of(now[4]))
                new = (joined, now[0], now[1], SEPARATOR.join(own))
            old = tallied.get(alert_id)
            if old == new:
                continue
            if old is not None:
                moved.subtract(_keys(old))
            if new is None:
                gone.append(alert_id)
                continue
            moved.update(_keys(new))
            row = {"tally_id": alert_id, "tally_regions": new[0], "tally_status": new[1]}
            row |= {"tally_strength": new[2], "tally_facets": new[3]}
            (added if old is None else changed).append(row)
        _write_tallies(session, added, changed, gone)
    _add(session, {key: number for key, number in moved.items() if number})


def _keys(tally: Tally) -> list[Key]:
    """Return the keys an alert with this tally is counted under: facet '' and each of its own."""
    regions, status, strength, facets = tally
    return [
        (regions, status, strength, ""),
        *((regions, status, strength, facet) for facet in facets.split(SEPARATOR) if facet),
    ]


def _with_times(facets: Iterable[str], month: str, week: str) -> list[str]:
    """Add the facets of time to an alert's facets: its month alone and with each kind, its
    week."""
    kinds = [facet for facet in facets if facet.startswith("kind:") and "," not in facet]
    return sorted(
        [
            *facets,
            _in_month("", month),
            *(_in_month(facet, month) for facet in kinds),
            week_facet(week),
        ]
    )


def _facets_of(session: Session, alert_ids: Collection[int]) -> dict[int, list[str]]:
    """Return each alert's facets, sorted: its kinds, its agencies, each kind with each agency."""
    kinds: dict[int, list[str]] = {}
    agencies: dict[int, list[int]] = {}
    chosen = list(alert_ids)
    for alert_id, kind in session.execute(
        select(ALERT_KINDS.c.alert_id, ALERT_KINDS.c.kind).where(
            among(session, ALERT_KINDS.c.alert_id, chosen)
        )
    ):
        kinds.setdefault(alert_id, []).append(kind)
    for alert_id, agency_id in session.execute(
        select(ALERT_AGENCIES.c.alert_id, ALERT_AGENCIES.c.agency_id).where(
            among(session, ALERT_AGENCIES.c.alert_id, chosen)
        )
    ):
        agencies.setdefault(alert_id, []).append(agency_id)
    found: dict[int, list[str]] = {}
    for alert_id in kinds.keys() | agencies.keys():
        own, involved = kinds.get(alert_id, []), agencies.get(alert_id, [])
        found[alert_id] = sorted(
            [facet_of(kind=kind) for kind in own]
            + [facet_of(agency_id=agency_id) for agency_id in involved]
            + [facet_of(kind=kind, agency_id=agency_id) for kind in own for agency_id in involved]
        )
    return found


def _regions_of(session: Session, alert_ids: Collection[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    rows = session.execute(
        select(REGIONS.c.alert_id, REGIONS.c.region).where(
            among(session, REGIONS.c.alert_id, list(alert_ids))
        )
    )
    for alert_id, region in rows:
        found.setdefault(alert_id, []).append(region)
    return found


def _write_tallies(
    session: Session, added: list[dict[str, Any]], changed: list[dict[str, Any]], gone: list[int]
) -> None:
    """Write the tally rows of the alerts whose key moved: one statement per kind of change."""
    values: dict[str, Any] = {
        "regions": bindparam("tally_regions"),
        "status": bindparam("tally_status"),
        "strength": bindparam("tally_strength"),
        "facets": bindparam("tally_facets"),
    }
    if added:
        session.execute(insert(TALLIES).values(alert_id=bindparam("tally_id"), **values), added)
    if changed:
        session.execute(
            update(TALLIES).where(TALLIES.c.alert_id == bindparam("tally_id")).values(**values),
            changed,
        )
    if gone:
        session.execute(delete(TALLIES).where(among(session, TALLIES.c.alert_id, gone)))


def _add(session: Session, moved: dict[Key, int]) -> None:
    """Add these differences per key: fold the key's unheld rows and the difference into one row."""
    if not moved:
        return
    keys = sorted(moved)
    totals = dict(moved)
    folded: list[int] = []
    for chunk in chunks(keys):
        rows = session.execute(
            select(COUNTS.c.id, *KEY_COLUMNS, COUNTS.c.alerts)
            .where(tuple_(*KEY_COLUMNS).in_(list(chunk)))
            .order_by(COUNTS.c.id)
            .with_for_update(skip_locked=True)
        )
        for row_id, regions, status, strength, facet, alerts in rows:
            totals[(regions, status, strength, facet)] += alerts
            folded.append(row_id)
    for chunk in chunks(folded):
        session.execute(delete(COUNTS).where(among(session, COUNTS.c.id, chunk)))
    rows_to_add = [
        {"regions": key[0], "status": key[1], "strength": key[2], "facet": key[3], "alerts": number}
        for key, number in sorted(totals.items())
        if number
    ]
    if rows_to_add:
        session.execute(insert(COUNTS), rows_to_add)


def counts(
    session: Session,
    *,
    viewer_regions: set[str] | None,
    region: str | None = None,
    strengths: tuple[str, ...] | None = None,
    facet: str = "",
    months: tuple[str | None, str | None] | None = None,
) -> dict[str, int]:
    """Return the listed alerts per status a viewer sees (viewer_regions None: every region).

    ``region`` narrows to alerts with an agency of that region, ``strengths`` to those grades,
    ``facet`` to those with a kind of evidence, an agency or both (:func:`facet_of`); ``months``
    (first, last; None for open) to those last seen in those whole months (with a facet of a
    kind or none). The same alerts as :func:`matcher.services.alerts.list_alerts` counts
    without these stored counts.
    """
    if viewer_regions is not None and not viewer_regions:
        return {}
    graded = [COUNTS.c.facet == facet] if months is None else _month_range(facet, *months)
    if strengths is not None:
        graded.append(COUNTS.c.strength.in_(strengths))
    if viewer_regions is None and region is None:
        every = (
            select(COUNTS.c.status, func.sum(COUNTS.c.alerts))
            .where(*graded)
            .group_by(COUNTS.c.status)
        )
        summed = {status: int(number) for status, number in session.execute(every)}
        return {status: number for status, number in summed.items() if number}
    statement = (
        select(COUNTS.c.regions, COUNTS.c.status, func.sum(COUNTS.c.alerts))
        .where(*graded)
        .group_by(COUNTS.c.regions, COUNTS.c.status)
    )
    return _visible(session.execute(statement), viewer_regions=viewer_regions, region=region)


def week_facet(monday: str) -> str:
    """Return the facet counting the alerts detected in the week of this Monday."""
    return f"week:{monday}"


def _month_range(facet: str, first: str | None, last: str | None) -> list[Any]:
    """Select the month facets of a facet from month first to last (``YYYY-MM``, inclusive).

    The prefix is matched as a prefix and the months compared as text: months of one prefix
    differ only in their digits, so any collation orders them by time.
    """
    if "agency:" in facet:
        raise ValueError("no facet counts an agency per month")
    prefix = _in_month(facet, "")
    return [
        COUNTS.c.facet.startswith(prefix, autoescape=True),
        COUNTS.c.facet >= prefix + (first or "0000-00"),
        COUNTS.c.facet <= prefix + (last or "9999-99"),
    ]


def per_week(
    session: Session, *, viewer_regions: set[str] | None, mondays: list[str]
) -> dict[str, int]:
    """Return the listed alerts a viewer sees detected per week (the week's Monday), any status
    or strength."""
    if viewer_regions is not None and not viewer_regions:
        return {}
    by_facet = {week_facet(monday): monday for monday in mondays}
    rows = session.execute(
        select(COUNTS.c.regions, COUNTS.c.facet, func.sum(COUNTS.c.alerts))
        .where(COUNTS.c.facet.in_(list(by_facet)))
        .group_by(COUNTS.c.regions, COUNTS.c.facet)
    )
    found = _visible(rows, viewer_regions=viewer_regions, region=None)
    return {by_facet[facet]: number for facet, number in found.items()}


def _visible(
    rows: Iterable[Any], *, viewer_regions: set[str] | None, region: str | None
) -> dict[str, int]:
    """Sum (regions, status or facet, number) rows per status or facet over the keys the viewer
    sees."""
    # the regions are matched here, not in SQL: a key's regions are a set, not a pattern;
    # each set of regions recurs once per status or facet, and is matched once
    found: Counter[str] = Counter()
    shown: dict[str, bool] = {}
    for regions, status, number in rows:
        if regions not in shown:
            held = set(regions.split(SEPARATOR)) if regions else set()
            shown[regions] = (viewer_regions is None or bool(held & viewer_regions)) and (
                region is None or region in held
            )
        if shown[regions]:
            found[status] += int(number)
    return {status: number for status, number in found.items() if number}


def stored(session: Session) -> dict[Key, int]:
    """Return the stored counts per key (the sum of each key's rows), zero keys left out."""
    statement = select(*KEY_COLUMNS, func.sum(COUNTS.c.alerts)).group_by(*KEY_COLUMNS)
    return {
        (regions, status, strength, facet): int(number)
        for regions, status, strength, facet, number in session.execute(statement)
        if number
    }


def refresh_all(session: Session) -> None:
    """Recompute every tally and count from the alerts, set-based (a backfill; a repair)."""
    session.execute(delete(TALLIES))
    session.execute(delete(COUNTS))
    for statement in backfill_statements(dialect_name(session)):
        session.execute(statement)


def backfill_statements(dialect: str) -> list[Any]:
    """Return the SQL that fills both tables from the alerts (the migration runs the same)."""
    month = MONTH_SQL[dialect].format(column="alert.last_seen")
    week = WEEK_SQL[dialect].format(column="alert.created_at")
    facets = (
        "SELECT alert_id, 'kind:' || kind AS facet FROM alert_kind"  # noqa: S608 (constants)
        " UNION ALL SELECT alert_id, 'agency:' || CAST(agency_id AS TEXT) FROM alert_agency"
        " UNION ALL SELECT k.alert_id, 'kind:' || k.kind || ',agency:' || CAST(a.agency_id AS TEXT)"
        " FROM alert_kind AS k JOIN alert_agency AS a ON a.alert_id = k.alert_id"
        f" UNION ALL SELECT alert.id, 'month:' || {month} FROM alert"
        f" UNION ALL SELECT k.alert_id, 'kind:' || k.kind || ',month:' || {month}"
        " FROM alert_kind AS k JOIN alert ON alert.id = k.alert_id"
        f" UNION ALL SELECT alert.id, 'week:' || {week} FROM alert"
    )
    if dialect == "postgresql":
        regions = 'string_agg(region, chr(31) ORDER BY region COLLATE "C")'
        joined = 'string_agg(facet, chr(31) ORDER BY facet COLLATE "C")'
        region_rows, facet_rows = "alert_region", f"({facets})"
    else:
        # SQLite concatenates in the order rows arrive: the subqueries sort them (byte order)
        regions, joined = "group_concat(region, char(31))", "group_concat(facet, char(31))"
        region_rows = "(SELECT alert_id, region FROM alert_region ORDER BY alert_id, region)"
        facet_rows = f"(SELECT alert_id, facet FROM ({facets}) ORDER BY alert_id, facet)"  # noqa: S608 (constants)
    counted = "regions, status, strength"
    return [
        text(
            "INSERT INTO alert_tally (alert_id, regions, status, strength, facets)"  # noqa: S608 (constants)
            " SELECT alert.id, coalesce(held.regions, ''), alert.status, alert.strength,"
            " coalesce(faceted.facets, '')"
            f" FROM alert LEFT JOIN (SELECT alert_id, {regions} AS regions FROM {region_rows} AS r"
            " GROUP BY alert_id) AS held ON held.alert_id = alert.id"
            f" LEFT JOIN (SELECT alert_id, {joined} AS facets FROM {facet_rows} AS f"
            " GROUP BY alert_id) AS faceted ON faceted.alert_id = alert.id"
            " WHERE alert.link_id IS NULL"
        ),
        text(
            f"INSERT INTO alert_status_count ({counted}, facet, alerts)"  # noqa: S608 (constants)
            f" SELECT {counted}, '', count(*) FROM alert_tally GROUP BY {counted}"
            f" UNION ALL SELECT {counted}, f.facet, count(*) FROM alert_tally"
            f" JOIN ({facets}) AS f ON f.alert_id = alert_tally.alert_id"
            f" GROUP BY {counted}, f.facet"
        ),
    ]
