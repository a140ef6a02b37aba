"""Read an agency's export (CSV or XLSX) as rows of text, numbered as the analyst sees them.

CSV files are sniffed: delimiter ``,`` ``;`` or tab (or an Excel ``sep=`` first line), encoding
UTF-8 with or without BOM, else Windows-1252 (what Dutch Excel writes). XLSX files are read with
openpyxl in read-only mode. Both stream: one row is in memory at a time, never the whole file.

Row numbers follow Excel: row 1 is the top row. The header is found among the first rows (title
rows above it are skipped, see ``client.header_row``) or named with ``header_row``; totals rows
at the bottom are not data: they are set aside in ``Export.totals_rows``. Errors name the file,
the line or row and what is wrong, never a cell's content.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import operator
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from client.cells import cell_text
from client.errors import InputFileError
from client.header_row import SCAN_ROWS, detect_header_row, is_totals_row
from client.sniffing import detect_encoding, sniff_delimiter

CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_SAMPLE_BYTES = 64 * 1024


def _header_names(cells: Sequence[Any], origin: str, row: int = 1) -> list[str]:
    """Return stripped header names; a blank one becomes 'column N'; duplicates are refused."""
    names = [
        cell_text(cell).strip() or f"column {number}" for number, cell in enumerate(cells, start=1)
    ]
    while names and names[-1].startswith("column ") and not cell_text(cells[len(names) - 1]):
        names.pop()  # trailing empty header cells are Excel's formatting, not columns
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise InputFileError(f"{origin}: the header names these columns twice: {duplicates}")
    if not names:
        raise InputFileError(f"{origin}: row {row} must name the columns, but it is empty")
    return names


#: Rows of an open export, each shaped by the function given (into a dict, or picked cells).
_Rows = Callable[[Callable[[list[str]], Any]], Iterator[tuple[int, Any]]]


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
    Rows whose every cell is blank are skipped; their numbers are not reused. Totals rows are
    skipped too and their numbers kept in ``totals_rows`` once iterated.
    """

    headers: list[str]
    #: the row that names the columns (1-based, as Excel numbers rows)
    header_row: int

    def __init__(
        self, path: Path, *, sheet: str | None = None, header_row: int | None = None
    ) -> None:
        if header_row is not None and not 1 <= header_row <= SCAN_ROWS:
            raise InputFileError(f"the header row must be one of the first {SCAN_ROWS} rows")
        self.path = path
        self._wanted_header = header_row
        self.totals_rows: list[int] = []
        self._origin = path.name
        self._closers: list[Any] = []
        self._counter: _CountingReader | None = None
        #: what was sniffed, for the analyst's information (None for XLSX)
        self.delimiter: str | None = None
        self.encoding: str | None = None
        self._done = 0
        self._total = 1
        suffix = path.suffix.lower()
        if suffix not in XLSX_SUFFIXES | CSV_SUFFIXES:
            raise InputFileError(
                f"{self._origin}: cannot read '{suffix or 'no suffix'}' files;"
                " save the export as .csv or .xlsx"
            )
        try:
            self._rows = self._open_xlsx(sheet) if suffix in XLSX_SUFFIXES else self._open_csv()
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
        """Return (done, total) in bytes (CSV) or rows (XLSX), for a progress bar."""
        if self._counter is not None:
            return self._counter.consumed, self._total
        return self._done, self._total

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

    def _open_csv(self) -> _Rows:
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
        first = self._read_line(text)
        delimiter = None
        if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
            delimiter = first.strip()[4]  # Excel's own hint; Excel hides this line
            first = self._read_line(text)
        lines = [first]
        while len(lines) < SCAN_ROWS and (line := self._read_line(text)):
            lines.append(line)
        wanted = self._wanted_header
        named = lines[wanted - 1] if wanted and wanted <= len(lines) else None
        # the header line settles it when named; else the top rows together (a title has few)
        delimiter = delimiter or sniff_delimiter(named if named is not None else "".join(lines))
        top = list(csv.reader(lines, delimiter=delimiter))
        self.header_row = self._wanted_header or detect_header_row(top)
        if self.header_row > len(lines):
            raise InputFileError(f"{self._origin} has fewer than {self.header_row} rows")
        header = next(csv.reader([lines[self.header_row - 1]], delimiter=delimiter), [])
        self.headers = _header_names(header, self._origin, self.header_row)
        self.delimiter = delimiter
        self.encoding = encoding
        reader = csv.reader(itertools.chain(lines[self.header_row :], text), delimiter=delimiter)
        return functools.partial(self._csv_rows, reader)

    def _read_line(self, text: io.TextIOWrapper) -> str:
        try:
            return text.readline()
        except UnicodeDecodeError:
            raise InputFileError(f"{self._origin}: the header is not readable text") from None

    def _csv_rows(
        self, reader: Iterator[list[str]], shape: Callable[[list[str]], Any]
    ) -> Iterator[tuple[int, Any]]:
        """Yield (row number, shape(padded cells)) per row that is not blank; one pass only."""
        width = len(self.headers)
        row_number = self.header_row
        try:
            for cells in reader:
                row_number += 1
                if len(cells) < width:
                    cells = cells + [""] * (width - len(cells))
                if any(cells):
                    if is_totals_row(cells):
                        self.totals_rows.append(row_number)
                        continue
                    yield row_number, shape(cells)
        except csv.Error as error:
            # csv's messages name the problem (e.g. a NUL byte), never the field's content
            raise InputFileError(f"{self._origin}: row {row_number + 1}: {error}") from None
        except UnicodeDecodeError:
            where = f"near row {row_number + 1}"
            raise InputFileError(f"{self._origin}: {where} is not readable text") from None

    def _open_xlsx(self, sheet: str | None) -> _Rows:
        from openpyxl import load_workbook  # imported here: slow, and only XLSX needs it

        self._counter = None
        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many types; none of them is expected here
            raise InputFileError(
                f"cannot open {self._origin} as an Excel workbook ({type(error).__name__})"
            ) from None
        self._closers.append(workbook)
        if sheet is not None and sheet not in workbook.sheetnames:
            raise InputFileError(f"{self._origin} has no sheet {sheet!r}: {workbook.sheetnames}")
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        self._total = max(getattr(worksheet, "max_row", None) or 1, 1)
        rows = worksheet.iter_rows(values_only=True)
        top = list(itertools.islice(rows, SCAN_ROWS))
        texts = [[cell_text(value) for value in values] for values in top]
        self.header_row = self._wanted_header or detect_header_row(texts)
        if self.header_row > max(len(top), 1):
            raise InputFileError(f"{self._origin} has fewer than {self.header_row} rows")
        first = top[self.header_row - 1] if top else ()
        self.headers = _header_names(list(first), self._origin, self.header_row)
        rest = itertools.chain(top[self.header_row :], rows)
        return functools.partial(self._xlsx_rows, rest)

    def _xlsx_rows(
        self, rows: Iterator[tuple[Any, ...]], shape: Callable[[list[str]], Any]
    ) -> Iterator[tuple[int, Any]]:
        width = len(self.headers)
        # read-only openpyxl yields empty tuples for missing rows, so the count stays Excel's
        for row_number, values in enumerate(rows, start=self.header_row + 1):
            self._done = row_number
            cells = [cell_text(value) for value in values[:width]]
            if len(cells) < width:
                cells += [""] * (width - len(cells))
            if any(cells):
                if is_totals_row(cells):
                    self.totals_rows.append(row_number)
                    continue
                yield row_number, shape(cells)


def open_export(
    path: str | os.PathLike[str], *, sheet: str | None = None, header_row: int | None = None
) -> Export:
    """Open an export for streaming; InputFileError if it is missing or not CSV/XLSX.

    The header row is found among the first rows unless ``header_row`` names it (1-based).
    """
    target = Path(path)
    if not target.is_file():
        raise InputFileError(f"no export file at {target}")
    return Export(target, sheet=sheet, header_row=header_row)
