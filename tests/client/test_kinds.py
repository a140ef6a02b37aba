"""The kind specs are complete: each names a working normalizer, its words and its docs row."""

from __future__ import annotations

from pathlib import Path

import pytest

from client import kinds, normalizers
from client.kinds import KindSpec

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("spec", kinds.BUILT_IN, ids=lambda spec: spec.name)
def test_every_kind_has_a_normalizer_a_golden_file_and_words(spec: KindSpec) -> None:
    module = normalizers.module(spec.name)

    assert callable(module.normalize) and callable(module.match_keys)
    assert (ROOT / "tests" / "golden" / "normalization" / f"{spec.name}.json").is_file()
    for text in (spec.label, *(level.label for level in spec.levels)):
        assert text.en and text.nl
    for level in spec.levels:
        assert level.phrase.en and level.phrase.nl and level.meaning


def test_the_docs_table_is_the_specs() -> None:
    text = (ROOT / "docs" / "normalization.md").read_text("utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    start = rows.index("| kind | canonical form (example) | levels |")
    expected = [
        f"| {spec.name} | {spec.example} | {', '.join(f'`{name}`' for name in spec.level_names)} |"
        for spec in kinds.BUILT_IN
    ]

    assert rows[start + 1 : start + 1 + len(expected)] == expected


def test_a_spec_refuses_names_the_matcher_cannot_store() -> None:
    level = kinds.BUILT_IN[0].levels[0]
    with pytest.raises(ValueError):
        KindSpec("Passport-Number", kinds.Text("x", "x"), (level,), "client.normalizers.phone")
    with pytest.raises(ValueError):
        KindSpec("passport", kinds.Text("x", "x"), (level, level), "client.normalizers.phone")
