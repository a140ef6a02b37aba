"""Key files: generate, save, load from file or environment; every failure clear and secret-free."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import stat
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from client import primitives
from client.errors import KeyFileError
from client.keys import (
    ENV_KEY,
    ENV_KEY_FILE,
    ENV_PASSPHRASE,
    FederationKey,
    InsecureKeyFileWarning,
    dump_key,
    generate_key,
    load_key,
    passphrase_bytes,
    save_key,
)

PASSPHRASE = b"lange zin met spaties 2026"
# The minimum memory the key file accepts, one pass: keeps the suite fast.
FAST_KDF = primitives.Argon2Params(memory_kib=64 * 1024, time_cost=1, lanes=1)
posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def secret_forms(key: FederationKey) -> list[str]:
    """Every way a secret could be spelled in a message."""
    return [
        key.secret.hex(),
        key.secret.hex().upper(),
        base64.b64encode(key.secret).decode(),
        base64.urlsafe_b64encode(key.secret).decode().rstrip("="),
        repr(key.secret),
    ]


def assert_secret_free(text: str, key: FederationKey) -> None:
    for form in secret_forms(key):
        assert form not in text


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> tuple[FederationKey, str]:
    """One passphrase-protected key file's text, made once (Argon2id is slow on purpose)."""
    key = generate_key(epoch=4)
    return key, dump_key(key, passphrase=PASSPHRASE, kdf=FAST_KDF)


def write(tmp_path: Path, text: str, name: str = "key.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_generated_keys_are_fresh_256_bit_secrets() -> None:
    first, second = generate_key(), generate_key()
    assert len(first.secret) == 32
    assert first.secret != second.secret
    assert first.fingerprint != second.fingerprint
    assert (first.epoch, first.scheme) == (1, "hmac")
    assert first.fingerprint == first.scheme_instance().fingerprint


def test_a_key_never_shows_its_secret() -> None:
    key = generate_key()
    for shown in (repr(key), str(key), f"{key}", repr([key])):
        assert_secret_free(shown, key)
        assert key.fingerprint in shown


def test_keys_compare_by_secret_epoch_and_scheme() -> None:
    key = generate_key(epoch=2)
    same = FederationKey(key.secret, epoch=2, created=key.created - dt.timedelta(days=1))
    assert key == same
    assert hash(key) == hash(same)
    assert key != FederationKey(key.secret, epoch=3)
    assert key != generate_key(epoch=2)


def test_rotation_makes_a_new_secret_for_the_next_epoch() -> None:
    key = generate_key(epoch=5)
    successor = key.rotated()
    assert successor.epoch == 6
    assert successor.secret != key.secret
    assert successor.fingerprint != key.fingerprint


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"secret": "00" * 32}, TypeError),
        ({"secret": bytes(16)}, ValueError),
        ({"secret": bytes(32), "epoch": 0}, ValueError),
        ({"secret": bytes(32), "scheme": "oprf"}, ValueError),
    ],
)
def test_a_malformed_key_is_refused(arguments: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        FederationKey(**arguments)


@posix_only
def test_a_saved_key_loads_back_and_only_its_owner_can_read_it(tmp_path: Path) -> None:
    key = generate_key(epoch=3)
    path = save_key(key, tmp_path / "federation.key")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = load_key(path)
    assert loaded == key
    assert loaded.created == key.created
    document = json.loads(path.read_text())
    assert document["format"] == "kruispunt-key/1"
    assert document["fingerprint"] == key.fingerprint


def test_saving_never_replaces_a_key_unless_told(tmp_path: Path) -> None:
    path = save_key(generate_key(), tmp_path / "federation.key")
    replacement = generate_key(epoch=2)
    with pytest.raises(KeyFileError, match="already exists"):
        save_key(replacement, path)
    assert load_key(path).epoch == 1
    save_key(replacement, path, overwrite=True)
    assert load_key(path) == replacement
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["federation.key"]  # no temporary left


def test_saving_into_a_missing_directory_is_a_key_file_error(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="cannot create"):
        save_key(generate_key(), tmp_path / "missing" / "federation.key")


def test_an_encrypted_key_opens_with_its_passphrase_only(
    tmp_path: Path, sealed: tuple[FederationKey, str]
) -> None:
    key, text = sealed
    assert_secret_free(text, key)
    document = json.loads(text)
    assert document["encrypted"]["kdf"] == "argon2id"
    assert document["encrypted"]["memory_kib"] >= 64 * 1024
    assert document["encrypted"]["aead"] == "aes-256-gcm"
    path = write(tmp_path, text)
    assert load_key(path, passphrase=PASSPHRASE) == key
    with pytest.raises(KeyFileError, match="wrong passphrase or damaged key file") as caught:
        load_key(path, passphrase=b"not the passphrase")
    assert_secret_free(str(caught.value), key)


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.update(epoch=d["epoch"] + 1),
        lambda d: d.update(created="2020-01-01T00:00:00+00:00"),
        lambda d: d["encrypted"].update(time_cost=2),
        lambda d: d["encrypted"].update(salt=base64.b64encode(bytes(16)).decode()),
        lambda d: d["encrypted"].update(nonce=base64.b64encode(bytes(12)).decode()),
    ],
    ids=["epoch", "created", "time_cost", "salt", "nonce"],
)
def test_an_edited_encrypted_header_does_not_open(
    tmp_path: Path, sealed: tuple[FederationKey, str], edit: Callable[[dict[str, Any]], None]
) -> None:
    key, text = sealed
    document = json.loads(text)
    edit(document)
    path = write(tmp_path, json.dumps(document))
    with pytest.raises(KeyFileError, match="wrong passphrase or damaged key file") as caught:
        load_key(path, passphrase=PASSPHRASE)
    assert_secret_free(str(caught.value), key)


def test_a_truncated_salt_is_a_key_file_error(
    tmp_path: Path, sealed: tuple[FederationKey, str]
) -> None:
    document = json.loads(sealed[1])
    document["encrypted"]["salt"] = base64.b64encode(bytes(4)).decode()
    with pytest.raises(KeyFileError, match=r"encrypted\.salt"):
        load_key(write(tmp_path, json.dumps(document)), passphrase=PASSPHRASE)


def test_an_edited_fingerprint_is_caught(tmp_path: Path, sealed: tuple[FederationKey, str]) -> None:
    key, text = sealed
    plain = json.loads(dump_key(key))
    for document, passphrase in ((json.loads(text), PASSPHRASE), (plain, None)):
        document["fingerprint"] = "0" * 32
        path = write(tmp_path, json.dumps(document))
        with pytest.raises(KeyFileError) as caught:
            load_key(path, passphrase=passphrase)
        assert_secret_free(str(caught.value), key)


def test_a_plain_key_file_with_an_edited_epoch_or_secret_fails_the_fingerprint(
    tmp_path: Path,
) -> None:
    key = generate_key()
    for field, value in (("epoch", 2), ("secret", base64.b64encode(bytes(32)).decode())):
        document = json.loads(dump_key(key))
        document[field] = value
        with pytest.raises(KeyFileError, match="fingerprint in the file does not match") as caught:
            load_key(write(tmp_path, json.dumps(document)))
        assert_secret_free(str(caught.value), key)


def test_the_passphrase_comes_from_argument_env_or_prompt(
    tmp_path: Path, sealed: tuple[FederationKey, str]
) -> None:
    key, text = sealed
    path = write(tmp_path, text)
    environ = {ENV_PASSPHRASE: PASSPHRASE.decode()}
    assert load_key(path, environ=environ) == key
    assert load_key(path, environ={}, prompt=lambda: PASSPHRASE) == key
    with pytest.raises(KeyFileError, match=ENV_PASSPHRASE):
        load_key(path, environ={})
    with pytest.raises(TypeError):
        load_key(path, passphrase=PASSPHRASE.decode(), environ={})  # type: ignore[arg-type]


def test_a_typed_passphrase_opens_the_file_however_its_accents_were_composed(
    tmp_path: Path,
) -> None:
    composed, decomposed = "geheime café-zin", "geheime cafe\u0301-zin"
    assert passphrase_bytes(composed) == passphrase_bytes(decomposed)
    key = generate_key()
    path = save_key(key, tmp_path / "k.json", passphrase=passphrase_bytes(composed), kdf=FAST_KDF)
    assert load_key(path, environ={ENV_PASSPHRASE: decomposed}) == key


def test_a_weak_passphrase_or_a_cheap_kdf_is_refused_when_saving(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="too short"):
        save_key(generate_key(), tmp_path / "a.key", passphrase=b"short")
    cheap = primitives.Argon2Params(memory_kib=1024, time_cost=1, lanes=1)
    with pytest.raises(ValueError, match="at least"):
        save_key(generate_key(), tmp_path / "b.key", passphrase=PASSPHRASE, kdf=cheap)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("memory_kib", [1024, 64 * 1024 * 1024])
def test_a_key_file_cannot_dictate_absurd_kdf_costs(
    tmp_path: Path, sealed: tuple[FederationKey, str], memory_kib: int
) -> None:
    document = json.loads(sealed[1])
    document["encrypted"]["memory_kib"] = memory_kib
    with pytest.raises(KeyFileError, match="memory_kib"):
        load_key(write(tmp_path, json.dumps(document)), passphrase=PASSPHRASE)


def test_the_key_comes_from_a_path_then_env_file_then_env_content(tmp_path: Path) -> None:
    by_path, by_env_file, by_env = generate_key(), generate_key(epoch=2), generate_key(epoch=3)
    path = save_key(by_path, tmp_path / "path.key")
    env_file = save_key(by_env_file, tmp_path / "env.key")
    assert load_key(path, environ={ENV_KEY: dump_key(by_env)}) == by_path
    assert load_key(environ={ENV_KEY_FILE: str(env_file)}) == by_env_file
    assert load_key(environ={ENV_KEY: dump_key(by_env)}) == by_env
    with pytest.raises(KeyFileError, match="unset one"):
        load_key(environ={ENV_KEY_FILE: str(env_file), ENV_KEY: dump_key(by_env)})
    with pytest.raises(KeyFileError, match="kruispunt key generate"):
        load_key(environ={})


def test_a_missing_or_unreadable_key_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="no key file at"):
        load_key(tmp_path / "absent.key")
    with pytest.raises(KeyFileError, match="cannot read"):
        load_key(tmp_path)
    huge = write(tmp_path, " " * 100_000)
    with pytest.raises(KeyFileError, match="too large"):
        load_key(huge)


@posix_only
def test_a_key_file_readable_by_others_is_warned_about(tmp_path: Path) -> None:
    key = generate_key()
    path = save_key(key, tmp_path / "federation.key")
    path.chmod(0o644)
    with pytest.warns(InsecureKeyFileWarning, match="chmod 600"):
        assert load_key(path) == key
    path.chmod(0o600)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_key(path)


def _malformed(key: FederationKey) -> list[str]:
    """Broken key files, several holding the secret where validation will trip over it."""
    good: dict[str, Any] = json.loads(dump_key(key))
    secret_b64 = good["secret"]
    return [
        "",
        "not json " + secret_b64,
        key.secret.hex(),  # someone put the raw secret in KRUISPUNT_KEY
        json.dumps([secret_b64]),
        json.dumps({**good, "format": "kruispunt-key/0"}),
        json.dumps({**good, "scheme": "oprf"}),
        json.dumps({**good, "epoch": "1"}),
        json.dumps({**good, "epoch": 0}),
        json.dumps({**good, "created": "yesterday"}),
        json.dumps({**good, "fingerprint": secret_b64}),
        json.dumps({**good, "secret": secret_b64 + "!"}),
        json.dumps({**good, "secret": [secret_b64]}),
        json.dumps({**good, "secret": base64.b64encode(key.secret[:16]).decode()}),
        json.dumps({**good, "encrypted": {"ciphertext": secret_b64}}),
        json.dumps({**good, "comment": secret_b64}),
        json.dumps({k: v for k, v in good.items() if k != "secret"}),
    ]


def test_malformed_key_files_fail_clearly_and_never_echo_the_secret(tmp_path: Path) -> None:
    key = generate_key()
    for number, text in enumerate(_malformed(key)):
        for source in ("file", "env"):
            with pytest.raises(KeyFileError) as caught:
                if source == "file":
                    load_key(write(tmp_path, text, f"bad-{number}.json"), environ={})
                else:
                    load_key(environ={ENV_KEY: text})
            message = str(caught.value)
            assert message
            assert_secret_free(message, key)
            # No chained exception that a traceback would print with the input in it.
            assert caught.value.__cause__ is None
            assert caught.value.__suppress_context__ or caught.value.__context__ is None
