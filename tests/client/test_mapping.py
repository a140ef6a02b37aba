"""Column mapping: options and mapping files, checked against the export's header."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.cells import category_of
from client.errors import InputFileError
from client.mapping import (
    ColumnMapping,
    IdentifierColumn,
    parse_column_option,
    parse_region,
    with_phone_regions,
)
from client.mapping_file import load_mapping_file
from client.wire import Category, Kind

HEADERS = ["Zaaknummer", "telefoon", "telefoon 2", "adres", "naam", "geboortedatum", "datum"]
MANY = [f"adres {number}" for number in range(81)]  # 81 x 2 levels: more than a signal holds


def mapping(**changes: object) -> ColumnMapping:
    base: dict[str, object] = {
        "identifiers": (IdentifierColumn(column="telefoon", kind=Kind.PHONE),),
        "category": Category.TIP,
    }
    base.update(changes)
    return ColumnMapping(**base)  # type: ignore[arg-type]


def test_column_option_is_column_equals_kind() -> None:
    assert parse_column_option("telefoon=phone") == IdentifierColumn(
        column="telefoon", kind=Kind.PHONE
    )
    assert parse_column_option("a=b=Address ").column == "a=b"
    with pytest.raises(InputFileError, match="COLUMN=KIND"):
        parse_column_option("telefoon")
    with pytest.raises(InputFileError, match="phone, email"):
        parse_column_option("telefoon=fone")


def test_unknown_column_lists_the_header_and_suggests_the_closest() -> None:
    with pytest.raises(InputFileError) as caught:
        mapping(identifiers=(IdentifierColumn(column="telefon", kind=Kind.PHONE),)).checked(
            HEADERS, origin="export.csv"
        )

    message = str(caught.value)
    assert "did you mean 'telefoon'?" in message
    assert "'geboortedatum'" in message


def test_columns_match_the_header_ignoring_case_and_spacing() -> None:
    checked = mapping(case_column="zaaknummer", observed_column=" Datum ").checked(HEADERS)

    assert checked.case_column == "Zaaknummer"
    assert checked.observed_column == "datum"


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"identifiers": ()}, "at least one column"),
        ({"category": None}, "--category"),
        ({"dob_column": "geboortedatum"}, "person column"),
        ({"retention_days": 0}, "retention days"),
        (
            {
                "identifiers": (
                    IdentifierColumn(column="telefoon", kind=Kind.PHONE),
                    IdentifierColumn(column="telefoon", kind=Kind.ADDRESS),
                )
            },
            "more than one kind",
        ),
        (
            {
                "identifiers": tuple(
                    IdentifierColumn(column=name, kind=Kind.ADDRESS) for name in MANY
                )
            },
            "at most 160",
        ),
    ],
)
def test_unusable_mappings_say_what_to_change(changes: dict[str, object], rule: str) -> None:
    with pytest.raises(InputFileError, match=rule):
        mapping(**changes).checked(HEADERS + MANY)


def test_phone_region_applies_to_every_or_one_phone_column() -> None:
    columns = (
        IdentifierColumn(column="telefoon", kind=Kind.PHONE),
        IdentifierColumn(column="telefoon 2", kind=Kind.PHONE),
        IdentifierColumn(column="adres", kind=Kind.ADDRESS),
    )

    everywhere = with_phone_regions(columns, ["ro"])
    one = with_phone_regions(columns, ["telefoon 2=BG"])

    assert [item.region for item in everywhere] == ["RO", "RO", None]
    assert [item.region for item in one] == [None, "BG", None]
    with pytest.raises(InputFileError, match="no phone column"):
        with_phone_regions(columns, ["adres=RO"])
    with pytest.raises(InputFileError, match="region code"):
        parse_region("Roemenië")


def test_options_override_the_mapping_file(tmp_path: Path) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text(
        """
case_column = "zaaknummer"
category = "inspection"
retention_days = 730
phone_region = "RO"

[columns]
telefoon = "phone"
"telefoon 2" = { kind = "phone", region = "BG" }
adres = "address"

[category_values]
"Controle horeca" = "inspection"
""",
        encoding="utf-8",
    )

    from_file = load_mapping_file(path)
    combined = from_file.with_options(
        columns=[IdentifierColumn(column="naam", kind=Kind.PERSON)],
        category=Category.TIP,
        phone_regions=["telefoon=PL"],
    )

    assert from_file.retention_days == 730
    assert from_file.category_values == {"Controle horeca": Category.INSPECTION}
    assert {item.column: (item.kind, item.region) for item in combined.identifiers} == {
        "telefoon": (Kind.PHONE, "PL"),
        "telefoon 2": (Kind.PHONE, "RO"),
        "adres": (Kind.ADDRESS, None),
        "naam": (Kind.PERSON, None),
    }
    assert combined.category is Category.TIP
    assert combined.case_column == "zaaknummer"
    assert combined.retention_days == 730


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("columns = [", "not valid TOML"),
        ("colums = {}", "unknown settings"),
        ("[columns]\ntelefoon = 'fone'", "unknown kind"),
        ("[columns]\ntelefoon = { kind = 'phone', regio = 'RO' }", "regio"),
        ("retention_days = '365'", "whole number"),
        ("case_column = 5", "case_column must be text"),
        ("category = 'fun'", "unknown category"),
    ],
)
def test_mapping_file_errors_name_the_file_and_the_problem(
    tmp_path: Path, text: str, rule: str
) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(InputFileError, match=rule) as caught:
        load_mapping_file(path)
    assert "mapping.toml" in str(caught.value)


def test_categories_accept_values_dutch_labels_and_the_agencys_own() -> None:
    own = {"Controle horeca": Category.INSPECTION}

    assert category_of("advertisement_monitoring", {}) is Category.ADVERTISEMENT_MONITORING
    assert category_of("Police report", {}) is Category.POLICE_REPORT
    assert category_of("Advertentie", {}) is Category.ADVERTISEMENT_MONITORING
    assert category_of("  aangifte ", {}) is Category.POLICE_REPORT
    assert category_of("controle  HORECA", own) is Category.INSPECTION
    assert category_of("iets anders", {}) is None
