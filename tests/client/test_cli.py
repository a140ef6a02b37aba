"""The ``kruispunt`` command as an analyst uses it: prepare, dry run, submit, withdraw, alerts."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from matcher_contract import ContractMatcher
from openpyxl import Workbook

from client import wire
from client.batchfile import read_batch_file
from client.cli import main
from client.keys import generate_key, load_key, save_key
from client.ledger import Ledger

DOCS = Path(__file__).resolve().parents[2] / "docs" / "client.md"
EXPORT = """zaaknummer;telefoon;adres;naam;datum;soort
Z-1;06-12345678;Hoofdstraat 14-A, 3811 AB Amersfoort;Popescu, Ana Maria;01-05-2026;advertentie
Z-2;onzin;;;02-05-2026;controle
Z-3;+40 721 234 567;;Ion Ionescu;03-05-2026;melding
Z-3;0612345679;;;04-05-2026;roddel
"""
MAPPING = [
    "--column", "telefoon=phone", "--column", "adres=address", "--column", "naam=person",
    "--case-column", "zaaknummer", "--observed-column", "datum", "--category-column", "soort",
]  # fmt: skip


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    key = generate_key()
    save_key(key, tmp_path / "key.json")
    (tmp_path / "export.csv").write_text(EXPORT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KRUISPUNT_KEY_FILE", str(tmp_path / "key.json"))
    monkeypatch.setenv("KRUISPUNT_LEDGER", str(tmp_path / "ledger.sqlite3"))
    monkeypatch.setenv("KRUISPUNT_API_TOKEN", "token-a")
    monkeypatch.setenv("KRUISPUNT_MATCHER", "https://matcher.test")
    for name in ("KRUISPUNT_KEY", "KRUISPUNT_KEY_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def matcher(workspace: Path) -> ContractMatcher:
    return ContractMatcher(keys={load_key(workspace / "key.json").fingerprint: "current"})


def kruispunt(*args: str, matcher: ContractMatcher | None = None) -> Result:
    settings = {"transport": matcher.transport()} if matcher is not None else None
    return CliRunner().invoke(main, list(args), obj=settings)


def test_prepare_writes_a_private_batch_file_and_records_the_ledger(workspace: Path) -> None:
    result = kruispunt("prepare", "export.csv", "--out", "batches.jsonl", *MAPPING)

    assert result.exit_code == 0, result.output
    assert "4 rows read: 2 prepared as signals, 2 rejected; 1 batch(es)" in result.stdout
    assert "row 3, column 'telefoon'" in result.stdout
    assert "row 5, column 'soort'" in result.stdout
    assert (workspace / "batches.jsonl").stat().st_mode & 0o777 == 0o600
    (batch,) = read_batch_file(workspace / "batches.jsonl")
    with Ledger(workspace / "ledger.sqlite3") as ledger:
        entries = ledger.lookup(signal.ref for signal in batch.signals)
    assert [entries[signal.ref].case_number for signal in batch.signals] == ["Z-1", "Z-3"]
    assert [entries[signal.ref].row_number for signal in batch.signals] == [2, 4]


def test_dry_run_prints_the_exact_payload_and_writes_nothing(workspace: Path) -> None:
    result = kruispunt("prepare", "export.csv", "--dry-run", *MAPPING)

    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    batch = wire.Batch.model_validate_json(line)
    assert batch.model_dump_json() == line
    assert "2 prepared as signals" in result.stderr
    assert "Dry run" in result.stderr
    assert sorted(path.name for path in workspace.iterdir()) == ["export.csv", "key.json"]


def test_rejected_rows_can_be_written_as_csv(workspace: Path) -> None:
    result = kruispunt("prepare", "export.csv", "--dry-run", "--rejects", "rejects.csv", *MAPPING)

    assert result.exit_code == 0, result.output
    with (workspace / "rejects.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["row"], row["column"], row["row_kept"]) for row in rows] == [
        ("3", "telefoon", "no"),
        ("5", "soort", "no"),
    ]


def test_a_mapping_file_works_like_the_options(workspace: Path) -> None:
    (workspace / "mapping.toml").write_text(
        'case_column = "zaaknummer"\nobserved_column = "datum"\ncategory_column = "soort"\n'
        '[columns]\ntelefoon = "phone"\nadres = "address"\nnaam = "person"\n',
        encoding="utf-8",
    )

    by_file = kruispunt("prepare", "export.csv", "--dry-run", "--mapping", "mapping.toml")
    by_options = kruispunt("prepare", "export.csv", "--dry-run", *MAPPING)

    assert by_file.exit_code == by_options.exit_code == 0
    assert by_file.stderr == by_options.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--column", "telefon=phone", "--category", "tip"], "did you mean 'telefoon'?"),
        (["--column", "telefoon=fone", "--category", "tip"], "unknown kind"),
        (["--column", "telefoon=phone"], "--category"),
        (["--column", "telefoon=phone", "--category", "gossip"], "unknown category"),
        (["--column", "telefoon=phone", "--phone-region", "XX", "--category", "tip"], "region"),
    ],
)
def test_usage_errors_exit_2_and_say_what_to_fix(
    workspace: Path, args: list[str], message: str
) -> None:
    result = kruispunt("prepare", "export.csv", "--dry-run", *args)

    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_prepare_needs_an_output_file_unless_it_is_a_dry_run(workspace: Path) -> None:
    result = kruispunt("prepare", "export.csv", *MAPPING)

    assert result.exit_code == 2
    assert "--out" in result.stderr


def test_a_missing_key_is_a_failure_with_a_way_out(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KRUISPUNT_KEY_FILE")

    result = kruispunt("prepare", "export.csv", "--dry-run", *MAPPING)

    assert result.exit_code == 1
    assert "kruispunt key generate" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_an_existing_batch_file_is_not_replaced_without_overwrite(workspace: Path) -> None:
    (workspace / "batches.jsonl").write_text("keep me", encoding="utf-8")

    refused = kruispunt("prepare", "export.csv", "--out", "batches.jsonl", *MAPPING)
    replaced = kruispunt("prepare", "export.csv", "--out", "batches.jsonl", "--overwrite", *MAPPING)

    assert refused.exit_code == 1
    assert "already exists" in refused.stderr
    assert replaced.exit_code == 0
    assert len(list(read_batch_file(workspace / "batches.jsonl"))) == 1


def test_an_export_without_a_single_signal_fails_and_keeps_nothing(workspace: Path) -> None:
    (workspace / "leeg.csv").write_text("telefoon\nonzin\n", encoding="utf-8")

    result = kruispunt(
        "prepare", "leeg.csv", "--out", "b.jsonl", "--column", "telefoon=phone", "--category", "tip"
    )

    assert result.exit_code == 1
    assert "no row yielded a signal" in result.stderr
    assert not (workspace / "b.jsonl").exists()


def test_submit_a_batch_file_then_again_adds_nothing(
    workspace: Path, matcher: ContractMatcher
) -> None:
    kruispunt("prepare", "export.csv", "--out", "batches.jsonl", *MAPPING)

    first = kruispunt("submit", "batches.jsonl", matcher=matcher)
    again = kruispunt("submit", "batches.jsonl", matcher=matcher)

    assert first.exit_code == again.exit_code == 0, first.output + again.output
    # exact: phone 2, address 2, person 2; near: 7 swapped-pair keys per phone
    assert "2 signals, 20 tokens received" in first.stdout
    assert "already received earlier" in again.stdout
    assert len(matcher.refs) == 2
    with Ledger(workspace / "ledger.sqlite3") as ledger:
        assert all(entry.submitted for entry in ledger.lookup(matcher.refs).values())


def test_submit_an_export_directly_and_leave_no_outbox(
    workspace: Path, matcher: ContractMatcher
) -> None:
    result = kruispunt("submit", "export.csv", *MAPPING, matcher=matcher)

    assert result.exit_code == 0, result.output
    assert "Submitted 2 signals in 1 batch(es)." in result.stdout
    assert list((workspace / "outbox").iterdir()) == []
    with Ledger(workspace / "ledger.sqlite3") as ledger:
        assert (
            ledger.refs_for_cases(["Z-1"])["Z-1"]
            == [ref for ref, agency in matcher.refs.items() if agency == "Gemeente A"][:1]
        )


def test_a_refused_key_says_to_fetch_the_current_key_and_keeps_no_batches(
    workspace: Path, matcher: ContractMatcher
) -> None:
    matcher.keys.clear()

    refused = kruispunt("submit", "export.csv", *MAPPING, matcher=matcher)

    assert refused.exit_code == 1
    assert "key custodian" in refused.stderr
    assert list((workspace / "outbox").iterdir()) == []  # made with a refused key: useless


def test_a_failed_upload_keeps_the_batches_for_a_retry(
    workspace: Path, matcher: ContractMatcher
) -> None:
    matcher.failures = [503]

    failed = kruispunt("submit", "export.csv", "--retries", "0", *MAPPING, matcher=matcher)

    assert failed.exit_code == 1
    (kept,) = (workspace / "outbox").iterdir()
    assert str(kept) in failed.stderr
    retried = kruispunt("submit", str(kept), matcher=matcher)
    assert retried.exit_code == 0, retried.output
    assert len(matcher.refs) == 2


def test_submit_dry_run_of_a_batch_file_sends_nothing(
    workspace: Path, matcher: ContractMatcher
) -> None:
    kruispunt("prepare", "export.csv", "--out", "batches.jsonl", *MAPPING)

    result = kruispunt("submit", "batches.jsonl", "--dry-run", matcher=matcher)

    assert result.exit_code == 0
    assert wire.Batch.model_validate_json(result.stdout.splitlines()[0])
    assert "phone" in result.stderr
    assert matcher.requests == []


def test_submit_needs_a_token_from_env_or_file_never_an_option(
    workspace: Path, matcher: ContractMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    kruispunt("prepare", "export.csv", "--out", "batches.jsonl", *MAPPING)
    monkeypatch.delenv("KRUISPUNT_API_TOKEN")
    token_file = workspace / "token"
    token_file.write_text("token-a\n", encoding="utf-8")
    token_file.chmod(0o600)

    missing = kruispunt("submit", "batches.jsonl", matcher=matcher)
    with_file = kruispunt("submit", "batches.jsonl", "--token-file", "token", matcher=matcher)
    as_option = kruispunt("submit", "batches.jsonl", "--token", "token-a", matcher=matcher)

    assert missing.exit_code == 2
    assert "KRUISPUNT_API_TOKEN" in missing.stderr
    assert with_file.exit_code == 0, with_file.output
    assert as_option.exit_code == 2


def test_withdraw_by_case_number_resolves_references_in_the_ledger(
    workspace: Path, matcher: ContractMatcher
) -> None:
    kruispunt("submit", "export.csv", *MAPPING, matcher=matcher)

    result = kruispunt("withdraw", "--case", "Z-3", "--case", "Z-404", matcher=matcher)

    assert result.exit_code == 0, result.output
    assert "Withdrawn: 1 signals." in result.stdout
    assert "Case Z-404: no live signals" in result.stderr
    assert len(matcher.refs) == 1
    with Ledger(workspace / "ledger.sqlite3") as ledger:
        assert ledger.refs_for_cases(["Z-3"]) == {"Z-3": []}
    nothing_left = kruispunt("withdraw", "--case", "Z-3", matcher=matcher)
    assert nothing_left.exit_code == 1


def test_withdraw_refuses_what_is_not_a_reference(workspace: Path) -> None:
    result = kruispunt("withdraw", "--ref", "0612345678")

    assert result.exit_code == 2
    assert "not a reference" in result.stderr


def released_alert(ref: str) -> wire.ReleasedAlert:
    return wire.ReleasedAlert(
        alert_id=12,
        kind=wire.Kind.PHONE,
        level="e164",
        status="disclosed",
        released_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
        first_observed=dt.date(2026, 5, 1),
        last_observed=dt.date(2026, 5, 9),
        explanation="Two agencies hold a signal with the same phone number (e164).",
        own_signals=[
            wire.AlertSignal(
                ref=ref,
                category=wire.Category.ADVERTISEMENT_MONITORING,
                observed_on=dt.date(2026, 5, 1),
            )
        ],
        other_agencies=[
            wire.AlertParty(
                agency="Politie Oost-Nederland",
                region="Oost",
                contact_point="avim-oost@politie.example",
                signals=2,
            )
        ],
    )


def test_alerts_show_our_case_numbers_and_whom_to_contact(
    workspace: Path, matcher: ContractMatcher
) -> None:
    kruispunt("submit", "export.csv", *MAPPING, matcher=matcher)
    with Ledger(workspace / "ledger.sqlite3") as ledger:
        (ref,) = ledger.refs_for_cases(["Z-1"])["Z-1"]
    matcher.released["Gemeente A"] = [released_alert(ref)]

    text = kruispunt("alerts", matcher=matcher)
    as_json = kruispunt("alerts", "--json", matcher=matcher)

    assert text.exit_code == as_json.exit_code == 0, text.output
    assert "Alert 12 [disclosed]: phone (e164)" in text.stdout
    assert "case Z-1, row 2 of export.csv" in text.stdout
    assert "Politie Oost-Nederland, Oost: avim-oost@politie.example (2 signals)" in text.stdout
    (alert,) = json.loads(as_json.stdout)["alerts"]
    assert alert["own_signals"][0]["case_number"] == "Z-1"


def test_no_alerts_is_said_plainly(workspace: Path, matcher: ContractMatcher) -> None:
    result = kruispunt("alerts", matcher=matcher)

    assert result.exit_code == 0
    assert "No alerts" in result.stdout


def test_an_unreachable_matcher_is_a_failure_not_a_traceback(
    workspace: Path, matcher: ContractMatcher
) -> None:
    matcher.failures = ["drop"]

    result = kruispunt("alerts", "--retries", "0", matcher=matcher)

    assert result.exit_code == 1
    assert "cannot reach the matcher" in result.stderr


def command_options() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for name, command in sorted(main.commands.items()):
        if isinstance(command, click.Group):
            continue  # the key group documents itself
        for parameter in command.params:
            if isinstance(parameter, click.Option):
                found.extend((name, option) for option in parameter.opts)
    return found


@pytest.mark.parametrize(("command", "option"), command_options())
def test_every_command_option_is_documented(command: str, option: str) -> None:
    text = DOCS.read_text(encoding="utf-8")

    assert f"kruispunt {command}" in text
    assert re.search(rf"`{re.escape(option)}[` =]", text), f"{command} {option}"


def test_an_excel_export_is_prepared_like_a_csv(workspace: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for line in EXPORT.splitlines():
        sheet.append(line.split(";"))
    workbook.save(workspace / "export.xlsx")

    from_excel = kruispunt("prepare", "export.xlsx", "--dry-run", *MAPPING)
    from_csv = kruispunt("prepare", "export.csv", "--dry-run", *MAPPING)

    assert from_excel.exit_code == 0, from_excel.output
    assert from_excel.stderr.replace("export.xlsx", "export.csv") == from_csv.stderr


def test_a_progress_bar_can_be_asked_for(workspace: Path) -> None:
    result = kruispunt("prepare", "export.csv", "--dry-run", "--progress", *MAPPING)

    assert result.exit_code == 0, result.output
    assert "Preparing" in result.stderr


def test_submit_dry_run_of_an_export_prepares_but_sends_and_records_nothing(
    workspace: Path, matcher: ContractMatcher
) -> None:
    result = kruispunt("submit", "export.csv", "--dry-run", *MAPPING, matcher=matcher)

    assert result.exit_code == 0, result.output
    assert wire.Batch.model_validate_json(result.stdout.splitlines()[0])
    assert matcher.requests == []
    assert not (workspace / "ledger.sqlite3").exists()


def test_preparing_the_same_export_again_warns_of_duplicates(workspace: Path) -> None:
    first = kruispunt("prepare", "export.csv", "--out", "a.jsonl", *MAPPING)
    second = kruispunt("prepare", "export.csv", "--out", "b.jsonl", *MAPPING)

    assert first.exit_code == second.exit_code == 0
    assert "prepared from an export named export.csv before" not in first.stderr
    assert "2 signals were prepared from an export named export.csv before" in second.stderr


def test_prepare_takes_an_excel_export_with_a_title_row_and_a_totals_row(workspace: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Overzicht signalen, gemeente Utrecht"])
    sheet.merge_cells("A1:C1")
    sheet.append(["Zaaknummer", "Telefoonnummer", "Datum"])
    sheet.append(["Z-1", "06-12345678", dt.datetime(2026, 5, 1)])
    sheet.append(["Z-2", "06-12345679", 46144])  # a date as Excel stores it, unformatted
    sheet.append(["Totaal", 2, None])
    workbook.save(workspace / "export.xlsx")

    result = kruispunt(
        "prepare", "export.xlsx", "--out", "b.jsonl", "--column", "Telefoonnummer=phone",
        "--case-column", "Zaaknummer", "--observed-column", "Datum", "--category", "tip",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "2 rows read: 2 prepared as signals, 0 rejected" in result.stdout
    assert "Header in row 2; above it, not read: row(s) 1." in result.stdout
    assert "Totals rows, not read as signals: row(s) 5." in result.stdout
    (batch,) = read_batch_file(workspace / "b.jsonl")
    assert [item.observed_on for item in batch.signals] == [
        dt.date(2026, 5, 1),
        dt.date(2026, 5, 2),
    ]


def test_header_row_option_names_the_header(workspace: Path) -> None:
    (workspace / "export.csv").write_text(
        "Export;2026\nzaak;telefoon\nZ-1;0612345678\n", encoding="utf-8"
    )

    result = kruispunt(
        "prepare", "export.csv", "--out", "b.jsonl", "--column", "telefoon=phone",
        "--category", "tip", "--header-row", "2",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "1 rows read: 1 prepared as signals" in result.stdout


def test_control_characters_from_the_server_never_reach_the_terminal(
    workspace: Path, matcher: ContractMatcher
) -> None:
    kruispunt("submit", "export.csv", *MAPPING, matcher=matcher)
    with Ledger(workspace / "ledger.sqlite3") as ledger:
        (ref,) = ledger.refs_for_cases(["Z-1"])["Z-1"]
    alert = released_alert(ref)
    hostile = "avim\x1b]0;owned\x07-oost\x1b[2J@politie\u202e.example\r\nFAKE LINE"
    alert.other_agencies[0].contact_point = hostile
    alert.explanation = "Two agencies\x1b[1A\x9b2K hold it."
    matcher.released["Gemeente A"] = [alert]

    text = kruispunt("alerts", matcher=matcher)
    as_json = kruispunt("alerts", "--json", matcher=matcher)

    assert text.exit_code == as_json.exit_code == 0, text.output
    for output in (text.stdout, as_json.stdout):
        assert not any(char in output for char in "\x1b\x07\x9b\u202e\r")
    assert "avim]0;owned-oost[2J@politie.example  FAKE LINE" in text.stdout
    assert "Two agencies[1A2K hold it." in text.stdout


def test_phones_read_as_dutch_for_an_empty_region_cell_say_so(workspace: Path) -> None:
    (workspace / "export.csv").write_text(
        "telefoon;land\n0721234567;RO\n0612345678;\n", encoding="utf-8"
    )

    result = kruispunt(
        "prepare", "export.csv", "--dry-run", "--column", "telefoon=phone",
        "--phone-region-column", "land", "--category", "tip",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "empty cell in the region column 'land'" in result.stderr
    assert "give --phone-region" not in result.stderr
