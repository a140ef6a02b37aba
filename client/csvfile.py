"""Rows of a CSV export, each numbered as Excel shows it, with rows that cannot be read named.

A malformed row is handed on with the reason instead of stopping the file: one bad quote or one
oversized cell costs that row, never the rows around it. Only a quote that is never closed stops
the reading: everything after it would otherwise be read as one cell, so the error names the row
where it opens.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from client.errors import InputFileError
from client.i18n import _

#: the csv module's own limit on one cell (characters); a longer cell rejects its row
MAX_CELL_CHARS = csv.field_size_limit()
TOO_LONG = f"a cell is longer than {MAX_CELL_CHARS:,} characters"
BAD_QUOTES = "quotes are not closed before the next delimiter"
SWALLOWED = (
    "a quote opened in this row is closed only lines later, and those lines look like rows of"
    " their own: check the quotes"
)


#: One row as read: its number, its cells as text, the positions of formula cells without a
#: saved result, and why the row cannot be used (None if it can). A plain tuple: made per row.
RawRow = tuple[int, list[str], tuple[int, ...], str | None]


class CsvRows:
    """Iterate the rows of CSV text, numbered from 1; read errors go with their row.

    ``width`` is the header's width once known: a cell spanning lines that holds lines with as
    many delimiters as a row has is a quote that swallowed rows, not an address over two lines.
    """

    def __init__(self, lines: Iterable[str], *, delimiter: str, origin: str) -> None:
        self._reader = csv.reader(lines, delimiter=delimiter, strict=True)
        self._delimiter = delimiter
        self._origin = origin
        self.width = 0

    def __iter__(self) -> Iterator[RawRow]:
        reader = self._reader
        number = line = 0
        while True:
            number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                line = reader.line_num
                yield number, [], (), _problem(error, number, self._origin)
                continue
            except UnicodeDecodeError:
                where = f"near row {number}"
                raise InputFileError(f"{self._origin}: {where} is not readable text") from None
            if reader.line_num - line > 1 and self._swallows_rows(cells):
                yield number, [], (), SWALLOWED
            else:
                yield number, cells, (), None
            line = reader.line_num

    def _swallows_rows(self, cells: list[str]) -> bool:
        width = max(self.width, len(cells))
        if width < 2:
            return False
        for cell in cells:
            if "\n" in cell:
                for piece in cell.splitlines()[1:]:
                    if piece.count(self._delimiter) >= width - 1:
                        return True
        return False


def _problem(error: csv.Error, number: int, origin: str) -> str:
    """Return the row's reason, or stop the file for a quote that is never closed."""
    text = str(error)  # csv's messages name the problem, never a field's content
    if "end of data" in text:
        raise InputFileError(
            _(
                "{file}: row {row}: a quote opened in this row is never closed, so every line"
                " after it would be read as one cell; close or remove the quote and export again"
            ).format(file=origin, row=number)
        )
    if "field limit" in text:
        return TOO_LONG
    if "expected after" in text:
        return BAD_QUOTES
    return f"the row is not valid CSV ({text})"
