"""Evaluate an agency's blinded elements under an epoch's key, with one batched proof.

The order is deliberate: refuse what is malformed, then charge the agency's limits, then compute,
then log the count. The elements are blinded by the agency, so the key service learns nothing
about the inputs; it only sees, and logs, how many there were.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection

from client.oprf import group, protocol
from client.oprf.messages import (
    EvaluateRequest,
    EvaluateResponse,
    KeyStatus,
    decode_element,
    encode_bytes,
)
from keyservice import keys, limits, usage
from keyservice.agencies import Agency
from keyservice.errors import Conflict, InvalidRequest, TooLarge

_MAX_REPORTED_FIELDS = 20


@dataclass(frozen=True)
class Limits:
    """The service-wide bounds of one request."""

    max_elements: int
    per_minute: int


def _decode_elements(texts: list[str]) -> list[bytes]:
    elements = [decode_element(text) for text in texts]
    bad = [index for index, element in enumerate(elements) if not group.is_element(element)]
    if bad:
        raise InvalidRequest(
            f"{len(bad)} blinded element(s) are not canonical, non-identity ristretto255 "
            "elements; see fields for their positions.",
            code="invalid_element",
            fields=[
                {"location": f"blinded.{index}", "rule": "not_a_group_element"}
                for index in bad[:_MAX_REPORTED_FIELDS]
            ],
        )
    return elements


def evaluate(
    conn: Connection,
    agency: Agency,
    request: EvaluateRequest,
    *,
    ring: keys.KeyRing,
    counter: limits.Counter,
    bounds: Limits,
    now: dt.datetime,
) -> tuple[EvaluateResponse, limits.QuotaState]:
    """Evaluate a request for an authenticated agency; return the answer and its quota state."""
    count = len(request.blinded)
    if count > bounds.max_elements:
        raise TooLarge(
            f"A request carries at most {bounds.max_elements} blinded elements; "
            f"split the {count} into several requests.",
            code="too_many_elements",
        )
    key = keys.get_key(conn, request.epoch)
    if key.status is not KeyStatus.ACTIVE:
        raise Conflict(
            f"Epoch {request.epoch} is retired: tokens of this epoch are no longer made. "
            "Fetch the current key (GET /api/v1/public-key) and pin it.",
            code="retired_epoch",
        )
    blinded = _decode_elements(request.blinded)
    secret = ring.secret(key)
    state = limits.charge(counter, agency, count, per_minute=bounds.per_minute, now=now)
    evaluated, proof = protocol.blind_evaluate(secret, blinded, public_key=key.public_key)
    assert proof is not None  # VOPRF mode always proves
    usage.record(conn, agency, epoch=key.epoch, count=count, at=now)
    response = EvaluateResponse(
        suite=protocol.SUITE,
        epoch=key.epoch,
        evaluated=[encode_bytes(element) for element in evaluated],
        proof=encode_bytes(proof),
    )
    return response, state
