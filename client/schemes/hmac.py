"""Scheme ``hmac``: one 256-bit federation secret, HKDF subkeys per kind/level/epoch, HMAC-SHA256.

Works offline. Its known weakness: any holder of the secret can compute the token of a guessed
identifier, which is why the matcher never answers 'is token X known?' to agencies.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from client import primitives
from client.schemes.base import MatchKey
from client.wire import Kind, SchemeName


class HmacScheme:
    """Shared-key tokens: HMAC-SHA256 under a subkey per (kind, level, epoch)."""

    def __init__(self, secret: bytes, *, epoch: int) -> None:
        if not isinstance(secret, bytes) or len(secret) != primitives.SECRET_BYTES:
            raise TypeError("the federation secret must be 32 bytes")
        if epoch < 1:
            raise ValueError("epochs start at 1")
        self._secret = secret
        self._epoch = epoch
        self._fingerprint = primitives.fingerprint(secret, scheme="hmac", epoch=epoch)
        self._subkey = lru_cache(maxsize=64)(self._derive_subkey)

    def __repr__(self) -> str:
        return f"HmacScheme(epoch={self._epoch}, fingerprint={self._fingerprint!r})"

    @property
    def name(self) -> SchemeName:
        return SchemeName.HMAC

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def fingerprint(self) -> str:
        return self._fingerprint

    def _derive_subkey(self, kind: Kind, level: str) -> bytes:
        info = f"kruispunt/v1/hmac/epoch={self._epoch}/kind={kind.value}/level={level}"
        return primitives.hkdf_sha256(self._secret, info=info.encode("ascii"))

    def tokenize(self, keys: Sequence[MatchKey]) -> list[bytes]:
        """Return HMAC-SHA256(subkey(kind, level, epoch), UTF-8 canonical value) per key."""
        return [
            primitives.hmac_sha256(self._subkey(key.kind, key.level), key.value.encode("utf-8"))
            for key in keys
        ]
