"""Exports as they come: a title above the header, a totals row below the data."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from client.errors import InputFileError
from client.header_row import detect_header_row, is_totals_row
from client.reading import open_export


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


TITLED = [
    ["Overzicht signalen eerste kwartaal 2026"],
    [],
    ["Zaaknummer", "Telefoonnummer", "Adres"],
    ["Z-1", "06-12345678", "Hoofdstraat 14, 3811 AB Amersfoort"],
    ["Z-2", "06-87654321", ""],
    ["Totaal", 2, None],
]


def test_an_xlsx_with_a_title_row_reads_its_real_header_and_sets_the_totals_row_aside(
    tmp_path: Path,
) -> None:
    path = _xlsx(tmp_path / "signalen.xlsx", TITLED)

    with open_export(path) as export:
        rows = list(export)

    assert export.header_row == 3
    assert export.headers == ["Zaaknummer", "Telefoonnummer", "Adres"]
    assert [number for number, _ in rows] == [4, 5]
    assert export.totals_rows == [6]


def test_a_csv_with_a_title_line_and_semicolons_is_read_from_its_header(tmp_path: Path) -> None:
    path = tmp_path / "signalen.csv"
    path.write_text(
        "Overzicht signalen, gemeente Utrecht\nzaak;telefoon;datum\nU-1;0612345678;1-3-2026\n"
        "Totaal: 1;;\n",
        encoding="cp1252",
    )

    with open_export(path) as export:
        rows = list(export)

    assert (export.header_row, export.delimiter) == (2, ";")
    assert rows == [(3, {"zaak": "U-1", "telefoon": "0612345678", "datum": "1-3-2026"})]
    assert export.totals_rows == [4]


def test_a_named_header_row_wins_over_detection(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "signalen.xlsx", TITLED)

    with open_export(path, header_row=1) as export:
        assert export.headers == ["Overzicht signalen eerste kwartaal 2026"]
    with pytest.raises(InputFileError, match="first 20 rows"):
        open_export(path, header_row=21)


def test_a_plain_export_keeps_row_one_as_its_header() -> None:
    assert detect_header_row([["telefoon", "zaak"], ["0612345678", "Z-1"]]) == 1
    assert detect_header_row([["telefoon"], ["0612345678"]]) == 1
    assert detect_header_row([]) == 1


@pytest.mark.parametrize("text", ["Totaal", "totaal: 12", "Eindtotaal", "Total 3 signals", "Som"])
def test_totals_rows_are_recognised(text: str) -> None:
    assert is_totals_row(["", text, "12"])


@pytest.mark.parametrize("text", ["Totaal Wonen B.V.", "Z-1", "Somerset Hotel", "totaalbedrag x"])
def test_operators_and_cases_that_start_alike_are_not_totals(text: str) -> None:
    assert not is_totals_row([text, "0612345678"])


@given(st.lists(st.lists(st.text(max_size=8), max_size=6), max_size=30))
def test_detection_always_names_one_of_the_first_rows(rows: list[list[str]]) -> None:
    number = detect_header_row(rows)

    assert 1 <= number <= max(1, min(len(rows), 20))
