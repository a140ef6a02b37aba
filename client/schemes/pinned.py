"""What both OPRF schemes share: the federation's public key of one epoch, pinned on this machine.

The one-service scheme (:mod:`.oprf`) and the t-of-n scheme (:mod:`.threshold`) verify every answer
against this key, name themselves by its fingerprint and frame every request with its epoch.
"""

from __future__ import annotations

from collections.abc import Sequence

from client.oprf import protocol
from client.oprf.messages import EvaluateRequest, encode_bytes, fingerprint
from client.wire import SchemeName


class PinnedKey:
    """The scheme's name, epoch, public key and fingerprint, and the request for blinded inputs."""

    def __init__(self, public_key: bytes, *, epoch: int) -> None:
        self._public_key = public_key
        self._epoch = epoch
        self._fingerprint = fingerprint(public_key, epoch=epoch)

    @property
    def name(self) -> SchemeName:
        return SchemeName.OPRF

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def fingerprint(self) -> str:
        return self._fingerprint

    @property
    def public_key(self) -> bytes:
        return self._public_key

    def _request(self, blinded: Sequence[bytes]) -> EvaluateRequest:
        """Return the evaluation request for blinded elements under this epoch."""
        return EvaluateRequest(
            suite=protocol.SUITE, epoch=self._epoch, blinded=[encode_bytes(e) for e in blinded]
        )
