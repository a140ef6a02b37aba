"""A checked column mapping laid out as positions in a row's cells, ready for the hot loop.

Small and picklable: it is what worker processes receive to read their chunks of rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from client.mapping import ColumnMapping
from client.wire import Category


@dataclass(frozen=True, kw_only=True)
class RowPlan:
    """A checked mapping as positions in a row's cell tuple; small and picklable for workers."""

    columns: tuple[str, ...]
    identifiers: tuple[tuple[int, str, str, str | None], ...]
    case: int | None
    dob: int | None
    category: int | None
    observed: int | None
    region: int | None
    default_category: Category | None
    category_labels: Mapping[str, Category] = field(default_factory=dict)
    retention: dt.timedelta
    today: dt.date

    @classmethod
    def from_mapping(cls, mapping: ColumnMapping, *, today: dt.date) -> RowPlan:
        """Lay out the cells that the mapping needs, in a fixed order."""
        columns: list[str] = []

        def index(column: str) -> int:
            if column not in columns:
                columns.append(column)
            return columns.index(column)

        def position(column: str | None) -> int | None:
            return None if column is None else index(column)

        identifiers = tuple(
            (index(item.column), item.column, item.kind, item.region)
            for item in mapping.identifiers
        )
        return cls(
            identifiers=identifiers,
            case=position(mapping.case_column),
            dob=position(mapping.dob_column),
            category=position(mapping.category_column),
            observed=position(mapping.observed_column),
            region=position(mapping.region_column),
            columns=tuple(columns),
            default_category=mapping.category,
            category_labels=dict(mapping.category_values),
            retention=dt.timedelta(days=mapping.retention_days),
            today=today,
        )

    def cells(self, row: Mapping[str, str]) -> tuple[str, ...]:
        """Pick the cells this plan reads from a row of the export."""
        return tuple(row.get(column, "") for column in self.columns)
