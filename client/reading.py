"""Read an agency's export (CSV or XLSX) as rows of text, numbered as the analyst sees them.

CSV files are sniffed: delimiter ``,`` ``;`` or tab (or an Excel ``sep=`` first line), encoding
UTF-8 or UTF-16 with a BOM, UTF-8, else Windows-1252 (what Dutch Excel writes). XLSX files are
read to the last stored row (``client.workbook``). Both stream: one row is in memory at a time.

Spreadsheets come as people made them: title rows above the header are skipped (the header row is
found, or named with ``header_row``), a merged header cell names every column it spans, totals
rows are set aside. Every row is accounted for in ``Export.tally``: title, blank and totals rows,
rows that cannot be read (with the reason) and the data rows handed on.

Row numbers follow Excel: in a plain export the header is row 1, the first data row is row 2.
Errors name the file, the row and what is wrong, never a cell's content.
"""

from __future__ import annotations

import io
import itertools
import operator
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NamedTuple

from client.csvfile import CsvRows, RawRow
from client.errors import InputFileError
from client.i18n import _
from client.layout import (
    HEADER_SEARCH_ROWS,
    TOTALS_INITIALS,
    filled,
    find_header_row,
    is_totals_row,
)
from client.signals import Rejection
from client.sniffing import detect_encoding, sniff_delimiter_of_lines
from client.workbook import Worksheet

CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_SAMPLE_BYTES = 64 * 1024


def _header_names(
    cells: Sequence[str], origin: str, *, merged: frozenset[int] = frozenset()
) -> list[str]:
    """Return stripped header names; a blank one becomes 'column N'; duplicates are refused.

    Columns in ``merged`` took their name from a merged cell: repeats of it are numbered
    ("Telefoon", "Telefoon (2)") instead of refused.
    """
    names = [cell.strip() or f"column {number}" for number, cell in enumerate(cells, start=1)]
    while names and names[-1].startswith("column ") and not cells[len(names) - 1].strip():
        names.pop()  # trailing empty header cells are Excel's formatting, not columns
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1 and index in merged:
            names[index] = f"{name} ({seen[name]})"
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise InputFileError(f"{origin}: the header names these columns twice: {duplicates}")
    if not names:
        raise InputFileError(f"{origin}: the header row must name the columns, but it is empty")
    return names


@dataclass
class ReadingTally:
    """What became of every row of the export before any row was prepared (no values)."""

    #: the row that names the columns
    header_row: int = 1
    #: non-blank rows above the header (a title, a date)
    title_rows: list[int] = field(default_factory=list)
    #: rows with every cell blank, below the header
    blank_rows: int = 0
    #: rows that sum up the rows above them ("Totaal")
    totals_rows: list[int] = field(default_factory=list)
    #: rows that could not be read, with the reason (row, column or None, rule)
    unreadable: list[Rejection] = field(default_factory=list)
    #: formula cells whose result was never saved: read as blank, reported here
    formula_cells: list[Rejection] = field(default_factory=list)
    #: rows handed on to be prepared
    data_rows: int = 0


class _TopRow(NamedTuple):
    """A row near the top, where the header is looked for (a RawRow with names)."""

    number: int
    cells: list[str]
    formulas: tuple[int, ...]
    problem: str | None


#: Rows of an open export, each shaped by the function given (into a dict, or picked cells).
_Rows = Callable[[Callable[[list[str]], Any]], Iterator[tuple[int, Any]]]
FORMULA_RULE = "formula without a saved result (open the file in Excel and save it again)"


class _CountingReader(io.RawIOBase):
    """Pass bytes through and count them, so progress can be shown on a file of unknown rows."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self.consumed += len(data)
        return len(data)


class Export:
    """An open export: ``headers``, then iterate ``(row_number, {column: text})`` once.

    Use as a context manager (``with open_export(path) as export:``) so the file is closed.
    Blank rows and totals rows are skipped (counted in ``tally``); their numbers are not reused.
    ``header_row`` names the header's row; by default it is found below any title rows.
    """

    headers: list[str]

    def __init__(
        self, path: Path, *, sheet: str | None = None, header_row: int | None = None
    ) -> None:
        self.path = path
        self._origin = path.name
        self._closers: list[Any] = []
        self._counter: _CountingReader | None = None
        self._sheet: Worksheet | None = None
        self._csv: CsvRows | None = None
        #: what was sniffed, for the analyst's information (None for XLSX)
        self.delimiter: str | None = None
        self.encoding: str | None = None
        self.tally = ReadingTally()
        self._total = 1
        suffix = path.suffix.lower()
        if suffix not in XLSX_SUFFIXES | CSV_SUFFIXES:
            raise InputFileError(
                _("{file}: cannot read '{suffix}' files; save the export as .csv or .xlsx").format(
                    file=self._origin, suffix=suffix or "no suffix"
                )
            )
        if header_row is not None and header_row < 1:
            raise InputFileError("the header row is a row number: 1 or more")
        try:
            source = self._open_xlsx(sheet) if suffix in XLSX_SUFFIXES else self._open_csv()
            self._source = self._find_header(iter(source), header_row)
        except BaseException:
            self.close()  # a refused file is not left open
            raise

    def __enter__(self) -> Export:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the file."""
        for closer in reversed(self._closers):
            closer.close()
        self._closers.clear()

    def progress(self) -> tuple[int, int]:
        """Return (done, total) in bytes of the file (CSV) or of the sheet (XLSX)."""
        if self._counter is not None:
            return self._counter.consumed, self._total
        if self._sheet is not None:
            return self._sheet.consumed, self._total
        return 0, self._total

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        headers = self.headers
        return self._rows(lambda cells: dict(zip(headers, cells, strict=False)))

    def cells(self, columns: Sequence[str]) -> Iterator[tuple[int, tuple[str, ...]]]:
        """Iterate (row_number, the cells of these columns): leaner than a dict per row."""
        missing = [column for column in columns if column not in self.headers]
        if missing:
            raise InputFileError(f"{self._origin} has no columns {missing}")
        positions = [self.headers.index(column) for column in columns]
        if len(positions) == 1:
            (only,) = positions
            return self._rows(lambda cells: (cells[only],))
        return self._rows(operator.itemgetter(*positions))

    def _find_header(self, source: Iterator[RawRow], header_row: int | None) -> Iterator[RawRow]:
        """Read the top rows, settle the header, and return the rows below it."""
        top: list[_TopRow] = []
        for raw in source:
            row = _TopRow(*raw)
            top.append(row)
            if header_row is not None and row.number >= header_row:
                break
            if header_row is None and len(top) >= HEADER_SEARCH_ROWS:
                break
        if header_row is None:
            index = find_header_row([row.cells for row in top])
            index = self._below_merged_group(top, index)
        else:
            index = next((i for i, row in enumerate(top) if row.number == header_row), -1)
            if index < 0 or not filled(top[index].cells):
                raise InputFileError(f"{self._origin}: row {header_row} is empty: no header there")
        if not top:
            raise InputFileError(f"{self._origin}: the file is empty; it needs a header row")
        header = top[index]
        if header.problem is not None:
            raise InputFileError(f"{self._origin}: row {header.number}: {header.problem}")
        cells, merged = self._merged_header(top, header)
        self.headers = _header_names(cells, self._origin, merged=merged)
        self.tally.header_row = header.number
        self.tally.title_rows = [row.number for row in top[:index] if filled(row.cells)]
        if self._csv is not None:
            self._csv.width = len(self.headers)
        return itertools.chain(top[index + 1 :], source)

    def _below_merged_group(self, top: list[_TopRow], index: int) -> int:
        """Step down to the next row when the header found groups columns under merged cells.

        ("Adres" over Straat, Huisnummer, Postcode, Plaats): the row below names the columns,
        and outside the groups it is blank or merged with the row above. A merged header cell
        over a data row is no group: the data row fills columns outside it.
        """
        if self._sheet is None or index + 1 >= len(top):
            return index
        number = top[index].number
        below = top[index + 1]
        if below.number != number + 1:
            return index
        grouped: set[int] = set()
        spanned: set[int] = set()
        for merge in self._sheet.merges:
            columns = range(merge.first_column - 1, merge.last_column)
            if merge.first_row == merge.last_row == number and len(columns) > 1:
                grouped.update(columns)
            elif merge.first_row == number and merge.last_row > number:
                spanned.update(columns)
        if not grouped:
            return index
        outside = [
            position
            for position, cell in enumerate(below.cells)
            if cell.strip() and position not in grouped and position not in spanned
        ]
        return index if outside else index + 1

    def _merged_header(
        self, top: list[_TopRow], header: _TopRow
    ) -> tuple[list[str], frozenset[int]]:
        """Fill header cells covered by a merged cell with that cell's name."""
        cells = list(header.cells)
        merged: set[int] = set()
        if self._sheet is None:
            return cells, frozenset()
        by_number = {row.number: row for row in top}
        for merge in self._sheet.merges:
            if not merge.first_row <= header.number <= merge.last_row:
                continue
            origin = by_number.get(merge.first_row)
            column = merge.first_column - 1
            name = origin.cells[column] if origin and column < len(origin.cells) else ""
            if not name.strip():
                continue
            if len(cells) < merge.last_column:
                cells += [""] * (merge.last_column - len(cells))
            for position in range(column, merge.last_column):
                if not cells[position].strip():
                    cells[position] = name
                    merged.add(position)
            merged.add(column)
        return cells, frozenset(merged)

    def _rows(self, shape: Callable[[list[str]], Any]) -> Iterator[tuple[int, Any]]:
        """Yield (row number, shape(padded cells)) per data row; one pass only.

        Blank and totals rows are counted and skipped; unreadable rows are recorded with their
        reason; formula cells without a saved result are read as blank and recorded.
        """
        width = len(self.headers)
        tally = self.tally
        headers = self.headers
        initials = TOTALS_INITIALS
        data_rows = 0
        try:
            for number, cells, formulas, problem in self._source:
                if problem is not None:
                    tally.unreadable.append(Rejection(number, None, problem))
                    continue
                if formulas:
                    tally.formula_cells.extend(
                        Rejection(number, headers[position], FORMULA_RULE)
                        for position in formulas
                        if position < width
                    )
                if len(cells) != width:
                    missing = width - len(cells)
                    cells = cells[:width] if missing < 0 else cells + [""] * missing
                first = cells[0]
                if not first:
                    first = next((cell for cell in cells if cell), "")
                    if not first and not any(position < width for position in formulas):
                        tally.blank_rows += 1
                        continue
                if first[0] in initials and is_totals_row(cells):
                    tally.totals_rows.append(number)
                    continue
                data_rows += 1
                yield number, shape(cells)
        finally:
            tally.data_rows += data_rows

    def _open_csv(self) -> CsvRows:
        try:
            encoding = detect_encoding(self.path)
            binary = self.path.open("rb")
        except OSError as error:
            raise InputFileError(f"cannot read {self._origin}: {error.strerror}") from None
        self._closers.append(binary)
        self._total = max(os.fstat(binary.fileno()).st_size, 1)
        self._counter = _CountingReader(binary)
        buffered = io.BufferedReader(self._counter, buffer_size=_SAMPLE_BYTES)
        text = io.TextIOWrapper(buffered, encoding=encoding, newline="")
        self._closers.append(text)
        head = [self._read_line(text) for _ in range(HEADER_SEARCH_ROWS)]
        head = [line for line in head if line]
        delimiter = None
        if head and head[0].strip().lower().startswith("sep=") and len(head[0].strip()) == 5:
            delimiter = head.pop(0).strip()[4]  # Excel's own hint; Excel hides this line
        delimiter = delimiter or sniff_delimiter_of_lines(head)
        self.delimiter = delimiter
        self.encoding = encoding
        self._csv = CsvRows(itertools.chain(head, text), delimiter=delimiter, origin=self._origin)
        return self._csv

    def _read_line(self, text: io.TextIOWrapper) -> str:
        try:
            return text.readline()
        except UnicodeDecodeError:
            raise InputFileError(f"{self._origin}: the header is not readable text") from None

    def _open_xlsx(self, sheet: str | None) -> Worksheet:
        self._sheet = Worksheet(self.path, sheet=sheet, origin=self._origin)
        self._closers.append(self._sheet)
        self._total = self._sheet.size
        return self._sheet


def open_export(
    path: str | os.PathLike[str], *, sheet: str | None = None, header_row: int | None = None
) -> Export:
    """Open an export for streaming; InputFileError if it is missing or not CSV/XLSX.

    ``header_row`` is the row that names the columns (Excel's number); by default it is the
    first row below any title rows.
    """
    target = Path(path)
    if not target.is_file():
        raise InputFileError(_("no export file at {path}").format(path=target))
    return Export(target, sheet=sheet, header_row=header_row)
