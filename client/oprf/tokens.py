"""From match keys to OPRF inputs and from PRF outputs to tokens: the ``oprf`` scheme's framing.

Shared by the single key service scheme and the threshold one, which therefore make identical
tokens for the same key: a federation can move between them without re-tokenizing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from client import kinds
from client.errors import SchemeError
from client.schemes.base import MatchKey

_INPUT_LABEL = b"kruispunt/v1/oprf/input"
_TOKEN_LABEL = b"kruispunt/v1/oprf/token\x00"
_MAX_VALUE_BYTES = 60_000  # RFC 9497 inputs are at most 65,535 bytes, framing included
PROOF_FAILS = (
    "the key service's proof does not verify against the published key: "
    "stop and inform the federation"
)


def _framed(data: bytes) -> bytes:
    return len(data).to_bytes(2, "big") + data


def oprf_input(key: MatchKey, *, epoch: int) -> bytes:
    """Frame a match key so that scheme, epoch, kind and level separate the tokens."""
    value = key.value.encode("utf-8")
    if len(value) > _MAX_VALUE_BYTES:
        raise SchemeError(f"a {key.kind}/{key.level} value is too long for the oprf scheme")
    # a level declared with a token domain (address/no_addition) is framed as that level
    level = kinds.domain_level(key.kind, key.level)
    fields = (str(epoch).encode("ascii"), key.kind.encode("ascii"), level.encode("ascii"))
    return _INPUT_LABEL + b"".join(_framed(field) for field in fields) + _framed(value)


def token_of(output: bytes) -> bytes:
    """Reduce a 64-byte PRF output to a 32-byte token with a labelled SHA-256."""
    return hashlib.sha256(_TOKEN_LABEL + output).digest()


def batched_inputs(
    keys: Sequence[MatchKey], *, epoch: int, batch_size: int
) -> tuple[list[MatchKey], list[list[bytes]]]:
    """Return the distinct keys in order, and their inputs cut into batches."""
    unique = list(dict.fromkeys(keys))
    inputs = [oprf_input(key, epoch=epoch) for key in unique]
    batches = [inputs[start : start + batch_size] for start in range(0, len(inputs), batch_size)]
    return unique, batches


def tokens_in_order(
    keys: Sequence[MatchKey], unique: Sequence[MatchKey], outputs: Sequence[bytes]
) -> list[bytes]:
    """Return one token per key, repeated keys included, from the outputs of the distinct keys."""
    token_by_key = {key: token_of(output) for key, output in zip(unique, outputs, strict=True)}
    return [token_by_key[key] for key in keys]
