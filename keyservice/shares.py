"""Split an epoch's key into t-of-n shares for several key services, and import a share.

The split happens once, at a key ceremony, on the key service that generated the epoch: it
writes one 0600 share file per key service and the public threshold document the federation
publishes. Each receiving key service imports its share as its own key of that epoch; agencies
then use ``client.schemes.threshold.ThresholdOprfScheme``. Afterwards the ceremony's key service
should retire the epoch with ``--destroy-secret``, so that no single operator holds the whole key.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Connection

from client.oprf import group, protocol
from client.oprf.messages import SharePublicKey, ThresholdKeyInfo, encode_bytes, fingerprint
from client.schemes.threshold import split_secret
from keyservice import keys
from keyservice.errors import InvalidRequest


def share_file(out_dir: Path, epoch: int, index: int) -> Path:
    """Return where a share of an epoch is written for handing over."""
    return out_dir / f"epoch-{epoch:04d}-share-{index}.key"


def split_key(
    conn: Connection, key_dir: Path, *, epoch: int, threshold: int, shares: int, out_dir: Path
) -> ThresholdKeyInfo:
    """Write shares of an epoch's key, any threshold of which evaluate like the whole key."""
    if not 1 <= threshold <= shares <= 255:
        raise InvalidRequest("Need 1 <= threshold <= shares <= 255.", code="invalid_split")
    key = keys.get_key(conn, epoch)
    secret = keys.load_secret(key_dir, key)
    published = []
    for index, share in split_secret(secret, threshold=threshold, shares=shares):
        extra = {"share": index, "threshold": threshold}
        keys.write_key_file(
            share_file(out_dir, epoch, index), epoch=epoch, secret=share, extra=extra
        )
        public = protocol.public_key_of(share)
        published.append(
            SharePublicKey(
                index=index,
                public_key=encode_bytes(public),
                fingerprint=fingerprint(public, epoch=epoch),
            )
        )
    return ThresholdKeyInfo(
        suite=protocol.SUITE,
        epoch=epoch,
        public_key=encode_bytes(key.public_key),
        fingerprint=key.fingerprint,
        threshold=threshold,
        shares=published,
    )


def import_key(conn: Connection, key_dir: Path, path: Path) -> keys.KeyEpoch:
    """Make a handed-over key or share file this key service's key of its epoch."""
    try:
        document = json.loads(path.read_text(encoding="ascii"))
        epoch = int(document["epoch"])
        secret = group.deserialize_scalar(bytes.fromhex(document["secret_key"]), nonzero=True)
        if document.get("format") != keys.KEY_FILE_FORMAT or document["suite"] != protocol.SUITE:
            raise ValueError("format")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InvalidRequest(
            f"{path.name} is not a readable key file of this suite.", code="invalid_key_file"
        ) from error
    extra = {name: int(document[name]) for name in ("share", "threshold") if name in document}
    return keys.install_key(conn, key_dir, epoch=epoch, secret=secret, extra=extra)
