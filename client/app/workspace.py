"""The app's working state for this run: uploaded exports and the preparations made of them.

One analyst, one machine, one run: the state lives in memory and the uploaded files in a private
folder that the command removes when it stops. A preparation runs on its own thread so the page
can show its progress; it uses the same library path as ``kruispunt prepare``
(``client.outbox.prepare_into_batch_file``) and keeps its batch file next to the ledger until it
is submitted.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from client import wire
from client.address_columns import AddressColumns, with_joined_address
from client.batches import PreparationReport
from client.errors import ClientError
from client.ledger import Ledger
from client.mapping import ColumnMapping
from client.outbox import NothingPrepared, new_outbox_path, prepare_into_batch_file
from client.reading import Export, ReadingTally, open_export
from client.schemes.base import Scheme

PREVIEW_ROWS = 8
ALLOWED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")


@dataclass
class Upload:
    """An export the analyst chose, saved in the work folder under its own name."""

    id: str
    path: Path
    header_row: int | None = None  # None: found by the reader

    @property
    def name(self) -> str:
        return self.path.name

    def open(self) -> Export:
        """Open the export with the header row the analyst chose, or the one found."""
        return open_export(self.path, header_row=self.header_row)


@dataclass(frozen=True)
class Preview:
    """What the preview page shows: the header, the first rows and the shape of the file."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    tally: ReadingTally


def preview(upload: Upload) -> Preview:
    """Read the header and the first rows, and tally the whole file's rows (title, totals …)."""
    with upload.open() as export:
        rows: list[tuple[int, list[str]]] = []
        for number, row in export:
            if len(rows) < PREVIEW_ROWS:
                rows.append((number, [row.get(header, "") for header in export.headers]))
        return Preview(list(export.headers), rows, export.tally)


@dataclass
class Job:
    """One preparation: its progress while it runs, then its report or its error."""

    id: str
    upload: Upload
    done: int = 0
    total: int = 1
    finished: bool = False
    report: PreparationReport | None = None
    error: str | None = None
    outbox: Path | None = None
    #: signals prepared before from an export of the same name (sending them again doubles them)
    earlier: int = 0
    receipts: list[wire.Receipt] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return 100 if self.finished else min(99, self.done * 100 // max(self.total, 1))

    @property
    def submitted(self) -> bool:
        return bool(self.receipts) and self.outbox is None


def _rows(
    export: Export, address: AddressColumns | None
) -> Iterable[tuple[int, Mapping[str, str]]]:
    # the export itself when nothing is joined: Preparation then reads only the mapped cells
    return with_joined_address(export, address) if address is not None else export


class Workspace:
    """Uploads and jobs of this run, by random id."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir
        self.uploads: dict[str, Upload] = {}
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def add_upload(self, filename: str, content: bytes | Iterator[bytes]) -> Upload:
        """Keep an uploaded export in a private folder of its own, under its own name."""
        upload_id = secrets.token_urlsafe(12)
        folder = self.work_dir / upload_id
        folder.mkdir(mode=0o700)
        path = folder / filename
        with path.open("xb") as handle:
            path.chmod(0o600)
            chunks = [content] if isinstance(content, bytes) else content
            for chunk in chunks:
                handle.write(chunk)
        upload = Upload(upload_id, path)
        with self._lock:
            self.uploads[upload_id] = upload
        return upload

    def start(
        self,
        upload: Upload,
        *,
        mapping: ColumnMapping,
        address: AddressColumns | None,
        scheme: Scheme,
        ledger_path: Path,
        workers: int | None,
    ) -> Job:
        """Prepare the upload on a thread; the returned job shows progress, then the report."""
        job = Job(secrets.token_urlsafe(12), upload)
        with self._lock:
            self.jobs[job.id] = job
        thread = threading.Thread(
            target=_run,
            args=(job, mapping, address, scheme, ledger_path, workers),
            name=f"prepare-{job.id}",
            daemon=True,
        )
        thread.start()
        return job


def _run(
    job: Job,
    mapping: ColumnMapping,
    address: AddressColumns | None,
    scheme: Scheme,
    ledger_path: Path,
    workers: int | None,
) -> None:
    """Prepare into an outbox file and the ledger; keep the report or a message, never a value."""
    try:
        with Ledger(ledger_path) as ledger, job.upload.open() as export:

            def tick() -> None:
                job.done, job.total = export.progress()

            tick()
            job.earlier = ledger.prepared_before(job.upload.name)
            out = new_outbox_path(ledger)
            job.report = prepare_into_batch_file(
                _rows(export, address),
                source=job.upload.name,
                scheme=scheme,
                mapping=mapping,
                ledger=ledger,
                out=out,
                workers=workers,
                on_progress=tick,
                reading=export.tally,
            )
            job.outbox = out
    except NothingPrepared as error:
        job.report = error.report
        job.error = str(error)
    except ClientError as error:
        job.error = str(error)
    except Exception as error:  # a bug must not kill the page; its text could hold a value
        job.error = f"unexpected error ({type(error).__name__})"
    finally:
        job.finished = True
