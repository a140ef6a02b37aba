"""Normalization: raw identifier -> canonical form -> match keys, one module per kind.

Each kind module has ``normalize(raw, /, **context) -> str`` (raising NormalizationError, whose
message never holds the raw value) and ``match_keys(canonical) -> list[tuple[level, value]]``.
Context keys: ``phone`` takes ``region``, ``address`` takes ``country``, ``person`` takes ``dob``;
any other key is refused. The rules per kind are in docs/normalization.md.
``NORMALIZATION_VERSION`` travels with every batch: change it whenever a rule changes output.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from client.errors import NormalizationError
from client.normalizers import (
    address,
    email,
    iban,
    kvk,
    operator,
    person,
    phone,
    plate,
    url,
)
from client.schemes.base import MatchKey
from client.wire import Kind

NORMALIZATION_VERSION = "2026.2"

REGISTRY: dict[Kind, ModuleType] = {
    Kind.PHONE: phone,
    Kind.EMAIL: email,
    Kind.ADDRESS: address,
    Kind.OPERATOR: operator,
    Kind.PERSON: person,
    Kind.IBAN: iban,
    Kind.KVK: kvk,
    Kind.PLATE: plate,
    Kind.URL: url,
}


_KINDS = {kind.value: kind for kind in Kind}


def _kind(kind: str) -> Kind:
    """Return the Kind named by kind; the refusal does not echo the name (it could be anything)."""
    known = _KINDS.get(kind) if isinstance(kind, str) else None
    if known is None:
        raise NormalizationError("kind", "unknown kind")
    return known


def normalize(kind: str, raw: str, /, **context: str) -> str:
    """Return the canonical form of raw as an identifier of kind."""
    module = REGISTRY[_kind(kind)]
    if not isinstance(raw, str):
        raise NormalizationError(kind, "input must be text")
    function: Callable[..., str] = module.normalize
    return function(raw, **context)


def match_keys(kind: str, canonical: str) -> list[MatchKey]:
    """Return the match keys (one per level) of a canonical form; refuse anything else."""
    known = _kind(kind)
    if not isinstance(canonical, str):
        raise NormalizationError(kind, "canonical form must be text")
    return [MatchKey(known, level, value) for level, value in REGISTRY[known].match_keys(canonical)]
