"""detection queue

Overlap detection runs after the receipt, from this table: one row per stored batch whose
overlaps are still to be found. An existing database has found every overlap already, so the
queue starts empty.

Revision ID: 20261201_1400_ingest_queue
Revises: 20261201_1310_notifications
Create Date: 2026-12-01 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "20261201_1400_ingest_queue"
down_revision: str | None = "20261201_1310_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "detection_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id"),
    )


def downgrade() -> None:
    op.drop_table("detection_job")
