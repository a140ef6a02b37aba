"""Scheme ``oprf``: tokens from an RFC 9497 VOPRF that the federation's key service evaluates.

The agency holds no key. Each match key is framed with scheme, epoch, kind and level, hashed to
the group and blinded on this machine; the key service multiplies the blinded elements by its
secret key and proves, for the whole batch at once, that it used the key whose public part the
federation published. A wrong key or a bad proof stops the run: tokens made under another key
would silently never match. The key service sees only blinded elements and their count.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

import httpx

from client.errors import KeyFileError, SchemeError
from client.oprf import group, protocol
from client.oprf.errors import OprfError
from client.oprf.messages import (
    EvaluateRequest,
    EvaluateResponse,
    PublicKeyInfo,
    decode_element,
    decode_proof,
    fingerprint,
)
from client.oprf.service import KeyServiceClient, KeyServiceQuotaExceeded, fetch_public_key
from client.oprf.tokens import PROOF_FAILS, batched_inputs, oprf_input, token_of, tokens_in_order
from client.schemes.base import MatchKey
from client.schemes.pinned import PinnedKey
from client.schemes.threshold import ShareService, ThresholdOprfScheme

__all__ = [
    "PROOF_FAILS",
    "KeyServiceQuotaExceeded",
    "OprfScheme",
    "ShareService",
    "ThresholdOprfScheme",
    "oprf_input",
    "token_of",
]


class _Blinded(NamedTuple):
    """A batch ready to send, and what finalizing its answer needs."""

    inputs: list[bytes]
    blinds: list[bytes]
    blinded: list[bytes]
    request: EvaluateRequest


class OprfScheme(PinnedKey):
    """Tokens via the key service, verified against a pinned public key."""

    def __init__(
        self,
        base_url: str,
        *,
        api_token: str,
        public_key: bytes,
        epoch: int,
        transport: httpx.BaseTransport | None = None,
        batch_size: int = 2000,
        timeout: float = 30.0,
        retries: int = 3,
        retry_backoff: float = 0.5,
        max_wait: float = 60.0,
    ) -> None:
        if not isinstance(public_key, bytes) or not group.is_element(public_key):
            raise TypeError("the pinned public key must be 32 bytes encoding a group element")
        if epoch < 1:
            raise ValueError("epochs start at 1")
        if not 1 <= batch_size <= 0xFFFF:
            raise ValueError("batch_size is between 1 and 65,535")
        super().__init__(public_key, epoch=epoch)
        self._batch_size = batch_size
        self._service = KeyServiceClient(
            base_url,
            api_token=api_token,
            transport=transport,
            timeout=timeout,
            retries=retries,
            retry_backoff=retry_backoff,
            max_wait=max_wait,
        )

    @classmethod
    def from_service(
        cls,
        base_url: str,
        *,
        api_token: str,
        expected_fingerprint: str,
        epoch: int | None = None,
        transport: httpx.BaseTransport | None = None,
        **options: Any,
    ) -> OprfScheme:
        """Fetch the published key of an epoch (default: current) and pin it if it is expected."""
        info = fetch_public_key(base_url, epoch=epoch, transport=transport)
        return cls._pinned(info, expected_fingerprint, base_url, api_token, transport, options)

    @classmethod
    def from_public_key_file(
        cls,
        path: str | Path,
        base_url: str,
        *,
        api_token: str,
        expected_fingerprint: str | None = None,
        transport: httpx.BaseTransport | None = None,
        **options: Any,
    ) -> OprfScheme:
        """Pin the key in a document the federation published (``key publish`` writes it)."""
        try:
            info = PublicKeyInfo.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            raise KeyFileError(f"{path}: not a readable public key document") from error
        expected = info.fingerprint if expected_fingerprint is None else expected_fingerprint
        return cls._pinned(info, expected, base_url, api_token, transport, options)

    @classmethod
    def _pinned(
        cls,
        info: PublicKeyInfo,
        expected_fingerprint: str,
        base_url: str,
        api_token: str,
        transport: httpx.BaseTransport | None,
        options: dict[str, Any],
    ) -> OprfScheme:
        key = group.deserialize_element(decode_element(info.public_key))
        if fingerprint(key, epoch=info.epoch) != expected_fingerprint.lower():
            raise SchemeError(
                f"the key of epoch {info.epoch} does not have the fingerprint you expect: "
                "stop and inform the federation"
            )
        return cls(
            base_url,
            api_token=api_token,
            public_key=key,
            epoch=info.epoch,
            transport=transport,
            **options,
        )

    def __repr__(self) -> str:
        return f"OprfScheme(epoch={self._epoch}, fingerprint={self._fingerprint!r})"

    def __enter__(self) -> OprfScheme:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections to the key service."""
        self._service.close()

    def tokenize(self, keys: Sequence[MatchKey]) -> list[bytes]:
        """Return one 32-byte token per key; equal keys cost one evaluation."""
        unique, batches = batched_inputs(keys, epoch=self._epoch, batch_size=self._batch_size)
        if len(batches) == 1:
            blinded = self._blind(batches[0])
            outputs = self._finalize(blinded, self._service.evaluate(blinded.request))
        else:
            outputs = self._evaluate_pipelined(batches)
        return tokens_in_order(keys, unique, outputs)

    def _evaluate_pipelined(self, batches: list[list[bytes]]) -> list[bytes]:
        """Blind and finalize on this thread while the key service works on the previous batch."""
        outputs: list[bytes] = []
        in_flight: deque[tuple[_Blinded, Future[EvaluateResponse]]] = deque()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="oprf-http") as http_thread:
            try:
                for batch in batches:
                    blinded = self._blind(batch)
                    in_flight.append(
                        (blinded, http_thread.submit(self._service.evaluate, blinded.request))
                    )
                    if len(in_flight) > 1:
                        done, answer = in_flight.popleft()
                        outputs += self._finalize(done, answer.result())
                while in_flight:
                    done, answer = in_flight.popleft()
                    outputs += self._finalize(done, answer.result())
            finally:
                for _, answer in in_flight:  # after an error, send nothing more
                    answer.cancel()
        return outputs

    def _blind(self, inputs: list[bytes]) -> _Blinded:
        try:
            blinds, blinded = protocol.blind(inputs)
        except OprfError as error:
            raise SchemeError(f"an input cannot be blinded ({error})") from error
        return _Blinded(inputs, blinds, blinded, self._request(blinded))

    def _finalize(self, batch: _Blinded, answer: EvaluateResponse) -> list[bytes]:
        if answer.epoch != self._epoch or len(answer.evaluated) != len(batch.blinded):
            raise SchemeError(PROOF_FAILS)
        try:
            evaluated = [decode_element(text) for text in answer.evaluated]
            return protocol.finalize(
                batch.inputs,
                batch.blinds,
                evaluated,
                blinded=batch.blinded,
                public_key=self._public_key,
                proof=decode_proof(answer.proof),
            )
        except (OprfError, ValueError) as error:
            raise SchemeError(PROOF_FAILS) from error
