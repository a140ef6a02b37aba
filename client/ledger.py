"""The local ledger: which opaque reference stands for which of the agency's own cases and rows.

The matcher only ever sees references. When a coordinator releases an alert, the agency looks its
references up here to find its own case numbers. The ledger never leaves this machine; it is a
SQLite file readable by its owner only, at ``--ledger PATH``, env ``KRUISPUNT_LEDGER``, or
``$XDG_DATA_HOME/kruispunt/ledger.sqlite3`` (``~/.local/share/kruispunt/ledger.sqlite3``).
It holds references, case numbers, row numbers, dates, batch ids and the scheme and key epoch
each batch was made with (so the signals of one key can be withdrawn after a rotation): no
identifier.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import NamedTuple
from uuid import UUID

from client import wire
from client.batches import PreparedBatch
from client.errors import ClientError

ENV_LEDGER = "KRUISPUNT_LEDGER"
_SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    signals INTEGER NOT NULL,
    prepared_at TEXT NOT NULL,
    submitted_at TEXT,
    replay INTEGER,
    scheme TEXT,
    key_epoch INTEGER
);
CREATE TABLE IF NOT EXISTS signals (
    ref TEXT PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES batches (batch_id),
    row_number INTEGER NOT NULL,
    case_number TEXT,
    withdrawn_at TEXT
);
CREATE INDEX IF NOT EXISTS signals_by_case ON signals (case_number);
CREATE INDEX IF NOT EXISTS signals_by_batch ON signals (batch_id);
"""
#: columns added after version 1; a ledger of version 1 gets them empty (epoch unknown)
_ADDED_COLUMNS = (("batches", "scheme", "TEXT"), ("batches", "key_epoch", "INTEGER"))
_ENTRY_SELECT = (
    "SELECT s.ref, s.batch_id, s.row_number, s.case_number, b.source,"
    " b.submitted_at IS NOT NULL, s.withdrawn_at IS NOT NULL, b.prepared_at, b.submitted_at,"
    " s.withdrawn_at, b.scheme, b.key_epoch FROM signals s JOIN batches b USING (batch_id)"
)
_CHUNK = 500  # SQLite's limit on bound parameters is at least 999


class LedgerEntry(NamedTuple):
    """One of the agency's own signals: its reference, case number and where it came from."""

    ref: str
    batch_id: str
    row_number: int
    case_number: str | None
    source: str
    submitted: bool
    withdrawn: bool
    prepared_at: str | None = None
    submitted_at: str | None = None
    withdrawn_at: str | None = None
    scheme: str | None = None
    key_epoch: int | None = None


class LedgerBatch(NamedTuple):
    """One prepared batch as the ledger remembers it, with how many of its signals are live."""

    batch_id: str
    source: str
    signals: int
    withdrawn: int
    prepared_at: str
    submitted_at: str | None
    scheme: str | None
    key_epoch: int | None


def default_ledger_path(environ: Mapping[str, str] = os.environ) -> Path:
    """Return the ledger path from env KRUISPUNT_LEDGER, else the user's data directory."""
    if environ.get(ENV_LEDGER):
        return Path(environ[ENV_LEDGER]).expanduser()
    data_home = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "kruispunt" / "ledger.sqlite3"


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class Ledger:
    """The ledger file; use as a context manager. Writes are committed per call or transaction."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not self.path.exists():
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.executescript(_SCHEMA)
            self._upgrade()
            self._db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
        except (OSError, sqlite3.Error) as error:
            raise ClientError(f"cannot open the ledger at {self.path}: {error}") from None
        self._depth = 0

    def _upgrade(self) -> None:
        """Add the columns a ledger written by an earlier version lacks."""
        for table, column, sql_type in _ADDED_COLUMNS:
            present = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None) -> Ledger:
        """Open the ledger at path, or at the default place."""
        return cls(path if path is not None else default_ledger_path())

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: all of them are kept, or none (nested calls join the outer one)."""
        if self._depth == 0:
            self._db.execute("BEGIN IMMEDIATE")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("ROLLBACK")
            raise
        self._depth -= 1
        if self._depth == 0:
            self._db.execute("COMMIT")

    def record(self, prepared: PreparedBatch, *, source: str) -> None:
        """Remember a prepared batch's references with their rows and case numbers."""
        batch_id = str(prepared.batch_id)
        with self.transaction():
            self._db.execute(
                "INSERT INTO batches (batch_id, source, signals, prepared_at, scheme, key_epoch)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    batch_id,
                    source,
                    prepared.signals,
                    _now(),
                    prepared.scheme,
                    prepared.key_epoch,
                ),
            )
            self._db.executemany(
                "INSERT INTO signals (ref, batch_id, row_number, case_number) VALUES (?, ?, ?, ?)",
                [(ref, batch_id, row, case) for ref, row, case in prepared.origin_rows],
            )

    def prepared_before(self, source: str) -> int:
        """Return how many signals were prepared from an export of this name before."""
        row = self._db.execute(
            "SELECT COALESCE(SUM(signals), 0) FROM batches WHERE source = ?", (source,)
        ).fetchone()
        return int(row[0])

    def mark_submitted(self, batch_id: UUID, receipt: wire.Receipt) -> None:
        """Note that the matcher received a batch (a replay keeps the first time)."""
        self._db.execute(
            "UPDATE batches SET submitted_at = COALESCE(submitted_at, ?), replay = ?"
            " WHERE batch_id = ?",
            (receipt.received_at.isoformat(), int(receipt.replay), str(batch_id)),
        )

    def mark_withdrawn(self, refs: Iterable[str]) -> None:
        """Note that these references were withdrawn at the matcher."""
        now = _now()
        with self.transaction():
            self._db.executemany(
                "UPDATE signals SET withdrawn_at = COALESCE(withdrawn_at, ?) WHERE ref = ?",
                ((now, ref) for ref in refs),
            )

    def refs_for_cases(
        self, case_numbers: Iterable[str], *, epoch: int | None = None
    ) -> dict[str, list[str]]:
        """Return the live (not withdrawn) references of each case; an unknown case gets [].

        With ``epoch``, only the references of batches made with that key epoch (after a key
        rotation the old epoch's signals can be withdrawn while the new ones stay).
        """
        wanted = list(dict.fromkeys(case_numbers))
        found: dict[str, list[str]] = {case: [] for case in wanted}
        for part in _chunks(wanted):
            marks = ",".join("?" * len(part))
            query = (
                "SELECT s.case_number, s.ref FROM signals s JOIN batches b USING (batch_id)"  # noqa: S608
                f" WHERE s.withdrawn_at IS NULL AND s.case_number IN ({marks})"
                " AND (? IS NULL OR b.key_epoch = ?) ORDER BY s.row_number"
            )
            rows = self._db.execute(query, (*part, epoch, epoch))
            for case, ref in rows:
                found[case].append(ref)
        return found

    def refs_for_epoch(self, epoch: int, *, scheme: str | None = None) -> list[str]:
        """Return the live references of every batch made with this key epoch (and scheme)."""
        rows = self._db.execute(
            "SELECT s.ref FROM signals s JOIN batches b USING (batch_id)"
            " WHERE s.withdrawn_at IS NULL AND b.key_epoch = ? AND (? IS NULL OR b.scheme = ?)"
            " ORDER BY b.rowid, s.row_number",
            (epoch, scheme, scheme),
        )
        return [ref for (ref,) in rows]

    def entry(self, ref: str) -> LedgerEntry | None:
        """Return what the ledger knows about one reference, or None if it is not ours."""
        return self.lookup([ref]).get(ref)

    def lookup(self, refs: Iterable[str]) -> dict[str, LedgerEntry]:
        """Return what the ledger knows about these references (unknown ones are left out)."""
        wanted = list(dict.fromkeys(refs))
        found: dict[str, LedgerEntry] = {}
        for part in _chunks(wanted):
            marks = ",".join("?" * len(part))
            rows = self._db.execute(f"{_ENTRY_SELECT} WHERE s.ref IN ({marks})", tuple(part))
            for row in rows:
                entry = _entry(row)
                found[entry.ref] = entry
        return found

    def entries(
        self,
        *,
        case_number: str | None = None,
        batch_id: str | None = None,
        epoch: int | None = None,
        include_withdrawn: bool = True,
    ) -> Iterator[LedgerEntry]:
        """Yield the signals that match every filter given, oldest batch first, in row order."""
        rows = self._db.execute(
            f"{_ENTRY_SELECT} WHERE (? IS NULL OR s.case_number = ?)"
            " AND (? IS NULL OR s.batch_id = ?) AND (? IS NULL OR b.key_epoch = ?)"
            " AND (? OR s.withdrawn_at IS NULL) ORDER BY b.rowid, s.row_number",
            (case_number, case_number, batch_id, batch_id, epoch, epoch, include_withdrawn),
        )
        return map(_entry, rows)

    def batches(self) -> list[LedgerBatch]:
        """Return every batch the ledger holds, oldest first, with its withdrawn signals counted."""
        rows = self._db.execute(
            "SELECT b.batch_id, b.source, b.signals,"
            " (SELECT COUNT(*) FROM signals s WHERE s.batch_id = b.batch_id"
            "  AND s.withdrawn_at IS NOT NULL),"
            " b.prepared_at, b.submitted_at, b.scheme, b.key_epoch"
            " FROM batches b ORDER BY b.rowid"
        )
        return [LedgerBatch._make(row) for row in rows]


def _entry(row: Sequence[object]) -> LedgerEntry:
    ref, batch_id, row_number, case, source, submitted, withdrawn, *times = row
    prepared_at, submitted_at, withdrawn_at, scheme, epoch = times
    return LedgerEntry(
        str(ref),
        str(batch_id),
        int(str(row_number)),
        None if case is None else str(case),
        str(source),
        bool(submitted),
        bool(withdrawn),
        None if prepared_at is None else str(prepared_at),
        None if submitted_at is None else str(submitted_at),
        None if withdrawn_at is None else str(withdrawn_at),
        None if scheme is None else str(scheme),
        None if epoch is None else int(str(epoch)),
    )
