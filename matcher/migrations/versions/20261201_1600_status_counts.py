"""alert list counts per status stored

The alert list shows, with every page, how many alerts match per status. They were counted from
the alerts per page; now they are kept in ``alert_status_count`` (numbers per regions, status and
strength) with ``alert_tally`` (the key each listed alert is counted under), by
matcher.services.status_counts. An existing database gets both filled from its alerts and their
stored regions, in one set-based statement each.

Revision ID: 20261201_1600_status_counts
Revises: 20261201_1500_alert_filters
Create Date: 2026-12-01 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "20261201_1600_status_counts"
down_revision: str | None = "20261201_1500_alert_filters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_tally",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("regions", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("strength", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"]),
        sa.PrimaryKeyConstraint("alert_id"),
    )
    op.create_table(
        "alert_status_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regions", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("strength", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("alerts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_status_count_key", "alert_status_count", ["status", "strength"])
    # the backfill: what matcher.services.status_counts.refresh_all runs, as it stood here
    if op.get_bind().dialect.name == "postgresql":
        joined = 'string_agg(region, chr(31) ORDER BY region COLLATE "C")'
        source = "alert_region"
    else:
        joined = "group_concat(region, char(31))"
        source = "(SELECT alert_id, region FROM alert_region ORDER BY alert_id, region)"
    op.execute(
        "INSERT INTO alert_tally (alert_id, regions, status, strength)"  # noqa: S608 (constants)
        " SELECT alert.id, coalesce(held.regions, ''), alert.status, alert.strength"
        f" FROM alert LEFT JOIN (SELECT alert_id, {joined} AS regions FROM {source} AS r"
        " GROUP BY alert_id) AS held ON held.alert_id = alert.id"
        " WHERE alert.link_id IS NULL"
    )
    op.execute(
        "INSERT INTO alert_status_count (regions, status, strength, alerts)"
        " SELECT regions, status, strength, count(*) FROM alert_tally"
        " GROUP BY regions, status, strength"
    )


def downgrade() -> None:
    op.drop_index("ix_alert_status_count_key", table_name="alert_status_count")
    op.drop_table("alert_status_count")
    op.drop_table("alert_tally")
