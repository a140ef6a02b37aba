"""Find the header row of an export and recognise totals rows, as spreadsheets come.

Dutch exports often start with a title ("Overzicht signalen 2026", a date line, an empty row)
above the row that names the columns, and end with a totals row ("Totaal", a count). The header
is the first row that fills most of the widest row's cells with text that is not a number; a
totals row starts with a word for "total", alone or followed by a number. Neither function ever
puts a cell's content into a message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: how many rows from the top are looked at to find the header
SCAN_ROWS = 20
_NUMBER = re.compile(r"[-+]?[\d.,\s]+")
_TOTALS = re.compile(
    r"(?:eind|sub|grand\s*)?(?:totaal|totalen|total|totals|som)\b\s*:?\s*(?:[-+]?[\d.,]+\b.*)?",
)


def _filled(cells: Sequence[str]) -> list[str]:
    return [cell.strip() for cell in cells if cell.strip()]


def detect_header_row(rows: Sequence[Sequence[str]]) -> int:
    """Return the 1-based number of the header among the first rows (1 if nothing is better).

    A title row fills one or two cells of a row that is much narrower than the data; the header
    fills at least half of the widest row's cells, all of them with text rather than numbers.
    """
    sample = [_filled(row) for row in rows[:SCAN_ROWS]]
    widest = max((len(cells) for cells in sample), default=0)
    if widest == 0:
        return 1
    for number, cells in enumerate(sample, start=1):
        if len(cells) < max(2, (widest + 1) // 2):
            continue
        if any(_NUMBER.fullmatch(cell) for cell in cells):
            continue  # a header names columns; a row with bare numbers is data
        return number
    return 1


def is_totals_row(cells: Sequence[str]) -> bool:
    """Say whether a row is a totals row: its first filled cell says 'Totaal' (or 'Total')."""
    for cell in cells:
        text = cell.strip()
        if text:
            return _TOTALS.fullmatch(text.casefold()) is not None
    return False
