"""The federation key: generate it, keep it in a key file, load it from a file or the environment.

A key file is JSON::

    {"format": "kruispunt-key/1", "scheme": "hmac", "epoch": 1, "fingerprint": "<32 hex>",
     "created": "<ISO 8601>", "secret": "<base64>"}

or, protected by a passphrase, ``"encrypted": {"kdf": "argon2id", "memory_kib", "time_cost",
"lanes", "salt", "aead": "aes-256-gcm", "nonce", "ciphertext"}`` instead of ``"secret"``. The
header fields and KDF parameters are AES-GCM associated data, so none can be swapped or edited.

The secret comes from a FILE (a path, or env ``KRUISPUNT_KEY_FILE``) or from env ``KRUISPUNT_KEY``
(the key file's JSON, for containers and CI), never from a command-line argument. A passphrase
comes from env ``KRUISPUNT_KEY_PASSPHRASE`` or an interactive prompt, never an argument.

Rotation: ``generate_key(epoch=old.epoch + 1)`` (or ``old.rotated()``) makes a new secret, hence a
new fingerprint. The matcher's administrator registers the new fingerprint; agencies switch to the
new key file and re-submit their live signals (tokens of different epochs never match); then the
administrator retires the old fingerprint and the matcher refuses batches made with it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import os
import secrets
import unicodedata
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from client import primitives
from client.errors import KeyFileError
from client.i18n import _
from client.schemes.hmac import HmacScheme
from client.wire import Fingerprint

FORMAT = "kruispunt-key/1"
ENV_KEY = "KRUISPUNT_KEY"
ENV_KEY_FILE = "KRUISPUNT_KEY_FILE"
ENV_PASSPHRASE = "KRUISPUNT_KEY_PASSPHRASE"  # noqa: S105 (a variable name, not a secret)
MIN_PASSPHRASE_BYTES = 10
MIN_MEMORY_KIB = 64 * 1024
_MAX_MEMORY_KIB = 4 * 1024 * 1024  # a key file cannot make us allocate more than 4 GiB
_MAX_FILE_BYTES = 64 * 1024


class InsecureKeyFileWarning(UserWarning):
    """A key file can be read by other users of this machine."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True, eq=False, repr=False)
class FederationKey:
    """The federation's shared secret for one epoch; its repr never shows the secret."""

    secret: bytes
    epoch: int = 1
    scheme: str = "hmac"
    created: dt.datetime = field(default_factory=_now)

    def __post_init__(self) -> None:
        if not isinstance(self.secret, bytes):
            raise TypeError("the federation secret must be bytes")
        if len(self.secret) != primitives.SECRET_BYTES:
            raise ValueError(f"the federation secret must be {primitives.SECRET_BYTES} bytes")
        if isinstance(self.epoch, bool) or not isinstance(self.epoch, int) or self.epoch < 1:
            raise ValueError("epochs are whole numbers starting at 1")
        if self.scheme != "hmac":
            raise ValueError("agencies hold 'hmac' keys only; 'oprf' keys stay at the key service")

    def __repr__(self) -> str:
        shown = f"scheme={self.scheme!r}, epoch={self.epoch}, fingerprint={self.fingerprint!r}"
        return f"FederationKey({shown})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FederationKey):
            return NotImplemented
        same_secret = primitives.equal(self.secret, other.secret)
        return same_secret and (self.epoch, self.scheme) == (other.epoch, other.scheme)

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    @cached_property
    def fingerprint(self) -> str:
        """Name scheme, epoch and secret without revealing the secret (32 hex characters)."""
        return primitives.fingerprint(self.secret, scheme=self.scheme, epoch=self.epoch)

    def scheme_instance(self) -> HmacScheme:
        """Return the scheme that turns match keys into tokens under this key."""
        return HmacScheme(self.secret, epoch=self.epoch)

    def rotated(self) -> FederationKey:
        """Return a fresh key for the next epoch (see the module docstring for the procedure)."""
        return generate_key(epoch=self.epoch + 1, scheme=self.scheme)


def passphrase_bytes(text: str) -> bytes:
    """Encode a typed passphrase as NFC UTF-8, so 'é' typed on any system opens the same file."""
    return unicodedata.normalize("NFC", text).encode("utf-8")


def generate_key(*, epoch: int = 1, scheme: str = "hmac") -> FederationKey:
    """Make a new random 256-bit federation secret for one epoch."""
    return FederationKey(primitives.random_secret(), epoch=epoch, scheme=scheme)


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kdf: Literal["argon2id"]
    memory_kib: StrictInt = Field(ge=MIN_MEMORY_KIB, le=_MAX_MEMORY_KIB)
    time_cost: StrictInt = Field(ge=1, le=64)
    lanes: StrictInt = Field(ge=1, le=64)
    salt: str
    aead: Literal["aes-256-gcm"]
    nonce: str
    ciphertext: str


class _KeyDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["kruispunt-key/1"]
    scheme: Literal["hmac"]
    epoch: StrictInt = Field(ge=1)
    fingerprint: Fingerprint
    created: str  # kept as written: it is authenticated data, byte for byte
    secret: str | None = None
    encrypted: _Envelope | None = None

    @field_validator("created")
    @classmethod
    def _iso_timestamp(cls, created: str) -> str:
        try:
            dt.datetime.fromisoformat(created)
        except ValueError:
            raise ValueError("not an ISO 8601 timestamp") from None
        return created

    @model_validator(mode="after")
    def _secret_or_encrypted(self) -> _KeyDocument:
        if (self.secret is None) == (self.encrypted is None):
            raise ValueError("a key file holds either 'secret' or 'encrypted', exactly one")
        return self

    def created_at(self) -> dt.datetime:
        created = dt.datetime.fromisoformat(self.created)
        return created if created.tzinfo else created.replace(tzinfo=dt.UTC)


def _associated_data(header: Mapping[str, object]) -> bytes:
    """Encode the fields that AES-GCM authenticates, canonically, so any edit breaks decryption."""
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def dump_key(
    key: FederationKey,
    *,
    passphrase: bytes | None = None,
    kdf: primitives.Argon2Params = primitives.Argon2Params(),  # noqa: B008 (frozen, immutable)
) -> str:
    """Return the key file's JSON text; with a passphrase, the secret is encrypted under it."""
    header: dict[str, object] = {
        "format": FORMAT,
        "scheme": key.scheme,
        "epoch": key.epoch,
        "fingerprint": key.fingerprint,
        "created": key.created.isoformat(),
    }
    if passphrase is None:
        document = {**header, "secret": base64.b64encode(key.secret).decode("ascii")}
    else:
        if not isinstance(passphrase, bytes):
            raise TypeError("the passphrase must be bytes")
        if len(passphrase) < MIN_PASSPHRASE_BYTES:
            raise KeyFileError(f"the passphrase is too short: use {MIN_PASSPHRASE_BYTES} or more")
        if kdf.memory_kib < MIN_MEMORY_KIB:
            raise ValueError(f"argon2id memory must be at least {MIN_MEMORY_KIB} KiB")
        salt = primitives.random_secret(primitives.SALT_BYTES)
        params = {
            "kdf": "argon2id",
            "memory_kib": kdf.memory_kib,
            "time_cost": kdf.time_cost,
            "lanes": kdf.lanes,
            "salt": _b64(salt),
            "aead": "aes-256-gcm",
        }
        wrapping = primitives.passphrase_key(passphrase, salt=salt, params=kdf)
        nonce, ciphertext = primitives.seal(
            wrapping, key.secret, associated_data=_associated_data({**header, **params})
        )
        envelope = {**params, "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}
        document = {**header, "encrypted": envelope}
    return json.dumps(document, indent=2) + "\n"


def save_key(
    key: FederationKey,
    path: str | os.PathLike[str],
    *,
    passphrase: bytes | None = None,
    overwrite: bool = False,
    kdf: primitives.Argon2Params = primitives.Argon2Params(),  # noqa: B008 (frozen, immutable)
) -> Path:
    """Write a key file only its owner can read (mode 0600); refuse to replace one unless told."""
    text = dump_key(key, passphrase=passphrase, kdf=kdf)
    return write_private_file(path, text, overwrite=overwrite)


def write_private_file(path: str | os.PathLike[str], text: str, *, overwrite: bool = False) -> Path:
    """Write text with mode 0600; without overwrite, fail rather than replace an existing file."""
    target = Path(path)
    # A new file is created exclusively; a replacement is written aside and renamed over it,
    # so a crash never leaves a half-written key file.
    aside = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    written = aside if overwrite else target
    try:
        descriptor = os.open(written, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"{target} already exists: choose another name, or overwrite") from None
    except OSError as error:
        raise KeyFileError(f"cannot create {target}: {error.strerror}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(written, target)
    except BaseException:
        written.unlink(missing_ok=True)
        raise
    return target


def load_key(
    path: str | os.PathLike[str] | None = None,
    *,
    passphrase: bytes | None = None,
    environ: Mapping[str, str] = os.environ,
    prompt: Callable[[], bytes] | None = None,
) -> FederationKey:
    """Load the key from path, else env KRUISPUNT_KEY_FILE, else env KRUISPUNT_KEY; verify it.

    An encrypted key is opened with ``passphrase``, else env KRUISPUNT_KEY_PASSPHRASE, else the
    answer of ``prompt`` (the CLI asks interactively). Every failure is a KeyFileError.
    """
    text, origin = _read_source(path, environ)
    try:
        document = _KeyDocument.model_validate_json(text)
    except ValidationError as error:
        raise KeyFileError(f"{origin} is not a valid key file: {_describe(error)}") from None
    if document.encrypted is None:
        secret = _unb64(document.secret or "", "secret", origin)
    else:
        secret = _decrypt(document, document.encrypted, origin, passphrase, environ, prompt)
    if len(secret) != primitives.SECRET_BYTES:
        raise KeyFileError(f"{origin}: the secret is not {primitives.SECRET_BYTES} bytes long")
    key = FederationKey(
        secret, epoch=document.epoch, scheme=document.scheme, created=document.created_at()
    )
    if not primitives.equal(key.fingerprint, document.fingerprint):
        raise KeyFileError(
            f"{origin}: the fingerprint in the file does not match the secret: the file is damaged"
            " or was edited; restore it from a backup or from the custodians' shares"
        )
    return key


def _read_source(
    path: str | os.PathLike[str] | None, environ: Mapping[str, str]
) -> tuple[str, str]:
    """Return the key file's text and a name for it that error messages can show."""
    if path is None and environ.get(ENV_KEY_FILE) and environ.get(ENV_KEY):
        raise KeyFileError(f"both {ENV_KEY_FILE} and {ENV_KEY} are set: unset one of them")
    if path is None and environ.get(ENV_KEY):
        return environ[ENV_KEY], f"the key in env {ENV_KEY}"
    if path is None and not environ.get(ENV_KEY_FILE):
        raise KeyFileError(
            _(
                "no federation key: name the key file you received from your federation's key"
                " custodian (--key-file), or set {file_env} (its path) or {key_env} (its"
                " content). A key made here with 'kruispunt key generate' would match nobody."
            ).format(file_env=ENV_KEY_FILE, key_env=ENV_KEY)
        )
    file = Path(path if path is not None else environ[ENV_KEY_FILE])
    try:
        with file.open("rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            raw = handle.read(_MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise KeyFileError(f"no key file at {file}") from None
    except OSError as error:
        raise KeyFileError(f"cannot read key file {file}: {error.strerror}") from None
    if len(raw) > _MAX_FILE_BYTES:
        raise KeyFileError(f"{file} is too large to be a key file")
    if os.name == "posix" and mode & 0o077:
        warnings.warn(
            InsecureKeyFileWarning(f"key file {file} is readable by others: chmod 600 {file}"),
            stacklevel=3,
        )
    try:
        return raw.decode("utf-8"), f"key file {file}"
    except UnicodeDecodeError:
        raise KeyFileError(f"key file {file} is not UTF-8 text") from None


def _decrypt(
    document: _KeyDocument,
    envelope: _Envelope,
    origin: str,
    passphrase: bytes | None,
    environ: Mapping[str, str],
    prompt: Callable[[], bytes] | None,
) -> bytes:
    """Open the encrypted secret; one message for every failure, so none tells which check."""
    if passphrase is None and environ.get(ENV_PASSPHRASE):
        passphrase = passphrase_bytes(environ[ENV_PASSPHRASE])
    if passphrase is None and prompt is not None:
        passphrase = prompt()
    if passphrase is None:
        raise KeyFileError(f"{origin} is encrypted: set {ENV_PASSPHRASE} or enter the passphrase")
    if not isinstance(passphrase, bytes):
        raise TypeError("the passphrase must be bytes")
    header = document.model_dump(mode="json", exclude={"secret", "encrypted"})
    params = envelope.model_dump(mode="json", exclude={"nonce", "ciphertext"})
    salt = _unb64(envelope.salt, "encrypted.salt", origin)
    if len(salt) != primitives.SALT_BYTES:
        raise KeyFileError(f"{origin}: field 'encrypted.salt' is not {primitives.SALT_BYTES} bytes")
    kdf = primitives.Argon2Params(
        memory_kib=envelope.memory_kib, time_cost=envelope.time_cost, lanes=envelope.lanes
    )
    try:
        return primitives.unseal(
            primitives.passphrase_key(passphrase, salt=salt, params=kdf),
            _unb64(envelope.nonce, "encrypted.nonce", origin),
            _unb64(envelope.ciphertext, "encrypted.ciphertext", origin),
            associated_data=_associated_data({**header, **params}),
        )
    except primitives.IntegrityError:
        raise KeyFileError(f"{origin}: wrong passphrase or damaged key file") from None


def _describe(error: ValidationError) -> str:
    """Name the fields and rules that failed, never the values (they may be secret)."""
    problems = error.errors(include_url=False, include_context=False, include_input=False)
    return "; ".join(
        f"{'.'.join(str(part) for part in problem['loc']) or 'document'}: {problem['msg']}"
        for problem in problems
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, name: str, origin: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise KeyFileError(f"{origin}: field '{name}' is not valid base64") from None
