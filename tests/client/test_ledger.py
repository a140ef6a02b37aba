"""The local ledger: references resolve to the agency's own cases, and nothing else is kept."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from client import wire
from client.batches import PreparedBatch, SignalOrigin
from client.errors import ClientError
from client.ledger import Ledger, default_ledger_path
from client.wire import new_refs


def prepared(*cases: str | None, epoch: int | None = None) -> PreparedBatch:
    refs = new_refs(len(cases))
    return PreparedBatch(
        scheme=None if epoch is None else "hmac",
        key_epoch=epoch,
        batch_id=wire.new_batch_id(),
        payload="{}",
        origin_rows=[
            SignalOrigin(ref, row, case)
            for row, (ref, case) in enumerate(zip(refs, cases, strict=True), start=2)
        ],
        tokens_per_kind={},
    )


def receipt(batch: PreparedBatch, *, replay: bool = False) -> wire.Receipt:
    return wire.Receipt(
        batch_id=batch.batch_id,
        received_at=dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC),
        signals=batch.signals,
        tokens=0,
        tokens_per_kind={},
        replay=replay,
    )


def test_default_path_follows_env_then_xdg_then_home(tmp_path: Path) -> None:
    assert default_ledger_path({"KRUISPUNT_LEDGER": str(tmp_path / "l.db")}) == tmp_path / "l.db"
    assert default_ledger_path({"XDG_DATA_HOME": str(tmp_path)}) == (
        tmp_path / "kruispunt" / "ledger.sqlite3"
    )
    assert default_ledger_path({}).parts[-4:] == (".local", "share", "kruispunt", "ledger.sqlite3")


def test_ledger_file_and_folder_are_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "kruispunt" / "ledger.sqlite3"

    with Ledger(path):
        pass

    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_references_resolve_to_cases_rows_and_sources(tmp_path: Path) -> None:
    batch = prepared("Z-1", None, "Z-1")
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        ledger.record(batch, source="export.csv")
        ledger.mark_submitted(batch.batch_id, receipt(batch))

        found = ledger.lookup([origin.ref for origin in batch.origins] + ["unknown" * 3])
        by_case = ledger.refs_for_cases(["Z-1", "Z-9"])

    first, second, third = batch.origins
    assert found[first.ref].case_number == "Z-1"
    assert found[second.ref].case_number is None
    assert found[third.ref].row_number == 4
    assert found[first.ref].source == "export.csv"
    assert found[first.ref].submitted
    assert len(found) == 3
    assert by_case == {"Z-1": [first.ref, third.ref], "Z-9": []}


def test_withdrawn_references_no_longer_belong_to_a_case(tmp_path: Path) -> None:
    batch = prepared("Z-1", "Z-1")
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        ledger.record(batch, source="export.csv")
        ledger.mark_withdrawn([batch.origins[0].ref])

        assert ledger.refs_for_cases(["Z-1"]) == {"Z-1": [batch.origins[1].ref]}
        assert ledger.lookup([batch.origins[0].ref])[batch.origins[0].ref].withdrawn


def test_a_failed_transaction_records_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    kept = prepared("Z-1")
    with Ledger(path) as ledger:
        ledger.record(kept, source="a.csv")
        with pytest.raises(RuntimeError), ledger.transaction():
            ledger.record(prepared("Z-2"), source="b.csv")
            ledger.record(prepared("Z-3"), source="b.csv")
            raise RuntimeError("the batch file could not be written")

    with Ledger(path) as ledger:
        assert ledger.refs_for_cases(["Z-1", "Z-2", "Z-3"]) == {
            "Z-1": [kept.origins[0].ref],
            "Z-2": [],
            "Z-3": [],
        }


def test_a_replay_keeps_the_first_submission_time(tmp_path: Path) -> None:
    batch = prepared("Z-1")
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as ledger:
        ledger.record(batch, source="a.csv")
        ledger.mark_submitted(batch.batch_id, receipt(batch))
        later = receipt(batch, replay=True).model_copy(
            update={"received_at": dt.datetime(2027, 1, 1, tzinfo=dt.UTC)}
        )
        ledger.mark_submitted(batch.batch_id, later)

    stored = sqlite3.connect(path).execute("SELECT submitted_at FROM batches").fetchone()
    assert stored == ("2026-06-01T12:00:00+00:00",)


def test_many_cases_and_references_are_looked_up_past_sqlite_parameter_limits(
    tmp_path: Path,
) -> None:
    batch = prepared(*(f"Z-{number}" for number in range(2_500)))
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        ledger.record(batch, source="big.csv")
        found = ledger.lookup(origin.ref for origin in batch.origins)
        cases = ledger.refs_for_cases(f"Z-{number}" for number in range(2_500))

    assert len(found) == 2_500
    assert sum(len(refs) for refs in cases.values()) == 2_500


def test_the_ledger_holds_only_references_cases_rows_and_batch_facts(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path):
        pass

    database = sqlite3.connect(path)
    tables = {
        name: [column[1] for column in database.execute(f"PRAGMA table_info({name})")]
        for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    assert tables == {
        "batches": [
            "batch_id",
            "source",
            "signals",
            "prepared_at",
            "submitted_at",
            "replay",
            "scheme",
            "key_epoch",
        ],
        "signals": ["ref", "batch_id", "row_number", "case_number", "withdrawn_at"],
    }


def test_an_unusable_ledger_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")

    with pytest.raises(ClientError, match="cannot open the ledger"):
        Ledger(blocker / "ledger.sqlite3")


def test_one_reference_shows_its_case_row_file_and_dates(tmp_path: Path) -> None:
    batch = prepared("Z-1", "Z-2", epoch=3)
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        ledger.record(batch, source="export.xlsx")
        ledger.mark_submitted(batch.batch_id, receipt(batch))
        shown = ledger.entry(batch.origins[1].ref)
        unknown = ledger.entry("A" * 22)

    assert shown is not None
    assert (shown.case_number, shown.row_number, shown.source) == ("Z-2", 3, "export.xlsx")
    assert (shown.scheme, shown.key_epoch) == ("hmac", 3)
    assert shown.prepared_at is not None and shown.prepared_at.startswith(str(dt.date.today().year))
    assert shown.submitted_at == "2026-06-01T12:00:00+00:00"
    assert unknown is None


def test_after_a_rotation_one_epoch_is_selected_alone(tmp_path: Path) -> None:
    old, new = prepared("Z-1", "Z-2", epoch=1), prepared("Z-1", epoch=2)
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        ledger.record(old, source="a.csv")
        ledger.record(new, source="b.csv")
        ledger.mark_withdrawn([old.origins[1].ref])

        assert ledger.refs_for_epoch(1) == [old.origins[0].ref]
        assert ledger.refs_for_epoch(2) == [new.origins[0].ref]
        assert ledger.refs_for_epoch(2, scheme="oprf") == []
        assert ledger.refs_for_cases(["Z-1"], epoch=1) == {"Z-1": [old.origins[0].ref]}
        assert ledger.refs_for_cases(["Z-1"]) == {"Z-1": [old.origins[0].ref, new.origins[0].ref]}


def test_listing_filters_entries_and_counts_withdrawn_signals_per_batch(tmp_path: Path) -> None:
    old, new = prepared("Z-1", "Z-2", epoch=1), prepared("Z-1", epoch=2)
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        ledger.record(old, source="a.csv")
        ledger.record(new, source="b.csv")
        ledger.mark_withdrawn([old.origins[1].ref])

        batches = ledger.batches()
        of_case = [entry.ref for entry in ledger.entries(case_number="Z-1")]
        live = [entry.ref for entry in ledger.entries(include_withdrawn=False, epoch=1)]
        everything = list(ledger.entries())

    assert [(b.source, b.signals, b.withdrawn, b.key_epoch) for b in batches] == [
        ("a.csv", 2, 1, 1),
        ("b.csv", 1, 0, 2),
    ]
    assert of_case == [old.origins[0].ref, new.origins[0].ref]
    assert live == [old.origins[0].ref]
    assert len(everything) == 3
    assert everything[1].withdrawn_at is not None


def test_a_ledger_of_the_first_version_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    database = sqlite3.connect(path)
    database.executescript(
        "CREATE TABLE batches (batch_id TEXT PRIMARY KEY, source TEXT NOT NULL,"
        " signals INTEGER NOT NULL, prepared_at TEXT NOT NULL, submitted_at TEXT, replay INTEGER);"
        "CREATE TABLE signals (ref TEXT PRIMARY KEY, batch_id TEXT NOT NULL,"
        " row_number INTEGER NOT NULL, case_number TEXT, withdrawn_at TEXT);"
        "INSERT INTO batches VALUES ('b1', 'old.csv', 1, '2026-01-01T00:00:00+00:00', NULL, NULL);"
        "INSERT INTO signals VALUES ('AAAAAAAAAAAAAAAAAAAAAA', 'b1', 2, 'Z-1', NULL);"
    )
    database.commit()
    database.close()

    with Ledger(path) as ledger:
        entry = ledger.entry("AAAAAAAAAAAAAAAAAAAAAA")
        ledger.record(prepared("Z-2", epoch=2), source="new.csv")
        assert ledger.refs_for_epoch(2) != []

    assert entry is not None and entry.case_number == "Z-1" and entry.key_epoch is None
