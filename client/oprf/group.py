"""The ristretto255 group and its hashes (RFC 9496, RFC 9380), on libsodium through ctypes.

Elements and scalars are 32-byte strings in their canonical encodings, so values travel between
the client, the key service and libsodium without conversion. The calls go straight to the
library that ``pysodium`` loaded, with one reused output buffer, because per-element Python
overhead is a visible share of the cost of a batch.
"""

from __future__ import annotations

import ctypes
import hashlib
from collections.abc import Sequence

import pysodium

from client.oprf.errors import DeserializeError

ELEMENT_BYTES = 32
SCALAR_BYTES = 32
#: the prime order of ristretto255
ORDER = 2**252 + 27742317777372353535851937790883648493
IDENTITY = bytes(ELEMENT_BYTES)
_NOT_AN_ELEMENT = "not a canonical, non-identity ristretto255 element"
_HASH_BYTES = 64  # SHA-512 output; also the input of the one-way map and of scalar reduction
_BLOCK_BYTES = 128  # SHA-512 input block
_ZERO_PAD = hashlib.sha512(bytes(_BLOCK_BYTES))  # Z_pad, hashed once and copied per message
_LENGTH_64 = (64).to_bytes(2, "big")

_lib = pysodium.sodium
_scalarmult = _lib.crypto_scalarmult_ristretto255
_scalarmult_base = _lib.crypto_scalarmult_ristretto255_base
_from_hash = _lib.crypto_core_ristretto255_from_hash
_add = _lib.crypto_core_ristretto255_add
_is_valid_point = _lib.crypto_core_ristretto255_is_valid_point
_scalar_reduce = _lib.crypto_core_ristretto255_scalar_reduce
_scalar_mul = _lib.crypto_core_ristretto255_scalar_mul
_scalar_sub = _lib.crypto_core_ristretto255_scalar_sub
_scalar_invert = _lib.crypto_core_ristretto255_scalar_invert
_scalar_random = _lib.crypto_core_ristretto255_scalar_random


def _buffer() -> ctypes.Array[ctypes.c_char]:
    return ctypes.create_string_buffer(ELEMENT_BYTES)


def expand_message_xmd(message: bytes, dst: bytes) -> bytes:
    """Return 64 uniform bytes (RFC 9380 5.3.1, SHA-512, len_in_bytes = 64, so ell = 1)."""
    if len(dst) > 255:
        raise ValueError("a domain separation tag is at most 255 bytes")
    dst_prime = dst + bytes([len(dst)])
    b_0 = _ZERO_PAD.copy()
    b_0.update(message + _LENGTH_64 + b"\x00" + dst_prime)
    return hashlib.sha512(b_0.digest() + b"\x01" + dst_prime).digest()


def hash_to_group(message: bytes, dst: bytes) -> bytes:
    """Map bytes to an element: expand_message_xmd, then ristretto255's one-way map."""
    out = _buffer()
    _from_hash(out, expand_message_xmd(message, dst))
    return out.raw


def hash_to_scalar(message: bytes, dst: bytes) -> bytes:
    """Map bytes to a scalar: 64 uniform bytes reduced modulo the group order."""
    out = _buffer()
    _scalar_reduce(out, expand_message_xmd(message, dst))
    return out.raw


def is_element(data: bytes) -> bool:
    """Tell whether data is the canonical encoding of an element other than the identity."""
    # libsodium 1.0.18 ignores the top bit when decoding, so x and x + 2^255 would both pass
    # (and 2^255 would decode to the identity): RFC 9496 refuses any value >= p.
    return (
        len(data) == ELEMENT_BYTES
        and not data[31] & 0x80
        and data != IDENTITY
        and _is_valid_point(data) == 1
    )


def top_bits_clear(elements: Sequence[bytes]) -> bool:
    """Tell whether every encoding is 32 bytes with the top bit clear, the check libsodium skips.

    Where a multiplication follows, libsodium's own decoding does the rest of the validation.
    """
    return all(len(element) == ELEMENT_BYTES and not element[31] & 0x80 for element in elements)


def deserialize_element(data: bytes, *, index: int | None = None) -> bytes:
    """Return data if it encodes a non-identity element; the error never shows the bytes."""
    if not is_element(data):
        raise DeserializeError("not a canonical, non-identity ristretto255 element", index=index)
    return data


def deserialize_scalar(data: bytes, *, nonzero: bool = False) -> bytes:
    """Return data if it is a canonical scalar (below the group order), optionally non-zero."""
    if len(data) != SCALAR_BYTES or int.from_bytes(data, "little") >= ORDER:
        raise DeserializeError("not a canonical ristretto255 scalar")
    if nonzero and data == bytes(SCALAR_BYTES):
        raise DeserializeError("the scalar is zero")
    return data


def scalar_mult(scalar: bytes, element: bytes) -> bytes:
    """Return scalar * element; the identity when the scalar is zero."""
    out = _buffer()
    if _scalarmult(out, scalar, element) != 0:
        # libsodium refuses invalid encodings and identity results alike: tell them apart
        if _is_valid_point(element) != 1:
            raise DeserializeError("not a canonical ristretto255 element")
        return IDENTITY
    return out.raw


def scalar_mult_each(scalar: bytes, elements: Sequence[bytes]) -> list[bytes]:
    """Return scalar * element for each element (a key applied to a batch)."""
    out = _buffer()
    results = []
    for index, element in enumerate(elements):
        if _scalarmult(out, scalar, element) != 0:
            raise DeserializeError(_NOT_AN_ELEMENT, index=index)
        results.append(out.raw)
    return results


def scalar_mult_pairs(scalars: Sequence[bytes], elements: Sequence[bytes]) -> list[bytes]:
    """Return scalars[i] * elements[i] for each i (non-zero scalars, valid elements)."""
    out = _buffer()
    results = []
    for index, (scalar, element) in enumerate(zip(scalars, elements, strict=True)):
        if _scalarmult(out, scalar, element) != 0:
            raise DeserializeError(_NOT_AN_ELEMENT, index=index)
        results.append(out.raw)
    return results


def base_mult(scalar: bytes) -> bytes:
    """Return scalar * G; the identity when the scalar is zero."""
    out = _buffer()
    if _scalarmult_base(out, scalar) != 0:
        return IDENTITY
    return out.raw


def add(left: bytes, right: bytes) -> bytes:
    """Return left + right."""
    out = _buffer()
    if _add(out, left, right) != 0:
        raise DeserializeError("not a canonical ristretto255 element")
    return out.raw


def scalar_mul(left: bytes, right: bytes) -> bytes:
    """Return left * right modulo the group order."""
    out = _buffer()
    _scalar_mul(out, left, right)
    return out.raw


def scalar_sub(left: bytes, right: bytes) -> bytes:
    """Return left - right modulo the group order."""
    out = _buffer()
    _scalar_sub(out, left, right)
    return out.raw


def scalar_invert(scalar: bytes) -> bytes:
    """Return the inverse of a non-zero scalar."""
    out = _buffer()
    if _scalar_invert(out, scalar) != 0:
        raise DeserializeError("the scalar is zero")
    return out.raw


def scalar_invert_each(scalars: Sequence[bytes]) -> list[bytes]:
    """Invert many non-zero scalars with one inversion (Montgomery's trick)."""
    if not scalars:
        return []
    out = _buffer()
    prefix = [scalars[0]]
    for scalar in scalars[1:]:
        _scalar_mul(out, prefix[-1], scalar)
        prefix.append(out.raw)
    running = scalar_invert(prefix[-1])  # (s_0 ... s_n-1)^-1
    inverses = [b""] * len(scalars)
    for index in range(len(scalars) - 1, 0, -1):
        _scalar_mul(out, running, prefix[index - 1])
        inverses[index] = out.raw
        _scalar_mul(out, running, scalars[index])
        running = out.raw
    inverses[0] = running
    return inverses


def random_scalar() -> bytes:
    """Return a uniformly random non-zero scalar from libsodium's CSPRNG."""
    out = _buffer()
    while True:
        _scalar_random(out)
        scalar = out.raw
        if scalar != bytes(SCALAR_BYTES):
            return scalar
