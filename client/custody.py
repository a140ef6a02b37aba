"""Key custody: split the federation secret into Shamir shares, k of n custodians rebuild it.

pycryptodome's Shamir scheme shares 16-byte secrets (over GF(2^128)), so the 32-byte secret is
split as two halves, each shared with the same indices; a custodian's share carries both halves.
A share document is small JSON a custodian can store or print::

    {"format": "kruispunt-key-share/1", "scheme": "hmac", "epoch": 1, "fingerprint": "<32 hex>",
     "created": "<ISO 8601>", "threshold": 3, "shares": 5, "index": 2,
     "share": "<64 hex, in groups of 8>", "checksum": "<8 hex>"}

The checksum (SHA-256 over the other fields) catches a mistyped character before combining; the
fingerprint proves the combined secret is the original one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from Crypto.Protocol.SecretSharing import Shamir

from client import primitives
from client.errors import KeyFileError
from client.keys import FederationKey, write_private_file

FORMAT = "kruispunt-key-share/1"
MAX_SHARES = 255
_HALF = primitives.SECRET_BYTES // 2
_FIELDS = ("scheme", "epoch", "fingerprint", "created", "threshold", "shares", "index", "share")


@dataclass(frozen=True, kw_only=True)
class KeyShare:
    """One custodian's share of a federation key; its repr never shows the share data."""

    scheme: str
    epoch: int
    fingerprint: str
    created: dt.datetime
    threshold: int
    count: int
    index: int
    data: bytes

    def __repr__(self) -> str:
        return (
            f"KeyShare(index={self.index}, of={self.count}, threshold={self.threshold},"
            f" epoch={self.epoch}, fingerprint={self.fingerprint!r})"
        )


def split(key: FederationKey, *, threshold: int, shares: int) -> list[KeyShare]:
    """Split a key into n shares of which any `threshold` rebuild it and fewer reveal nothing."""
    if not 2 <= threshold <= shares <= MAX_SHARES:
        raise ValueError(f"need 2 <= threshold <= shares <= {MAX_SHARES}")
    low = Shamir.split(threshold, shares, key.secret[:_HALF])
    high = Shamir.split(threshold, shares, key.secret[_HALF:])
    return [
        KeyShare(
            scheme=key.scheme,
            epoch=key.epoch,
            fingerprint=key.fingerprint,
            created=key.created,
            threshold=threshold,
            count=shares,
            index=index,
            data=low_share + high_share,
        )
        for (index, low_share), (_, high_share) in zip(low, high, strict=True)
    ]


def combine(shares: Iterable[KeyShare]) -> FederationKey:
    """Rebuild the key from at least `threshold` shares and prove it against the fingerprint."""
    given = sorted(_distinct(shares), key=lambda share: share.index)
    first = given[0]
    if len(given) < first.threshold:
        raise KeyFileError(f"not enough shares: {len(given)} given, {first.threshold} needed")
    used, extra = given[: first.threshold], given[first.threshold :]
    key = FederationKey(
        _interpolate(used), epoch=first.epoch, scheme=first.scheme, created=first.created
    )
    if not primitives.equal(key.fingerprint, first.fingerprint):
        raise KeyFileError(
            "not enough or mismatched shares: the combined key does not match fingerprint"
            f" {first.fingerprint}; check that every share comes from the same split"
        )
    for share in extra:  # a share beyond the threshold must rebuild the same key
        if not primitives.equal(_interpolate([*used[1:], share]), key.secret):
            raise KeyFileError(f"share {share.index} does not belong to this split")
    return key


def _distinct(shares: Iterable[KeyShare]) -> list[KeyShare]:
    """Drop exact duplicates; refuse shares of different keys or splits."""
    by_index: dict[int, KeyShare] = {}
    for share in shares:
        known = by_index.setdefault(share.index, share)
        if not primitives.equal(known.data, share.data):
            raise KeyFileError(f"two different shares carry index {share.index}")
    if not by_index:
        raise KeyFileError("no shares given")
    headers = {(s.scheme, s.epoch, s.fingerprint, s.threshold, s.count) for s in by_index.values()}
    if len(headers) > 1:
        raise KeyFileError("the shares belong to different keys or splits (epoch or fingerprint)")
    return list(by_index.values())


def _interpolate(shares: list[KeyShare]) -> bytes:
    low = Shamir.combine([(share.index, share.data[:_HALF]) for share in shares])
    high = Shamir.combine([(share.index, share.data[_HALF:]) for share in shares])
    return low + high


def dump_share(share: KeyShare) -> str:
    """Return the share document's JSON text, checksum included."""
    hex_data = share.data.hex()
    fields: dict[str, object] = {
        "format": FORMAT,
        "scheme": share.scheme,
        "epoch": share.epoch,
        "fingerprint": share.fingerprint,
        "created": share.created.isoformat(),
        "threshold": share.threshold,
        "shares": share.count,
        "index": share.index,
        "share": " ".join(hex_data[at : at + 8] for at in range(0, len(hex_data), 8)),
    }
    fields["checksum"] = _checksum(fields)
    return json.dumps(fields, indent=2) + "\n"


def load_share(text: str, *, origin: str = "share") -> KeyShare:
    """Parse a share document; a typo or a damaged field raises KeyFileError naming the field."""
    try:
        document = json.loads(text)
    except ValueError:
        raise KeyFileError(f"{origin} is not a JSON share document") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise KeyFileError(f"{origin} is not a {FORMAT} document")
    missing = [name for name in (*_FIELDS, "checksum") if name not in document]
    if missing:
        raise KeyFileError(f"{origin} lacks the field(s) {', '.join(missing)}")
    if not isinstance(document["share"], str) or not isinstance(document["checksum"], str):
        raise KeyFileError(f"{origin}: 'share' and 'checksum' must be text")
    document["share"] = "".join(document["share"].split()).lower()
    if not primitives.equal(_checksum(document), document["checksum"].strip().lower()):
        raise KeyFileError(
            f"{origin}: checksum mismatch: a character was mistyped or the share is damaged"
        )
    try:
        share = KeyShare(
            scheme=str(document["scheme"]),
            epoch=int(document["epoch"]),
            fingerprint=str(document["fingerprint"]),
            created=dt.datetime.fromisoformat(document["created"]),
            threshold=int(document["threshold"]),
            count=int(document["shares"]),
            index=int(document["index"]),
            data=bytes.fromhex(document["share"]),
        )
    except (TypeError, ValueError):
        raise KeyFileError(f"{origin}: a field has the wrong type") from None
    if len(share.data) != primitives.SECRET_BYTES or not 1 <= share.index <= share.count:
        raise KeyFileError(f"{origin}: the share data or index is out of range")
    return share


def _checksum(fields: dict[str, object]) -> str:
    """Hash every field but the checksum, with the share as plain hex, to catch any typo."""
    canonical = {name: fields[name] for name in _FIELDS}
    canonical["share"] = "".join(str(canonical["share"]).split()).lower()
    encoded = json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:8]


def write_shares(shares: list[KeyShare], directory: str | os.PathLike[str]) -> list[Path]:
    """Write one share file per custodian (mode 0600), never replacing an existing file."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_private_file(
            folder / f"share-{s.fingerprint[:8]}-{s.index}-of-{s.count}.json", dump_share(s)
        )
        for s in shares
    ]


def read_share(path: str | os.PathLike[str]) -> KeyShare:
    """Read one custodian's share file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise KeyFileError(f"cannot read share {path}: {reason}") from None
    return load_share(text, origin=f"share {path}")
