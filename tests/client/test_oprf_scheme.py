"""The oprf scheme's own rules: input framing, token size, fingerprints, pinning, refusals.

Its behaviour against the real key service is in tests/keyservice/test_keyservice_scheme.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client import kinds
from client.errors import KeyFileError, SchemeError
from client.oprf import protocol
from client.oprf.messages import fingerprint
from client.schemes.base import MatchKey
from client.schemes.oprf import OprfScheme, oprf_input, token_of
from client.wire import Kind

LEVELS = {Kind(spec.name): spec.level_names for spec in kinds.BUILT_IN}

_, PUBLIC = protocol.derive_key_pair(bytes(32), b"test key")
_, OTHER_PUBLIC = protocol.derive_key_pair(bytes(32), b"other key")

values = st.text(min_size=1, max_size=30)


@given(first=values, second=values)
def test_framing_is_unambiguous(first: str, second: str) -> None:
    a = oprf_input(MatchKey(Kind.OPERATOR, "legal_name", first + second), epoch=1)
    b = oprf_input(MatchKey(Kind.OPERATOR, "trade_name", first + second), epoch=1)
    c = oprf_input(MatchKey(Kind.OPERATOR, "legal_name", first + second), epoch=2)
    assert len({a, b, c}) == 3


def test_every_kind_and_level_frames_a_different_input() -> None:
    inputs = {
        oprf_input(MatchKey(kind, level, "same"), epoch=1)
        for kind in Kind
        for level in LEVELS[kind]
    }
    # but address/no_addition, a label that shares the building level's tokens (client/kinds.py)
    assert len(inputs) == sum(len(levels) for levels in LEVELS.values()) - 1
    bare = oprf_input(MatchKey(Kind.ADDRESS, "no_addition", "NL 3811AB 14"), epoch=1)
    assert bare == oprf_input(MatchKey(Kind.ADDRESS, "building", "NL 3811AB 14"), epoch=1)


def test_a_value_too_long_for_the_rfc_is_refused_without_echoing_it() -> None:
    value = "0612345678" * 7000
    with pytest.raises(SchemeError) as caught:
        oprf_input(MatchKey(Kind.URL, "host", value), epoch=1)
    assert "0612345678" not in str(caught.value)
    assert "url/host" in str(caught.value)


def test_tokens_are_32_bytes() -> None:
    assert len(token_of(bytes(64))) == 32
    assert token_of(bytes(64)) != token_of(b"\x01" + bytes(63))


def test_the_fingerprint_names_key_and_epoch() -> None:
    assert fingerprint(PUBLIC, epoch=1) != fingerprint(PUBLIC, epoch=2)
    assert fingerprint(PUBLIC, epoch=1) != fingerprint(OTHER_PUBLIC, epoch=1)
    with OprfScheme("https://ks", api_token="kpks_secret", public_key=PUBLIC, epoch=1) as scheme:
        assert scheme.fingerprint == fingerprint(PUBLIC, epoch=1)
        assert "kpks_secret" not in repr(scheme)


@pytest.mark.parametrize(
    "public_key", [bytes(32), b"\xff" * 32, PUBLIC[:31], PUBLIC.hex()], ids=str
)
def test_a_pinned_key_must_be_a_group_element(public_key: object) -> None:
    with pytest.raises(TypeError):
        OprfScheme("https://ks", api_token="t", public_key=public_key, epoch=1)  # type: ignore[arg-type]


def test_epochs_and_batch_sizes_are_checked() -> None:
    with pytest.raises(ValueError):
        OprfScheme("https://ks", api_token="t", public_key=PUBLIC, epoch=0)
    with pytest.raises(ValueError):
        OprfScheme("https://ks", api_token="t", public_key=PUBLIC, epoch=1, batch_size=0)


def test_an_unreadable_public_key_document_is_a_key_file_error(tmp_path: Path) -> None:
    path = tmp_path / "key.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(KeyFileError):
        OprfScheme.from_public_key_file(path, "https://ks", api_token="t")
    with pytest.raises(KeyFileError):
        OprfScheme.from_public_key_file(tmp_path / "missing.json", "https://ks", api_token="t")


def test_a_document_whose_key_is_not_the_expected_one_is_refused(tmp_path: Path) -> None:
    from client.oprf.messages import encode_bytes

    document = {
        "suite": protocol.SUITE,
        "epoch": 1,
        "public_key": encode_bytes(OTHER_PUBLIC),
        "fingerprint": fingerprint(OTHER_PUBLIC, epoch=1),
        "status": "active",
        "created_at": "2026-01-01T00:00:00Z",
    }
    path = tmp_path / "key.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    expected = fingerprint(PUBLIC, epoch=1)
    with pytest.raises(SchemeError, match="stop and inform the federation"):
        OprfScheme.from_public_key_file(
            path, "https://ks", api_token="t", expected_fingerprint=expected
        )
