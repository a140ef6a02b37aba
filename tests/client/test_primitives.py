"""The crypto recipes: published known answers, bytes-only keys, failures that say nothing."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client import primitives

# RFC 4231 section 4: HMAC-SHA-256 test cases 1-7 (case 5 is published truncated to 128 bits).
RFC4231 = [
    (bytes([0x0B] * 20), b"Hi There",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (b"Jefe", b"what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    (bytes([0xAA] * 20), bytes([0xDD] * 50),
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
    (bytes.fromhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), bytes([0xCD] * 50),
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
    (bytes([0x0C] * 20), b"Test With Truncation",
     "a3b6167473100ee06e0c796c2955552b"),
    (bytes([0xAA] * 131), b"Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    (bytes([0xAA] * 131),
     b"This is a test using a larger than block-size key and a larger than block-size data."
     b" The key needs to be hashed before being used by the HMAC algorithm.",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
]  # fmt: skip

# RFC 5869 appendix A, test cases 1-3 (SHA-256): IKM, salt, info, L -> OKM.
RFC5869 = [
    (bytes([0x0B] * 22), bytes(range(0x00, 0x0D)), bytes(range(0xF0, 0xFA)), 42,
     "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
    (bytes(range(0x00, 0x50)), bytes(range(0x60, 0xB0)), bytes(range(0xB0, 0x100)), 82,
     "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
     "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
     "cc30c58179ec3e87c14c01d5c1f3434f1d87"),
    (bytes([0x0B] * 22), b"", b"", 42,
     "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"),
]  # fmt: skip

SMALL_ARGON2 = primitives.Argon2Params(memory_kib=8 * 1024, time_cost=1, lanes=1)


@pytest.mark.parametrize(("key", "data", "expected"), RFC4231)
def test_hmac_sha256_matches_rfc4231(key: bytes, data: bytes, expected: str) -> None:
    assert primitives.hmac_sha256(key, data).hex()[: len(expected)] == expected


@pytest.mark.parametrize(("key", "data", "expected"), RFC4231)
def test_prepared_hmac_matches_rfc4231(key: bytes, data: bytes, expected: str) -> None:
    mac = primitives.hmac_sha256_with(key)
    assert mac(data).hex()[: len(expected)] == expected
    assert mac(data).hex()[: len(expected)] == expected  # the prepared state is not consumed


@pytest.mark.parametrize(("ikm", "salt", "info", "length", "expected"), RFC5869)
def test_hkdf_sha256_matches_rfc5869(
    ikm: bytes, salt: bytes, info: bytes, length: int, expected: str
) -> None:
    assert primitives.hkdf_sha256(ikm, salt=salt, info=info, length=length).hex() == expected


@given(key=st.binary(min_size=1, max_size=200), message=st.binary(max_size=300))
def test_prepared_hmac_equals_one_shot_hmac(key: bytes, message: bytes) -> None:
    assert primitives.hmac_sha256_with(key)(message) == primitives.hmac_sha256(key, message)


@pytest.mark.parametrize(
    "call",
    [
        lambda: primitives.hmac_sha256("key", b"message"),  # type: ignore[arg-type]
        lambda: primitives.hmac_sha256_with("key"),  # type: ignore[arg-type]
        lambda: primitives.hkdf_sha256("secret", info=b"x"),  # type: ignore[arg-type]
        lambda: primitives.fingerprint("s" * 32, scheme="hmac", epoch=1),  # type: ignore[arg-type]
        lambda: primitives.seal("k" * 32, b"x", associated_data=b""),  # type: ignore[arg-type]
        lambda: primitives.passphrase_key(
            "passphrase",  # type: ignore[arg-type]
            salt=b"0123456789abcdef",
            params=SMALL_ARGON2,
        ),
    ],
)
def test_text_is_never_accepted_as_key_material(call: object) -> None:
    with pytest.raises(TypeError, match="must be bytes"):
        call()  # type: ignore[operator]


def test_fingerprint_is_32_hex_and_separates_scheme_epoch_and_secret() -> None:
    secret = bytes(range(32))
    seen = {
        primitives.fingerprint(secret, scheme="hmac", epoch=1),
        primitives.fingerprint(secret, scheme="hmac", epoch=2),
        primitives.fingerprint(secret, scheme="oprf", epoch=1),
        primitives.fingerprint(bytes(range(1, 33)), scheme="hmac", epoch=1),
    }
    assert len(seen) == 4
    for value in seen:
        assert re.fullmatch(r"[0-9a-f]{32}", value)
        assert value not in secret.hex()


def test_equal_compares_bytes_or_text_but_not_a_mix() -> None:
    assert primitives.equal(b"abc", b"abc")
    assert not primitives.equal(b"abc", b"abd")
    assert primitives.equal("5f3a", "5f3a")
    assert not primitives.equal("5f3a", "5f3b")
    with pytest.raises(TypeError):
        primitives.equal(b"abc", "abc")


def test_random_secrets_are_fresh_and_of_the_asked_length() -> None:
    secrets = {primitives.random_secret() for _ in range(16)}
    assert len(secrets) == 16
    assert {len(secret) for secret in secrets} == {primitives.SECRET_BYTES}
    assert len(primitives.random_secret(12)) == 12


def test_sealed_data_opens_only_with_the_same_key_and_associated_data() -> None:
    key = primitives.random_secret()
    nonce, ciphertext = primitives.seal(key, b"federation secret", associated_data=b"header")
    opened = primitives.unseal(key, nonce, ciphertext, associated_data=b"header")
    assert opened == b"federation secret"
    assert b"federation secret" not in ciphertext
    tampered = bytes([ciphertext[0] ^ 1]) + ciphertext[1:]
    other_key = primitives.random_secret()
    failures = [
        lambda: primitives.unseal(other_key, nonce, ciphertext, associated_data=b"header"),
        lambda: primitives.unseal(key, nonce, ciphertext, associated_data=b"edited"),
        lambda: primitives.unseal(key, nonce, tampered, associated_data=b"header"),
        lambda: primitives.unseal(key, bytes(12), ciphertext, associated_data=b"header"),
        lambda: primitives.unseal(key, b"", ciphertext, associated_data=b"header"),
    ]
    messages = set()
    for failure in failures:
        with pytest.raises(primitives.IntegrityError) as caught:
            failure()
        messages.add(str(caught.value))
    assert len(messages) == 1  # the message never tells which check failed


def test_each_seal_uses_a_fresh_nonce() -> None:
    key = primitives.random_secret()
    first = primitives.seal(key, b"same", associated_data=b"")
    second = primitives.seal(key, b"same", associated_data=b"")
    assert first[0] != second[0]
    assert first[1] != second[1]


def test_passphrase_key_depends_on_passphrase_salt_and_cost() -> None:
    salt = bytes(16)
    derived = primitives.passphrase_key(b"passphrase one", salt=salt, params=SMALL_ARGON2)
    assert len(derived) == primitives.SECRET_BYTES
    assert derived == primitives.passphrase_key(b"passphrase one", salt=salt, params=SMALL_ARGON2)
    others = {
        primitives.passphrase_key(b"passphrase two", salt=salt, params=SMALL_ARGON2),
        primitives.passphrase_key(b"passphrase one", salt=bytes([1] * 16), params=SMALL_ARGON2),
        primitives.passphrase_key(
            b"passphrase one",
            salt=salt,
            params=primitives.Argon2Params(memory_kib=8 * 1024, time_cost=2, lanes=1),
        ),
    }
    assert derived not in others
    assert len(others) == 3


def test_default_passphrase_cost_is_at_least_64_mib() -> None:
    assert primitives.Argon2Params().memory_kib >= 64 * 1024
