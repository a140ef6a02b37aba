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

from client import kinds, primitives
from client.errors import SchemeError
from client.schemes.base import MatchKey
from client.wire import SchemeName

_Mac = Callable[[bytes], bytes]


def subkey_info(kind: str, level: str, *, epoch: int) -> bytes:
    """Return the HKDF info that separates one (kind, level, epoch) subkey from all others."""
    return f"kruispunt/v1/hmac/epoch={epoch}/kind={kind}/level={level}".encode("ascii")


class HmacScheme:
    """Shared-key tokens: HMAC-SHA256 under a subkey per (kind, level, epoch)."""

    __slots__ = ("_epoch", "_fingerprint", "_macs", "_secret", "_states")

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
        self._states: dict[str, dict[str, primitives.HmacStates]] = {
            spec.name: {level: self._derive(spec.name, level) for level in spec.level_names}
            for spec in kinds.specs()
        }
        self._macs: dict[str, dict[str, _Mac]] = {
            kind: {
                level: primitives.hmac_sha256_prepared(states) for level, states in levels.items()
            }
            for kind, levels in self._states.items()
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

    def tokenize_values(self, kind: str, keys: Sequence[tuple[str, str]]) -> list[bytes]:
        """Return the tokens of one kind's (level, canonical value) keys: ``tokenize`` without
        a MatchKey per key, for the client's hot path (an identifier's keys at once)."""
        try:
            return primitives.hmac_sha256_labelled(self._states[kind], keys)
        except KeyError:  # a kind registered since, or a level it does not have
            return self.tokenize([MatchKey(kind, level, value) for level, value in keys])

    def _derive(self, kind: str, level: str) -> primitives.HmacStates:
        # a level declared with a token domain (address/no_addition) shares that level's subkey
        info = subkey_info(kind, kinds.domain_level(kind, level), epoch=self._epoch)
        return primitives.hmac_sha256_states(primitives.hkdf_sha256(self._secret, info=info))

    def _mac_for(self, kind: str, level: str) -> _Mac:
        """Find the MAC of a kind registered after the scheme was made, or refuse the level."""
        spec = kinds.spec(kind) if isinstance(kind, str) else None
        if spec is None or not isinstance(level, str) or spec.level(level) is None:
            # Name only known vocabulary: a caller that swapped fields must not leak a value.
            shown_kind = repr(kind) if spec is not None else "an unknown kind"
            known_levels = {name for each in kinds.specs() for name in each.level_names}
            shown_level = repr(level) if level in known_levels else "an unknown level"
            raise SchemeError(f"no match level {shown_level} for {shown_kind}")
        states = self._derive(kind, level)
        self._states.setdefault(kind, {})[level] = states
        mac = self._macs.setdefault(kind, {})[level] = primitives.hmac_sha256_prepared(states)
        return mac


def _rebuild(secret: bytes, epoch: int) -> HmacScheme:
    return HmacScheme(secret, epoch=epoch)
