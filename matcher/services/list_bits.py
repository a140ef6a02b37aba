"""Regions and kinds as bits: the alert list tests them on the entries of its index.

A coordinator sees the alerts that involve an agency of their regions, and may narrow the list to
a kind of evidence. Testing either per alert (does an ``alert_region`` row of one of these
regions exist? an ``alert_kind`` row of this kind?) is an index lookup for every entry the list
walks: at 10^6 alerts a coordinator's 1000th page walked 300,000 entries and took 300 ms on
PostgreSQL, and half a month of one kind was counted by joining all of that kind's alerts
(100-220 ms). Each region and each kind therefore has a bit (``region_bit.mask``,
``kind_bit.mask``: powers of two), each alert the sum of its regions' bits and of its kinds'
(``alert.region_bits``, ``alert.kind_bits``), held in the list's sort indexes; a scope becomes
``region_bits & mask <> 0``, tested on the index entry itself.

A bit is never reused or moved, and no alert may hold a name without its bit: a region gets its
bit when its first agency is registered (:func:`assign_region`), before any alert can involve
it; a kind when the first alert with evidence of it is refreshed (:func:`refresh` gives it and
sets it on every alert of that kind); an existing database gets bits for what it holds in the
migration that adds them. Only 63 fit (a signed 64-bit integer): the 64th region or kind and
later get none, and a scope that names one is tested through its rows as before
(:func:`scope_mask` returns None). Kept by :func:`matcher.services.alert_filters.refresh` with
``alert_region`` and ``alert_kind``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Table, cast, exists, func, select, update
from sqlmodel import Session

from matcher.services.tables import (
    AGENCIES,
    ALERT_KINDS,
    ALERT_REGIONS,
    ALERTS,
    KIND_BITS,
    REGION_BITS,
)

#: bits of a signed 64-bit integer that are not its sign
MAX_BITS = 63
#: session.info key prefix of the bits read in this session (:func:`_masks`)
_KEPT_MASKS = "list_bits.masks."

__all__ = ["KINDS", "MAX_BITS", "REGIONS", "Bits", "assign_region", "refresh", "scope_mask"]


@dataclass(frozen=True)
class Bits:
    """One thing the list filters on, held as bits: which table gives the bits, which rows."""

    #: (name, mask): the bit of each name
    bits: Table
    #: (alert_id, name): an alert's names
    rows: Table
    #: the name's column, in both tables
    name: str
    #: the alert's column of summed bits
    column: str

    def held(self) -> ColumnElement[int]:
        return ALERTS.c[self.column]

    def bitted(self) -> Any:
        """The alerts' rows joined with their name's bit (rows of names without one drop)."""
        return self.rows.join(self.bits, self.bits.c[self.name] == self.rows.c[self.name])

    def in_rows(
        self, names: Collection[str], alert_id: Any, *, for_counting: bool = False
    ) -> ColumnElement[bool]:
        """Return a term read from the rows: the alert (its id column) has one of these names.

        A correlated EXISTS lets a page walk the sort index and stop after one page; counting
        every match starts from the names' rows instead.
        """
        named = self.rows.c[self.name].in_(sorted(names))
        if for_counting:
            return alert_id.in_(select(self.rows.c.alert_id).where(named))  # type: ignore[no-any-return]
        return exists().where(self.rows.c.alert_id == alert_id, named)


REGIONS = Bits(REGION_BITS, ALERT_REGIONS, "region", "region_bits")
KINDS = Bits(KIND_BITS, ALERT_KINDS, "kind", "kind_bits")


def assign_region(session: Session, region: str) -> int | None:
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
    return _give(session, REGIONS, [region]).get(region)


def _give(session: Session, of: Bits, names: list[str]) -> dict[str, int]:
    """Give these names (none has a bit) the next free bits, while any are left."""
    given = session.execute(select(func.count()).select_from(of.bits)).scalar_one()
    masks = {name: 1 << bit for bit, name in enumerate(names, start=int(given)) if bit < MAX_BITS}
    if masks:
        session.execute(of.bits.insert(), [{of.name: n, "mask": m} for n, m in masks.items()])
        session.info.pop(_KEPT_MASKS + of.column, None)
    return masks


def scope_mask(session: Session, of: Bits, names: Collection[str]) -> int | None:
    """Return the bits of these names together, or None when one of them has no bit."""
    wanted = set(names)
    masks = _masks(session, of)
    if not wanted or not wanted <= masks.keys():
        return None
    mask = 0
    for name in wanted:
        mask |= masks[name]
    return mask


def _masks(session: Session, of: Bits) -> dict[str, int]:
    """Return every bit of the table (at most 63 rows), read once per session.

    A page asks for them once per term (its scope, its kind, each edge of a period). A bit is
    never moved, so a kept table can only lack a bit given since: that name is then tested
    through its rows, as any name without a bit.
    """
    kept: dict[str, int] | None = session.info.get(_KEPT_MASKS + of.column)
    if kept is None:
        rows = session.execute(select(of.bits.c[of.name], of.bits.c.mask))
        kept = {name: int(mask) for name, mask in rows}
        session.info[_KEPT_MASKS + of.column] = kept
    return kept


def refresh(session: Session, of: Bits, among_ids: Any) -> None:
    """Set the bits of the alerts (all when None) from their rows; kinds first get their bits.

    Only alerts whose bits changed are written: at ingest an alert's regions and kinds rarely
    change. Given alerts are looked up one by one; all of them are summed in one pass and joined.
    """
    if of is KINDS:
        _give_new_kinds(session, among_ids)
    if among_ids is None:
        _refresh_all(session, of)
    else:
        _refresh_some(session, of, among_ids)


def _refresh_some(session: Session, of: Bits, among_ids: Any) -> None:
    summed = (
        select(cast(func.coalesce(func.sum(of.bits.c.mask), 0), BigInteger))
        .select_from(of.bitted())
        .where(of.rows.c.alert_id == ALERTS.c.id)
        .scalar_subquery()
    )
    session.execute(
        update(ALERTS)
        .where(among_ids(ALERTS.c.id), of.held() != summed)
        .values({of.column: summed})
    )


def _give_new_kinds(session: Session, among_ids: Any) -> None:
    """Give a bit to each kind these alerts' rows (every alert's: None) name that has none.

    Other alerts that hold such a kind already (a refresh in chunks; a kind whose bit was
    missing) get it at once, so that no alert holds a kind without its bit. A new kind is rare:
    the first alert with evidence of it. Past the 63rd bit a kind gets none.
    """
    rows = select(ALERT_KINDS.c.kind).distinct()
    if among_ids is not None:
        rows = rows.where(among_ids(ALERT_KINDS.c.alert_id))
    known = set(session.execute(select(KIND_BITS.c.kind)).scalars())
    new = sorted(set(session.execute(rows).scalars()) - known)
    given = _give(session, KINDS, new) if new else {}
    if given and among_ids is not None:
        holders = select(ALERT_KINDS.c.alert_id).where(ALERT_KINDS.c.kind.in_(sorted(given)))
        _refresh_some(session, KINDS, lambda column: column.in_(holders))


def _refresh_all(session: Session, of: Bits) -> None:
    """Every alert: the sums per alert in one aggregate, joined (UPDATE … FROM), then the alerts
    left without a name that has a bit set to 0 (a correlated sum per alert took minutes at
    10^6)."""
    sums = (
        select(
            of.rows.c.alert_id,
            cast(func.sum(of.bits.c.mask), BigInteger).label("bits"),
        )
        .select_from(of.bitted())
        .group_by(of.rows.c.alert_id)
        .subquery()
    )
    session.execute(
        update(ALERTS)
        .where(ALERTS.c.id == sums.c.alert_id, of.held() != sums.c.bits)
        .values({of.column: sums.c.bits})
    )
    session.execute(
        update(ALERTS)
        .where(
            of.held() != 0,
            ~exists(
                select(of.rows.c.alert_id)
                .select_from(of.bitted())
                .where(of.rows.c.alert_id == ALERTS.c.id)
            ),
        )
        .values({of.column: 0})
    )
