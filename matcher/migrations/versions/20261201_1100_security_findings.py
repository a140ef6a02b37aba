"""submission limits, revocable sessions, an append-only audit log

Revision ID: 20261201_1100_security
Revises: 0002
Create Date: 2026-12-01 11:00:00

Adds the per-agency submission limits and their daily counter, the session generation that ends
a user's dashboard sessions at once, and on PostgreSQL the triggers that refuse any UPDATE,
DELETE or TRUNCATE of the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261201_1100_security"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APPEND_ONLY = (
    """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry
FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()
""",
    """
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()
""",
)


def upgrade() -> None:
    op.create_table(
        "submission_day",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("signals", sa.Integer(), nullable=False),
        sa.Column("batches", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("agency_id", "day"),
    )
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signals_per_batch", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("signals_per_day", sa.Integer(), nullable=True))
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0")
        )
    if op.get_bind().dialect.name == "postgresql":
        for statement in _APPEND_ONLY:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.drop_column("signals_per_day")
        batch_op.drop_column("signals_per_batch")
    op.drop_table("submission_day")
