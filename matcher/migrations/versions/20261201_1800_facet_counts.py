"""alert list counts per kind and per agency stored

The alert list's counts per status were stored per regions, status and strength; a kind or an
agency filter counted its alerts from their tallies, a cost growing with the filter's matches.
Now ``alert_status_count`` holds a ``facet`` too (``''`` for every alert, ``kind:<kind>``,
``agency:<id>``) and ``alert_tally`` each listed alert's facets, kept by
matcher.services.status_counts. Both tables hold derived numbers only: they are built again and
filled from the alerts, their stored regions and kinds and their agencies, set-based.

Revision ID: 20261201_1800_facet_counts
Revises: 20261201_1700_detection_lease
Create Date: 2026-12-01 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "20261201_1800_facet_counts"
down_revision: str | None = "20261201_1700_detection_lease"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: every facet of every alert: its kinds (alert_kind) and its agencies (alert_agency)
_FACETS = (
    "SELECT alert_id, 'kind:' || kind AS facet FROM alert_kind"
    " UNION ALL SELECT alert_id, 'agency:' || CAST(agency_id AS TEXT) FROM alert_agency"
)


def _create(*, with_facets: bool) -> None:
    """Create both tables as this revision (with_facets) or the one before has them."""
    facets: list[sa.Column[Any]] = []
    facet: list[sa.Column[Any]] = []
    if with_facets:
        facets.append(sa.Column("facets", sa.Text(), nullable=False))
        facet.append(
            sa.Column("facet", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False)
        )
    op.create_table(
        "alert_tally",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("regions", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("strength", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        *facets,
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"]),
        sa.PrimaryKeyConstraint("alert_id"),
    )
    op.create_table(
        "alert_status_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regions", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("strength", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        *facet,
        sa.Column("alerts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    key = ["facet", "status", "strength"] if with_facets else ["status", "strength"]
    op.create_index("ix_alert_status_count_key", "alert_status_count", key)


def _drop() -> None:
    op.drop_index("ix_alert_status_count_key", table_name="alert_status_count")
    op.drop_table("alert_status_count")
    op.drop_table("alert_tally")


def _region_rows() -> tuple[str, str]:
    """Return the aggregate joining an alert's regions in byte order, and the rows it reads."""
    if op.get_bind().dialect.name == "postgresql":
        return 'string_agg(region, chr(31) ORDER BY region COLLATE "C")', "alert_region"
    # SQLite concatenates in the order rows arrive: the subquery sorts them
    return (
        "group_concat(region, char(31))",
        "(SELECT alert_id, region FROM alert_region ORDER BY alert_id, region)",
    )


def upgrade() -> None:
    _drop()
    _create(with_facets=True)
    # the backfill: what matcher.services.status_counts.refresh_all runs, as it stood here
    regions, region_rows = _region_rows()
    if op.get_bind().dialect.name == "postgresql":
        joined = 'string_agg(facet, chr(31) ORDER BY facet COLLATE "C")'
        facet_rows = f"({_FACETS})"
    else:
        joined = "group_concat(facet, char(31))"
        facet_rows = f"(SELECT alert_id, facet FROM ({_FACETS}) ORDER BY alert_id, facet)"  # noqa: S608
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
        f" JOIN ({_FACETS}) AS f ON f.alert_id = alert_tally.alert_id"
        " GROUP BY regions, status, strength, f.facet"
    )


def downgrade() -> None:
    _drop()
    _create(with_facets=False)
    regions, region_rows = _region_rows()
    op.execute(
        "INSERT INTO alert_tally (alert_id, regions, status, strength)"  # noqa: S608 (constants)
        " SELECT alert.id, coalesce(held.regions, ''), alert.status, alert.strength"
        f" FROM alert LEFT JOIN (SELECT alert_id, {regions} AS regions FROM {region_rows} AS r"
        " GROUP BY alert_id) AS held ON held.alert_id = alert.id"
        " WHERE alert.link_id IS NULL"
    )
    op.execute(
        "INSERT INTO alert_status_count (regions, status, strength, alerts)"
        " SELECT regions, status, strength, count(*) FROM alert_tally"
        " GROUP BY regions, status, strength"
    )
