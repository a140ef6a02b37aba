"""What the alert list filters on, stored per alert: the regions of its agencies, its kinds.

The list (:mod:`.alerts`) narrows alerts to a coordinator's regions and to a kind of evidence.
Deriving either per alert while paging (a subquery over the alert's agencies and their regions,
or over the alerts linked to it) costs a join per alert; here they are stored instead, one row
per (alert, region) in ``alert_region`` and per (alert, kind) in ``alert_kind``, each with an
index led by the value so that a scope or a count starts from the matching alerts. Both are
also kept as bits on the alert itself (``alert.region_bits``, ``alert.kind_bits``,
:mod:`.list_bits`), which a page tests on the entries of the list's index as it walks.

The rows are a pure function of other rows: an alert's regions are the regions of the agencies
in its ``alert_agency`` rows; its kinds are its own kind and the kinds of the alerts whose
``link_id`` names it. :func:`refresh` recomputes both for given alerts, set-based, and every
place that changes an alert's agencies or evidence calls it (overlap detection after ingest,
withdrawal and retention purge through :func:`matcher.services.overlap.refresh_alerts`; linking
and detaching evidence in :mod:`matcher.services.links`). A merge changes neither. An agency's
region is fixed at registration, so no agency change moves an alert between regions.
Detection refreshes once per step (:func:`deferred`) what its recount, detaching and linking
touched.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, exists, select, union
from sqlmodel import Session

from matcher.services import list_bits, status_counts
from matcher.services.bulk import among, chunks, dialect_insert
from matcher.services.deferral import deferring, noted
from matcher.services.tables import AGENCIES, ALERT_AGENCIES, ALERT_KINDS, ALERT_REGIONS, ALERTS

__all__ = [
    "ALERT_KINDS",
    "ALERT_REGIONS",
    "deferred",
    "refresh",
    "refresh_all",
    "within",
]
#: the session's alerts to refresh at the end of a :func:`deferred` block
_PENDING = "alert_filters.pending"


@contextmanager
def deferred(session: Session) -> Iterator[None]:
    """Refresh once at the end of the block: each :func:`refresh` inside only notes its alerts.

    It notes the alerts given and those they are evidence of at that moment (a later step may
    detach one), and refreshes them all at the end, as they are then (:mod:`.deferral`); the
    list's counts are deferred alike (:func:`matcher.services.status_counts.deferred`).
    """
    with status_counts.deferred(session), deferring(session, _PENDING, refresh):
        yield


def refresh(session: Session, alert_ids: Iterable[int]) -> None:
    """Recompute the stored regions and kinds of these alerts and of the alerts they link to.

    An alert's kinds include those of its evidence, so the alert a given one is evidence of is
    refreshed too. A caller that detaches evidence passes the alert it left (its ``link_id`` is
    gone by then). Two detection transactions may refresh one alert's kinds at once (evidence of
    two tokens of one link): the inserts skip rows the other just wrote instead of failing, and
    rows that stay are neither deleted nor written again.
    """
    given = sorted(set(alert_ids))
    if not given:
        return
    primaries = set(given) | _linked_to(session, given)
    pending = noted(session, _PENDING)
    if pending is not None:
        pending.update(primaries)
        return
    for chunk in chunks(given):
        _refresh_regions(session, lambda column, chunk=chunk: among(session, column, chunk))
    for chunk in chunks(sorted(primaries)):
        _refresh_kinds(session, lambda column, chunk=chunk: among(session, column, chunk))
    # the list's counts per status read the regions, the kinds and the agencies
    status_counts.refresh(session, sorted(primaries))


def _linked_to(session: Session, alert_ids: list[int]) -> set[int]:
    """Return the alerts these alerts are evidence of."""
    found: set[int] = set()
    for chunk in chunks(alert_ids):
        found.update(
            session.execute(
                select(ALERTS.c.link_id).where(
                    among(session, ALERTS.c.id, chunk), ALERTS.c.link_id.is_not(None)
                )
            ).scalars()
        )
    return found


def refresh_all(session: Session) -> None:
    """Recompute the stored regions and kinds of every alert (a backfill; a repair)."""
    session.execute(delete(ALERT_REGIONS))
    session.execute(delete(ALERT_KINDS))
    session.execute(_insert_regions(session, None))
    session.execute(_insert_kinds(session, None))
    list_bits.refresh(session, list_bits.REGIONS, None)
    list_bits.refresh(session, list_bits.KINDS, None)


def _refresh_regions(session: Session, among_ids: Any) -> None:
    """Delete the rows no agency of the alert stands for any more; add the missing ones.

    Only what changed is written: a recount that leaves an alert's regions as they were (the
    usual case at ingest) deletes nothing and inserts nothing, and takes no row lock.
    """
    held = (
        select(ALERT_AGENCIES.c.alert_id)
        .select_from(ALERT_AGENCIES.join(AGENCIES, AGENCIES.c.id == ALERT_AGENCIES.c.agency_id))
        .where(
            ALERT_AGENCIES.c.alert_id == ALERT_REGIONS.c.alert_id,
            AGENCIES.c.region == ALERT_REGIONS.c.region,
        )
    )
    session.execute(delete(ALERT_REGIONS).where(among_ids(ALERT_REGIONS.c.alert_id), ~exists(held)))
    session.execute(_insert_regions(session, among_ids))
    list_bits.refresh(session, list_bits.REGIONS, among_ids)


def _refresh_kinds(session: Session, among_ids: Any) -> None:
    """Delete the kinds neither the alert nor its evidence has any more; add the missing ones."""
    own = select(ALERTS.c.id).where(
        ALERTS.c.id == ALERT_KINDS.c.alert_id, ALERTS.c.kind == ALERT_KINDS.c.kind
    )
    linked = select(ALERTS.c.id).where(
        ALERTS.c.link_id == ALERT_KINDS.c.alert_id, ALERTS.c.kind == ALERT_KINDS.c.kind
    )
    session.execute(
        delete(ALERT_KINDS).where(among_ids(ALERT_KINDS.c.alert_id), ~exists(own), ~exists(linked))
    )
    session.execute(_insert_kinds(session, among_ids))
    list_bits.refresh(session, list_bits.KINDS, among_ids)


def _insert_regions(session: Session, among_ids: Any) -> Any:
    """INSERT … SELECT the distinct regions of the agencies of the alerts (all when None)."""
    regions = (
        select(ALERT_AGENCIES.c.alert_id, AGENCIES.c.region)
        .select_from(ALERT_AGENCIES.join(AGENCIES, AGENCIES.c.id == ALERT_AGENCIES.c.agency_id))
        .distinct()
    )
    if among_ids is not None:
        regions = regions.where(among_ids(ALERT_AGENCIES.c.alert_id))
    statement = dialect_insert(session, ALERT_REGIONS).from_select(["alert_id", "region"], regions)
    return statement.on_conflict_do_nothing()


def _insert_kinds(session: Session, among_ids: Any) -> Any:
    """INSERT … SELECT each alert's own kind and its evidence's kinds (all alerts when None)."""
    own = select(ALERTS.c.id.label("alert_id"), ALERTS.c.kind)
    linked = select(ALERTS.c.link_id.label("alert_id"), ALERTS.c.kind).where(
        ALERTS.c.link_id.is_not(None)
    )
    if among_ids is not None:
        own = own.where(among_ids(ALERTS.c.id))
        linked = linked.where(among_ids(ALERTS.c.link_id))
    # UNION (not UNION ALL) leaves one row per (alert, kind)
    statement = dialect_insert(session, ALERT_KINDS).from_select(
        ["alert_id", "kind"], union(own, linked)
    )
    return statement.on_conflict_do_nothing()


def within(regions: Collection[str], alert_id: Any, *, for_counting: bool = False) -> Any:
    """Return a condition: the alert (its id column) involves an agency of one of these regions
    (read from ``alert_region``, :meth:`matcher.services.list_bits.Bits.in_rows`)."""
    return list_bits.REGIONS.in_rows(regions, alert_id, for_counting=for_counting)
