"""alert list region scope as bits in the list's indexes

A coordinator's page tested each alert it walked for a row of one of their regions in
``alert_region``: an index lookup per entry (300 ms for a 1000th page at 10^6 alerts on
PostgreSQL). Each region now has a bit (``region_bit``), each alert the sum of its regions' bits
(``alert.region_bits``), and the list's three sort indexes hold it, so the walk tests the bits on
the entry itself. The first 63 regions, in the order of their first agency, get a bit; later
ones none (they are tested through ``alert_region`` as before). An existing database gets its
bits from its agencies and its alerts' from their ``alert_region`` rows.

Revision ID: 20261202_0400_region_bits
Revises: 20261202_0100_time_facets
Create Date: 2026-12-02 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "20261202_0400_region_bits"
down_revision: str | None = "20261202_0100_time_facets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SORTS = {
    "ix_alert_list_recent": ["last_seen", "id", "strength", "status"],
    "ix_alert_list_agencies": ["agency_count", "last_seen", "id", "strength", "status"],
    "ix_alert_list_reach": [
        "region_count", "agency_count", "signal_count", "last_seen", "id", "strength", "status",
    ],
}  # fmt: skip
#: partial indexes over the alerts the list shows (not evidence of another)
_LISTED = sa.text("link_id IS NULL")
#: 2 to the power (n - 1) for the n-th region, as a 64-bit integer
_MASK = {"postgresql": "(1::bigint << (rank - 1)::int)", "sqlite": "(1 << (rank - 1))"}


def _sort_indexes(*, with_bits: bool) -> None:
    for name, columns in _SORTS.items():
        op.create_index(
            name,
            "alert",
            columns + (["region_bits"] if with_bits else []),
            sqlite_where=_LISTED,
            postgresql_where=_LISTED,
        )


def upgrade() -> None:
    op.create_table(
        "region_bit",
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("mask", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("region"),
        sa.UniqueConstraint("mask"),
    )
    op.add_column(
        "alert",
        sa.Column("region_bits", sa.BigInteger(), nullable=False, server_default="0"),
    )
    mask = _MASK[op.get_bind().dialect.name]
    op.execute(
        "INSERT INTO region_bit (region, mask)"  # noqa: S608 (constants)
        f" SELECT region, {mask} FROM (SELECT region, row_number() OVER (ORDER BY min(id))"
        " AS rank FROM agency GROUP BY region) AS ranked WHERE rank <= 63"
    )
    # what matcher.services.region_bits.refresh computes for every alert, as it stands here: the
    # sums in one aggregate, joined (UPDATE … FROM: PostgreSQL, SQLite 3.33 and later); alerts
    # without a region that has a bit keep the default 0
    op.execute(
        "UPDATE alert SET region_bits = sums.bits FROM (SELECT alert_region.alert_id,"
        " sum(region_bit.mask) AS bits FROM alert_region JOIN region_bit"
        " ON region_bit.region = alert_region.region GROUP BY alert_region.alert_id) AS sums"
        " WHERE sums.alert_id = alert.id"
    )
    for name in _SORTS:
        op.drop_index(name, table_name="alert")
    _sort_indexes(with_bits=True)


def downgrade() -> None:
    for name in _SORTS:
        op.drop_index(name, table_name="alert")
    _sort_indexes(with_bits=False)
    # a plain DROP COLUMN (SQLite 3.35 and later): copying the table in batch mode would lose
    # the WHERE of its partial indexes
    op.drop_column("alert", "region_bits")
    op.drop_table("region_bit")
