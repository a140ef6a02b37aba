"""No raw identifier, nor its canonical form, leaves the client or shows up where it should not.

Known values go through every client path: normalization errors, rejected rows, logs at DEBUG,
CLI output, batch files, rejects files, error messages, every byte sent to the matcher, and the
ledger (which may hold the agency's own case numbers, and nothing else of the export).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from matcher_contract import ContractMatcher

from client import wire
from client.batchfile import read_batch_file
from client.cli import main
from client.errors import ClientError, NormalizationError
from client.keys import generate_key, load_key, save_key
from client.ledger import Ledger
from client.normalizers import normalize
from client.wire import Kind

#: (column, kind, raw value): valid ones become tokens; broken ones become rejections
VALUES = [
    ("telefoon", Kind.PHONE, "06-12345678"),
    ("telefoon", Kind.PHONE, "+40 721 234 567"),
    ("telefoon", Kind.PHONE, "+359 88 123 4567"),
    ("telefoon", Kind.PHONE, "https://wa.me/31687654321"),
    ("telefoon", Kind.PHONE, "06-1234"),
    ("adres", Kind.ADDRESS, "Hoofdstraat 14-A, 3811 AB Amersfoort"),
    ("adres", Kind.ADDRESS, "Kerkweg 100 II, 1234 ab Utrecht"),
    ("adres", Kind.ADDRESS, "Strada Lipscani 12, București"),
    ("adres", Kind.ADDRESS, "Oudegracht 231, 3511 NK Utrecht"),  # no addition: no_addition level
    ("naam", Kind.PERSON, "Popescu, Ana-Maria"),
    ("naam", Kind.PERSON, "Ştefan Ţurcanu"),
    ("naam", Kind.PERSON, "Talehana (37)"),
    ("exploitant", Kind.OPERATOR, "Rode Roos B.V. h.o.d.n. Club Paradijs"),
    ("exploitant", Kind.OPERATOR, "Wellness & Relax SRL"),
    ("email", Kind.EMAIL, "Ana.Popescu+werk@gmail.com"),
    ("email", Kind.EMAIL, "geheim-adres@"),
    ("iban", Kind.IBAN, "NL91 ABNA 0417 1643 00"),
    ("iban", Kind.IBAN, "NL91 ABNA 0417 1643 01"),
    ("kvk", Kind.KVK, "6959 9084"),
    ("kenteken", Kind.PLATE, "12-ABC-3"),
    ("website", Kind.URL, "https://www.Escort-Amstel.nl/profiel/123"),
]
COLUMNS = list(dict.fromkeys(column for column, _, _ in VALUES))
KINDS = {column: kind for column, kind, _ in VALUES}
CASES = [f"ZAAK-{number:03d}" for number in range(len(VALUES))]


def forbidden() -> list[str]:
    """Every raw value, its canonical form, and a phone's bare digits."""
    found = set()
    for _, kind, raw in VALUES:
        found.add(raw)
        try:
            canonical = normalize(kind, raw)
        except NormalizationError:
            continue
        found.add(canonical)
        found.update(part for part in canonical.split("|") if len(part) >= 6)
        # an operator's legal name with its form (registered) and without it (legal_name)
        found.update(part.split(":")[0] for part in canonical.split("|") if len(part) >= 6)
        if kind is Kind.PHONE:
            found.add(canonical.lstrip("+"))
    return sorted(found, key=len, reverse=True)


def leaks(text: str | bytes) -> list[str]:
    haystack = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    folded = haystack.casefold()
    return [value for value in forbidden() if value.casefold() in folded]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    save_key(generate_key(), tmp_path / "key.json")
    with (tmp_path / "export.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["zaaknummer", *COLUMNS])
        for case, (column, _, raw) in zip(CASES, VALUES, strict=True):
            writer.writerow([case, *(raw if name == column else "" for name in COLUMNS)])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KRUISPUNT_KEY_FILE", str(tmp_path / "key.json"))
    monkeypatch.setenv("KRUISPUNT_LEDGER", str(tmp_path / "ledger.sqlite3"))
    monkeypatch.setenv("KRUISPUNT_API_TOKEN", "token-a")
    monkeypatch.setenv("KRUISPUNT_MATCHER", "https://matcher.test")
    return tmp_path


def mapping_options() -> Iterator[str]:
    for column in COLUMNS:
        yield from ("--column", f"{column}={KINDS[column].value}")
    yield from ("--case-column", "zaaknummer", "--category", "tip")


def test_normalization_errors_never_hold_the_value() -> None:
    for _, kind, raw in VALUES:
        try:
            normalize(kind, raw)
        except NormalizationError as error:
            assert leaks(str(error)) == [], raw


def test_no_client_path_shows_or_sends_an_identifier(
    workspace: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    matcher = ContractMatcher(keys={load_key(workspace / "key.json").fingerprint: "current"})
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(main, list(args), obj={"transport": matcher.transport()})
        assert result.exit_code == 0, result.output
        return result.output + result.stderr

    outputs = [
        run("prepare", "export.csv", "--dry-run", *mapping_options()),
        run(
            "prepare",
            "export.csv",
            "--out",
            "batches.jsonl",
            "--rejects",
            "rejects.csv",
            *mapping_options(),
        ),
        run("submit", "batches.jsonl"),
        run("submit", "batches.jsonl", "--dry-run"),
        run("submit", "export.csv", *mapping_options()),
    ]
    with Ledger(workspace / "ledger.sqlite3") as ledger:
        ref = ledger.refs_for_cases([CASES[0]])[CASES[0]][0]
    matcher.released["Gemeente A"] = [released_alert(ref)]
    outputs.append(run("alerts"))
    outputs.append(run("alerts", "--json"))
    outputs.append(run("withdraw", "--case", CASES[0], "--case", CASES[5]))

    # the search itself works: it finds every raw value in the export
    assert len(leaks((workspace / "export.csv").read_text(encoding="utf-8"))) >= len(VALUES)
    rejections = (workspace / "rejects.csv").read_text(encoding="utf-8")
    assert rejections.count("\n") > 1, "the export should have produced rejections"
    assert len(matcher.requests) > 3
    places = {
        "CLI output": "\n".join(outputs),
        "log records": caplog.text,
        "batch file": (workspace / "batches.jsonl").read_text(encoding="utf-8"),
        "rejects file": rejections,
        "requests to the matcher": matcher.bodies().decode("utf-8"),
        "ledger": (workspace / "ledger.sqlite3").read_bytes().decode("utf-8", "replace"),
    }
    assert {place: leaks(text) for place, text in places.items()} == {place: [] for place in places}
    # the levels that carry a legal form or label a missing addition were sent, as tokens only
    for level in ("registered", "reg_near", "no_addition", "legal_near", "e164_swap"):
        assert f'"level":"{level}"' in places["requests to the matcher"], level
    assert CASES[0] in places["ledger"]  # the ledger does hold the agency's own case numbers
    assert not any(case in places["requests to the matcher"] for case in CASES)


def test_an_edited_batch_file_and_a_refusal_do_not_echo_values(
    workspace: Path,
) -> None:
    runner = CliRunner()
    runner.invoke(main, ["prepare", "export.csv", "--out", "b.jsonl", *mapping_options()])
    text = (workspace / "b.jsonl").read_text(encoding="utf-8")
    edited = workspace / "edited.jsonl"
    edited.write_text(
        re.sub(r'"token":"[^"]+"', '"token":"06-12345678 Popescu, Ana-Maria"', text, count=1),
        encoding="utf-8",
    )

    with pytest.raises(ClientError) as caught:
        list(read_batch_file(edited))
    result = runner.invoke(main, ["submit", "edited.jsonl"], obj={"transport": None})

    assert leaks(str(caught.value)) == []
    assert result.exit_code == 1
    assert leaks(result.output + result.stderr) == []


def test_the_report_as_data_holds_rows_columns_and_rules_only(workspace: Path) -> None:
    result = CliRunner().invoke(main, ["prepare", "export.csv", "--dry-run", *mapping_options()])

    payload_lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    for line in payload_lines:
        batch = wire.Batch.model_validate_json(line)
        assert set(json.loads(line)) == set(wire.Batch.model_fields)
        for signal in batch.signals:
            assert set(signal.model_dump()) == {
                "ref",
                "category",
                "observed_on",
                "retain_until",
                "tokens",
            }
    assert leaks(result.stderr) == []


def released_alert(ref: str) -> wire.ReleasedAlert:
    return wire.ReleasedAlert(
        alert_id=3,
        kind=Kind.PHONE,
        level="e164",
        status="disclosed",
        released_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
        first_observed=dt.date(2026, 5, 1),
        last_observed=dt.date(2026, 5, 2),
        explanation="Two agencies hold a signal with the same phone number (e164).",
        own_signals=[
            wire.AlertSignal(ref=ref, category=wire.Category.TIP, observed_on=dt.date.today())
        ],
        other_agencies=[
            wire.AlertParty(
                agency="Politie Oost",
                region="Oost",
                contact_point="avim@politie.example",
                signals=1,
            )
        ],
    )
