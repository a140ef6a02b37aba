"""No row is lost unnoticed: every quirk of a bad export ends as a signal, a rejection or an error.

Each case is one that a test of bad-input files found read short or silently before: a sheet
whose summary understates its rows, an unterminated quote, formulas without a saved result, an
oversized cell, UTF-16 text, and a zip bomb.
"""

from __future__ import annotations

import datetime as dt
import re
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from client.batches import Preparation, PreparationReport
from client.errors import InputFileError
from client.mapping import ColumnMapping, IdentifierColumn
from client.reading import open_export
from client.schemes.hmac import HmacScheme
from client.wire import Category, Kind

MAPPING = ColumnMapping(
    identifiers=(IdentifierColumn(column="telefoon", kind=Kind.PHONE),),
    case_column="zaak",
    category=Category.INSPECTION,
)
HEADER = "zaak;telefoon"


def phone_rows(count: int) -> list[str]:
    return [f"Z-{number};0612{number:06d}" for number in range(1, count + 1)]


def prepare_file(path: Path, **options: object) -> PreparationReport:
    with open_export(path, **options) as export:  # type: ignore[arg-type]
        checked = MAPPING.checked(export.headers)
        preparation = Preparation(
            export,
            scheme=HmacScheme(bytes(32), epoch=1),
            mapping=checked,
            workers=1,
            today=dt.date(2026, 6, 1),
        )
        list(preparation)
    return preparation.report


def assert_accounted(report: PreparationReport, rows: int) -> None:
    assert report.rows == rows
    assert report.rows == report.signals + report.rejected_row_count()
    assert report.accounted()


def test_xlsx_rows_past_an_understated_dimension_are_read(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["zaak", "telefoon"])
    for line in phone_rows(20):
        sheet.append(line.split(";"))
    workbook.save(path)
    understated = tmp_path / "understated.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(understated, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:B5"', data)
                assert b'ref="A1:B5"' in data
            target.writestr(item, data)

    report = prepare_file(understated)

    assert_accounted(report, 20)
    assert report.signals == 20


def test_an_unterminated_quote_is_an_error_naming_its_row(tmp_path: Path) -> None:
    lines = phone_rows(20)
    lines[10] = 'Z-11;"06-00000011'
    path = tmp_path / "export.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")

    with pytest.raises(InputFileError, match=r"row 12: a quote opened in this row is never closed"):
        prepare_file(path)


def test_a_quote_closed_rows_later_rejects_its_row_and_says_why(tmp_path: Path) -> None:
    lines = phone_rows(20)
    lines[4] = 'Z-5;"06-00000005'
    lines[8] = 'Z-9;06-00000009"'  # closes the quote: rows 7 to 10 became one cell
    path = tmp_path / "export.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")

    report = prepare_file(path)

    (rejection,) = report.rejected_rows
    assert rejection.row == 6
    assert "look like rows of their own" in rejection.rule
    assert report.signals == 15
    assert_accounted(report, 16)  # the swallowed lines are one row in the file as Excel reads it


def test_a_malformed_quote_rejects_its_row_only(tmp_path: Path) -> None:
    lines = phone_rows(5)
    lines[2] = 'Z-3;"06"12345678'
    path = tmp_path / "export.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")

    report = prepare_file(path)

    assert [(item.row, item.rule) for item in report.rejected_rows] == [
        (4, "quotes are not closed before the next delimiter")
    ]
    assert_accounted(report, 5)


def test_formula_cells_without_a_saved_result_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["zaak", "telefoon", "bron"])
    sheet.append(["Z-1", "0612345678", "x"])
    sheet.append(["Z-2", "=B2", "x"])  # openpyxl saves formulas without their result
    sheet.append(["Z-3", "0612345679", "=A2"])
    workbook.save(path)

    report = prepare_file(path)

    assert [(item.row, item.column) for item in report.formula_cells] == [(3, "telefoon")]
    assert "formula without a saved result" in report.formula_cells[0].rule
    assert [item.row for item in report.rejected_rows] == [3]
    assert_accounted(report, 3)


def test_an_oversized_cell_rejects_its_row_not_the_file(tmp_path: Path) -> None:
    lines = phone_rows(20)
    lines[4] = "Z-5;" + "0" * 10_000_000
    path = tmp_path / "export.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")

    report = prepare_file(path)

    assert [(item.row, item.rule) for item in report.rejected_rows] == [
        (6, "a cell is longer than 131,072 characters")
    ]
    assert report.signals == 19
    assert_accounted(report, 20)


def test_an_oversized_xlsx_cell_rejects_its_row(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["zaak", "telefoon"])
    sheet.append(["Z-1", "0612345678"])
    sheet.append(["Z-2", "0" * 200_000])
    workbook.save(path)

    report = prepare_file(path)

    assert [item.row for item in report.rejected_rows] == [3]
    assert_accounted(report, 2)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_csv_with_a_bom_is_read(tmp_path: Path, encoding: str) -> None:
    text = "\r\n".join(["zaak\ttelefoon", "Z-1\t06-12345678", "Zoë-2\t+40 721 234 567"]) + "\r\n"
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding]
    path = tmp_path / "export.csv"
    path.write_bytes(bom + text.encode(encoding))

    with open_export(path) as export:
        rows = list(export)

    assert export.headers == ["zaak", "telefoon"]
    assert rows[1] == (3, {"zaak": "Zoë-2", "telefoon": "+40 721 234 567"})


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    workbook = Workbook()
    workbook.save(path)
    bomb = tmp_path / "export.xlsx"
    filler = b"<!-- " + b"0" * (48 << 20) + b" -->"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(bomb, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData", filler + b"<sheetData", 1)
            target.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    assert bomb.stat().st_size < 1 << 20
    del filler

    tracemalloc.start()
    try:
        with pytest.raises(InputFileError, match="possible zip bomb") as caught:
            open_export(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert "xl/worksheets/sheet1.xml" in str(caught.value)
    assert peak < 4 << 20, peak


def test_blank_totals_and_title_rows_are_counted_not_read(tmp_path: Path) -> None:
    lines = ["Overzicht signalen;", "Gemeente Utrecht, 3 maart;", ";", HEADER, *phone_rows(3)]
    lines += [";", "Totaal;3"]
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = prepare_file(path)

    assert report.header_row == 4
    assert report.title_rows == [1, 2]
    assert report.totals_rows == [9]
    assert report.blank_rows == 1
    assert_accounted(report, 3)


def test_a_damaged_sheet_is_an_input_error_naming_where(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["zaak", "telefoon"])
    for line in phone_rows(5):
        sheet.append(line.split(";"))
    workbook.save(path)
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: data.index(b'<row r="4"') + 12]  # cut off inside row 4
            target.writestr(item, data)

    with pytest.raises(InputFileError, match="damaged near row 4"), open_export(damaged) as export:
        list(export)
