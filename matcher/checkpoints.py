"""Signed checkpoints of the audit chain's head, kept outside the database.

The hash chain proves that no entry was changed *between* two entries; it cannot prove that
the newest entries still exist, because whoever can delete rows can also rewind ``audit_head``
or rehash everything after a forged row. A checkpoint closes that gap: ``audit checkpoint``
(run from cron) signs "the chain had N entries and the N-th one hashed to H" with an Ed25519 key
kept in a file outside the database, and appends it to a file the operator chooses (ideally on
another host or write-once storage). ``audit verify`` then checks every checkpoint's signature
and that the chain still holds each checkpoint's N-th entry with hash H: a deleted tail, an
emptied log or a rewritten-and-rehashed row before the last checkpoint all fail.

A checkpoint holds counts and hashes only, never an audit entry's content.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

FORMAT = "kruispunt-audit-checkpoint/1"


class CheckpointError(Exception):
    """A checkpoint file or key that cannot be used; the message names the line, not its text."""


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at one moment: N entries, the N-th with this id and hash."""

    entries: int
    last_id: int | None
    last_hash: str
    at: str

    def payload(self) -> bytes:
        """Return the exact bytes that are signed."""
        body = {
            "format": FORMAT,
            "entries": self.entries,
            "last_id": self.last_id,
            "last_hash": self.last_hash,
            "at": self.at,
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii")


def create_key_file(path: Path) -> None:
    """Write a new Ed25519 signing key (PEM, mode 0600); refuse to overwrite one."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)


def load_key(path: Path) -> Ed25519PrivateKey:
    """Read the signing key; a clear error when it is missing or not an Ed25519 key."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise CheckpointError(
            f"The checkpoint key file {path} does not exist; "
            "set KRUISPUNT_AUDIT_CHECKPOINT_KEY_FILE."
        ) from None
    except ValueError:
        raise CheckpointError(f"The checkpoint key file {path} is not a PEM key.") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"The checkpoint key file {path} is not an Ed25519 key.")
    return key


def sign(key: Ed25519PrivateKey, checkpoint: Checkpoint) -> str:
    """Return one line for the checkpoint file: the checkpoint and its signature."""
    signature = base64.b64encode(key.sign(checkpoint.payload())).decode("ascii")
    body: dict[str, Any] = json.loads(checkpoint.payload())
    body["signature"] = signature
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def _parse(line: str, number: int) -> tuple[Checkpoint, bytes]:
    try:
        body = json.loads(line)
        checkpoint = Checkpoint(
            entries=int(body["entries"]),
            last_id=None if body["last_id"] is None else int(body["last_id"]),
            last_hash=str(body["last_hash"]),
            at=str(body["at"]),
        )
        signature = base64.b64decode(body["signature"], validate=True)
        if body.get("format") != FORMAT:
            raise ValueError("format")
    except (ValueError, KeyError, TypeError):
        raise CheckpointError(f"Checkpoint line {number} cannot be read.") from None
    return checkpoint, signature


def read(path: Path, key: Ed25519PrivateKey) -> list[Checkpoint]:
    """Return the file's checkpoints, each with a good signature; none when there is no file."""
    if not path.exists():
        return []
    public = key.public_key()
    found: list[Checkpoint] = []
    lines = path.read_text(encoding="ascii", errors="replace").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        checkpoint, signature = _parse(line, number)
        try:
            public.verify(signature, checkpoint.payload())
        except InvalidSignature:
            raise CheckpointError(f"Checkpoint line {number} has a bad signature.") from None
        found.append(checkpoint)
    return found


def append(path: Path, key: Ed25519PrivateKey, checkpoint: Checkpoint) -> None:
    """Append a signed checkpoint as one line (a single write: appends do not interleave)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (sign(key, checkpoint) + "\n").encode("ascii")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        os.write(descriptor, line)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def now_text() -> str:
    """Return the current UTC time as ISO text."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
