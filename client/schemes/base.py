"""The pseudonymization scheme interface that every scheme implements.

A scheme turns match keys (kind, level, canonical value) into fixed-length tokens. It works on
sequences so that a scheme evaluated remotely (OPRF) can send one request per many keys.
Tokens are domain-separated by kind, level and epoch inside each scheme, so a phone token
can never equal an address token.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol, runtime_checkable

from client.wire import SchemeName


class MatchKey(NamedTuple):
    """One key to match on: an identifier's canonical form at one match level."""

    kind: str
    level: str
    value: str


@runtime_checkable
class Scheme(Protocol):
    """Turns match keys into tokens; the fingerprint names scheme and key epoch, never the key."""

    @property
    def name(self) -> SchemeName: ...

    @property
    def epoch(self) -> int: ...

    @property
    def fingerprint(self) -> str: ...

    def tokenize(self, keys: Sequence[MatchKey]) -> list[bytes]:
        """Return one TOKEN_BYTES-long token per key, in order."""
        ...
