"""A t-of-n threshold VOPRF over several key services, with the same tokens as one key service.

The epoch's key k is split once, at a key ceremony, into n Shamir shares k_j = f(j) of a random
polynomial f of degree t - 1 with f(0) = k (``split_secret``); each share goes to another
organisation's key service, which evaluates with it like with any key and proves it against the
share's public key k_j * G. The agency sends the same blinded batch to t services, verifies each
proof, and combines: sum_j lambda_j * k_j * C = k * C (Lagrange at 0). It also checks that the
shares' public keys combine to the federation's public key, so the combined result is verified.
No single operator can evaluate, and fewer than t can learn nothing about k.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from client.errors import QuotaExceeded, SchemeError
from client.oprf import dleq, group, protocol
from client.oprf.errors import OprfError
from client.oprf.messages import EvaluateRequest, EvaluateResponse, decode_element, decode_proof
from client.oprf.service import KeyServiceClient
from client.oprf.tokens import PROOF_FAILS, batched_inputs, tokens_in_order
from client.schemes.base import MatchKey
from client.schemes.pinned import PinnedKey

_L = group.ORDER


def _int(scalar: bytes) -> int:
    return int.from_bytes(scalar, "little")


def _scalar(value: int) -> bytes:
    return (value % _L).to_bytes(group.SCALAR_BYTES, "little")


def split_secret(secret: bytes, *, threshold: int, shares: int) -> list[tuple[int, bytes]]:
    """Split a secret key into (index, share) pairs, any threshold of which rebuild it."""
    if not 1 <= threshold <= shares <= 255:
        raise ValueError("need 1 <= threshold <= shares <= 255")
    coefficients = [_int(group.deserialize_scalar(secret, nonzero=True))]
    coefficients += [_int(group.random_scalar()) for _ in range(threshold - 1)]
    result = []
    for index in range(1, shares + 1):
        value = sum(c * pow(index, power, _L) for power, c in enumerate(coefficients))
        result.append((index, _scalar(value)))
    return result


def lagrange_at_zero(indices: Sequence[int]) -> dict[int, bytes]:
    """Return each index's Lagrange coefficient for interpolating f(0) from f at indices."""
    if len(set(indices)) != len(indices) or not all(0 < i < _L for i in indices):
        raise ValueError("share indices are distinct and positive")
    coefficients = {}
    for j in indices:
        numerator, denominator = 1, 1
        for m in indices:
            if m != j:
                numerator = numerator * m % _L
                denominator = denominator * (m - j) % _L
        coefficients[j] = _scalar(numerator * pow(denominator, -1, _L))
    return coefficients


def combine_public_keys(share_keys: Mapping[int, bytes]) -> bytes:
    """Return sum_j lambda_j * (k_j * G): the public key the shares stand for."""
    weights = lagrange_at_zero(list(share_keys))
    total = group.IDENTITY
    for index, key in share_keys.items():
        total = group.add(total, group.scalar_mult(weights[index], key))
    return total


@dataclass(frozen=True)
class ShareService:
    """One key service holding share ``index``, and the public key of that share."""

    index: int
    base_url: str
    api_token: str
    public_key: bytes
    transport: httpx.BaseTransport | None = None


class ThresholdOprfScheme(PinnedKey):
    """Tokens from t of n key services; identical to the tokens of the unsplit key."""

    def __init__(
        self,
        services: Sequence[ShareService],
        *,
        public_key: bytes,
        epoch: int,
        threshold: int,
        batch_size: int = 2000,
        timeout: float = 30.0,
        retries: int = 1,
        retry_backoff: float = 0.5,
    ) -> None:
        indices = [service.index for service in services]
        if not 1 <= threshold <= len(services) or len(set(indices)) != len(indices):
            raise ValueError("need at least threshold services with distinct share indices")
        keys = [public_key, *(service.public_key for service in services)]
        if not all(isinstance(key, bytes) and group.is_element(key) for key in keys):
            raise TypeError("public keys must be 32 bytes encoding group elements")
        super().__init__(public_key, epoch=epoch)
        self._services = list(services)
        self._threshold = threshold
        self._batch_size = batch_size
        self._clients = {
            s.index: KeyServiceClient(
                s.base_url,
                api_token=s.api_token,
                transport=s.transport,
                timeout=timeout,
                retries=retries,
                retry_backoff=retry_backoff,
            )
            for s in services
        }
        self._consistent: set[tuple[int, ...]] = set()

    def close(self) -> None:
        """Close the connections to every key service."""
        for client in self._clients.values():
            client.close()

    def tokenize(self, keys: Sequence[MatchKey]) -> list[bytes]:
        """Return one 32-byte token per key, from the answers of threshold key services."""
        unique, batches = batched_inputs(keys, epoch=self._epoch, batch_size=self._batch_size)
        outputs: list[bytes] = []
        for batch in batches:
            outputs += self._evaluate(batch)
        return tokens_in_order(keys, unique, outputs)

    def _evaluate(self, inputs: list[bytes]) -> list[bytes]:
        blinds, blinded = protocol.blind(inputs)
        answers = self._collect(self._request(blinded))
        shares = {
            index: self._verified(index, blinded, answer) for index, answer in answers.items()
        }
        self._check_consistent(tuple(sorted(shares)))
        weights = lagrange_at_zero(list(shares))
        unblind = group.scalar_invert_each(blinds)
        combined = []
        for position, inverse in enumerate(unblind):
            element = group.IDENTITY
            for index, evaluated in shares.items():
                factor = group.scalar_mul(weights[index], inverse)
                element = group.add(element, group.scalar_mult(factor, evaluated[position]))
            combined.append(element)
        return [protocol.hash_output(d, e) for d, e in zip(inputs, combined, strict=True)]

    def _collect(self, request: EvaluateRequest) -> dict[int, EvaluateResponse]:
        """Ask the services in order, concurrently, until threshold of them have answered."""
        answers: dict[int, EvaluateResponse] = {}
        failures: list[tuple[int, SchemeError]] = []
        remaining = list(self._services)
        with ThreadPoolExecutor(max_workers=self._threshold) as pool:
            while len(answers) < self._threshold and remaining:
                wave = remaining[: self._threshold - len(answers)]
                remaining = remaining[len(wave) :]
                futures = {
                    s.index: pool.submit(self._clients[s.index].evaluate, request) for s in wave
                }
                for index, future in futures.items():
                    try:
                        answers[index] = future.result()
                    except SchemeError as error:
                        failures.append((index, error))
        if len(answers) < self._threshold:
            quota = [error for _, error in failures if isinstance(error, QuotaExceeded)]
            if quota:
                raise quota[0]
            reasons = "; ".join(f"share {index}: {error}" for index, error in failures)
            raise SchemeError(
                f"only {len(answers)} of the {self._threshold} key services needed answered "
                f"({reasons})"
            )
        return answers

    def _verified(self, index: int, blinded: list[bytes], answer: EvaluateResponse) -> list[bytes]:
        service = next(s for s in self._services if s.index == index)
        if answer.epoch != self._epoch or len(answer.evaluated) != len(blinded):
            raise SchemeError(f"share {index}: {PROOF_FAILS}")
        try:
            evaluated = [decode_element(text) for text in answer.evaluated]
            dleq.verify_proof(
                protocol.GENERATOR,
                service.public_key,
                blinded,
                evaluated,
                decode_proof(answer.proof),
                protocol.context().proofs,
            )
        except (OprfError, ValueError) as error:
            raise SchemeError(f"share {index}: {PROOF_FAILS}") from error
        return evaluated

    def _check_consistent(self, indices: tuple[int, ...]) -> None:
        """Check once per subset that its shares' public keys combine to the federation's key."""
        if indices in self._consistent:
            return
        keys = {s.index: s.public_key for s in self._services if s.index in indices}
        if combine_public_keys(keys) != self._public_key:
            raise SchemeError(
                "the key services' share keys do not combine to the federation's public key: "
                "stop and inform the federation"
            )
        self._consistent.add(indices)
