"""Key epochs: one secret key per epoch in a 0600 file, its public key published in the database.

The secret never enters the database, a log or a response. A key file whose public key does not
match the published one is refused, so a swapped file cannot silently change every agency's tokens
(and agencies would detect it anyway: their proofs verify against the published key).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import Connection, Row, insert, select, update

from client.oprf import group, protocol
from client.oprf.messages import (
    KeyStatus,
    PublicKeyInfo,
    decode_element,
    encode_bytes,
    fingerprint,
)
from keyservice import db
from keyservice.errors import Conflict, InvalidRequest, KeyServiceError, NotFound

log = logging.getLogger(__name__)

KEY_FILE_FORMAT = "kruispunt-keyservice-key/1"


class KeyUnavailable(KeyServiceError):
    """The secret key of a published epoch is missing, unreadable or does not match."""

    status = 500
    code = "key_unavailable"


@dataclass(frozen=True)
class KeyEpoch:
    """A published key epoch: public facts only."""

    epoch: int
    public_key: bytes
    fingerprint: str
    status: KeyStatus
    created_at: dt.datetime
    retired_at: dt.datetime | None

    def info(self) -> PublicKeyInfo:
        """Return the epoch as published on the API and in the federation's key file."""
        return PublicKeyInfo(
            suite=protocol.SUITE,
            epoch=self.epoch,
            public_key=encode_bytes(self.public_key),
            fingerprint=self.fingerprint,
            status=self.status,
            created_at=self.created_at,
            retired_at=self.retired_at,
        )


def key_file(key_dir: Path, epoch: int) -> Path:
    """Return where the secret key of an epoch lives."""
    return key_dir / f"epoch-{epoch:04d}.key"


def _from_row(row: Row[tuple[int, str, str, str, dt.datetime, dt.datetime | None]]) -> KeyEpoch:
    created = db.as_utc(row.created_at)
    assert created is not None  # a NOT NULL column
    return KeyEpoch(
        epoch=row.epoch,
        public_key=decode_element(row.public_key),
        fingerprint=row.fingerprint,
        status=KeyStatus(row.status),
        created_at=created,
        retired_at=db.as_utc(row.retired_at),
    )


_COLUMNS = (
    db.key_epoch.c.epoch,
    db.key_epoch.c.public_key,
    db.key_epoch.c.fingerprint,
    db.key_epoch.c.status,
    db.key_epoch.c.created_at,
    db.key_epoch.c.retired_at,
)


def write_key_file(path: Path, *, epoch: int, secret: bytes, extra: dict[str, int]) -> None:
    """Write a secret key to a new file that only its owner can read (never overwrites)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    document: dict[str, object] = {"format": KEY_FILE_FORMAT, "suite": protocol.SUITE}
    document |= {"epoch": epoch, **extra, "secret_key": secret.hex()}
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        json.dump(document, handle)


def install_key(
    conn: Connection, key_dir: Path, *, epoch: int, secret: bytes, extra: dict[str, int]
) -> KeyEpoch:
    """Keep a secret key as an epoch's key file and publish its public key."""
    if epoch < 1:
        raise InvalidRequest("Epochs start at 1.", code="invalid_epoch")
    path = key_file(key_dir, epoch)
    if path.exists() or conn.execute(select(db.key_epoch.c.epoch).filter_by(epoch=epoch)).first():
        raise Conflict(f"Epoch {epoch} has a key already; pick a new epoch.", code="epoch_exists")
    public = protocol.public_key_of(secret)
    write_key_file(path, epoch=epoch, secret=secret, extra=extra)
    try:
        conn.execute(
            insert(db.key_epoch).values(
                epoch=epoch,
                suite=protocol.SUITE,
                public_key=encode_bytes(public),
                fingerprint=fingerprint(public, epoch=epoch),
                status=KeyStatus.ACTIVE,
                created_at=db.utcnow(),
            )
        )
    except Exception:
        path.unlink()  # no key file without its published epoch
        raise
    return get_key(conn, epoch)


def generate_key(conn: Connection, key_dir: Path, *, epoch: int) -> KeyEpoch:
    """Create the key of a new epoch from fresh randomness (RFC 9497 DeriveKeyPair)."""
    secret, _ = protocol.derive_key_pair(
        secrets.token_bytes(32), f"kruispunt key service epoch {epoch}".encode("ascii")
    )
    return install_key(conn, key_dir, epoch=epoch, secret=secret, extra={})


def get_key(conn: Connection, epoch: int) -> KeyEpoch:
    """Return a published epoch."""
    row = conn.execute(select(*_COLUMNS).where(db.key_epoch.c.epoch == epoch)).first()
    if row is None:
        raise NotFound(
            f"The key service has no key for epoch {epoch}; see GET /api/v1/public-keys.",
            code="unknown_epoch",
        )
    return _from_row(row)


def list_keys(conn: Connection) -> list[KeyEpoch]:
    """Return every published epoch, newest first."""
    rows = conn.execute(select(*_COLUMNS).order_by(db.key_epoch.c.epoch.desc()))
    return [_from_row(row) for row in rows]


def current_key(conn: Connection) -> KeyEpoch:
    """Return the newest active epoch."""
    for key in list_keys(conn):
        if key.status is KeyStatus.ACTIVE:
            return key
    raise NotFound("The key service has no active key epoch yet.", code="unknown_epoch")


def retire_key(conn: Connection, key_dir: Path, epoch: int, *, destroy_secret: bool) -> KeyEpoch:
    """Stop evaluating under an epoch; keep its public key published; maybe delete the secret."""
    key = get_key(conn, epoch)
    if key.status is KeyStatus.ACTIVE:
        conn.execute(
            update(db.key_epoch)
            .where(db.key_epoch.c.epoch == epoch)
            .values(status=KeyStatus.RETIRED, retired_at=db.utcnow())
        )
    if destroy_secret:
        key_file(key_dir, epoch).unlink(missing_ok=True)
    return get_key(conn, epoch)


def _unavailable(epoch: int, reason: str) -> KeyUnavailable:
    log.error("key epoch %d unusable: %s", epoch, reason)
    return KeyUnavailable(
        f"The key of epoch {epoch} cannot be used; the key service operator must check its log."
    )


def load_secret(key_dir: Path, key: KeyEpoch) -> bytes:
    """Read an epoch's secret key, refusing a file others can read or one that is not this key."""
    path = key_file(key_dir, key.epoch)
    try:
        mode = path.stat().st_mode
        document = json.loads(path.read_text(encoding="ascii"))
        secret = group.deserialize_scalar(bytes.fromhex(document["secret_key"]), nonzero=True)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise _unavailable(
            key.epoch, f"key file missing or malformed ({type(error).__name__})"
        ) from error
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise _unavailable(key.epoch, "key file is accessible to others than its owner (chmod 600)")
    if document.get("epoch") != key.epoch or protocol.public_key_of(secret) != key.public_key:
        raise _unavailable(key.epoch, "key file does not hold the published key")
    return secret


class KeyRing:
    """Secret keys read once per process, by epoch."""

    def __init__(self, key_dir: Path) -> None:
        self.key_dir = key_dir
        self._secrets: dict[tuple[int, bytes], bytes] = {}

    def secret(self, key: KeyEpoch) -> bytes:
        """Return the secret of a published epoch, reading its file the first time."""
        cached = self._secrets.get((key.epoch, key.public_key))
        if cached is None:
            cached = self._secrets[(key.epoch, key.public_key)] = load_secret(self.key_dir, key)
        return cached


_RING = "keyservice.ring"


def get_ring() -> KeyRing:
    """Return the current app's key ring."""
    ring: KeyRing = current_app.extensions[_RING]
    return ring


def init_app(app: Flask) -> None:
    """Give the app a key ring over its key folder."""
    app.extensions[_RING] = KeyRing(Path(app.config["KEYSERVICE_KEY_DIR"]))
