"""``kruispunt ledger`` and ``withdraw --epoch``: an analyst finds their own cases behind references
and, after a key rotation, withdraws only what the old key made."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from matcher_contract import ContractMatcher

from client.cli import main
from client.keys import generate_key, load_key, save_key
from client.ledger import Ledger

EXPORT = """zaaknummer;telefoon
Z-1;06-12345678
Z-2;06-12345679
"""
MAPPING = ["--column", "telefoon=phone", "--case-column", "zaaknummer", "--category", "tip"]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    old = generate_key(epoch=1)
    save_key(old, tmp_path / "key-1.json")
    save_key(old.rotated(), tmp_path / "key-2.json")
    (tmp_path / "export.csv").write_text(EXPORT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KRUISPUNT_KEY_FILE", str(tmp_path / "key-1.json"))
    monkeypatch.setenv("KRUISPUNT_LEDGER", str(tmp_path / "ledger.sqlite3"))
    monkeypatch.setenv("KRUISPUNT_API_TOKEN", "token-a")
    monkeypatch.setenv("KRUISPUNT_MATCHER", "https://matcher.test")
    for name in ("KRUISPUNT_KEY", "KRUISPUNT_KEY_PASSPHRASE", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    return tmp_path


@pytest.fixture
def matcher(workspace: Path) -> ContractMatcher:
    keys = {load_key(workspace / f"key-{n}.json").fingerprint: "current" for n in (1, 2)}
    return ContractMatcher(keys=keys)


def kruispunt(*args: str, matcher: ContractMatcher | None = None) -> Result:
    settings = {"transport": matcher.transport()} if matcher is not None else None
    return CliRunner().invoke(main, list(args), obj=settings)


def refs_of(workspace: Path, case: str) -> list[str]:
    with Ledger(workspace / "ledger.sqlite3") as ledger:
        return ledger.refs_for_cases([case])[case]


def test_ledger_show_names_case_row_file_and_dates(
    workspace: Path, matcher: ContractMatcher
) -> None:
    kruispunt("submit", "export.csv", *MAPPING, matcher=matcher)
    (ref,) = refs_of(workspace, "Z-2")

    shown = kruispunt("ledger", "show", ref, "A" * 22)
    as_json = kruispunt("ledger", "show", ref, "--json")
    unknown = kruispunt("ledger", "show", "B" * 22)

    assert shown.exit_code == 0, shown.output
    assert f"{ref}: case Z-2, row 3 of export.csv, prepared 20" in shown.stdout
    assert "submitted 20" in shown.stdout and "key epoch 1 (hmac)" in shown.stdout
    assert f"{'A' * 22}: not in this ledger" in shown.stdout
    entry = json.loads(as_json.stdout)["references"][ref]
    assert (entry["case_number"], entry["row_number"], entry["key_epoch"]) == ("Z-2", 3, 1)
    assert unknown.exit_code == 1


def test_ledger_list_shows_batches_then_the_signals_of_a_case(
    workspace: Path, matcher: ContractMatcher
) -> None:
    kruispunt("submit", "export.csv", *MAPPING, matcher=matcher)

    batches = kruispunt("ledger", "list")
    of_case = kruispunt("ledger", "list", "--case", "Z-1")

    assert batches.exit_code == of_case.exit_code == 0, batches.output
    assert "export.csv, prepared 20" in batches.stdout
    assert "2 signals (0 withdrawn), submitted 20" in batches.stdout
    (line,) = of_case.stdout.splitlines()
    assert line.startswith(refs_of(workspace, "Z-1")[0])
    assert "case Z-1, row 2 of export.csv" in line


def test_withdraw_by_epoch_keeps_the_new_keys_signals(
    workspace: Path, matcher: ContractMatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    kruispunt("submit", "export.csv", *MAPPING, matcher=matcher)
    old_refs = refs_of(workspace, "Z-1")
    monkeypatch.setenv("KRUISPUNT_KEY_FILE", str(workspace / "key-2.json"))
    resubmitted = kruispunt("submit", "export.csv", *MAPPING, matcher=matcher)
    assert resubmitted.exit_code == 0, resubmitted.output
    assert len(matcher.refs) == 4

    one_case = kruispunt("withdraw", "--case", "Z-1", "--epoch", "1", matcher=matcher)
    rest = kruispunt("withdraw", "--epoch", "1", matcher=matcher)

    assert one_case.exit_code == rest.exit_code == 0, one_case.output
    assert "Withdrawn: 1 signals." in one_case.stdout
    assert old_refs[0] not in matcher.refs
    assert "Withdrawn: 1 signals." in rest.stdout
    assert len(matcher.refs) == 2  # epoch 2's signals stay
    assert len(refs_of(workspace, "Z-1")) == 1
    live = kruispunt("ledger", "list", "--epoch", "2", "--live")
    assert len(live.stdout.splitlines()) == 2


def test_withdraw_epoch_does_not_combine_with_references(workspace: Path) -> None:
    result = kruispunt("withdraw", "--ref", "A" * 22, "--epoch", "1")

    assert result.exit_code == 2
    assert "--epoch" in result.stderr


def test_the_dashboard_points_at_a_command_that_exists() -> None:
    import re

    import click

    template = Path(__file__).resolve().parents[2] / "matcher/templates/agency/alert.html"
    named = re.findall(r"kruispunt ((?:[a-z]+ ?)+)", template.read_text(encoding="utf-8"))

    assert named, "the alert page no longer names a command"
    for words in named:
        command: click.Command = main
        for word in words.split():
            if not isinstance(command, click.Group) or word not in command.commands:
                break
            command = command.commands[word]
        assert command.name == "show", words
