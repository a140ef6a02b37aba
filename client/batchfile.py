"""The batch file: prepared batches as JSON Lines, one ``wire.Batch`` per line, mode 0600.

A batch file holds exactly what will be sent: tokens, references, categories and dates. It can
be reviewed, kept, or carried to the machine that submits. It is written aside and renamed into
place when complete, so a crash never leaves half a file. Reading validates every line against
the wire format, so an edited file cannot smuggle anything else to the matcher.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, NamedTuple
from uuid import UUID

from pydantic import ValidationError

from client import wire
from client.errors import InputFileError

BATCH_FILE_SUFFIXES = frozenset({".jsonl", ".json"})
# A 10,000-signal batch is a few MB; refuse lines that cannot be a batch before parsing them.
_MAX_LINE_CHARS = 64 * 1024 * 1024


class BatchFileWriter:
    """Write batch payloads to a private file that appears only when ``commit`` is called."""

    def __init__(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        self.path = Path(path)
        self._overwrite = overwrite
        if self.path.exists() and not overwrite:
            raise InputFileError(f"{self.path} already exists: choose another name, or overwrite")
        self._aside = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        try:
            descriptor = os.open(self._aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as error:
            raise InputFileError(f"cannot create {self.path}: {error.strerror}") from None
        self._handle: IO[str] | None = os.fdopen(descriptor, "w", encoding="utf-8")
        self.batches = 0

    def __enter__(self) -> BatchFileWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.abort()

    def write(self, payload: str) -> None:
        """Append one batch's JSON payload as a line."""
        if self._handle is None:
            raise ValueError("the batch file is closed")
        self._handle.write(payload)
        self._handle.write("\n")
        self.batches += 1

    def commit(self) -> Path:
        """Flush to disk and move the file into place."""
        if self._handle is None:
            raise ValueError("the batch file is closed")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self._handle = None
        if self._overwrite:
            os.replace(self._aside, self.path)
        else:
            try:
                os.link(self._aside, self.path)  # fails rather than replace a file that appeared
            except FileExistsError:
                raise InputFileError(f"{self.path} appeared while writing; not replaced") from None
            finally:
                self._aside.unlink(missing_ok=True)
        return self.path

    def abort(self) -> None:
        """Drop the file unless it was committed."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            self._aside.unlink(missing_ok=True)


def read_batch_file(path: str | os.PathLike[str]) -> Iterator[wire.Batch]:
    """Yield each batch of a batch file, validated; InputFileError names the line and field."""
    target = Path(path)
    try:
        handle = target.open(encoding="utf-8")
    except OSError as error:
        raise InputFileError(f"cannot read batch file {target}: {error.strerror}") from None
    with handle:
        try:
            yield from _batches(handle, target.name)
        except UnicodeDecodeError:
            raise InputFileError(f"{target.name} is not UTF-8 text") from None


def _batches(handle: IO[str], name: str) -> Iterator[wire.Batch]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        if len(line) > _MAX_LINE_CHARS:
            raise InputFileError(f"{name} line {number} is too long to be a batch")
        try:
            yield wire.Batch.model_validate_json(line)
        except ValidationError as error:
            problems = error.errors(include_url=False, include_input=False, include_context=False)
            where = ", ".join(
                f"{'.'.join(str(part) for part in item['loc']) or 'batch'} ({item['type']})"
                for item in problems[:5]
            )
            raise InputFileError(
                f"{name} line {number} is not a valid batch: {where}; prepare it again"
            ) from None


_BATCH_ID = re.compile(r'"batch_id":"([0-9a-f-]{36})"')


class Payload(NamedTuple):
    """A batch as the JSON text to send."""

    batch_id: UUID
    payload: str


def read_own_payloads(path: str | os.PathLike[str]) -> Iterator[Payload]:
    """Yield the payloads of a batch file this process just wrote, without validating again."""
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                match = _BATCH_ID.search(line, 0, 200)
                if match is None:
                    raise InputFileError(f"{Path(path).name} holds a line without a batch id")
                yield Payload(UUID(match.group(1)), line.rstrip("\n"))
