"""Regions as bits: the alert list tests a coordinator's regions on the entries of its index.

A coordinator sees the alerts that involve an agency of their regions. Testing that per alert
(does an ``alert_region`` row of one of these regions exist?) is an index lookup for every entry
the list walks: at 10^6 alerts a coordinator's 1000th page walked 300,000 entries and took
300 ms on PostgreSQL. Each region therefore has a bit (``region_bit.mask``, a power of two), and
each alert the sum of its regions' bits (``alert.region_bits``), held in the list's indexes; the
scope becomes ``region_bits & mask <> 0``, tested on the entry itself.

A region gets its bit when its first agency is registered (:func:`assign`), so no alert can
involve it before its bit exists; an existing database gets bits for its first 63 regions in the
migration that adds them. A bit is never reused or moved. The 64th region and later get none,
and a scope that names one is tested through ``alert_region`` as before (:func:`scope_mask`
returns None): correct at any number of regions, fast for the first 63. ``alert.region_bits``
is kept by :func:`matcher.services.alert_filters.refresh` with ``alert_region``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import BigInteger, cast, exists, func, select, update
from sqlmodel import Session

from matcher.services.tables import AGENCIES, ALERT_REGIONS, ALERTS, REGION_BITS

#: bits of a signed 64-bit integer that are not its sign
MAX_REGIONS_WITH_A_BIT = 63

__all__ = ["MAX_REGIONS_WITH_A_BIT", "assign", "refresh", "scope_mask"]


def assign(session: Session, region: str) -> int | None:
    """Give a region its bit, before its first agency is added; return the bit (None: none).

    A region that has agencies already keeps what it has: a bit given now would be missing from
    the alerts those agencies are in. Two registrations of new regions at the same moment may
    draw the same bit: the unique mask refuses the second, whose transaction then fails whole.
    """
    known = session.execute(
        select(REGION_BITS.c.mask).where(REGION_BITS.c.region == region)
    ).scalar_one_or_none()
    if known is not None:
        return int(known)
    if session.execute(select(exists().where(AGENCIES.c.region == region))).scalar():
        return None
    given = session.execute(select(func.count()).select_from(REGION_BITS)).scalar_one()
    if given >= MAX_REGIONS_WITH_A_BIT:
        return None
    mask = 1 << int(given)
    session.execute(REGION_BITS.insert().values(region=region, mask=mask))
    return mask


def scope_mask(session: Session, regions: Collection[str]) -> int | None:
    """Return the bits of these regions together, or None when one of them has no bit."""
    wanted = set(regions)
    if not wanted:
        return None
    rows = session.execute(
        select(REGION_BITS.c.region, REGION_BITS.c.mask).where(
            REGION_BITS.c.region.in_(sorted(wanted))
        )
    )
    found = {region: int(mask) for region, mask in rows}
    if set(found) != wanted:
        return None
    mask = 0
    for bit in found.values():
        mask |= int(bit)
    return mask


def refresh(session: Session, among_ids: Any) -> None:
    """Set ``region_bits`` of the alerts (all when None) from their ``alert_region`` rows.

    Only alerts whose bits changed are written: at ingest an alert's regions rarely change.
    Given alerts are looked up one by one; all of them are summed in one pass and joined.
    """
    if among_ids is None:
        _refresh_all(session)
        return
    held = (
        select(cast(func.coalesce(func.sum(REGION_BITS.c.mask), 0), BigInteger))
        .select_from(_bitted())
        .where(ALERT_REGIONS.c.alert_id == ALERTS.c.id)
        .scalar_subquery()
    )
    session.execute(
        update(ALERTS)
        .where(among_ids(ALERTS.c.id), ALERTS.c.region_bits != held)
        .values(region_bits=held)
    )


def _refresh_all(session: Session) -> None:
    """Every alert: the sums per alert in one aggregate, joined (UPDATE … FROM), then the alerts
    left without a region that has a bit set to 0 (a correlated sum per alert took minutes at
    10^6)."""
    sums = (
        select(
            ALERT_REGIONS.c.alert_id,
            cast(func.sum(REGION_BITS.c.mask), BigInteger).label("bits"),
        )
        .select_from(_bitted())
        .group_by(ALERT_REGIONS.c.alert_id)
        .subquery()
    )
    session.execute(
        update(ALERTS)
        .where(ALERTS.c.id == sums.c.alert_id, ALERTS.c.region_bits != sums.c.bits)
        .values(region_bits=sums.c.bits)
    )
    session.execute(
        update(ALERTS)
        .where(
            ALERTS.c.region_bits != 0,
            ~exists(
                select(ALERT_REGIONS.c.alert_id)
                .select_from(_bitted())
                .where(ALERT_REGIONS.c.alert_id == ALERTS.c.id)
            ),
        )
        .values(region_bits=0)
    )


def _bitted() -> Any:
    """``alert_region`` rows joined with their region's bit (rows of regions without one drop)."""
    return ALERT_REGIONS.join(REGION_BITS, REGION_BITS.c.region == ALERT_REGIONS.c.region)
