"""Properties every normalizer keeps for any text: one error type, idempotence, valid keys."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client import kinds
from client.errors import NormalizationError
from client.normalizers import match_keys, normalize
from client.wire import Kind

LEVELS = {Kind(spec.name): spec.level_names for spec in kinds.BUILT_IN}

#: Context values drawn for the kinds that take context: real ones, empty ones, and junk.
CONTEXT_KEYS = {Kind.PHONE: "region", Kind.ADDRESS: "country", Kind.PERSON: "dob"}
CONTEXT_VALUES = {
    Kind.PHONE: ["NL", "RO", "bg", "", "XX", "Nederland"],
    Kind.ADDRESS: ["NL", "DE", "ro", "België", "", "Atlantis"],
    Kind.PERSON: ["1990-03-07", "07-03-1990", "", "31-02-1990", "gisteren"],
}
# Characters that the normalizers treat specially, so that st.text() reaches their branches.
SPECIAL = st.sampled_from([*"0123456789+-()/.,|@:'&[] \n", "www.", "06", "hodn", " bis"])
MESSY_TEXT = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(SPECIAL, st.text(max_size=4)), max_size=15).map("".join),
)
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _check_canonical(kind: Kind, canonical: str, context: dict[str, str]) -> None:
    """A canonical form is a fixed point, with or without the context, and yields valid keys."""
    assert isinstance(canonical, str)
    assert canonical == canonical.strip()
    assert normalize(kind, canonical) == canonical
    assert normalize(kind, canonical, **context) == canonical
    keys = match_keys(kind, canonical)
    assert 1 <= len(keys) <= 4
    assert all(key.level in LEVELS[kind] and key.value for key in keys)


@pytest.mark.parametrize("kind", list(Kind))
@PROPERTY_SETTINGS
@given(raw=MESSY_TEXT)
def test_any_text_is_canonical_or_a_normalization_error(kind: Kind, raw: str) -> None:
    try:
        canonical = normalize(kind, raw)
    except NormalizationError as error:
        assert error.kind == kind.value
        return
    _check_canonical(kind, canonical, {})


@pytest.mark.parametrize("kind", list(CONTEXT_KEYS))
@PROPERTY_SETTINGS
@given(raw=MESSY_TEXT, data=st.data())
def test_any_text_with_context_is_canonical_or_a_normalization_error(
    kind: Kind, raw: str, data: st.DataObject
) -> None:
    value = data.draw(st.one_of(st.sampled_from(CONTEXT_VALUES[kind]), st.text(max_size=12)))
    context = {CONTEXT_KEYS[kind]: value}
    try:
        canonical = normalize(kind, raw, **context)
    except NormalizationError as error:
        assert error.kind == kind.value
        return
    _check_canonical(kind, canonical, context)


@pytest.mark.parametrize("kind", list(Kind))
@settings(max_examples=60, deadline=None)
@given(raw=st.text(min_size=1, max_size=60))
def test_normalization_is_deterministic(kind: Kind, raw: str) -> None:
    outcomes = set()
    for _ in range(2):
        try:
            outcomes.add(normalize(kind, raw))
        except NormalizationError as error:
            outcomes.add(f"error: {error.rule}")
    assert len(outcomes) == 1


@pytest.mark.parametrize("kind", list(Kind))
def test_oversized_input_is_refused_before_any_parsing(kind: Kind) -> None:
    with pytest.raises(NormalizationError, match="longer than 500 characters"):
        normalize(kind, "1" * 501)
