"""The server pepper: the matcher's one key, kept outside the database, applied to every token.

A stolen database or backup holds only peppered tokens: without the pepper file even a holder of
the federation key cannot tell which identifier a stored token stands for. This is the only
matcher module that touches the pepper's bytes; everyone else asks it to apply the pepper.

The key is 32 bytes, read from ``KRUISPUNT_PEPPER`` (base64) when set, else from a file
(``KRUISPUNT_PEPPER_FILE``) holding the base64 text. Errors name the file or the variable, never
the content.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import os
import secrets
import stat
from collections.abc import Callable, Mapping
from hashlib import sha256
from pathlib import Path

from matcher.config_errors import INIT_HINT, ConfigurationError

log = logging.getLogger(__name__)

KEY_BYTES = 32
_BLOCK = 64  # SHA-256's block size: HMAC pads the key to it
ENV_KEY = "KRUISPUNT_PEPPER"
ENV_FILE = "KRUISPUNT_PEPPER_FILE"
#: domain label: this HMAC is the matcher's pepper and nothing else
_LABEL = b"kruispunt/v1/pepper"
#: a second label: the fingerprint names the pepper without being a token of any domain
_FINGERPRINT_LABEL = b"kruispunt/v1/pepper-fingerprint"

Applier = Callable[[bytes], bytes]


class PepperError(ConfigurationError, ValueError):
    """The pepper is missing, malformed or not this database's; the message says what to do."""


def _field(value: bytes) -> bytes:
    """Length-prefix one field so that no two field lists encode to the same bytes."""
    return len(value).to_bytes(4, "big") + value


def _decode(text: bytes, *, source: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise PepperError(f"{source} does not hold base64 text") from None
    if len(key) != KEY_BYTES:
        raise PepperError(f"{source} must hold {KEY_BYTES} bytes (base64), not {len(key)}")
    return key


class Pepper:
    """HMAC-SHA256 with the server key over (scheme, epoch, kind, level, token), length-prefixed."""

    __slots__ = ("_appliers", "_inner", "_outer", "fingerprint")

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes | bytearray):
            raise TypeError(f"a pepper is bytes, not {type(key).__name__}")
        if len(key) != KEY_BYTES:
            raise PepperError(f"a pepper is {KEY_BYTES} bytes, not {len(key)}")
        # RFC 2104 by hand, keeping only the two keyed hash states: copying hashlib states is
        # twice as fast as copying an hmac object, and the raw key is no attribute to print.
        padded = bytes(key).ljust(_BLOCK, b"\0")
        self._inner = sha256(bytes(byte ^ 0x36 for byte in padded) + _field(_LABEL))
        self._outer = sha256(bytes(byte ^ 0x5C for byte in padded))
        self._appliers: dict[tuple[str, int, str, str], Applier] = {}
        #: names this pepper (stored in the database) without revealing it
        self.fingerprint = hmac.new(bytes(key), _FINGERPRINT_LABEL, "sha256").hexdigest()[:32]

    def __repr__(self) -> str:
        return "Pepper(<hidden>)"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Pepper is not pickled; load it from its file in each process")

    def applier(self, *, scheme: str, epoch: int, kind: str, level: str) -> Applier:
        """Return a function peppering tokens of one domain; the domain prefix is hashed once."""
        domain = (scheme, epoch, kind, level)
        cached = self._appliers.get(domain)
        if cached is not None:
            return cached
        prefix = self._inner.copy()
        for part in (scheme, str(epoch), kind, level):
            prefix.update(_field(part.encode("utf-8")))
        inner_copy, outer_copy = prefix.copy, self._outer.copy

        def apply(token: bytes) -> bytes:
            inner = inner_copy()
            inner.update(_field(token))
            outer = outer_copy()
            outer.update(inner.digest())
            return outer.digest()

        self._appliers[domain] = apply
        return apply

    def apply(self, *, scheme: str, epoch: int, kind: str, level: str, token: bytes) -> bytes:
        """Return the stored form of one token: tokens of different domains never coincide."""
        return self.applier(scheme=scheme, epoch=epoch, kind=kind, level=level)(token)

    @classmethod
    def generate(cls) -> Pepper:
        """Return a fresh random pepper (tests and benchmarks)."""
        return cls(secrets.token_bytes(KEY_BYTES))

    @classmethod
    def load(cls, *, path: str | None, environ: Mapping[str, str]) -> Pepper:
        """Read the key from KRUISPUNT_PEPPER if set, else from path or KRUISPUNT_PEPPER_FILE."""
        text = environ.get(ENV_KEY)
        if text:
            return cls(_decode(text.encode("ascii", "replace"), source=ENV_KEY))
        path = path or environ.get(ENV_FILE)
        if not path:
            raise PepperError(f"no pepper configured: set {ENV_FILE} or {ENV_KEY}")
        file = Path(path)
        try:
            content = file.read_bytes()
        except FileNotFoundError:
            raise PepperError(f"the pepper file {path} does not exist: {INIT_HINT}") from None
        except OSError as error:
            raise PepperError(
                f"the pepper file {path} cannot be read ({error.strerror}): check its owner"
            ) from None
        if file.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("the pepper file %s is readable by others than its owner; chmod 600", path)
        return cls(_decode(content, source=f"the pepper file {path}"))

    @classmethod
    def create_file(cls, path: str) -> Pepper:
        """Write a new random pepper to path (mode 0600, never overwriting) and return it."""
        key = secrets.token_bytes(KEY_BYTES)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(base64.b64encode(key) + b"\n")
        return cls(key)
