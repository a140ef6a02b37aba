"""Errors of the RFC 9497 protocol layer, named as in the RFC.

    OprfError (a ValueError)
     ├── DeserializeError     bytes are not a canonical, non-identity element or a canonical scalar
     ├── InvalidInputError    an input hashes to the identity element (probability ~2^-252)
     ├── VerifyError          a DLEQ proof does not verify against the pinned public key
     └── DeriveKeyPairError   key derivation found no non-zero scalar in 256 attempts

Messages say which check failed and, for a list, at which position; never the bytes themselves.
"""

from __future__ import annotations


class OprfError(ValueError):
    """Base of every protocol error."""


class DeserializeError(OprfError):
    """Bytes are not a valid encoding of a group element or scalar."""

    def __init__(self, message: str, *, index: int | None = None) -> None:
        super().__init__(message if index is None else f"{message} (position {index})")
        self.index = index


class InvalidInputError(OprfError):
    """An input maps to the identity element and cannot be evaluated."""


class VerifyError(OprfError):
    """A proof does not verify."""


class DeriveKeyPairError(OprfError):
    """No key could be derived from the seed."""
