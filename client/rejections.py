"""Rejected rows and skipped cells as CSV: row, column, rule, and whether the row was kept."""

from __future__ import annotations

import csv
from typing import IO

from client.batches import PreparationReport

HEADER = ("row", "column", "rule", "row_kept")


def write_rejections(handle: IO[str], report: PreparationReport) -> None:
    """Write every rejection of a report as CSV; rows and rules only, never a cell's value."""
    writer = csv.writer(handle)
    writer.writerow(HEADER)
    for item in report.rejected_rows:
        writer.writerow([item.row, item.column or "", item.rule, "no"])
    for item in report.skipped_cells + report.formula_cells:
        writer.writerow([item.row, item.column or "", item.rule, "yes"])
