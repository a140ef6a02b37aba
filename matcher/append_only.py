"""Append-only protection of the audit log on PostgreSQL: triggers refuse UPDATE, DELETE, TRUNCATE.

The hash chain and the signed checkpoints (:mod:`matcher.checkpoints`) *detect* a changed log;
these triggers *refuse* the change, so that neither a bug in the matcher nor a stolen
application credential can rewrite history. A database owner can still drop them: that is
what the checkpoints kept outside the database are for. The same statements are run by the
Alembic migration and, for databases made from the models (tests, the embedded default), by
``create_all``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DDL, Table, event

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql
"""
TRIGGERS = (
    """
CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry
FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()
""",
    """
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()
""",
)
STATEMENTS = (FUNCTION, *TRIGGERS)


def _postgres_only(statement: str) -> Any:
    return DDL(statement).execute_if(dialect="postgresql")  # type: ignore[no-untyped-call]


def protect(table: Table) -> None:
    """Create the triggers right after the audit table is created (PostgreSQL only)."""
    for statement in STATEMENTS:
        event.listen(table, "after_create", _postgres_only(statement))
