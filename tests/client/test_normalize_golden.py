"""Golden vectors: every kind's messy inputs give the canonical forms and keys agencies rely on.

Two agencies only match when they normalize alike, so these outputs must not drift within a
NORMALIZATION_VERSION. A change here needs a new version number (see docs/normalization.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from client import kinds
from client.errors import NormalizationError
from client.normalizers import NORMALIZATION_VERSION, match_keys, normalize, phone
from client.wire import Kind

LEVELS = {Kind(spec.name): spec.level_names for spec in kinds.BUILT_IN}

GOLDEN = Path(__file__).parent.parent / "golden" / "normalization"


def _load(kind: Kind) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((GOLDEN / f"{kind.value}.json").read_text("utf-8"))
    return document


def _cases() -> list[Any]:
    cases = []
    for kind in Kind:
        for number, case in enumerate(_load(kind)["cases"]):
            cases.append(pytest.param(kind, case, id=f"{kind.value}-{number}"))
    return cases


def test_every_kind_has_a_golden_file_for_this_version() -> None:
    for kind in Kind:
        document = _load(kind)
        assert document["kind"] == kind.value
        assert document["normalization_version"] == NORMALIZATION_VERSION
        outcomes = {"canonical" in case for case in document["cases"]}
        assert outcomes == {True, False}, f"{kind}: needs accepted and rejected examples"


@pytest.mark.parametrize(("kind", "case"), _cases())
def test_golden_vector(kind: Kind, case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(NormalizationError) as raised:
            normalize(kind, case["raw"], **case["context"])
        assert raised.value.rule == case["error"]
        assert raised.value.kind == kind.value
        return
    canonical = normalize(kind, case["raw"], **case["context"])
    assert canonical == case["canonical"]
    keys = match_keys(kind, canonical)
    assert [[key.level, key.value] for key in keys] == case["keys"]
    assert all(key.kind == kind and key.level in LEVELS[kind] for key in keys)
    assert normalize(kind, canonical) == canonical
    if "region_assumed" in case:
        region = case["context"].get("region")
        assert phone.parse(case["raw"], region=region).region_assumed is case["region_assumed"]
