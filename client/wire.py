"""The wire format between client and matcher, defined once.

The matcher imports these models to validate what it receives, so that the two sides cannot
drift apart. A batch carries nothing but tokens, opaque references, categories and dates:
there is no free-text field anywhere in it (design non-negotiable 1).
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import uuid
from binascii import a2b_base64, b2a_base64
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from client import kinds
from client.kinds import Kind as Kind  # re-exported: integrators read both together

FORMAT: Literal["kruispunt-batch/1"] = "kruispunt-batch/1"
TOKEN_BYTES = 32
#: base64url without padding of TOKEN_BYTES bytes
TOKEN_CHARS = 43
REF_CHARS = 22
MAX_SIGNALS_PER_BATCH = 10_000
#: room for the exact keys of several identifiers and their near keys (client/neighbourhoods.py)
MAX_TOKENS_PER_SIGNAL = 160
#: the client closes a batch before its signals pass this much JSON, so that a batch of signals
#: full of near keys stays below the matcher's default request limit (MAX_BATCH_BYTES, 32 MiB)
MAX_BATCH_SIGNAL_BYTES = 24 * 1024 * 1024


class Category(StrEnum):
    """Where a signal came from; a fixed list, never free text."""

    PERMIT_APPLICATION = "permit_application"
    INSPECTION = "inspection"
    ADVERTISEMENT_MONITORING = "advertisement_monitoring"
    INTAKE_INTERVIEW = "intake_interview"
    TIP = "tip"
    POLICE_REPORT = "police_report"
    BIBOB = "bibob"
    OTHER = "other"


class SchemeName(StrEnum):
    HMAC = "hmac"
    OPRF = "oprf"


_TOKEN_RE = r"^[A-Za-z0-9_-]{43}$"  # noqa: S105  (a pattern, not a secret)
_REF_RE = r"^[A-Za-z0-9_-]{22}$"
_FINGERPRINT_RE = r"^[0-9a-f]{32}$"

TokenText = Annotated[str, StringConstraints(pattern=_TOKEN_RE)]
Reference = Annotated[str, StringConstraints(pattern=_REF_RE)]
Fingerprint = Annotated[str, StringConstraints(pattern=_FINGERPRINT_RE)]
NormalizationVersion = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}\.[0-9]{1,3}$")]


def _registered_kind(name: str) -> str:
    # names only the rule: the text could be anything a caller typed
    if kinds.spec(name) is None:
        # the rule an enum would give, so that refusals read as they always did
        raise PydanticCustomError("enum", "not a registered kind")
    return name


#: a kind name the registry knows (client.kinds); validated there so new kinds need no change here
KindName = Annotated[str, AfterValidator(_registered_kind)]

_STRICT = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


_URLSAFE_OUT = bytes.maketrans(b"+/", b"-_")
_URLSAFE_IN = bytes.maketrans(b"-_", b"+/")


def encode_tokens(tokens: list[bytes]) -> list[str]:
    """Return encode_token of each token, with one base64 call for all of them.

    A token and a zero byte are 33 bytes, which base64 turns into 44 characters on their own;
    the first 43 are exactly the token's unpadded encoding (the zero byte only adds zero bits).
    """
    if not tokens:
        return []
    if set(map(len, tokens)) != {TOKEN_BYTES}:
        raise ValueError(f"a token is {TOKEN_BYTES} bytes")
    text = b2a_base64(b"\0".join(tokens) + b"\0", newline=False).translate(_URLSAFE_OUT).decode()
    width = TOKEN_CHARS + 1
    return [text[start : start + TOKEN_CHARS] for start in range(0, len(text), width)]


def token_bytes(text: str) -> bytes:
    """Decode a token already validated as TokenText (43 base64url characters), unchecked."""
    return a2b_base64(text.encode("ascii").translate(_URLSAFE_IN) + b"=")


def new_refs(count: int) -> list[str]:
    """Return count new references at once: 22 characters each of one long random text.

    Every base64 character of random bytes carries 6 random bits, so each slice of 22 holds
    132 random bits (more than token_urlsafe(16)'s 128) whatever its alignment. A slice that
    starts with '-' is drawn again: `kruispunt ledger show -kX...` would read it as an option.
    """
    refs: list[str] = []
    while len(refs) < count:
        chars = REF_CHARS * (count - len(refs))
        text = base64.urlsafe_b64encode(secrets.token_bytes(3 * -(-chars // 4))).decode("ascii")
        slices = (text[start : start + REF_CHARS] for start in range(0, chars, REF_CHARS))
        refs += [ref for ref in slices if not ref.startswith("-")]
    return refs


# The client's fast path writes a batch's JSON by hand, field for field as pydantic writes the
# models above (tests/client/test_batches.py checks that the two agree). These are its pieces.


def token_item_prefix(kind: str, level: str) -> str:
    """Return the JSON of a TokenItem up to its token text."""
    return f'{{"kind":"{kind}","level":"{level}","token":"'


def kind_mark(kind: str) -> str:
    """Return the text that occurs once in a batch's JSON per token item of kind."""
    return f'{{"kind":"{kind}",'


def token_items_json(prefixes: list[str], texts: list[str]) -> list[str]:
    """Return the JSON of each TokenItem from its prefix and its token text."""
    return [f'{prefix}{text}"}}' for prefix, text in zip(prefixes, texts, strict=True)]


def token_items_text(
    keys: Sequence[tuple[str, object]], prefixes: Mapping[str, str], tokens: list[bytes]
) -> str:
    """Return the JSON of the TokenItems of (level, ...) keys and their tokens, joined by commas.

    ``prefixes`` maps each level to its ``token_item_prefix``. One base64 call for all the
    tokens, as ``encode_tokens``; the client writes an identifier's items with it.
    """
    if len(keys) != len(tokens):
        raise ValueError("one token per key")
    if not tokens:
        return ""
    if set(map(len, tokens)) != {TOKEN_BYTES}:
        raise ValueError(f"a token is {TOKEN_BYTES} bytes")
    text = b2a_base64(b"\0".join(tokens) + b"\0", newline=False).translate(_URLSAFE_OUT).decode()
    items = []
    start = 0
    for level, _ in keys:
        items.append(prefixes[level] + text[start : start + TOKEN_CHARS])
        start += TOKEN_CHARS + 1
    return '"},'.join(items) + '"}'


def signal_metadata_json(category: Category, observed_on: dt.date, retain_until: dt.date) -> str:
    """Return the JSON of a SignalItem between its reference and its first token item."""
    return (
        f'","category":"{category.value}","observed_on":"{observed_on.isoformat()}",'
        f'"retain_until":"{retain_until.isoformat()}","tokens":['
    )


def signal_json(ref: str, metadata: str, items: list[str]) -> str:
    """Return a SignalItem's JSON from its reference, metadata JSON and token items' JSON."""
    return f'{{"ref":"{ref}{metadata}{",".join(items)}]}}'


def batch_header_json(
    *, scheme: str, fingerprint: str, epoch: int, normalization_version: str
) -> str:
    """Return a Batch's JSON up to its first signal, with ``{batch_id}`` to fill in."""
    return (
        f'{{"format":"{FORMAT}","batch_id":"{{batch_id}}",'
        f'"scheme":"{scheme}","key_fingerprint":"{fingerprint}",'
        f'"key_epoch":{int(epoch)},"normalization_version":"{normalization_version}",'
        '"signals":['
    )


def batch_json(header: str, batch_id: uuid.UUID, signals: list[str]) -> str:
    """Return a Batch's JSON from its header and its signals' JSON."""
    return header.replace("{batch_id}", str(batch_id)) + ",".join(signals) + "]}"


def encode_token(raw: bytes) -> str:
    """Encode a token's bytes for the wire (base64url, no padding)."""
    if len(raw) != TOKEN_BYTES:
        raise ValueError(f"a token is {TOKEN_BYTES} bytes, got {len(raw)}")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class TokenItem(BaseModel):
    model_config = _STRICT

    kind: KindName
    level: str
    token: TokenText

    @model_validator(mode="after")
    def _level_belongs_to_kind(self) -> TokenItem:
        known = kinds.spec(self.kind)
        if known is None or known.level(self.level) is None:
            raise ValueError(f"level {self.level!r} is not a level of kind {self.kind!r}")
        return self


class SignalItem(BaseModel):
    model_config = _STRICT

    ref: Reference
    category: Category
    observed_on: dt.date
    retain_until: dt.date
    tokens: list[TokenItem] = Field(min_length=1, max_length=MAX_TOKENS_PER_SIGNAL)

    @model_validator(mode="after")
    def _retention_after_observation(self) -> SignalItem:
        if self.retain_until < self.observed_on:
            raise ValueError("retain_until is before observed_on")
        return self


class Batch(BaseModel):
    """One upload: a retried upload carries the same batch_id and is recognized."""

    model_config = _STRICT

    format: Literal["kruispunt-batch/1"] = FORMAT
    batch_id: uuid.UUID
    scheme: SchemeName
    key_fingerprint: Fingerprint
    key_epoch: int = Field(ge=1)
    normalization_version: NormalizationVersion
    signals: list[SignalItem] = Field(min_length=1, max_length=MAX_SIGNALS_PER_BATCH)


class Receipt(BaseModel):
    """The matcher's answer to a batch; a replay returns the first receipt unchanged."""

    model_config = ConfigDict(extra="forbid")

    batch_id: uuid.UUID
    received_at: dt.datetime
    signals: int
    tokens: int
    tokens_per_kind: dict[str, int]
    replay: bool = False


class Withdrawal(BaseModel):
    model_config = _STRICT

    refs: list[Reference] = Field(min_length=1, max_length=MAX_SIGNALS_PER_BATCH)


class WithdrawalReceipt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    withdrawn: int
    unknown: int


class AlertSignal(BaseModel):
    """One of the reading agency's own signals in a released alert."""

    model_config = ConfigDict(extra="forbid")

    ref: str
    category: Category
    observed_on: dt.date


class AlertParty(BaseModel):
    """Another agency in a released alert: who to contact, never its references."""

    model_config = ConfigDict(extra="forbid")

    agency: str
    region: str | None
    contact_point: str | None
    signals: int


class AlertEvidence(BaseModel):
    """One kind of evidence of a released alert: which level, and whether exact or near."""

    model_config = ConfigDict(extra="forbid")

    kind: KindName
    level: str
    match: Literal["exact", "near"]


class ReleasedAlert(BaseModel):
    """An alert as an involved agency sees it once a coordinator has released it."""

    model_config = ConfigDict(extra="forbid")

    alert_id: int
    kind: KindName
    level: str
    status: str
    released_at: dt.datetime
    #: the earliest and latest observation day of the alert's signals, of every agency
    first_observed: dt.date
    last_observed: dt.date
    explanation: str
    #: strong, medium or weak, from documented rules (docs/linkage.md); never a score
    strength: Literal["strong", "medium", "weak"] = "weak"
    evidence: list[AlertEvidence] = Field(default_factory=list)
    own_signals: list[AlertSignal]
    other_agencies: list[AlertParty]


class ErrorBody(BaseModel):
    """The one JSON error shape of every API (matcher and key service)."""

    model_config = ConfigDict(extra="forbid")

    class Detail(BaseModel):
        model_config = ConfigDict(extra="forbid")

        code: str
        message: str
        fields: list[dict[str, str]] = Field(default_factory=list)

    error: Detail


def new_batch_id() -> uuid.UUID:
    """Return a fresh random batch id."""
    return uuid.uuid4()
