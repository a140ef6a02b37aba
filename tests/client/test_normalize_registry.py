"""The registry: one module per kind, the levels of the wire format, one error type."""

from __future__ import annotations

import pytest

from client import kinds
from client.errors import ClientError, NormalizationError
from client.normalizers import NORMALIZATION_VERSION, match_keys, normalize
from client.wire import Kind

LEVELS = {Kind(spec.name): spec.level_names for spec in kinds.BUILT_IN}

SAMPLES = {
    Kind.PHONE: "06-12345678",
    Kind.EMAIL: "ana@example.nl",
    Kind.ADDRESS: "Hoofdstraat 14-A, 3811 AB Amersfoort",
    Kind.OPERATOR: "Club Rood B.V. h.o.d.n. Velvet",
    Kind.PERSON: "Popescu, Ana",
    Kind.IBAN: "NL91ABNA0417164300",
    Kind.KVK: "12345678",
    Kind.PLATE: "12-ABC-3",
    Kind.URL: "https://www.example.nl/",
}


def test_every_kind_is_registered() -> None:
    assert set(kinds.names()) == set(Kind)
    assert set(SAMPLES) == set(Kind)


def test_version_has_the_wire_format_shape() -> None:
    assert NORMALIZATION_VERSION == "2026.3"


@pytest.mark.parametrize("kind", list(Kind))
def test_keys_use_the_kinds_levels(kind: Kind) -> None:
    keys = match_keys(kind, normalize(kind, SAMPLES[kind]))
    assert keys
    assert {key.level for key in keys} <= set(LEVELS[kind])
    assert all(key.kind is kind for key in keys)


@pytest.mark.parametrize("kind", list(Kind))
def test_unknown_context_key_is_refused_by_name(kind: Kind) -> None:
    with pytest.raises(NormalizationError, match="unknown context key 'colour'"):
        normalize(kind, SAMPLES[kind], colour="blue")


@pytest.mark.parametrize("kind", list(Kind))
def test_non_text_input_is_a_normalization_error(kind: Kind) -> None:
    with pytest.raises(NormalizationError, match="input must be text"):
        normalize(kind, 612345678)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", list(Kind))
def test_match_keys_refuses_a_raw_value(kind: Kind) -> None:
    with pytest.raises(NormalizationError, match="not a canonical"):
        match_keys(kind, "  Not Canonical  ")


def test_unknown_kind_is_a_normalization_error() -> None:
    with pytest.raises(NormalizationError, match="unknown kind"):
        normalize("shoe_size", "42")


def test_normalization_error_is_a_client_error_and_a_value_error() -> None:
    with pytest.raises(NormalizationError) as raised:
        normalize(Kind.KVK, "1234")
    assert isinstance(raised.value, ClientError)
    assert isinstance(raised.value, ValueError)
    assert str(raised.value) == "not a valid kvk: not 8 digits"


@pytest.mark.parametrize("key", ["raw", "kind"])
def test_context_cannot_shadow_the_positional_arguments(key: str) -> None:
    with pytest.raises(NormalizationError, match=f"unknown context key '{key}'"):
        normalize(Kind.PHONE, SAMPLES[Kind.PHONE], **{key: "x"})


def test_match_keys_refuses_non_text() -> None:
    with pytest.raises(NormalizationError, match="canonical form must be text"):
        match_keys(Kind.KVK, 12345678)  # type: ignore[arg-type]
