"""The alert list's counts per status, stored: how many listed alerts per regions, status, strength.

Every page of the list shows how many alerts match per status. Counting them from the alerts
costs a scan of every listed alert (an administrator) or of a region's ``alert_region`` rows
joined with the alerts (a coordinator), per page. Here they are kept instead:

- ``alert_tally``: per listed alert (no ``link_id``), the key it is counted under: its regions
  (sorted, joined), its status and its strength;
- ``alert_status_count``: numbers of alerts per key. A key may have several rows; their sum is
  the count.

:func:`refresh` is called wherever an alert's regions, status, strength or ``link_id`` may have
changed (:func:`matcher.services.alert_filters.refresh` for detection, withdrawal, purge, linking
and detaching; :func:`matcher.services.links.regrade`; :func:`matcher.services.alert_history.
record_step` for every status step, merge included; :func:`matcher.services.alerts.release_alert`).
It reads the alert as it is now, compares it with its tally row, and for the alerts whose key
moved writes the new tally and the difference per key, in the caller's transaction.

Concurrency (PostgreSQL): :func:`refresh` first locks the alerts' rows (in id order; callers
have usually written them already), so two transactions never move one alert at once. The
counters are not upserted in place, which would make every detection transaction wait on the
hot rows (new, weak, one region set) until the one before commits: a change reads the committed
rows of its keys ``FOR UPDATE SKIP LOCKED``, deletes them and inserts one row with their sum
plus its own difference. A row another transaction is folding is skipped, not waited for; it
stays counted either by that transaction's sum or, if that one rolls back, by itself. A reader
sees committed rows only, so every count it sums is exact.

A read applies when the list filters only on status, strength and regions (the dashboard's
default). With a kind or an agency, :func:`counts_among` counts the filter's alerts from their
tallies; with a period the list counts from the alerts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Select, Table, bindparam, delete, func, insert, select, text, tuple_, update
from sqlmodel import Session

from matcher.models import AlertRegion, AlertStatusCount, AlertTally
from matcher.services.bulk import among, chunks, dialect_name
from matcher.services.tables import ALERTS

TALLIES: Table = AlertTally.__table__  # type: ignore[attr-defined]
REGIONS: Table = AlertRegion.__table__  # type: ignore[attr-defined]
COUNTS: Table = AlertStatusCount.__table__  # type: ignore[attr-defined]
#: joins an alert's regions in its key (a region name never holds a control character)
SEPARATOR = "\x1f"

Key = tuple[str, str, str]

__all__ = [
    "COUNTS",
    "SEPARATOR",
    "TALLIES",
    "backfill_statements",
    "counts",
    "counts_among",
    "recount",
    "refresh",
    "refresh_all",
    "stored",
]


def refresh(session: Session, alert_ids: Iterable[int]) -> None:
    """Count these alerts under their regions, status and strength as they are now."""
    given = sorted(set(alert_ids))
    if not given:
        return
    session.flush()  # status steps change the ORM object; read what they wrote
    moved: Counter[Key] = Counter()
    for chunk in chunks(given):
        # lock the alerts: one transaction at a time moves an alert between keys
        current = {
            alert_id: (status, strength, link_id)
            for alert_id, status, strength, link_id in session.execute(
                select(ALERTS.c.id, ALERTS.c.status, ALERTS.c.strength, ALERTS.c.link_id)
                .where(among(session, ALERTS.c.id, chunk))
                .order_by(ALERTS.c.id)
                .with_for_update()
            )
        }
        regions = _regions_of(session, chunk)
        tallied = {
            row[0]: (row[1], row[2], row[3])
            for row in session.execute(
                select(
                    TALLIES.c.alert_id, TALLIES.c.regions, TALLIES.c.status, TALLIES.c.strength
                ).where(among(session, TALLIES.c.alert_id, chunk))
            )
        }
        added: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        gone: list[int] = []
        for alert_id in chunk:
            now = current.get(alert_id)
            new: Key | None = None
            if now is not None and now[2] is None:
                new = (SEPARATOR.join(sorted(regions.get(alert_id, ()))), now[0], now[1])
            old = tallied.get(alert_id)
            if old == new:
                continue
            if old is not None:
                moved[old] -= 1
            if new is None:
                gone.append(alert_id)
                continue
            moved[new] += 1
            row = {"tally_id": alert_id, "tally_regions": new[0]}
            row |= {"tally_status": new[1], "tally_strength": new[2]}
            (added if old is None else changed).append(row)
        _write_tallies(session, added, changed, gone)
    _add(session, {key: number for key, number in moved.items() if number})


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
            select(
                COUNTS.c.id, COUNTS.c.regions, COUNTS.c.status, COUNTS.c.strength, COUNTS.c.alerts
            )
            .where(tuple_(COUNTS.c.regions, COUNTS.c.status, COUNTS.c.strength).in_(list(chunk)))
            .order_by(COUNTS.c.id)
            .with_for_update(skip_locked=True)
        )
        for row_id, regions, status, strength, alerts in rows:
            totals[(regions, status, strength)] += alerts
            folded.append(row_id)
    for chunk in chunks(folded):
        session.execute(delete(COUNTS).where(among(session, COUNTS.c.id, chunk)))
    rows_to_add = [
        {"regions": key[0], "status": key[1], "strength": key[2], "alerts": number}
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
) -> dict[str, int]:
    """Return the listed alerts per status a viewer sees (viewer_regions None: every region).

    ``region`` narrows to alerts with an agency of that region, ``strengths`` to those grades;
    the same alerts as :func:`matcher.services.alerts.list_alerts` counts without these stored
    counts.
    """
    if viewer_regions is not None and not viewer_regions:
        return {}
    graded = [COUNTS.c.strength.in_(strengths)] if strengths is not None else []
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


def counts_among(
    session: Session,
    members: Select[Any],
    *,
    viewer_regions: set[str] | None,
    region: str | None = None,
    strengths: tuple[str, ...] | None = None,
) -> dict[str, int]:
    """Return :func:`counts` of the listed alerts among members (a query of alert ids).

    For a kind or agency filter: the filter's rows (``alert_kind``, ``alert_agency``) joined to
    each alert's tally by its key, so the cost follows the filter's matches, never the number
    of alerts (counting from the alerts read every listed alert).
    """
    if viewer_regions is not None and not viewer_regions:
        return {}
    chosen = members.subquery()
    graded = [TALLIES.c.strength.in_(strengths)] if strengths is not None else []
    statement = (
        select(TALLIES.c.regions, TALLIES.c.status, func.count())
        .select_from(chosen.join(TALLIES, TALLIES.c.alert_id == chosen.c.alert_id))
        .where(*graded)
        .group_by(TALLIES.c.regions, TALLIES.c.status)
    )
    return _visible(session.execute(statement), viewer_regions=viewer_regions, region=region)


def _visible(
    rows: Iterable[Any], *, viewer_regions: set[str] | None, region: str | None
) -> dict[str, int]:
    """Sum (regions, status, number) rows per status over the keys the viewer sees."""
    # the regions are matched here, not in SQL: a key's regions are a set, not a pattern
    found: Counter[str] = Counter()
    for regions, status, number in rows:
        held = set(regions.split(SEPARATOR)) if regions else set()
        if viewer_regions is not None and not held & viewer_regions:
            continue
        if region is not None and region not in held:
            continue
        found[status] += int(number)
    return {status: number for status, number in found.items() if number}


def recount(session: Session) -> dict[Key, int]:
    """Return the counts per key recomputed from the alerts (what the stored counts must equal)."""
    regions: dict[int, list[str]] = {}
    for alert_id, name in session.execute(select(REGIONS.c.alert_id, REGIONS.c.region)):
        regions.setdefault(alert_id, []).append(name)
    found: Counter[Key] = Counter()
    listed = select(ALERTS.c.id, ALERTS.c.status, ALERTS.c.strength).where(
        ALERTS.c.link_id.is_(None)
    )
    for alert_id, status, strength in session.execute(listed):
        found[(SEPARATOR.join(sorted(regions.get(alert_id, ()))), status, strength)] += 1
    return dict(found)


def stored(session: Session) -> dict[Key, int]:
    """Return the stored counts per key (the sum of each key's rows), zero keys left out."""
    statement = select(
        COUNTS.c.regions, COUNTS.c.status, COUNTS.c.strength, func.sum(COUNTS.c.alerts)
    ).group_by(COUNTS.c.regions, COUNTS.c.status, COUNTS.c.strength)
    return {
        (regions, status, strength): int(number)
        for regions, status, strength, number in session.execute(statement)
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
    if dialect == "postgresql":
        joined = 'string_agg(region, chr(31) ORDER BY region COLLATE "C")'
        source = "alert_region"
    else:
        # SQLite concatenates in the order rows arrive: the subquery sorts them
        joined = "group_concat(region, char(31))"
        source = "(SELECT alert_id, region FROM alert_region ORDER BY alert_id, region)"
    return [
        text(
            "INSERT INTO alert_tally (alert_id, regions, status, strength)"  # noqa: S608 (constants)
            " SELECT alert.id, coalesce(held.regions, ''), alert.status, alert.strength"
            f" FROM alert LEFT JOIN (SELECT alert_id, {joined} AS regions FROM {source} AS r"
            " GROUP BY alert_id) AS held ON held.alert_id = alert.id"
            " WHERE alert.link_id IS NULL"
        ),
        text(
            "INSERT INTO alert_status_count (regions, status, strength, alerts)"
            " SELECT regions, status, strength, count(*) FROM alert_tally"
            " GROUP BY regions, status, strength"
        ),
    ]
