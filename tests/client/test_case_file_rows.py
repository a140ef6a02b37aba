"""Rows of real case files: cells with several identifiers, placeholders, lost letters.

Every row stays accounted for (a signal or a rejection), and the report says how much of the
export was placeholders or names damaged by the export, so the analyst can fix the source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from client import signals, wire
from client.batches import PreparationReport, PreparedBatch, prepare
from client.cli.report import show_report
from client.mapping import ColumnMapping, IdentifierColumn
from client.neighbourhoods import near_keys
from client.normalizers import match_keys, normalize
from client.normalizers._placeholders import PLACEHOLDER_RULE
from client.normalizers._text import LOST_LETTERS_RULE
from client.schemes.base import MatchKey
from client.schemes.hmac import HmacScheme
from client.signals import Rejection
from client.wire import Category, Kind

TODAY = dt.date(2026, 6, 1)
MAPPING = ColumnMapping(
    identifiers=(
        IdentifierColumn(column="telefoon", kind=Kind.PHONE),
        IdentifierColumn(column="adres", kind=Kind.ADDRESS),
        IdentifierColumn(column="naam", kind=Kind.PERSON),
        IdentifierColumn(column="kenteken", kind=Kind.PLATE),
    ),
    observed_column="datum",
    dob_column="dob",
    category=Category.INSPECTION,
)


@pytest.fixture(scope="module")
def scheme() -> HmacScheme:
    return HmacScheme(bytes(range(32)), epoch=1)


def row(**cells: str) -> dict[str, str]:
    base = dict.fromkeys(["telefoon", "adres", "naam", "kenteken", "dob"], "")
    base["datum"] = "2026-05-01"
    base.update(cells)
    return base


def run(
    rows: Sequence[dict[str, str]], scheme: HmacScheme
) -> tuple[list[PreparedBatch], PreparationReport]:
    return prepare(list(enumerate(rows, start=2)), scheme=scheme, mapping=MAPPING, today=TODAY)


def tokens(scheme: HmacScheme, kind: Kind, raw: str) -> list[str]:
    canonical = normalize(kind, raw)
    near = [MatchKey(kind, level, value) for level, value in near_keys(kind, canonical)]
    keys = match_keys(kind, canonical) + near  # exact keys, then near-match keys
    return [wire.encode_token(token) for token in scheme.tokenize(keys)]


def test_a_cell_with_two_phone_numbers_gives_the_signal_both(scheme: HmacScheme) -> None:
    batches, report = run([row(telefoon="06-12345678 / 06-87654321")], scheme)

    (signal,) = batches[0].to_batch().signals
    assert [token.token for token in signal.tokens] == tokens(
        scheme, Kind.PHONE, "06-12345678"
    ) + tokens(scheme, Kind.PHONE, "06-87654321")
    assert report.identifiers_per_kind == {"phone": 2}
    assert report.skipped_cells == []


def test_two_plates_and_two_persons_are_never_merged(scheme: HmacScheme) -> None:
    batches, _ = run([row(kenteken="12-ABC-3 / 34-DEF-5", naam="Ana Popescu en Ion Rusu")], scheme)

    (signal,) = batches[0].to_batch().signals
    expected = (
        tokens(scheme, Kind.PERSON, "Ana Popescu")
        + tokens(scheme, Kind.PERSON, "Ion Rusu")
        + tokens(scheme, Kind.PLATE, "12-ABC-3")
        + tokens(scheme, Kind.PLATE, "34-DEF-5")
    )
    assert [token.token for token in signal.tokens] == expected


def test_a_placeholder_row_is_rejected_and_a_placeholder_part_reported(
    scheme: HmacScheme,
) -> None:
    batches, report = run(
        [row(telefoon="onbekend", kenteken="geen kenteken"), row(telefoon="06-12345678 / n.v.t.")],
        scheme,
    )

    assert sum(prepared.signals for prepared in batches) == 1
    assert report.rejected_rows == [
        Rejection(2, "telefoon", PLACEHOLDER_RULE),
        Rejection(2, "kenteken", PLACEHOLDER_RULE),
    ]
    assert report.skipped_cells == [
        Rejection(3, "telefoon", f"one of several values: {PLACEHOLDER_RULE}")
    ]


def test_one_date_of_birth_for_two_persons_is_reported(scheme: HmacScheme) -> None:
    batches, report = run([row(naam="Ana Popescu / Ion Rusu", dob="1990-03-07")], scheme)

    (signal,) = batches[0].to_batch().signals
    assert {token.level for token in signal.tokens} == {"name"}
    assert [item.column for item in report.skipped_cells] == ["naam"]


def test_a_row_never_holds_more_tokens_than_a_signal_may(
    scheme: HmacScheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a small cap, so that five values in each of three cells overflow it
    monkeypatch.setattr(signals, "MAX_TOKENS_PER_SIGNAL", 16)
    addresses = "\n".join(f"Hoofdstraat {number}-A, 3811 AB Amersfoort" for number in range(1, 6))
    phones = "; ".join(f"06-1234567{digit}" for digit in range(5))
    plates = " / ".join(["12-ABC-3", "34-DEF-5", "56-GHI-7", "78-JKL-9", "90-MNO-1"])

    batches, report = run([row(telefoon=phones, adres=addresses, kenteken=plates)], scheme)

    (signal,) = batches[0].to_batch().signals
    assert len(signal.tokens) == 16
    too_many = [item for item in report.skipped_cells if "more identifiers" in item.rule]
    assert too_many and all(item.row == 2 for item in too_many)


def test_the_report_counts_placeholders_and_lost_letters_apart(
    scheme: HmacScheme, capsys: pytest.CaptureFixture[str]
) -> None:
    _, report = run(
        [
            row(telefoon="n.v.t.", naam="?tefania Popescu"),
            row(telefoon="06-12345678", naam="NN", kenteken="-"),
        ],
        scheme,
    )

    show_report(report, source="export.csv")
    printed = capsys.readouterr().out
    assert "3 cells hold a placeholder" in printed
    assert "1 cell holds a name that lost letters in the export" in printed
    assert "CSV UTF-8" in printed
    assert LOST_LETTERS_RULE in printed
    assert "Popescu" not in printed
