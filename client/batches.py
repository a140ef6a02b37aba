"""Prepare: export rows -> normalized -> match keys -> tokens -> batches of at most 10,000 signals.

Each accepted row becomes one signal with a random opaque reference (not derived from anything in
the row), a category, an observation date and a retention end; see ``client.signals`` for what
is accepted. Rejected rows and skipped cells are reported by row, column and rule, never value.

Speed: a batch is built as its JSON text (``PreparedBatch.payload``), exactly what
``wire.Batch.model_dump_json()`` would give, because building 10^5-10^6 pydantic objects costs
more than normalizing. The text holds only references, fixed-vocabulary words, dates and base64
tokens, so no escaping is involved; ``PreparedBatch.to_batch()`` parses it back and validates.
Large exports are spread over worker processes (``client.preparing``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple
from uuid import UUID

from client import wire
from client.collector import no_cyclic_gc
from client.mapping import ColumnMapping
from client.normalizers import NORMALIZATION_VERSION
from client.plan import RowPlan
from client.preparing import ChunkResult, chunk_results, kind_marks
from client.reading import Export, ReadingTally
from client.schemes.base import Scheme
from client.signals import Rejection

DEFAULT_PARALLEL_THRESHOLD = 20_000
DEFAULT_CHUNK_ROWS = 2_000


class SignalOrigin(NamedTuple):
    """Where a signal came from, for the local ledger only: it never leaves the machine."""

    ref: str
    row: int
    case_number: str | None


@dataclass(frozen=True, kw_only=True)
class PreparedBatch:
    """One upload: its JSON payload and, in the same order, where each signal came from."""

    batch_id: UUID
    payload: str
    #: (ref, row, case number) per signal, as plain tuples: cheap to make by the 100,000
    origin_rows: Sequence[tuple[str, int, str | None]]
    tokens_per_kind: Mapping[str, int]
    #: the scheme and key epoch the tokens were made with, for the ledger (withdraw by epoch)
    scheme: str | None = None
    key_epoch: int | None = None

    @cached_property
    def origins(self) -> tuple[SignalOrigin, ...]:
        """Where each signal came from, in the order of the payload's signals."""
        return tuple(map(SignalOrigin._make, self.origin_rows))

    @property
    def signals(self) -> int:
        return len(self.origin_rows)

    def to_batch(self) -> wire.Batch:
        """Parse and validate the payload as the matcher will."""
        return wire.Batch.model_validate_json(self.payload)


@dataclass(kw_only=True)
class PreparationReport:
    """What a preparation did: counts per kind, and every rejected row and skipped cell."""

    rows: int = 0
    signals: int = 0
    tokens: int = 0
    batches: int = 0
    identifiers_per_kind: Counter[str] = field(default_factory=Counter)
    #: phone numbers written without a country code and read as Dutch for lack of a region hint
    phones_read_as_dutch: int = 0
    #: the per-row region column, if one was mapped: those phones had an empty cell there
    phone_region_column: str | None = None
    tokens_per_kind: Counter[str] = field(default_factory=Counter)
    rejected_rows: list[Rejection] = field(default_factory=list)
    skipped_cells: list[Rejection] = field(default_factory=list)
    #: mapped cells holding a formula whose result was never saved (read as blank)
    formula_cells: list[Rejection] = field(default_factory=list)
    #: the export's row that names the columns, and the rows that are no data: titles above
    #: the header, totals rows, blank rows (from an Export; zero when rows came from elsewhere)
    header_row: int = 1
    title_rows: list[int] = field(default_factory=list)
    totals_rows: list[int] = field(default_factory=list)
    blank_rows: int = 0

    def rejected_row_count(self) -> int:
        """Return how many rows became no signal."""
        return len({rejection.row for rejection in self.rejected_rows})

    def accounted(self) -> bool:
        """Return whether every row read became a signal or a rejection: none lost."""
        return self.rows == self.signals + self.rejected_row_count()

    def rules(self) -> Counter[tuple[str | None, str]]:
        """Count rejections and skipped cells by (column, rule): the summary an analyst reads."""
        return Counter((item.column, item.rule) for item in self.rejected_rows + self.skipped_cells)

    def as_dict(self) -> dict[str, object]:
        """Return the report as JSON-ready data (rows, columns and rules; no values)."""
        return {
            "rows": self.rows,
            "signals": self.signals,
            "tokens": self.tokens,
            "batches": self.batches,
            "identifiers_per_kind": dict(sorted(self.identifiers_per_kind.items())),
            "phones_read_as_dutch": self.phones_read_as_dutch,
            "tokens_per_kind": dict(sorted(self.tokens_per_kind.items())),
            "rejected_rows": [item._asdict() for item in self.rejected_rows],
            "skipped_cells": [item._asdict() for item in self.skipped_cells],
            "formula_cells": [item._asdict() for item in self.formula_cells],
            "header_row": self.header_row,
            "title_rows": self.title_rows,
            "totals_rows": self.totals_rows,
            "blank_rows": self.blank_rows,
        }


class Preparation:
    """Iterate for the batches, in row order; ``report`` is complete once iteration ends."""

    def __init__(
        self,
        rows: Iterable[tuple[int, Mapping[str, str]]],
        *,
        scheme: Scheme,
        mapping: ColumnMapping,
        batch_size: int = wire.MAX_SIGNALS_PER_BATCH,
        batch_bytes: int = wire.MAX_BATCH_SIGNAL_BYTES,
        workers: int | None = None,
        parallel_threshold: int = DEFAULT_PARALLEL_THRESHOLD,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        today: dt.date | None = None,
        on_progress: Callable[[], None] | None = None,
        reading: ReadingTally | None = None,
    ) -> None:
        """``reading`` is the reader's tally when rows are not an Export itself (say, rows
        with columns joined); an Export's own tally is used when it is the rows."""
        if not 1 <= batch_size <= wire.MAX_SIGNALS_PER_BATCH:
            raise ValueError(f"batch_size must be between 1 and {wire.MAX_SIGNALS_PER_BATCH}")
        self.report = PreparationReport()
        self._rows = rows
        self._reading = rows.tally if isinstance(rows, Export) else reading
        self._scheme = scheme
        self._plan = RowPlan.from_mapping(mapping, today=today or dt.date.today())
        self.report.phone_region_column = mapping.region_column
        self._batch_size = batch_size
        self._batch_bytes = batch_bytes
        self._workers = workers
        self._threshold = parallel_threshold
        self._chunk_rows = chunk_rows
        self._on_progress = on_progress
        # Only the mapped kinds can occur; where the signals are written, each signal's tokens
        # are counted per kind in this order (ChunkResult.kind_tokens).
        self._kinds = kind_marks(self._plan)[0]
        self._header = wire.batch_header_json(
            scheme=scheme.name.value,
            fingerprint=scheme.fingerprint,
            epoch=scheme.epoch,
            normalization_version=NORMALIZATION_VERSION,
        )

    def __iter__(self) -> Iterator[PreparedBatch]:
        signals: list[str] = []
        origins: list[tuple[str, int, str | None]] = []
        counts: list[tuple[int, ...]] = []
        size, budget, used = self._batch_size, self._batch_bytes, 0
        results = chunk_results(
            self._chunks(),
            plan=self._plan,
            scheme=self._scheme,
            workers=self._workers,
            parallel_threshold=self._threshold,
        )
        while True:
            ready: list[PreparedBatch] = []
            # The cycle collector rests while this generator works, never while its caller does.
            with no_cyclic_gc():
                result = next(results, None)
                if result is None:
                    break
                self._count(result)
                written = result.signals
                start = 0
                for end in batch_ends(
                    [len(signal) for signal in written],
                    size=size,
                    budget=budget,
                    held=len(signals),
                    used=used,
                ):
                    if end < 0:  # the batch being filled is full: close it
                        ready.append(self._batch(signals, origins, counts))
                        signals, origins, counts, used = [], [], [], 0
                        continue
                    signals += written[start:end]
                    origins += result.origins[start:end]
                    counts += result.kind_tokens[start:end]
                    used += sum(map(len, written[start:end])) + end - start
                    start = end
            yield from ready
            if self._on_progress is not None:
                self._on_progress()
        if signals:
            yield self._batch(signals, origins, counts)
        if self._reading is not None:
            self._count_reading(self._reading)

    def _chunks(self) -> Iterator[list[tuple[int, tuple[str, ...]]]]:
        rows: Iterable[tuple[int, tuple[str, ...]]]
        if isinstance(self._rows, Export):
            rows = self._rows.cells(self._plan.columns)  # no dict per row
        else:
            rows = ((number, self._plan.cells(row)) for number, row in self._rows)
        rows = iter(rows)
        while chunk := list(itertools.islice(rows, self._chunk_rows)):
            yield chunk

    def _count(self, result: ChunkResult) -> None:
        report = self.report
        report.rows += result.rows
        report.rejected_rows.extend(result.rejected)
        report.skipped_cells.extend(result.skipped)
        report.identifiers_per_kind.update(result.identifiers)
        report.phones_read_as_dutch += result.assumed_dutch

    def _count_reading(self, tally: ReadingTally) -> None:
        """Add what the reader set aside: unreadable rows count as read and rejected."""
        report = self.report
        report.rows += len({item.row for item in tally.unreadable})
        report.rejected_rows.extend(tally.unreadable)
        report.rejected_rows.sort(key=lambda item: item.row)
        mapped = set(self._plan.columns)
        report.formula_cells.extend(item for item in tally.formula_cells if item.column in mapped)
        report.header_row = tally.header_row
        report.title_rows = list(tally.title_rows)
        report.totals_rows = list(tally.totals_rows)
        report.blank_rows = tally.blank_rows

    def _batch(
        self,
        signals: list[str],
        origins: list[tuple[str, int, str | None]],
        kind_tokens: list[tuple[int, ...]],
    ) -> PreparedBatch:
        batch_id = wire.new_batch_id()
        payload = wire.batch_json(self._header, batch_id, signals)
        totals = zip(self._kinds, map(sum, zip(*kind_tokens, strict=True)), strict=True)
        counts = Counter({kind: count for kind, count in totals if count})
        self.report.batches += 1
        self.report.signals += len(signals)
        self.report.tokens += sum(counts.values())
        self.report.tokens_per_kind.update(counts)
        return PreparedBatch(
            batch_id=batch_id,
            payload=payload,
            origin_rows=origins,
            tokens_per_kind=counts,
            scheme=self._scheme.name.value,
            key_epoch=int(self._scheme.epoch),
        )


def batch_ends(
    lengths: list[int], *, size: int, budget: int, held: int, used: int
) -> Iterator[int]:
    """Say where signals of these JSON lengths go, after a batch holding ``held`` signals of
    ``used`` characters (each signal and its comma): yields the end (exclusive) of each run
    that joins the batch being filled, and -1 wherever that batch is full and a new one starts.

    A batch ends at ``size`` signals or before its signals pass ``budget`` characters; a
    signal larger than the budget goes on its own. The same as deciding signal by signal,
    but found by bisection on cumulative sizes: the preparing process handles every signal.
    """
    ends = list(itertools.accumulate(length + 1 for length in lengths))
    start, total = 0, len(lengths)
    while start < total:
        before = ends[start - 1] if start else 0
        room = min(total, start + size - held)
        end = bisect.bisect_right(ends, budget + 1 - used + before, start, room)
        if end == start and not held:
            end = start + 1
        if end > start:
            yield end
            held += end - start
            used += ends[end - 1] - before
        if end < total:
            yield -1
            held = used = 0
        start = end


def prepare(
    rows: Iterable[tuple[int, Mapping[str, str]]],
    *,
    scheme: Scheme,
    mapping: ColumnMapping,
    batch_size: int = wire.MAX_SIGNALS_PER_BATCH,
    batch_bytes: int = wire.MAX_BATCH_SIGNAL_BYTES,
    workers: int | None = None,
    parallel_threshold: int = DEFAULT_PARALLEL_THRESHOLD,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    today: dt.date | None = None,
) -> tuple[list[PreparedBatch], PreparationReport]:
    """Prepare every row at once (for modest exports; iterate a Preparation to stream)."""
    preparation = Preparation(
        rows,
        scheme=scheme,
        mapping=mapping,
        batch_size=batch_size,
        batch_bytes=batch_bytes,
        workers=workers,
        parallel_threshold=parallel_threshold,
        chunk_rows=chunk_rows,
        today=today,
    )
    batches = list(preparation)
    return batches, preparation.report
