"""Rows of an XLSX worksheet as they are stored, not as the file's summary claims.

openpyxl's read-only mode trusts the sheet's ``<dimension>``, which some tools write too small:
rows past it would be dropped unnoticed. Here the sheet's XML is parsed to its end with openpyxl's
own parser, so every stored row is read. Formula cells whose result was never saved (files written
by scripts, not by Excel) are marked rather than read as blank. Merged cells at the top are read
from the sheet too, so a merged header cell can name every column it spans.

Before anything is unpacked, every part of the archive is checked against a decompression limit
(``MAX_PART_BYTES`` unpacked, at most ``MAX_RATIO`` times its packed size once it is larger than
``RATIO_FROM_BYTES``). ``zipfile`` never unpacks more than a part's declared size, so a zip bomb is
refused from the archive's directory with a clear error, while memory stays at a few megabytes.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

from client.csvfile import MAX_CELL_CHARS, TOO_LONG, RawRow
from client.errors import InputFileError

MAX_PART_BYTES = 1 << 30  # 1 GiB unpacked: some 2 million rows of a typical export
MAX_RATIO = 100  # real sheets pack 5 to 20 times; a zip bomb packs hundreds of times
RATIO_FROM_BYTES = 32 << 20
#: merged ranges are kept for the top rows only, where the header is
MERGES_UP_TO_ROW = 100
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')
_CHUNK = 1 << 20


class Merge(NamedTuple):
    """A merged range of cells: first and last row and column (1-based, inclusive)."""

    first_row: int
    first_column: int
    last_row: int
    last_column: int


def check_archive(path: Path, origin: str) -> None:
    """Refuse an archive that unpacks to more than the limits allow, before unpacking it."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise InputFileError(
            f"cannot open {origin} as an Excel workbook (not a zip archive)"
        ) from None
    for part in parts:
        packed = max(part.compress_size, 1)
        if part.file_size > MAX_PART_BYTES or (
            part.file_size > RATIO_FROM_BYTES and part.file_size > MAX_RATIO * packed
        ):
            raise InputFileError(
                f"{origin}: its part {part.filename} would unpack to"
                f" {part.file_size / 2**20:,.0f} MiB from {packed / 2**20:,.1f} MiB; refused as"
                f" a possible zip bomb (limit {MAX_PART_BYTES >> 20:,} MiB per part, and at most"
                f" {MAX_RATIO} times its packed size). Save the sheet again in Excel, or export CSV"
            )


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def merged_ranges(source: IO[bytes]) -> list[Merge]:
    """Return the merged ranges that start in the top rows, reading the sheet's XML once."""
    found: list[Merge] = []
    tail = b""
    while chunk := source.read(_CHUNK):
        text = tail + chunk
        for match in _MERGE.finditer(text):
            first_col, first_row, last_col, last_row = match.groups()
            if int(first_row) <= MERGES_UP_TO_ROW:
                found.append(
                    Merge(
                        int(first_row),
                        _column_number(first_col),
                        int(last_row),
                        _column_number(last_col),
                    )
                )
        tail = text[-200:]  # a range cut in two by the chunk is found whole next time
    return sorted(set(found))  # one found twice in an overlap counts once


class _CountingStream(io.RawIOBase):
    """Pass a part's bytes through and count them, for progress on the unpacked sheet."""

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


#: the value of a formula cell whose result was never saved
FORMULA_WITHOUT_VALUE = object()


def _parser_class() -> type[Any]:
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class _Parser(WorkSheetParser):
        """openpyxl's sheet parser that marks formulas without a saved result."""

        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell: dict[str, Any] = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["value"] = FORMULA_WITHOUT_VALUE
            return cell

    return _Parser


def _load(path: Path) -> Any:
    from openpyxl import load_workbook  # imported here: slow, and only XLSX needs it

    return load_workbook(path, read_only=True, data_only=True)


#: what a damaged archive or sheet raises while it is read
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, SyntaxError, ValueError)


def _damaged(origin: str, row: int | None) -> str:
    where = f" near row {row}" if row is not None else ""
    return (
        f"{origin} is damaged{where} (the workbook's archive or sheet cannot be read to its end);"
        " open it in Excel and save it again"
    )


class Worksheet:
    """One worksheet of an open workbook: iterate its stored rows as RawRow, once."""

    def __init__(self, path: Path, *, sheet: str | None, origin: str) -> None:
        check_archive(path, origin)
        self._workbook: Any = None
        try:
            self._workbook = _load(path)
        except Exception as error:  # openpyxl raises many types; none of them is expected here
            raise InputFileError(
                f"cannot open {origin} as an Excel workbook ({type(error).__name__})"
            ) from None
        names = self._workbook.sheetnames
        if sheet is not None and sheet not in names:
            self.close()
            raise InputFileError(f"{origin} has no sheet {sheet!r}: {names}")
        self._sheet: Any = (
            self._workbook[sheet] if sheet is not None else self._workbook.worksheets[0]
        )
        archive: zipfile.ZipFile = self._workbook._archive
        part = self._sheet._worksheet_path
        self.size = max(archive.getinfo(part).file_size, 1)
        self._origin = origin
        try:
            with archive.open(part) as source:
                self.merges = merged_ranges(source)
        except _DAMAGED:
            self.close()
            raise InputFileError(_damaged(origin, None)) from None
        self._stream = _CountingStream(archive.open(part))

    @property
    def consumed(self) -> int:
        """Return the bytes of the sheet's XML read so far."""
        return self._stream.consumed

    def close(self) -> None:
        """Release the archive."""
        if hasattr(self, "_stream"):
            self._stream.close()
        self._workbook.close()

    def __iter__(self) -> Iterator[RawRow]:
        from client.cells import cell_text

        workbook = self._workbook
        parser = _parser_class()(
            io.BufferedReader(self._stream, buffer_size=1 << 16),
            workbook.shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        number = 0
        rows = parser.parse()
        while True:
            try:
                found = next(rows, None)
            except _DAMAGED:
                raise InputFileError(_damaged(self._origin, number + 1)) from None
            if found is None:
                return
            number, stored = found
            if not stored:
                continue
            width = max(cell["column"] for cell in stored)
            cells = [""] * width
            formulas: list[int] = []
            problem = None
            for cell in stored:
                value = cell["value"]
                if value is FORMULA_WITHOUT_VALUE:
                    formulas.append(cell["column"] - 1)
                    continue
                text = cell_text(value)
                if len(text) > MAX_CELL_CHARS:
                    problem = TOO_LONG
                cells[cell["column"] - 1] = text
            yield number, cells, tuple(formulas), problem
