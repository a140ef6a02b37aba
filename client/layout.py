"""Where the table starts in a spreadsheet as it comes: title rows, the header row, totals rows.

Exports made for people carry a title ("Overzicht signalen 2025") and a date above the header,
and a "Totaal" row below the data. Neither is a signal. These functions find the header among the
first rows and recognise totals rows, so the readers can skip them and report them separately.
They look at the shape of rows (how many cells are filled, whether they hold names or numbers),
and never put a cell's content into a message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: how many rows at the top are searched for the header
HEADER_SEARCH_ROWS = 30
#: a title row fills at most this many cells (a merged title, perhaps a date beside it)
_TITLE_CELLS = 2
#: words that open a totals row, folded (Dutch and English spreadsheets)
TOTALS_LABELS = frozenset(
    {
        "totaal",
        "totalen",
        "eindtotaal",
        "subtotaal",
        "totaal generaal",
        "som",
        "aantal",
        "gemiddelde",
        "total",
        "totals",
        "grand total",
        "subtotal",
        "sum",
        "count",
        "average",
    }
)
#: the first letters of the labels, either case: most rows are ruled out by one set lookup
TOTALS_INITIALS = frozenset(label[0] for label in TOTALS_LABELS) | frozenset(
    label[0].upper() for label in TOTALS_LABELS
)
_NUMBER = re.compile(r"[-+]?[\d.,\s]*\d[\d.,\s]*%?")
_LETTER = re.compile(r"[^\W\d_]")


def filled(cells: Sequence[str]) -> int:
    """Return how many cells hold something other than spaces."""
    return sum(1 for cell in cells if cell and not cell.isspace())


def find_header_row(rows: Sequence[Sequence[str]]) -> int:
    """Return the index in rows (0-based) of the header: the first row that is no title row.

    A title row is blank, or fills at most two cells and fewer than half as many as the widest
    of the rows given (one of two, in a two-column export): a title and a date above a table.
    The first row that fills more is the header. When every row looks like a title (a
    one-column export), the first non-blank row is.
    """
    counts = [filled(row) for row in rows]
    widest = max(counts, default=0)
    for index, count in enumerate(counts):
        title = count == 0 or (count <= _TITLE_CELLS and count * 2 < widest) or count < widest == 2
        if not title:
            return index
    return next((index for index, count in enumerate(counts) if count), 0)


def totals_label(text: str) -> bool:
    """Return whether a cell's text is a totals label ("Totaal", "Totaal:", "TOTAL")."""
    folded = " ".join(text.casefold().replace(":", " ").split())
    return folded in TOTALS_LABELS


def is_totals_row(cells: Sequence[str]) -> bool:
    """Return whether a row sums up the rows above it rather than being one of them.

    Its first filled cell is a totals label and every other filled cell is a number (or empty):
    a data row that merely mentions "totaal" in a text cell is not one.
    """
    texts = [cell.strip() for cell in cells if cell and not cell.isspace()]
    if not texts or not totals_label(texts[0]):
        return False
    return all(_NUMBER.fullmatch(text) or not _LETTER.search(text) for text in texts[1:])
