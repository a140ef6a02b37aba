"""The one module that touches key material: HKDF, HMAC and key fingerprints.

Everyone else calls these recipes. Keys are ``bytes``; a ``str`` is refused so that a
passphrase or hex dump is never mistaken for a key.
"""

from __future__ import annotations

import hmac as _hmac
from hashlib import sha256

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET_BYTES = 32
_FINGERPRINT_INFO = b"kruispunt/v1/fingerprint"


def _require_bytes(key: object, what: str) -> bytes:
    if not isinstance(key, bytes | bytearray):
        raise TypeError(f"{what} must be bytes")
    return bytes(key)


def hkdf_sha256(secret: bytes, *, info: bytes, length: int = 32, salt: bytes | None = None) -> bytes:
    """Derive a subkey from a secret (RFC 5869, SHA-256)."""
    secret = _require_bytes(secret, "secret")
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(secret)


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """Return HMAC-SHA256 of message under key (RFC 2104)."""
    key = _require_bytes(key, "key")
    return _hmac.new(key, message, sha256).digest()


def fingerprint(secret: bytes, *, scheme: str, epoch: int) -> str:
    """Identify scheme + epoch + key without revealing the key: 128 bits, lowercase hex."""
    info = _FINGERPRINT_INFO + f"/{scheme}/{epoch}".encode("ascii")
    return hkdf_sha256(secret, info=info, length=16).hex()
