"""Normalization: raw identifier -> canonical form -> match keys, one module per kind.

Each kind module has ``normalize(raw, /, **context) -> str`` (raising NormalizationError, whose
message never holds the raw value) and ``match_keys(canonical) -> list[tuple[level, value]]``.
Which module normalizes a kind, and which context keys it takes, is declared in the kind's spec
(:mod:`client.kinds`); any other context key is refused. The rules per kind are in
docs/normalization.md. ``NORMALIZATION_VERSION`` travels with every batch: change it whenever a
rule changes output.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from client import kinds
from client.errors import NormalizationError
from client.schemes.base import MatchKey

NORMALIZATION_VERSION = "2026.3"

_MODULES: dict[str, ModuleType] = {}


def module(kind: str) -> ModuleType:
    """Return the normalizer module of a registered kind; the refusal does not echo the name."""
    known = kinds.spec(kind)
    if known is None:
        raise NormalizationError("kind", "unknown kind")
    found = _MODULES.get(known.normalizer)
    if found is None:
        found = _MODULES[known.normalizer] = known.module()
    return found


def normalize(kind: str, raw: str, /, **context: str) -> str:
    """Return the canonical form of raw as an identifier of kind."""
    normalizer = module(kind)
    if not isinstance(raw, str):
        raise NormalizationError(kind, "input must be text")
    function: Callable[..., str] = normalizer.normalize
    return function(raw, **context)


def match_keys(kind: str, canonical: str) -> list[MatchKey]:
    """Return the match keys (one per level) of a canonical form; refuse anything else."""
    normalizer = module(kind)
    if not isinstance(canonical, str):
        raise NormalizationError(kind, "canonical form must be text")
    return [MatchKey(kind, level, value) for level, value in normalizer.match_keys(canonical)]
