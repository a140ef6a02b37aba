"""The token table's hash partitions on PostgreSQL: a layout the models declare, not a table each.

``signal_token`` is ``PARTITION BY HASH (token)`` on PostgreSQL, with :data:`PARTITIONS`
partitions named ``signal_token_p00`` and on. Batches bring uniformly random tokens, so every
partition grows alike and each one's primary-key index stays a sixteenth of the whole: inserts
and the overlap lookups descend smaller trees, and ``VACUUM``/``ANALYZE`` work a partition at a
time. SQLite keeps one table (the embedded default). On Citus the same table is distributed by
the same column instead (docs/operations.md), and these partitions are not made.

The partitions are created with the table (:func:`create_partitions`, from the schema's
``after_create`` event and from the migration); Alembic's model comparison skips them
(:func:`include_name`), since the models name only the parent.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, Table, event, text

PARTITIONS = 16
PARTITIONED = ("signal_token",)
_PARTITION_NAME = re.compile(r"^(?P<parent>[a-z_]+)_p\d{2}$")


def partition_names(parent: str) -> list[str]:
    """Return the names of a partitioned table's partitions, in remainder order."""
    return [f"{parent}_p{remainder:02d}" for remainder in range(PARTITIONS)]


def create_partitions(connection: Connection, parent: str) -> None:
    """Create the hash partitions of a table declared ``PARTITION BY HASH`` (PostgreSQL)."""
    for remainder, name in enumerate(partition_names(parent)):
        connection.execute(
            text(
                f"CREATE TABLE {name} PARTITION OF {parent} "
                f"FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {remainder})"
            )
        )


def include_name(name: str | None, type_: str, _parents: Any = None) -> bool:
    """Alembic's filter: leave partitions out of the comparison with the models."""
    if type_ != "table" or name is None:
        return True
    match = _PARTITION_NAME.match(name)
    return match is None or match.group("parent") not in PARTITIONED


def attach(table: Table) -> None:
    """Make ``create_all`` create the table's partitions on PostgreSQL, right after the table."""

    def after_create(target: Table, connection: Connection, **_: Any) -> None:
        if connection.dialect.name == "postgresql":
            create_partitions(connection, target.name)

    event.listen(table, "after_create", after_create)
