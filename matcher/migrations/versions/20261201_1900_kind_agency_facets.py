"""alert list counts per kind and agency together stored

The list filtered on a kind and an agency together counted its alerts from their tallies, a join
of the kind's and the agency's alerts (168 ms at 10^6 alerts on PostgreSQL). Now each listed
alert is counted under ``kind:<kind>,agency:<id>`` for every pair of its kinds and agencies too,
so that filter reads stored counts like the others. The facet column widens to 48 characters.
Both tables hold derived numbers only: they are built again and filled from the alerts, their
stored regions and kinds and their agencies, set-based.

Revision ID: 20261201_1900_kind_agency_facets
Revises: 20261201_1800_facet_counts
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "20261201_1900_kind_agency_facets"
down_revision: str | None = "20261201_1800_facet_counts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: every facet of every alert as the revision before has them: its kinds and its agencies
_SINGLE_FACETS = (
    "SELECT alert_id, 'kind:' || kind AS facet FROM alert_kind"
    " UNION ALL SELECT alert_id, 'agency:' || CAST(agency_id AS TEXT) FROM alert_agency"
)
#: and as this revision has them: each of its kinds with each of its agencies too
_PAIRS = (
    "SELECT k.alert_id, 'kind:' || k.kind || ',agency:' || CAST(a.agency_id AS TEXT) AS facet"
    " FROM alert_kind AS k JOIN alert_agency AS a ON a.alert_id = k.alert_id"
)
_FACETS = f"{_SINGLE_FACETS} UNION ALL {_PAIRS}"


def _create(*, facet_length: int) -> None:
    op.create_table(
        "alert_tally",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("regions", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("strength", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("facets", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"]),
        sa.PrimaryKeyConstraint("alert_id"),
    )
    op.create_table(
        "alert_status_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regions", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("strength", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("facet", sqlmodel.sql.sqltypes.AutoString(length=facet_length), nullable=False),
        sa.Column("alerts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_alert_status_count_key", "alert_status_count", ["facet", "status", "strength"]
    )


def _rebuild(*, facet_length: int, facets: str) -> None:
    """Build both tables again and fill them with these facets (what refresh_all ran here)."""
    op.drop_index("ix_alert_status_count_key", table_name="alert_status_count")
    op.drop_table("alert_status_count")
    op.drop_table("alert_tally")
    _create(facet_length=facet_length)
    if op.get_bind().dialect.name == "postgresql":
        regions = 'string_agg(region, chr(31) ORDER BY region COLLATE "C")'
        joined = 'string_agg(facet, chr(31) ORDER BY facet COLLATE "C")'
        region_rows, facet_rows = "alert_region", f"({facets})"
    else:
        # SQLite concatenates in the order rows arrive: the subqueries sort them (byte order)
        regions, joined = "group_concat(region, char(31))", "group_concat(facet, char(31))"
        region_rows = "(SELECT alert_id, region FROM alert_region ORDER BY alert_id, region)"
        facet_rows = f"(SELECT alert_id, facet FROM ({facets}) ORDER BY alert_id, facet)"  # noqa: S608 (constants)
    op.execute(
        "INSERT INTO alert_tally (alert_id, regions, status, strength, facets)"  # noqa: S608 (constants)
        " SELECT alert.id, coalesce(held.regions, ''), alert.status, alert.strength,"
        " coalesce(faceted.facets, '')"
        f" FROM alert LEFT JOIN (SELECT alert_id, {regions} AS regions FROM {region_rows} AS r"
        " GROUP BY alert_id) AS held ON held.alert_id = alert.id"
        f" LEFT JOIN (SELECT alert_id, {joined} AS facets FROM {facet_rows} AS f"
        " GROUP BY alert_id) AS faceted ON faceted.alert_id = alert.id"
        " WHERE alert.link_id IS NULL"
    )
    op.execute(
        "INSERT INTO alert_status_count (regions, status, strength, facet, alerts)"  # noqa: S608 (constants)
        " SELECT regions, status, strength, '', count(*) FROM alert_tally"
        " GROUP BY regions, status, strength"
        " UNION ALL SELECT regions, status, strength, f.facet, count(*) FROM alert_tally"
        f" JOIN ({facets}) AS f ON f.alert_id = alert_tally.alert_id"
        " GROUP BY regions, status, strength, f.facet"
    )


def upgrade() -> None:
    _rebuild(facet_length=48, facets=_FACETS)


def downgrade() -> None:
    _rebuild(facet_length=24, facets=_SINGLE_FACETS)
