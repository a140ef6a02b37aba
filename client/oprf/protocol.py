"""The OPRF and VOPRF protocols of RFC 9497 for the suite ristretto255-SHA512.

Client side: ``blind`` then, with the key service's answer, ``finalize`` (which verifies the
proof in VOPRF mode). Server side: ``blind_evaluate``. ``derive_key_pair`` turns a seed into a
key pair. Blinds and the proof nonce are random; known-answer tests fix them through the keyword
arguments ``blinds`` and ``nonce``, which nothing else should pass.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from enum import IntEnum
from functools import cache

from client.oprf import dleq, group
from client.oprf.errors import DeriveKeyPairError, InvalidInputError, VerifyError

SUITE = "ristretto255-SHA512"
#: the RFC caps inputs and infos at 2^16 - 1 bytes (two-byte length prefixes)
MAX_INPUT_BYTES = 0xFFFF
GENERATOR = group.base_mult((1).to_bytes(group.SCALAR_BYTES, "little"))


class Mode(IntEnum):
    """RFC 9497 modes; this project uses VOPRF (see docs/keyservice.md for why not POPRF)."""

    OPRF = 0x00
    VOPRF = 0x01


class Context:
    """The domain separation tags of one mode, all derived from the RFC's contextString."""

    def __init__(self, mode: Mode) -> None:
        self.mode = mode
        self.context_string = b"OPRFV1-" + bytes([mode]) + b"-" + SUITE.encode("ascii")
        self.hash_to_group = b"HashToGroup-" + self.context_string
        self.derive_key_pair = b"DeriveKeyPair" + self.context_string
        self.proofs = dleq.Domains(
            seed=b"Seed-" + self.context_string,
            hash_to_scalar=b"HashToScalar-" + self.context_string,
        )


@cache
def context(mode: Mode = Mode.VOPRF) -> Context:
    """Return the tags of a mode, built once."""
    return Context(mode)


def _framed(data: bytes) -> bytes:
    if len(data) > MAX_INPUT_BYTES:
        raise InvalidInputError("an input is longer than 65,535 bytes")
    return len(data).to_bytes(2, "big") + data


def derive_key_pair(seed: bytes, info: bytes, *, mode: Mode = Mode.VOPRF) -> tuple[bytes, bytes]:
    """Derive (secret key, public key) from a 32-byte seed and a public info string."""
    if len(seed) != group.SCALAR_BYTES:
        raise DeriveKeyPairError("the seed is 32 bytes")
    derive_input = seed + _framed(info)
    for counter in range(256):
        secret = group.hash_to_scalar(
            derive_input + bytes([counter]), context(mode).derive_key_pair
        )
        if secret != bytes(group.SCALAR_BYTES):
            return secret, group.base_mult(secret)
    raise DeriveKeyPairError("no non-zero key in 256 attempts")


def public_key_of(secret: bytes) -> bytes:
    """Return the public key of a secret key that is a canonical, non-zero scalar."""
    return group.base_mult(group.deserialize_scalar(secret, nonzero=True))


def blind(
    inputs: Sequence[bytes], *, mode: Mode = Mode.VOPRF, blinds: Sequence[bytes] | None = None
) -> tuple[list[bytes], list[bytes]]:
    """Return (blinds, blinded elements): each input hashed to the group and masked by a blind."""
    ctx = context(mode)
    points = []
    for index, data in enumerate(inputs):
        point = group.hash_to_group(data, ctx.hash_to_group)
        if point == group.IDENTITY:
            raise InvalidInputError(f"input at position {index} maps to the identity")
        points.append(point)
    scalars = [group.random_scalar() for _ in points] if blinds is None else list(blinds)
    return scalars, group.scalar_mult_pairs(scalars, points)


def blind_evaluate(
    secret: bytes,
    blinded: Sequence[bytes],
    *,
    mode: Mode = Mode.VOPRF,
    public_key: bytes | None = None,
    nonce: bytes | None = None,
) -> tuple[list[bytes], bytes | None]:
    """Return (evaluated elements, proof); the proof is None in OPRF mode.

    Blinded elements must have passed ``group.deserialize_element``; an identity or invalid
    element still raises DeserializeError with its position, never its bytes.
    """
    evaluated = group.scalar_mult_each(secret, blinded)
    if mode is Mode.OPRF:
        return evaluated, None
    public = group.base_mult(secret) if public_key is None else public_key
    proof = dleq.generate_proof(
        secret, GENERATOR, public, blinded, evaluated, context(mode).proofs, nonce=nonce
    )
    return evaluated, proof


def hash_output(data: bytes, unblinded: bytes) -> bytes:
    """Return the RFC's Finalize hash of an input and its unblinded element."""
    return hashlib.sha512(_framed(data) + _framed(unblinded) + b"Finalize").digest()


def finalize(
    inputs: Sequence[bytes],
    blinds: Sequence[bytes],
    evaluated: Sequence[bytes],
    *,
    mode: Mode = Mode.VOPRF,
    blinded: Sequence[bytes] | None = None,
    public_key: bytes | None = None,
    proof: bytes | None = None,
) -> list[bytes]:
    """Return the 64-byte PRF output per input; in VOPRF mode only after the proof verifies."""
    if not len(inputs) == len(blinds) == len(evaluated):
        raise VerifyError("the key service answered a different number of elements")
    if not group.top_bits_clear(evaluated):
        raise VerifyError("an evaluated element is not canonically encoded")
    if mode is Mode.VOPRF:
        if blinded is None or public_key is None or proof is None:
            raise TypeError("VOPRF finalization needs the blinded elements, public key and proof")
        dleq.verify_proof(GENERATOR, public_key, blinded, evaluated, proof, context(mode).proofs)
    unblinded = group.scalar_mult_pairs(group.scalar_invert_each(blinds), evaluated)
    return [hash_output(data, element) for data, element in zip(inputs, unblinded, strict=True)]


def evaluate(secret: bytes, data: bytes, *, mode: Mode = Mode.VOPRF) -> bytes:
    """Return the PRF output of one input computed with the key itself (tests, audits)."""
    point = group.hash_to_group(data, context(mode).hash_to_group)
    if point == group.IDENTITY:
        raise InvalidInputError("the input maps to the identity")
    return hash_output(data, group.scalar_mult(secret, point))
