"""RFC 9497 for ristretto255-SHA512: the RFC's published vectors, proofs, and encodings."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from client.oprf import dleq, group, protocol
from client.oprf.errors import DeserializeError, InvalidInputError, VerifyError

VECTORS = Path(__file__).parent.parent / "vectors" / "rfc9497-allVectors.json"


def _suites() -> list[dict[str, Any]]:
    suites = json.loads(VECTORS.read_text(encoding="utf-8"))
    return [
        suite
        for suite in suites
        if suite["identifier"] == protocol.SUITE and suite["mode"] in (0, 1)
    ]


def _cases() -> list[Any]:
    return [
        pytest.param(suite, vector, id=f"mode{suite['mode']}-vector{number}")
        for suite in _suites()
        for number, vector in enumerate(suite["vectors"])
    ]


def _hex_list(text: str) -> list[bytes]:
    return [bytes.fromhex(part) for part in text.split(",")]


def test_the_vectors_file_holds_both_modes_of_our_suite() -> None:
    assert sorted(suite["mode"] for suite in _suites()) == [0, 1]
    assert sum(len(suite["vectors"]) for suite in _suites()) == 5


@pytest.mark.parametrize("suite", _suites(), ids=lambda s: f"mode{s['mode']}")
def test_derive_key_pair_reproduces_the_rfc_keys(suite: dict[str, Any]) -> None:
    secret, public = protocol.derive_key_pair(
        bytes.fromhex(suite["seed"]),
        bytes.fromhex(suite["keyInfo"]),
        mode=protocol.Mode(suite["mode"]),
    )
    assert secret.hex() == suite["skSm"]
    if "pkSm" in suite:
        assert public.hex() == suite["pkSm"]


@pytest.mark.parametrize(("suite", "vector"), _cases())
def test_blind_evaluate_finalize_reproduce_the_rfc_vectors(
    suite: dict[str, Any], vector: dict[str, Any]
) -> None:
    mode = protocol.Mode(suite["mode"])
    secret = bytes.fromhex(suite["skSm"])
    public = protocol.public_key_of(secret)
    inputs = _hex_list(vector["Input"])

    blinds, blinded = protocol.blind(inputs, mode=mode, blinds=_hex_list(vector["Blind"]))
    assert [element.hex() for element in blinded] == vector["BlindedElement"].split(",")

    nonce = bytes.fromhex(vector["Proof"]["r"]) if "Proof" in vector else None
    evaluated, proof = protocol.blind_evaluate(secret, blinded, mode=mode, nonce=nonce)
    assert [element.hex() for element in evaluated] == vector["EvaluationElement"].split(",")
    if mode is protocol.Mode.VOPRF:
        assert proof is not None and proof.hex() == vector["Proof"]["proof"]
    else:
        assert proof is None

    outputs = protocol.finalize(
        inputs, blinds, evaluated, mode=mode, blinded=blinded, public_key=public, proof=proof
    )
    assert [output.hex() for output in outputs] == vector["Output"].split(",")
    assert [protocol.evaluate(secret, data, mode=mode).hex() for data in inputs] == vector[
        "Output"
    ].split(",")


@settings(max_examples=15, deadline=None)
@given(inputs=st.lists(st.binary(max_size=64), min_size=1, max_size=4))
def test_finalized_outputs_equal_the_direct_evaluation(inputs: list[bytes]) -> None:
    secret, public = protocol.derive_key_pair(secrets.token_bytes(32), b"property")
    blinds, blinded = protocol.blind(inputs)
    evaluated, proof = protocol.blind_evaluate(secret, blinded)
    outputs = protocol.finalize(
        inputs, blinds, evaluated, blinded=blinded, public_key=public, proof=proof
    )
    assert outputs == [protocol.evaluate(secret, data) for data in inputs]


def test_blinding_hides_equal_inputs() -> None:
    _, first = protocol.blind([b"0612345678"])
    _, second = protocol.blind([b"0612345678"])
    assert first != second


@pytest.fixture(scope="module")
def evaluated_batch() -> dict[str, Any]:
    secret, public = protocol.derive_key_pair(secrets.token_bytes(32), b"batch")
    inputs = [b"one", b"two", b"three"]
    blinds, blinded = protocol.blind(inputs)
    evaluated, proof = protocol.blind_evaluate(secret, blinded)
    return {
        "inputs": inputs,
        "blinds": blinds,
        "blinded": blinded,
        "evaluated": evaluated,
        "proof": proof,
        "public": public,
    }


def _finalize(batch: dict[str, Any], **changes: Any) -> list[bytes]:
    parts = {**batch, **changes}
    return protocol.finalize(
        parts["inputs"],
        parts["blinds"],
        parts["evaluated"],
        blinded=parts["blinded"],
        public_key=parts["public"],
        proof=parts["proof"],
    )


def test_the_untampered_batch_verifies(evaluated_batch: dict[str, Any]) -> None:
    assert len(_finalize(evaluated_batch)) == 3


def test_a_proof_does_not_verify_under_another_public_key(evaluated_batch: dict[str, Any]) -> None:
    _, other_public = protocol.derive_key_pair(secrets.token_bytes(32), b"other")
    with pytest.raises(VerifyError):
        _finalize(evaluated_batch, public=other_public)


def test_an_element_evaluated_under_another_key_is_caught(evaluated_batch: dict[str, Any]) -> None:
    other_secret, _ = protocol.derive_key_pair(secrets.token_bytes(32), b"other")
    swapped = list(evaluated_batch["evaluated"])
    swapped[1] = group.scalar_mult(other_secret, evaluated_batch["blinded"][1])
    with pytest.raises(VerifyError):
        _finalize(evaluated_batch, evaluated=swapped)


def test_reordered_elements_are_caught(evaluated_batch: dict[str, Any]) -> None:
    reordered = list(reversed(evaluated_batch["evaluated"]))
    with pytest.raises(VerifyError):
        _finalize(evaluated_batch, evaluated=reordered)


@pytest.mark.parametrize("position", [0, 31, 32, 63])
def test_a_flipped_proof_bit_is_caught(evaluated_batch: dict[str, Any], position: int) -> None:
    proof = bytearray(evaluated_batch["proof"])
    proof[position] ^= 0x01
    with pytest.raises(VerifyError):
        _finalize(evaluated_batch, proof=bytes(proof))


def test_a_missing_element_is_caught(evaluated_batch: dict[str, Any]) -> None:
    with pytest.raises(VerifyError):
        _finalize(evaluated_batch, evaluated=evaluated_batch["evaluated"][:2])


def test_an_identity_evaluated_element_is_caught(evaluated_batch: dict[str, Any]) -> None:
    evaluated = [group.IDENTITY, *evaluated_batch["evaluated"][1:]]
    with pytest.raises(VerifyError):
        _finalize(evaluated_batch, evaluated=evaluated)


def test_a_proof_is_generated_once_for_a_whole_batch() -> None:
    secret, public = protocol.derive_key_pair(secrets.token_bytes(32), b"size")
    _, blinded = protocol.blind([bytes([n]) for n in range(50)])
    evaluated, proof = protocol.blind_evaluate(secret, blinded)
    assert proof is not None and len(proof) == dleq.PROOF_BYTES
    dleq.verify_proof(
        protocol.GENERATOR, public, blinded, evaluated, proof, protocol.context().proofs
    )


# A canonical encoding has its top bit clear and is "non-negative" (even) as a field element;
# the field prime p = 2^255 - 19 itself and 0xff..ff are non-canonical.
_P = (2**255 - 19).to_bytes(32, "little")
_NON_CANONICAL = [_P, b"\xff" * 32, (1).to_bytes(32, "little"), b"\x00" * 31 + b"\x80"]


@pytest.mark.parametrize("data", [group.IDENTITY, *_NON_CANONICAL, b"\x01" * 31, b""])
def test_invalid_element_encodings_are_refused_without_echoing_them(data: bytes) -> None:
    with pytest.raises(DeserializeError) as caught:
        group.deserialize_element(data, index=7)
    assert "position 7" in str(caught.value)
    if data:
        assert data.hex() not in str(caught.value)


def test_a_blinded_identity_or_invalid_element_is_not_evaluated() -> None:
    secret, _ = protocol.derive_key_pair(secrets.token_bytes(32), b"server")
    _, blinded = protocol.blind([b"ok"])
    with pytest.raises(DeserializeError) as caught:
        protocol.blind_evaluate(secret, [blinded[0], group.IDENTITY])
    assert caught.value.index == 1


@pytest.mark.parametrize(
    "data",
    [group.ORDER.to_bytes(32, "little"), b"\xff" * 32, b"\x01" * 31],
    ids=["order", "all-ones", "short"],
)
def test_non_canonical_scalars_are_refused(data: bytes) -> None:
    with pytest.raises(DeserializeError):
        group.deserialize_scalar(data)


def test_a_zero_secret_key_is_refused() -> None:
    with pytest.raises(DeserializeError):
        protocol.public_key_of(bytes(32))


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=group.ORDER - 1), min_size=1, max_size=6))
def test_batch_inversion_matches_one_by_one_inversion(values: list[int]) -> None:
    scalars = [value.to_bytes(32, "little") for value in values]
    assert group.scalar_invert_each(scalars) == [group.scalar_invert(s) for s in scalars]


def test_inputs_longer_than_the_rfc_allows_are_refused() -> None:
    with pytest.raises(InvalidInputError):
        protocol.derive_key_pair(bytes(32), b"x" * 70_000)


def test_context_strings_follow_the_rfc() -> None:
    assert protocol.context(protocol.Mode.VOPRF).context_string == (
        b"OPRFV1-\x01-ristretto255-SHA512"
    )
    suite = next(s for s in _suites() if s["mode"] == 1)
    assert protocol.context().hash_to_group == bytes.fromhex(suite["groupDST"])


def test_an_element_with_the_top_bit_set_is_refused_though_libsodium_accepts_it() -> None:
    valid = protocol.GENERATOR
    aliased = valid[:31] + bytes([valid[31] | 0x80])
    assert group.is_element(valid)
    assert not group.is_element(aliased)


def test_a_top_bit_alias_of_an_evaluated_element_is_caught(evaluated_batch: dict[str, Any]) -> None:
    first = evaluated_batch["evaluated"][0]
    aliased = [first[:31] + bytes([first[31] | 0x80]), *evaluated_batch["evaluated"][1:]]
    with pytest.raises(VerifyError):
        _finalize(evaluated_batch, evaluated=aliased)
