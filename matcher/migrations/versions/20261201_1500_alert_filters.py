"""alert list filters stored per alert

The alert list filters on the regions of an alert's agencies and on the kinds of its evidence.
Both are stored now (``alert_region``, ``alert_kind``; kept by matcher.services.alert_filters)
instead of derived per alert while paging. An existing database gets them filled from its
``alert_agency`` rows and its alerts' links, in two set-based statements each. The weekly counts
of detected alerts get an index on ``alert.created_at``, and the list's sort orders indexes that
hold the columns it filters on (they replace the three sort indexes before them).

Revision ID: 20261201_1500_alert_filters
Revises: 20261201_1400_ingest_queue
Create Date: 2026-12-01 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "20261201_1500_alert_filters"
down_revision: str | None = "20261201_1400_ingest_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_LIST_INDEXES = {
    "ix_alert_list_recent": ["last_seen", "id", "strength", "status"],
    "ix_alert_list_agencies": ["agency_count", "last_seen", "id", "strength", "status"],
    "ix_alert_list_reach": [
        "region_count", "agency_count", "signal_count", "last_seen", "id", "strength", "status",
    ],
    "ix_alert_list_counts": ["status", "strength"],
}  # fmt: skip
#: partial indexes over the alerts the list shows (not evidence of another)
_LISTED = sa.text("link_id IS NULL")


def upgrade() -> None:
    op.create_table(
        "alert_region",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"]),
        sa.PrimaryKeyConstraint("alert_id", "region"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "alert_kind",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"]),
        sa.PrimaryKeyConstraint("alert_id", "kind"),
        sqlite_with_rowid=False,
    )
    # the backfill: what matcher.services.alert_filters.refresh_all computes, as it stood here
    op.execute(
        "INSERT INTO alert_region (alert_id, region)"
        " SELECT DISTINCT alert_agency.alert_id, agency.region"
        " FROM alert_agency JOIN agency ON agency.id = alert_agency.agency_id"
    )
    op.execute(
        "INSERT INTO alert_kind (alert_id, kind)"
        " SELECT id, kind FROM alert"
        " UNION SELECT link_id, kind FROM alert WHERE link_id IS NOT NULL"
    )
    # indexes after the rows: one sort each instead of a b-tree insert per row
    op.create_index("ix_alert_region_region", "alert_region", ["region", "alert_id"])
    op.create_index("ix_alert_kind_kind", "alert_kind", ["kind", "alert_id"])
    op.create_index("ix_alert_created_at", "alert", ["created_at"])
    # the list's sort orders walk indexes that hold what it filters on (matcher.models.Alert)
    op.drop_index("ix_alert_agency_count", table_name="alert")
    op.drop_index("ix_alert_strength", table_name="alert")
    op.drop_index("ix_alert_grade", table_name="alert")
    op.drop_index("ix_alert_link_id", table_name="alert")
    evidence = sa.text("link_id IS NOT NULL")
    op.create_index(
        "ix_alert_evidence", "alert", ["link_id"], sqlite_where=evidence, postgresql_where=evidence
    )
    for name, columns in _LIST_INDEXES.items():
        op.create_index(name, "alert", columns, sqlite_where=_LISTED, postgresql_where=_LISTED)


def downgrade() -> None:
    for name in _LIST_INDEXES:
        op.drop_index(name, table_name="alert")
    op.drop_index("ix_alert_evidence", table_name="alert")
    op.create_index("ix_alert_link_id", "alert", ["link_id"])
    op.create_index("ix_alert_grade", "alert", ["strength", "last_seen"])
    op.create_index(
        "ix_alert_strength", "alert", ["region_count", "agency_count", "signal_count", "last_seen"]
    )
    op.create_index("ix_alert_agency_count", "alert", ["agency_count", "last_seen"])
    op.drop_index("ix_alert_created_at", table_name="alert")
    op.drop_index("ix_alert_kind_kind", table_name="alert_kind")
    op.drop_index("ix_alert_region_region", table_name="alert_region")
    op.drop_table("alert_kind")
    op.drop_table("alert_region")
