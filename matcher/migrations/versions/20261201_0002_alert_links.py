"""alert links and strength

Alerts gain a strength grade and a link to the alert they are evidence of. Existing alerts keep
their workflow status, notes and history; each stays an alert of its own (no link) and is graded
from its own kind and level by the rules of matcher.services.strength.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 12:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the levels whose exact evidence is strong, and those medium on their own, when this was written
_STRONG = (
    ("phone", "e164"),
    ("email", "mailbox"),
    ("iban", "iban"),
    ("kvk", "kvk"),
    ("plate", "plate"),
    ("address", "unit"),
    ("person", "name_dob"),
)
_MEDIUM = (("operator", "legal_name"), ("operator", "trade_name"), ("url", "host"))


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch (copy-and-move) table: on SQLite that would drop the alert
    # table under the foreign keys of its events, notes and disclosure decisions.
    op.add_column(
        "alert",
        sa.Column(
            "strength",
            sqlmodel.sql.sqltypes.AutoString(length=8),
            nullable=False,
            server_default="weak",
        ),
    )
    op.add_column("alert", sa.Column("link_id", sa.Integer(), nullable=True))
    op.create_index("ix_alert_grade", "alert", ["strength", "last_seen"], unique=False)
    op.create_index(op.f("ix_alert_link_id"), "alert", ["link_id"], unique=False)
    alert = sa.table("alert", sa.column("kind"), sa.column("level"), sa.column("strength"))
    for grade, levels in (("strong", _STRONG), ("medium", _MEDIUM)):
        for kind, level in levels:
            op.execute(
                alert.update()
                .where(alert.c.kind == kind, alert.c.level == level)
                .values(strength=grade)
            )


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_link_id"), table_name="alert")
    op.drop_index("ix_alert_grade", table_name="alert")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_column("link_id")
        batch_op.drop_column("strength")
