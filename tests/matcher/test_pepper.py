"""The server pepper: a keyed, domain-separated HMAC whose key never shows and lives in a file."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import pickle
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.pepper import ENV_FILE, ENV_KEY, Pepper, PepperError

KEY = bytes(range(32))
TOKEN = bytes(range(100, 132))


def phone(pepper: Pepper) -> bytes:
    """Pepper TOKEN as a phone token of hmac epoch 1."""
    return pepper.apply(scheme="hmac", epoch=1, kind="phone", level="e164", token=TOKEN)


def _field(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def test_apply_is_hmac_sha256_over_length_prefixed_fields() -> None:
    message = b"".join(
        _field(part) for part in (b"kruispunt/v1/pepper", b"hmac", b"7", b"address", b"unit", TOKEN)
    )
    expected = hmac.new(KEY, message, hashlib.sha256).digest()
    peppered = Pepper(KEY).apply(scheme="hmac", epoch=7, kind="address", level="unit", token=TOKEN)
    assert peppered == expected
    assert len(peppered) == 32


domains = st.tuples(
    st.sampled_from(["hmac", "oprf"]),
    st.integers(1, 5),
    st.sampled_from(["phone", "email", "address"]),
    st.sampled_from(["e164", "mailbox", "unit", "building"]),
)


@given(first=domains, second=domains, token=st.binary(min_size=32, max_size=32))
def test_tokens_of_different_domains_never_coincide(
    first: tuple[str, int, str, str], second: tuple[str, int, str, str], token: bytes
) -> None:
    pepper = Pepper(KEY)
    outputs = [
        pepper.apply(scheme=scheme, epoch=epoch, kind=kind, level=level, token=token)
        for scheme, epoch, kind, level in (first, second)
    ]
    assert (outputs[0] == outputs[1]) == (first == second)


def test_fields_cannot_slide_into_each_other() -> None:
    pepper = Pepper(KEY)
    assert pepper.apply(scheme="hmac", epoch=1, kind="ab", level="c", token=TOKEN) != pepper.apply(
        scheme="hmac", epoch=1, kind="a", level="bc", token=TOKEN
    )


def test_another_key_gives_other_tokens() -> None:
    assert phone(Pepper(KEY)) != phone(Pepper(bytes(32)))


def test_the_key_never_shows() -> None:
    pepper = Pepper(KEY)
    for shown in (repr(pepper), str(pepper)):
        assert KEY.hex() not in shown and str(KEY) not in shown
    with pytest.raises(TypeError):
        pickle.dumps(pepper)


def test_a_key_must_be_32_bytes() -> None:
    with pytest.raises(TypeError):
        Pepper(base64.b64encode(KEY).decode())  # type: ignore[arg-type]  (a str is refused)
    with pytest.raises(PepperError):
        Pepper(KEY[:16])


def test_create_file_writes_a_private_file_once(tmp_path: Path) -> None:
    path = tmp_path / "pepper.key"
    created = Pepper.create_file(str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = Pepper.load(path=str(path), environ={})
    assert phone(loaded) == phone(created)
    with pytest.raises(FileExistsError):
        Pepper.create_file(str(path))


def test_load_prefers_the_environment_variable(tmp_path: Path) -> None:
    path = tmp_path / "pepper.key"
    Pepper.create_file(str(path))
    from_env = Pepper.load(path=str(path), environ={ENV_KEY: base64.b64encode(KEY).decode()})
    assert phone(from_env) == phone(Pepper(KEY))


def test_load_finds_the_file_named_by_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.key"
    path.write_bytes(base64.b64encode(KEY) + b"\n")
    os.chmod(path, 0o600)
    loaded = Pepper.load(path=None, environ={ENV_FILE: str(path)})
    assert phone(loaded) == phone(Pepper(KEY))


@pytest.mark.parametrize(
    "content",
    [b"not base64 at all!", base64.b64encode(KEY[:20]), b""],
    ids=["not-base64", "too-short", "empty"],
)
def test_a_bad_pepper_file_is_refused_without_showing_its_content(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "pepper.key"
    path.write_bytes(content)
    os.chmod(path, 0o600)
    with pytest.raises(PepperError) as refused:
        Pepper.load(path=str(path), environ={})
    assert str(path) in str(refused.value)
    if content:
        assert content.decode() not in str(refused.value)


def test_a_missing_pepper_names_where_it_was_looked_for(tmp_path: Path) -> None:
    with pytest.raises(PepperError, match="does not exist"):
        Pepper.load(path=str(tmp_path / "absent.key"), environ={})
    with pytest.raises(PepperError, match=ENV_FILE):
        Pepper.load(path=None, environ={})


def test_a_bad_environment_value_is_refused_without_showing_it() -> None:
    secret_looking = "c2VjcmV0LXRoYXQtaXMtdG9vLXNob3J0"
    with pytest.raises(PepperError) as refused:
        Pepper.load(path=None, environ={ENV_KEY: secret_looking})
    assert ENV_KEY in str(refused.value)
    assert secret_looking not in str(refused.value)


def test_a_pepper_file_others_can_read_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "pepper.key"
    path.write_bytes(base64.b64encode(KEY))
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING, logger="matcher.pepper"):
        Pepper.load(path=str(path), environ={})
    assert "chmod 600" in caplog.text
    assert base64.b64encode(KEY).decode() not in caplog.text
