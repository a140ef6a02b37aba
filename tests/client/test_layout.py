"""Spreadsheets as analysts get them: titles above the header, merged header cells, totals rows,
dates as Excel stores them, and a header row named by hand when the guess is wrong."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from client.cells import excel_serial_date, parse_date
from client.errors import InputFileError
from client.layout import find_header_row, is_totals_row
from client.reading import open_export


def workbook_file(path: Path, rows: list[list[object]], merges: list[str] = ()) -> Path:  # type: ignore[assignment]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    workbook.save(path)
    return path


def test_the_header_is_found_below_a_title_and_a_blank_row() -> None:
    rows = [
        ["Overzicht signalen …", "", "", ""],
        ["", "", "", ""],
        ["Zaaknummer", "Telefoonnummer", "Adres", "Datum"],
        ["Z-1", "0612345678", "Hoofdstraat 1", "2026-01-02"],
    ]
    assert find_header_row(rows) == 2
    assert find_header_row(rows[2:]) == 0
    assert find_header_row([["telefoon"], ["0612345678"]]) == 0


@given(st.lists(st.lists(st.text(max_size=5), min_size=3, max_size=3), min_size=1, max_size=6))
def test_a_full_first_row_is_always_the_header(rows: list[list[str]]) -> None:
    assert find_header_row([["a", "b", "c"], *rows]) == 0


def test_totals_rows_are_told_from_data_rows() -> None:
    assert is_totals_row(["Totaal", "", "", "17"])
    assert is_totals_row(["", "TOTAAL:", "1.234,50"])
    assert is_totals_row(["Total", "3", "12%"])
    assert not is_totals_row(["Totaal", "0612345678 is no number of this kind", ""])
    assert not is_totals_row(["Z-1", "Totaal", "3"])
    assert not is_totals_row(["Totaalbouw B.V.", "0612345678"])


def test_xlsx_with_a_merged_title_and_a_totals_row(tmp_path: Path) -> None:
    path = workbook_file(
        tmp_path / "export.xlsx",
        [
            ["Overzicht signalen gemeente Utrecht, eerste kwartaal"],
            [],
            ["Zaaknummer", "Telefoonnummer", "Datum"],
            ["Z-1", "0612345678", dt.datetime(2026, 1, 2)],
            ["Z-2", "0612345679", dt.datetime(2026, 1, 3)],
            ["Totaal", 2, None],
        ],
        merges=["A1:C1"],
    )

    with open_export(path) as export:
        rows = list(export)

    assert export.headers == ["Zaaknummer", "Telefoonnummer", "Datum"]
    assert [number for number, _ in rows] == [4, 5]
    assert rows[0][1]["Datum"] == "2026-01-02"
    assert export.tally.header_row == 3
    assert export.tally.title_rows == [1]
    assert export.tally.totals_rows == [6]


def test_a_merged_header_cell_names_every_column_it_spans(tmp_path: Path) -> None:
    path = workbook_file(
        tmp_path / "export.xlsx",
        [["Zaak", "Telefoon", None, "Plaats"], ["Z-1", "0612345678", "+40721234567", "Utrecht"]],
        merges=["B1:C1"],
    )

    with open_export(path) as export:
        rows = list(export)

    assert export.headers == ["Zaak", "Telefoon", "Telefoon (2)", "Plaats"]
    assert rows[0][1]["Telefoon (2)"] == "+40721234567"


def test_a_two_level_header_takes_the_names_below_the_groups(tmp_path: Path) -> None:
    path = workbook_file(
        tmp_path / "export.xlsx",
        [
            ["Signalen"],
            ["Zaaknummer", "Adres", None, None, None],
            [None, "Straat", "Huisnummer", "Postcode", "Plaats"],
            ["Z-1", "Hoofdstraat", "14-A", "3811 AB", "Amersfoort"],
        ],
        merges=["A2:A3", "B2:E2"],
    )

    with open_export(path) as export:
        rows = list(export)

    assert export.headers == ["Zaaknummer", "Straat", "Huisnummer", "Postcode", "Plaats"]
    assert rows == [
        (
            4,
            {
                "Zaaknummer": "Z-1",
                "Straat": "Hoofdstraat",
                "Huisnummer": "14-A",
                "Postcode": "3811 AB",
                "Plaats": "Amersfoort",
            },
        )
    ]


def test_the_header_row_can_be_named_when_the_guess_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Export;2026\nzaak;telefoon\nZ-1;0612345678\n", encoding="utf-8")

    with open_export(path) as guessed:
        assert guessed.headers == ["Export", "2026"]
    with open_export(path, header_row=2) as named:
        assert named.headers == ["zaak", "telefoon"]
        assert list(named) == [(3, {"zaak": "Z-1", "telefoon": "0612345678"})]
        assert named.tally.title_rows == [1]
    with pytest.raises(InputFileError, match="row 9 is empty"):
        open_export(path, header_row=9)


def test_dates_as_excel_stores_them_are_read() -> None:
    assert excel_serial_date("45658") == dt.date(2025, 1, 1)
    assert parse_date("45678") == dt.date(2025, 1, 21)
    assert parse_date("45678.75") == dt.date(2025, 1, 21)
    assert parse_date("2025") is None  # a year is not a serial
    assert excel_serial_date("0612345678") is None
