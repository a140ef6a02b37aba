"""Scheme ``hmac``: one 256-bit federation secret, HKDF subkeys per kind/level/epoch, HMAC-SHA256.

A token is ``HMAC-SHA256(subkey, UTF-8 canonical value)`` with
``subkey = HKDF-SHA256(secret, salt=none, info="kruispunt/v1/hmac/epoch=E/kind=K/level=L")``,
so a phone token can never equal an address token, and a new epoch makes every token new.
The tokens are pinned by the known-answer vectors in ``tests/golden/tokens/hmac.json``.

Works offline. Its known weakness: any holder of the secret can compute the token of a guessed
identifier, which is why the matcher never answers 'is token X known?' to agencies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from client import primitives
from client.errors import SchemeError
from client.schemes.base import MatchKey
from client.wire import LEVELS, Kind, SchemeName

_Mac = Callable[[bytes], bytes]
_KINDS = frozenset(kind.value for kind in Kind)
_LEVEL_NAMES = frozenset(level for levels in LEVELS.values() for level in levels)


def subkey_info(kind: Kind, level: str, *, epoch: int) -> bytes:
    """Return the HKDF info that separates one (kind, level, epoch) subkey from all others."""
    return f"kruispunt/v1/hmac/epoch={epoch}/kind={kind.value}/level={level}".encode("ascii")


class HmacScheme:
    """Shared-key tokens: HMAC-SHA256 under a subkey per (kind, level, epoch)."""

    __slots__ = ("_epoch", "_fingerprint", "_macs", "_secret")

    def __init__(self, secret: bytes, *, epoch: int) -> None:
        if not isinstance(secret, bytes):
            raise TypeError("the federation secret must be bytes")
        if len(secret) != primitives.SECRET_BYTES:
            raise ValueError(f"the federation secret must be {primitives.SECRET_BYTES} bytes")
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 1:
            raise ValueError("epochs are whole numbers starting at 1")
        self._secret = secret
        self._epoch = epoch
        self._fingerprint = primitives.fingerprint(secret, scheme=SchemeName.HMAC, epoch=epoch)
        # Every subkey is derived up front: the hot path is then one dict lookup and one HMAC.
        self._macs: dict[Kind, dict[str, _Mac]] = {
            kind: {
                level: primitives.hmac_sha256_with(
                    primitives.hkdf_sha256(secret, info=subkey_info(kind, level, epoch=epoch))
                )
                for level in levels
            }
            for kind, levels in LEVELS.items()
        }

    def __repr__(self) -> str:
        return f"HmacScheme(epoch={self._epoch}, fingerprint={self._fingerprint!r})"

    def __reduce__(self) -> tuple[object, ...]:
        # Lets a process pool receive the scheme; the prepared HMAC states cannot be pickled.
        return (_rebuild, (self._secret, self._epoch))

    @property
    def name(self) -> SchemeName:
        return SchemeName.HMAC

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def fingerprint(self) -> str:
        return self._fingerprint

    def tokenize(self, keys: Sequence[MatchKey]) -> list[bytes]:
        """Return HMAC-SHA256(subkey(kind, level, epoch), UTF-8 canonical value) per key."""
        macs = self._macs
        tokens: list[bytes] = []
        append = tokens.append
        for kind, level, value in keys:
            try:
                mac = macs[kind][level]
            except KeyError:
                mac = self._mac_for(kind, level)
            append(mac(value.encode("utf-8")))
        return tokens

    def _mac_for(self, kind: str, level: str) -> _Mac:
        """Find the MAC for a kind given as plain text, or refuse a level the kind does not have."""
        try:
            return self._macs[Kind(kind)][level]
        except (ValueError, KeyError, TypeError):
            # Name only known vocabulary: a caller that swapped fields must not leak a value.
            shown_kind = repr(kind) if kind in _KINDS else "an unknown kind"
            shown_level = repr(level) if level in _LEVEL_NAMES else "an unknown level"
            raise SchemeError(f"no match level {shown_level} for {shown_kind}") from None


def _rebuild(secret: bytes, epoch: int) -> HmacScheme:
    return HmacScheme(secret, epoch=epoch)
