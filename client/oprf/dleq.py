"""Batched discrete-log-equality proofs over composites (RFC 9497 section 2.2).

One proof shows that every evaluated element D[i] is k * C[i] for the same k as in B = k * A,
so a key service cannot evaluate one agency's batch under a different key. The batch is folded
into one pair (M, Z) by a random linear combination: one proof for the whole batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import NamedTuple

from client.oprf import group
from client.oprf.errors import DeserializeError, VerifyError

PROOF_BYTES = 2 * group.SCALAR_BYTES
_LENGTH_32 = (32).to_bytes(2, "big")
_LENGTH_64 = (64).to_bytes(2, "big")


class Domains(NamedTuple):
    """The tags a mode's proofs are computed under; both include the RFC's contextString."""

    seed: bytes  # "Seed-" || contextString
    hash_to_scalar: bytes  # "HashToScalar-" || contextString


def _framed(data: bytes) -> bytes:
    return len(data).to_bytes(2, "big") + data


def _seed(public_key: bytes, domains: Domains) -> bytes:
    return hashlib.sha512(_framed(public_key) + _framed(domains.seed)).digest()


def _weights(
    public_key: bytes, blinded: Sequence[bytes], evaluated: Sequence[bytes], domains: Domains
) -> list[bytes]:
    if len(blinded) != len(evaluated) or not blinded:
        raise VerifyError("a proof covers a non-empty batch of pairs")
    if len(blinded) > 0xFFFF:
        raise VerifyError("a proof covers at most 65,535 pairs")
    prefix = _LENGTH_64 + _seed(public_key, domains)
    tag = domains.hash_to_scalar
    return [
        group.hash_to_scalar(
            prefix + i.to_bytes(2, "big") + _LENGTH_32 + c + _LENGTH_32 + d + b"Composite", tag
        )
        for i, (c, d) in enumerate(zip(blinded, evaluated, strict=True))
    ]


def _sum(elements: list[bytes]) -> bytes:
    total = elements[0]
    for element in elements[1:]:
        total = group.add(total, element)
    return total


def compute_composites(
    public_key: bytes, blinded: Sequence[bytes], evaluated: Sequence[bytes], domains: Domains
) -> tuple[bytes, bytes]:
    """Return (M, Z) = (sum d_i C_i, sum d_i D_i): the verifier's side, without the key."""
    weights = _weights(public_key, blinded, evaluated, domains)
    return (
        _sum(group.scalar_mult_pairs(weights, blinded)),
        _sum(group.scalar_mult_pairs(weights, evaluated)),
    )


def compute_composites_fast(
    key: bytes,
    public_key: bytes,
    blinded: Sequence[bytes],
    evaluated: Sequence[bytes],
    domains: Domains,
) -> tuple[bytes, bytes]:
    """Return (M, k * M): the prover's side, which saves one multiplication per pair."""
    weights = _weights(public_key, blinded, evaluated, domains)
    composite = _sum(group.scalar_mult_pairs(weights, blinded))
    return composite, group.scalar_mult(key, composite)


def _challenge(public_key: bytes, elements: Sequence[bytes], domains: Domains) -> bytes:
    transcript = _framed(public_key) + b"".join(_framed(e) for e in elements) + b"Challenge"
    return group.hash_to_scalar(transcript, domains.hash_to_scalar)


def generate_proof(
    key: bytes,
    generator: bytes,
    public_key: bytes,
    blinded: Sequence[bytes],
    evaluated: Sequence[bytes],
    domains: Domains,
    *,
    nonce: bytes | None = None,
) -> bytes:
    """Prove log_A(B) == log_C[i](D[i]) for all i; nonce is fixed only by known-answer tests."""
    composite, evaluated_composite = compute_composites_fast(
        key, public_key, blinded, evaluated, domains
    )
    r = group.random_scalar() if nonce is None else nonce
    t2 = group.scalar_mult(r, generator)
    t3 = group.scalar_mult(r, composite)
    c = _challenge(public_key, (composite, evaluated_composite, t2, t3), domains)
    s = group.scalar_sub(r, group.scalar_mul(c, key))
    return c + s


def verify_proof(
    generator: bytes,
    public_key: bytes,
    blinded: Sequence[bytes],
    evaluated: Sequence[bytes],
    proof: bytes,
    domains: Domains,
) -> None:
    """Raise VerifyError unless proof shows every D[i] is C[i] raised to the key of public_key."""
    if len(proof) != PROOF_BYTES:
        raise VerifyError("a proof is 64 bytes")
    if not group.top_bits_clear(evaluated):
        raise VerifyError("an evaluated element is not canonically encoded")
    try:
        c = group.deserialize_scalar(proof[: group.SCALAR_BYTES])
        s = group.deserialize_scalar(proof[group.SCALAR_BYTES :])
        composite, evaluated_composite = compute_composites(public_key, blinded, evaluated, domains)
        t2 = group.add(group.scalar_mult(s, generator), group.scalar_mult(c, public_key))
        t3 = group.add(group.scalar_mult(s, composite), group.scalar_mult(c, evaluated_composite))
    except DeserializeError as error:
        raise VerifyError("the proof or an evaluated element is malformed") from error
    expected = _challenge(public_key, (composite, evaluated_composite, t2, t3), domains)
    if expected != c:
        raise VerifyError("the proof does not verify against the public key")
