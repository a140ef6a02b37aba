"""detection lease, no token entries, signal_token hash-partitioned on PostgreSQL

Detection jobs, withdrawals and purges serialize on the one row of ``detection_lease``; the
per-token lock rows of ``token_entry`` are gone (their upsert was most of detection's time).
Detection jobs say whether to sample the batch for the unusual-submission signal.
On PostgreSQL ``signal_token`` becomes ``PARTITION BY HASH (token)`` with 16 partitions; the
rows are copied over in the migration's transaction (an existing database is upgraded in place;
it holds the table's lock while it copies, minutes per 10^8 rows). SQLite keeps one table.

Revision ID: 20261201_1700_detection_lease
Revises: 20261201_1600_status_counts
Create Date: 2026-12-01 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from matcher import partitions

revision: str = "20261201_1700_detection_lease"
down_revision: str | None = "20261201_1600_status_counts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = "token, signal_id, agency_id, kind, level"


def _signal_token(name: str, **options: object) -> None:
    op.create_table(
        name,
        sa.Column("token", sa.LargeBinary(length=32), nullable=False),
        sa.Column("signal_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.PrimaryKeyConstraint("token", "signal_id", name=f"{name}_pkey"),
        **options,  # type: ignore[arg-type]
    )


def _rebuild_signal_token(*, partitioned: bool) -> None:
    """Move signal_token's rows into a new table of the wanted layout (PostgreSQL)."""
    op.execute("ALTER TABLE signal_token RENAME TO signal_token_before")
    op.execute(
        "ALTER TABLE signal_token_before "
        "RENAME CONSTRAINT signal_token_pkey TO signal_token_before_pkey"
    )
    op.execute("ALTER INDEX ix_signal_token_signal RENAME TO ix_signal_token_signal_before")
    if partitioned:
        _signal_token("signal_token", postgresql_partition_by="HASH (token)")
        partitions.create_partitions(op.get_bind(), "signal_token")
    else:
        _signal_token("signal_token")
    op.execute(
        f"INSERT INTO signal_token ({_COLUMNS}) SELECT {_COLUMNS} FROM signal_token_before"  # noqa: S608
    )
    op.create_index("ix_signal_token_signal", "signal_token", ["signal_id"], unique=False)
    op.drop_table("signal_token_before")
    op.execute("ANALYZE signal_token")


def upgrade() -> None:
    op.create_table(
        "detection_lease",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("taken_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO detection_lease (id, taken_at) VALUES (1, CURRENT_TIMESTAMP)")
    op.add_column(
        "detection_job",
        sa.Column("check_fresh", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.drop_table("token_entry")
    if op.get_bind().dialect.name == "postgresql":
        _rebuild_signal_token(partitioned=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _rebuild_signal_token(partitioned=False)
    op.create_table(
        "token_entry",
        sa.Column("token", sa.LargeBinary(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("first_seen", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("token"),
        sqlite_with_rowid=False,
    )
    # the entries the older detection expects: one per held token, shared when agencies differ
    op.execute(
        "INSERT INTO token_entry (token, kind, level, first_seen, agency_id, shared) "
        "SELECT token, min(kind), min(level), CURRENT_TIMESTAMP, min(agency_id), "
        "count(DISTINCT agency_id) > 1 FROM signal_token GROUP BY token"
    )
    with op.batch_alter_table("detection_job") as batch_op:
        batch_op.drop_column("check_fresh")
    op.drop_table("detection_lease")
