"""Prepare an export into a batch file and the ledger, then send it: for the CLI and the app.

The batch file and the ledger are kept together or not at all: the ledger is committed first, so
a crash leaves unused references at worst, never a batch whose references the ledger cannot
resolve. Sending stops at the first refusal; batches already received stay marked in the ledger.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from client import wire
from client.batches import Preparation, PreparationReport
from client.batchfile import BatchFileWriter
from client.errors import ClientError, UploadError
from client.http import MatcherClient, SerializedBatch
from client.i18n import _
from client.ledger import Ledger
from client.mapping import ColumnMapping
from client.reading import ReadingTally
from client.schemes.base import Scheme


class NothingPrepared(ClientError):
    """No row of the export yielded a signal; ``report`` says why, row by row."""

    def __init__(self, report: PreparationReport) -> None:
        super().__init__(_("no row yielded a signal: nothing to submit"))
        self.report = report


def new_outbox_path(ledger: Ledger) -> Path:
    """Return a fresh path next to the ledger for the batches of one submission."""
    folder = ledger.path.parent / "outbox"
    folder.mkdir(mode=0o700, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return folder / f"{stamp}-{secrets.token_hex(3)}.jsonl"


def prepare_into_batch_file(
    rows: Iterable[tuple[int, Mapping[str, str]]],
    *,
    source: str,
    scheme: Scheme,
    mapping: ColumnMapping,
    ledger: Ledger,
    out: Path,
    overwrite: bool = False,
    workers: int | None = None,
    on_progress: Callable[[], None] | None = None,
    reading: ReadingTally | None = None,
) -> PreparationReport:
    """Prepare rows into a batch file and record their references; NothingPrepared if empty.

    ``mapping`` must already be checked against the export's header; ``reading`` is the
    reader's tally when rows are not the Export itself (see ``Preparation``).
    """
    with BatchFileWriter(out, overwrite=overwrite) as writer:
        with ledger.transaction():
            preparation = Preparation(
                rows,
                scheme=scheme,
                mapping=mapping,
                workers=workers,
                on_progress=on_progress,
                reading=reading,
            )
            for batch in preparation:
                writer.write(batch.payload)
                ledger.record(batch, source=source)
            if preparation.report.signals == 0:
                raise NothingPrepared(preparation.report)
        writer.commit()
    return preparation.report


def send_batches(
    client: MatcherClient,
    ledger: Ledger,
    batches: Iterable[wire.Batch | SerializedBatch],
    *,
    on_receipt: Callable[[wire.Receipt], None] | None = None,
) -> list[wire.Receipt]:
    """Send batches in order and mark each received one in the ledger; stop at a refusal.

    A refusal after some batches were received says how many were, so nothing is sent twice
    by mistake (a resend is safe anyway: the matcher recognizes a batch it already has).
    """
    receipts: list[wire.Receipt] = []
    for batch in batches:
        try:
            receipt = client.submit(batch)
        except UploadError as error:
            sent = len(receipts)
            note = " " + _("({count} batch(es) before it were received)").format(count=sent)
            note = note if sent else ""
            raise type(error)(f"{error}{note}", status=error.status, code=error.code) from None
        ledger.mark_submitted(batch.batch_id, receipt)
        if on_receipt is not None:
            on_receipt(receipt)
        receipts.append(receipt)
    return receipts


def withdraw_refs(client: MatcherClient, ledger: Ledger, refs: Iterable[str]) -> tuple[int, int]:
    """Withdraw references at the matcher and note it in the ledger; return (withdrawn, unknown)."""
    unique = list(dict.fromkeys(refs))
    withdrawn = unknown = 0
    for start in range(0, len(unique), wire.MAX_SIGNALS_PER_BATCH):
        part = unique[start : start + wire.MAX_SIGNALS_PER_BATCH]
        receipt = client.withdraw(part)
        ledger.mark_withdrawn(part)
        withdrawn += receipt.withdrawn
        unknown += receipt.unknown
    return withdrawn, unknown
