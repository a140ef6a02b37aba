"""alert list regions and kinds as bits in the list's indexes

A coordinator's page tested each alert it walked for a row of their regions in
``alert_region``: an index lookup per entry (300 ms for a 1000th page at 10^6 alerts on
PostgreSQL); a kind was tested, and half a month of it counted, through ``alert_kind``. Each
region and each kind now has a bit (``region_bit``, ``kind_bit``), each alert the sums of its
regions' and kinds' bits (``alert.region_bits``, ``alert.kind_bits``), and the list's three sort
indexes hold them, so the walk tests the bits on the entry itself. The first 63 regions, in the
order of their first agency, and the first 63 kinds (by name) get a bit; later ones none (they
are tested through their rows as before). An existing database gets its bits from its agencies
and its alerts' kinds, and its alerts' from their ``alert_region`` and ``alert_kind`` rows; on
PostgreSQL the alert table's indexes are rebuilt after that backfill (it writes every alert).

Revision ID: 20261202_0400_list_bits
Revises: 20261202_0100_time_facets
Create Date: 2026-12-02 04:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "20261202_0400_list_bits"
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
_BITS = ["region_bits", "kind_bits"]
#: partial indexes over the alerts the list shows (not evidence of another)
_LISTED = sa.text("link_id IS NULL")
#: 2 to the power (n - 1) for the n-th name, as a 64-bit integer
_MASK = {"postgresql": "(1::bigint << (rank - 1)::int)", "sqlite": "(1 << (rank - 1))"}
#: (bit table, its name column, its length; the ranked names; the alerts' rows; their column)
_TABLES = (
    (
        "region_bit", "region", 80,
        "SELECT region AS name, row_number() OVER (ORDER BY min(id)) AS rank"
        " FROM agency GROUP BY region",
        "alert_region", "region_bits",
    ),
    (
        "kind_bit", "kind", 10,
        "SELECT kind AS name, row_number() OVER (ORDER BY kind) AS rank"
        " FROM (SELECT DISTINCT kind FROM alert_kind) AS kinds",
        "alert_kind", "kind_bits",
    ),
)  # fmt: skip


def _sort_indexes(*, with_bits: bool) -> None:
    for name, columns in _SORTS.items():
        op.create_index(
            name,
            "alert",
            columns + (_BITS if with_bits else []),
            sqlite_where=_LISTED,
            postgresql_where=_LISTED,
        )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    mask = _MASK[dialect]
    # the sort indexes go first: the backfill then maintains none of them
    for index in _SORTS:
        op.drop_index(index, table_name="alert")
    for table, name, length, ranked, rows, column in _TABLES:
        op.create_table(
            table,
            sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=False),
            sa.Column("mask", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint(name),
            sa.UniqueConstraint("mask"),
        )
        op.add_column(
            "alert", sa.Column(column, sa.BigInteger(), nullable=False, server_default="0")
        )
        op.execute(
            f"INSERT INTO {table} ({name}, mask) SELECT name, {mask}"  # noqa: S608 (constants)
            f" FROM ({ranked}) AS ranked WHERE rank <= 63"
        )
        # what matcher.services.list_bits.refresh computes for every alert, as it stands here:
        # the sums in one aggregate, joined (UPDATE … FROM: PostgreSQL, SQLite 3.33 and later);
        # alerts without a name that has a bit keep the default 0
        op.execute(
            f"UPDATE alert SET {column} = sums.bits FROM (SELECT {rows}.alert_id,"  # noqa: S608 (constants)
            f" sum({table}.mask) AS bits FROM {rows} JOIN {table}"
            f" ON {table}.{name} = {rows}.{name} GROUP BY {rows}.alert_id) AS sums"
            " WHERE sums.alert_id = alert.id"
        )
    if dialect == "postgresql":
        # the backfill wrote a new version of every alert, and an entry for it in each of the
        # alert's other indexes beside the old one: rebuilt, they are their size again
        op.execute("REINDEX TABLE alert")
    _sort_indexes(with_bits=True)


def downgrade() -> None:
    for name in _SORTS:
        op.drop_index(name, table_name="alert")
    _sort_indexes(with_bits=False)
    for table, _, _, _, _, column in _TABLES:
        # a plain DROP COLUMN (SQLite 3.35 and later): copying the table in batch mode would
        # lose the WHERE of its partial indexes
        op.drop_column("alert", column)
        op.drop_table(table)
