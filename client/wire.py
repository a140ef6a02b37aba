"""The wire format between client and matcher, defined once.

The matcher imports these models to validate what it receives, so that the two sides cannot
drift apart. A batch carries nothing but tokens, opaque references, categories and dates:
there is no free-text field anywhere in it (design non-negotiable 1).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import uuid
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

FORMAT: Literal["kruispunt-batch/1"] = "kruispunt-batch/1"
TOKEN_BYTES = 32
#: base64url without padding of TOKEN_BYTES bytes
TOKEN_CHARS = 43
REF_CHARS = 22
MAX_SIGNALS_PER_BATCH = 10_000
MAX_TOKENS_PER_SIGNAL = 16


class Kind(StrEnum):
    """Identifier kinds the federation matches on."""

    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    OPERATOR = "operator"
    PERSON = "person"
    IBAN = "iban"
    KVK = "kvk"
    PLATE = "plate"
    URL = "url"


#: Match levels per kind: one identifier may yield several keys, strict and relaxed.
LEVELS: dict[Kind, tuple[str, ...]] = {
    Kind.PHONE: ("e164",),
    Kind.EMAIL: ("mailbox",),
    Kind.ADDRESS: ("unit", "building"),
    Kind.OPERATOR: ("legal_name", "trade_name"),
    Kind.PERSON: ("name", "name_dob"),
    Kind.IBAN: ("iban",),
    Kind.KVK: ("kvk",),
    Kind.PLATE: ("plate",),
    Kind.URL: ("host",),
}


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

_STRICT = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


def encode_token(raw: bytes) -> str:
    """Encode a token's bytes for the wire (base64url, no padding)."""
    if len(raw) != TOKEN_BYTES:
        raise ValueError(f"a token is {TOKEN_BYTES} bytes, got {len(raw)}")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_token(text: str) -> bytes:
    """Decode a wire token back to its bytes."""
    if not re.fullmatch(_TOKEN_RE, text):
        raise ValueError("a token is 43 base64url characters")
    return base64.urlsafe_b64decode(text + "=")


class TokenItem(BaseModel):
    model_config = _STRICT

    kind: Kind
    level: str
    token: TokenText

    @model_validator(mode="after")
    def _level_belongs_to_kind(self) -> TokenItem:
        if self.level not in LEVELS[self.kind]:
            raise ValueError(f"level {self.level!r} is not a level of kind {self.kind.value!r}")
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


class ReleasedAlert(BaseModel):
    """An alert as an involved agency sees it once a coordinator has released it."""

    model_config = ConfigDict(extra="forbid")

    alert_id: int
    kind: Kind
    level: str
    status: str
    released_at: dt.datetime
    #: the earliest and latest observation day of the alert's signals, of every agency
    first_observed: dt.date
    last_observed: dt.date
    explanation: str
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
