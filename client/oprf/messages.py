"""The key service's HTTP messages and key fingerprints, defined once for client and key service.

Elements and proofs travel as base64url without padding, like tokens on the matcher's wire.
Only blinded and evaluated elements ever travel: by construction nothing here can carry an input.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from client.oprf import group
from client.oprf.protocol import SUITE

#: the protocol's bound (two-byte indices in proofs); a key service configures a lower one
MAX_ELEMENTS_PER_REQUEST = 0xFFFF
#: epochs are stored as 32-bit integers; a larger one cannot name a key
MAX_EPOCH = 2**31 - 1
_ELEMENT_RE = r"^[A-Za-z0-9_-]{43}$"
_PROOF_RE = r"^[A-Za-z0-9_-]{86}$"
_FINGERPRINT_LABEL = b"kruispunt/v1/oprf/fingerprint\x00"

ElementText = Annotated[str, StringConstraints(pattern=_ELEMENT_RE)]
ProofText = Annotated[str, StringConstraints(pattern=_PROOF_RE)]
FingerprintText = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Suite = Literal["ristretto255-SHA512"]

_STRICT = ConfigDict(extra="forbid", frozen=True)


class KeyStatus(StrEnum):
    """An epoch's key evaluates while active; a retired key only stays published."""

    ACTIVE = "active"
    RETIRED = "retired"


def encode_bytes(raw: bytes) -> str:
    """Encode an element or proof for the wire (base64url, no padding)."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_element(text: str) -> bytes:
    """Decode a wire element to its 32 bytes (validity is the group's business)."""
    if not re.fullmatch(_ELEMENT_RE, text):
        raise ValueError("an element is 43 base64url characters")
    return base64.urlsafe_b64decode(text + "=")


def decode_proof(text: str) -> bytes:
    """Decode a wire proof to its 64 bytes."""
    if not re.fullmatch(_PROOF_RE, text):
        raise ValueError("a proof is 86 base64url characters")
    return base64.urlsafe_b64decode(text + "==")


def fingerprint(public_key: bytes, *, epoch: int) -> str:
    """Identify scheme, suite, epoch and public key: the first 16 bytes of a labelled SHA-256."""
    if len(public_key) != group.ELEMENT_BYTES:
        raise ValueError("a public key is 32 bytes")
    suite = SUITE.encode("ascii")
    encoded = (
        _FINGERPRINT_LABEL
        + len(suite).to_bytes(2, "big")
        + suite
        + epoch.to_bytes(8, "big")
        + public_key
    )
    return hashlib.sha256(encoded).digest()[:16].hex()


class EvaluateRequest(BaseModel):
    """Blinded elements of one agency for one key epoch."""

    model_config = _STRICT

    suite: Suite
    #: strict: JSON true is not the epoch 1
    epoch: int = Field(ge=1, le=MAX_EPOCH, strict=True)
    blinded: list[ElementText] = Field(min_length=1, max_length=MAX_ELEMENTS_PER_REQUEST)


class EvaluateResponse(BaseModel):
    """The evaluated elements, in request order, and one proof covering all of them."""

    model_config = _STRICT

    suite: Suite
    epoch: int = Field(ge=1)
    evaluated: list[ElementText]
    proof: ProofText


class PublicKeyInfo(BaseModel):
    """A key epoch as published: everything an agency needs to pin and verify it."""

    model_config = _STRICT

    suite: Suite
    epoch: int = Field(ge=1)
    public_key: ElementText
    fingerprint: FingerprintText
    status: KeyStatus
    created_at: dt.datetime
    retired_at: dt.datetime | None = None

    def public_key_bytes(self) -> bytes:
        """Return the public key after checking that it names this epoch's fingerprint."""
        key = group.deserialize_element(decode_element(self.public_key))
        if fingerprint(key, epoch=self.epoch) != self.fingerprint:
            raise ValueError("the published fingerprint does not match the published key")
        return key


class PublicKeyList(BaseModel):
    """Every epoch the key service has published, newest first."""

    model_config = _STRICT

    keys: list[PublicKeyInfo]


class SharePublicKey(BaseModel):
    """One share of a split key: its index and the public key its key service proves against."""

    model_config = _STRICT

    index: int = Field(ge=1, le=255)
    public_key: ElementText
    fingerprint: FingerprintText


class ThresholdKeyInfo(BaseModel):
    """A split epoch as published: the whole public key, the threshold, each share's public key."""

    model_config = _STRICT

    suite: Suite
    epoch: int = Field(ge=1)
    public_key: ElementText
    fingerprint: FingerprintText
    threshold: int = Field(ge=1)
    shares: list[SharePublicKey] = Field(min_length=1)
