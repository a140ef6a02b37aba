"""Reading exports: the delimiters, encodings and formats agencies' spreadsheets come in."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from client.cells import cell_text
from client.errors import InputFileError
from client.layout import is_totals_row
from client.reading import open_export
from client.sniffing import detect_encoding, sniff_delimiter

HEADER = ["zaaknummer", "telefoon", "adres"]
ROWS = [
    ["Z-1", "06-12345678", "Hoofdstraat 14-A, 3811 AB Amersfoort"],
    ["Z-2", "+40 721 234 567", "Çiftçi straße 3; 1234 AB Zürich"],
]


def write_csv(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def as_csv(delimiter: str, rows: list[list[str]] = ROWS) -> str:
    def quote(cell: str) -> str:
        return f'"{cell}"' if delimiter in cell or '"' in cell or "\n" in cell else cell

    lines = [delimiter.join(quote(cell) for cell in row) for row in [HEADER, *rows]]
    return "\r\n".join(lines) + "\r\n"


def read_all(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    with open_export(path) as export:
        return export.headers, list(export)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_is_read_whatever_the_delimiter_and_encoding(
    tmp_path: Path, delimiter: str, encoding: str
) -> None:
    path = write_csv(tmp_path / "export.csv", as_csv(delimiter), encoding)

    headers, rows = read_all(path)

    assert headers == HEADER
    assert rows == [
        (2, dict(zip(HEADER, ROWS[0], strict=True))),
        (3, dict(zip(HEADER, ROWS[1], strict=True))),
    ]


def test_encoding_detection_prefers_bom_then_utf8_then_windows_1252(tmp_path: Path) -> None:
    text = "naam\nŞtefan Ţurcanu\n"
    assert detect_encoding(write_csv(tmp_path / "a.csv", text, "utf-8-sig")) == "utf-8-sig"
    assert detect_encoding(write_csv(tmp_path / "b.csv", text, "utf-8")) == "utf-8"
    assert (
        detect_encoding(write_csv(tmp_path / "c.csv", "naam\nJosé Müller\n", "cp1252")) == "cp1252"
    )


def test_header_line_decides_the_delimiter_and_quotes_do_not_count() -> None:
    assert sniff_delimiter('"naam, voornaam";telefoon;adres\r\n') == ";"
    assert sniff_delimiter("a\tb\tc") == "\t"
    assert sniff_delimiter("alleen") == ","


def test_excel_sep_line_sets_the_delimiter_and_is_not_a_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", "sep=;\r\n" + as_csv(";"), "utf-8")

    headers, rows = read_all(path)

    assert headers == HEADER
    assert [number for number, _ in rows] == [2, 3]


def test_row_numbers_are_excel_rows_even_with_blank_rows_and_quoted_newlines(
    tmp_path: Path,
) -> None:
    text = 'a;b\r\n1;"two\nlines"\r\n;\r\n\r\n5;x\r\n'
    path = write_csv(tmp_path / "export.csv", text, "utf-8")

    _, rows = read_all(path)

    assert rows == [(2, {"a": "1", "b": "two\nlines"}), (5, {"a": "5", "b": "x"})]


def test_short_rows_are_padded_and_long_rows_cut_to_the_header(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", "a,b,c\n1\n1,2,3,4\n", "utf-8")

    _, rows = read_all(path)

    assert rows == [(2, {"a": "1", "b": "", "c": ""}), (3, {"a": "1", "b": "2", "c": "3"})]


def test_duplicate_header_names_are_refused_by_name(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", "telefoon,telefoon\n1,2\n", "utf-8")

    with pytest.raises(InputFileError, match="telefoon"):
        open_export(path)


def test_blank_header_cells_get_a_column_name(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", "a,,c\n1,2,3\n", "utf-8")

    headers, rows = read_all(path)

    assert headers == ["a", "column 2", "c"]
    assert rows[0][1]["column 2"] == "2"


def test_unsupported_and_missing_files_are_input_errors(tmp_path: Path) -> None:
    (tmp_path / "export.ods").write_bytes(b"x")
    with pytest.raises(InputFileError, match="ods"):
        open_export(tmp_path / "export.ods")
    with pytest.raises(InputFileError, match="no export file"):
        open_export(tmp_path / "missing.csv")


def test_undecodable_bytes_name_the_row_not_the_content(tmp_path: Path) -> None:
    # 0x81 is undefined in Windows-1252 and invalid in UTF-8
    path = tmp_path / "export.csv"
    path.write_bytes(b"naam\nJan\nPiet\x81Secret\n")

    with pytest.raises(InputFileError) as caught, open_export(path) as export:
        list(export)

    assert "Secret" not in str(caught.value)
    assert "line 3" in str(caught.value)


def test_xlsx_rows_keep_excel_numbers_and_turn_values_into_text(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["zaaknummer", "telefoon", "datum", "aantal"])
    sheet.append(["Z-1", "0612345678", dt.datetime(2026, 3, 1), 3.0])
    sheet.append([None, None, None, None])
    sheet.append(["Z-4", 612345678, dt.date(2026, 3, 2), 2.5])
    sheet.cell(row=7, column=1, value="Z-7")  # rows 5 and 6 do not exist in the file
    path = tmp_path / "export.xlsx"
    workbook.save(path)

    headers, rows = read_all(path)

    assert headers == ["zaaknummer", "telefoon", "datum", "aantal"]
    assert rows == [
        (2, {"zaaknummer": "Z-1", "telefoon": "0612345678", "datum": "2026-03-01", "aantal": "3"}),
        (4, {"zaaknummer": "Z-4", "telefoon": "612345678", "datum": "2026-03-02", "aantal": "2.5"}),
        (7, {"zaaknummer": "Z-7", "telefoon": "", "datum": "", "aantal": ""}),
    ]


def test_xlsx_sheet_can_be_chosen_and_a_wrong_one_is_named(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.create_sheet("signalen").append(["telefoon"])
    workbook["signalen"].append(["0612345678"])
    path = tmp_path / "export.xlsx"
    workbook.save(path)

    with open_export(path, sheet="signalen") as export:
        assert list(export) == [(2, {"telefoon": "0612345678"})]
    with pytest.raises(InputFileError, match="signalen"):
        open_export(path, sheet="nope")


def test_a_broken_xlsx_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")

    with pytest.raises(InputFileError, match="Excel workbook"):
        open_export(path)


def test_cells_picks_columns_in_the_order_asked(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", as_csv(";"), "utf-8")

    with open_export(path) as export:
        picked = list(export.cells(["adres", "zaaknummer"]))

    assert picked == [(2, (ROWS[0][2], "Z-1")), (3, (ROWS[1][2], "Z-2"))]


def test_progress_reaches_the_file_size(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", as_csv(","), "utf-8")

    with open_export(path) as export:
        list(export)
        done, total = export.progress()

    assert done == total == path.stat().st_size


def peak_memory_of_reading(path: Path, rows: int) -> int:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("telefoon;adres\n")
        for number in range(rows):
            handle.write(f"06{number:08d};Hoofdstraat {number}, 3811 AB Amersfoort\n")
    tracemalloc.start()
    try:
        with open_export(path) as export:
            assert sum(1 for _ in export) == rows
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_reading_streams_instead_of_loading_the_file(tmp_path: Path) -> None:
    small = peak_memory_of_reading(tmp_path / "small.csv", 5_000)
    large = peak_memory_of_reading(tmp_path / "large.csv", 40_000)

    # eight times the rows, about the same memory: rows are read one at a time
    assert large < small * 1.5 + 100_000, (small, large)


def test_cell_text_shows_values_as_an_analyst_sees_them() -> None:
    assert cell_text(None) == ""
    assert cell_text(12.0) == "12"
    assert cell_text(dt.datetime(2026, 1, 2, 13, 5)) == "2026-01-02T13:05:00"
    assert cell_text(True) == "True"


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.lists(
            st.text(st.characters(exclude_categories=["Cs"]), max_size=12), min_size=2, max_size=2
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from([",", ";", "\t"]),
)
@example(rows=[["", "GEMIDDELDE"], ["06-1", "x"]], delimiter=";")
@example(rows=[["", "\n,"]], delimiter=",")
def test_any_cell_text_survives_a_csv_round_trip(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], delimiter: str
) -> None:
    import csv

    path = tmp_path_factory.mktemp("rt") / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(["eerste", "tweede"])
        writer.writerows(rows)

    with open_export(path) as export:
        read = list(export)
        totals = export.tally.totals_rows
        unreadable = {rejection.row for rejection in export.tally.unreadable}

    # every non-blank row comes through unchanged, or is set aside and counted: as a totals row, or
    # as unreadable when a quoted line break hides lines that look like rows of their own
    expected = [
        (number, {"eerste": row[0], "tweede": row[1]})
        for number, row in enumerate(rows, start=2)
        if (row[0] or row[1]) and number not in totals and number not in unreadable
    ]
    assert read == expected
    assert all(is_totals_row(rows[number - 2]) for number in totals)
    assert all(any("\n" in cell or "\r" in cell for cell in rows[n - 2]) for n in unreadable)
