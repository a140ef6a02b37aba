"""``kruispunt key``: the analyst's key commands, their prompts, and errors without secrets."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from client.cli import main
from client.cli.key import key as key_group
from client.keys import ENV_KEY, ENV_KEY_FILE, ENV_PASSPHRASE, FederationKey, dump_key, load_key

PASSPHRASE = "lange zin met spaties 2026"
# CliRunner edits os.environ in place: start every command without the caller's key settings.
CLEAN_ENV: dict[str, str | None] = {ENV_KEY: None, ENV_KEY_FILE: None, ENV_PASSPHRASE: None}


def run(*args: str, input: str | None = None, **env: str) -> Result:
    return CliRunner().invoke(main, ["key", *args], input=input, env={**CLEAN_ENV, **env})


def assert_secret_free(result: Result, key: FederationKey) -> None:
    for form in (key.secret.hex(), base64.b64encode(key.secret).decode(), repr(key.secret)):
        assert form not in result.output


def shown_fingerprint(result: Result) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("fingerprint: ")]
    assert len(lines) == 1, result.output
    return lines[0].removeprefix("fingerprint: ")


def test_generate_writes_a_private_key_file_and_shows_its_fingerprint(tmp_path: Path) -> None:
    out = tmp_path / "federation.key"
    result = run("generate", str(out), "--epoch", "3")
    assert result.exit_code == 0, result.output
    key = load_key(out, environ={})
    assert key.epoch == 3
    assert shown_fingerprint(result) == key.fingerprint
    assert "register this fingerprint" in result.output
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert_secret_free(result, key)


def test_generate_never_replaces_a_key_file_without_force(tmp_path: Path) -> None:
    out = tmp_path / "federation.key"
    assert run("generate", str(out)).exit_code == 0
    first = load_key(out, environ={})
    refused = run("generate", str(out))
    assert refused.exit_code == 1
    assert "already exists" in refused.output
    assert load_key(out, environ={}) == first
    assert run("generate", str(out), "--force").exit_code == 0
    assert load_key(out, environ={}) != first


def test_an_encrypted_key_asks_twice_and_opens_only_with_the_passphrase(tmp_path: Path) -> None:
    out = tmp_path / "federation.key"
    made = run("generate", str(out), "--encrypt", input=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert made.exit_code == 0, made.output
    assert "Repeat the new passphrase" in made.output
    assert PASSPHRASE not in made.output  # hidden input is not echoed
    key = load_key(out, passphrase=PASSPHRASE.encode(), environ={})

    opened = run("fingerprint", str(out), input=f"{PASSPHRASE}\n")
    assert opened.exit_code == 0, opened.output
    assert shown_fingerprint(opened) == key.fingerprint

    wrong = run("fingerprint", str(out), input="not the passphrase\n")
    assert wrong.exit_code != 0
    assert "wrong passphrase or damaged key file" in wrong.output
    for result in (made, opened, wrong):
        assert_secret_free(result, key)


def test_mismatched_confirmation_writes_no_key(tmp_path: Path) -> None:
    out = tmp_path / "federation.key"
    result = run("generate", str(out), "--encrypt", input=f"{PASSPHRASE}\nsomething else\n")
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert not out.exists()


def test_the_passphrase_can_come_from_the_environment(tmp_path: Path) -> None:
    out = tmp_path / "federation.key"
    made = run("generate", str(out), "--encrypt", **{ENV_PASSPHRASE: PASSPHRASE})
    assert made.exit_code == 0, made.output
    opened = run("fingerprint", str(out), **{ENV_PASSPHRASE: PASSPHRASE})
    assert opened.exit_code == 0, opened.output
    assert shown_fingerprint(opened) == shown_fingerprint(made)


def test_fingerprint_reads_the_key_from_the_environment(tmp_path: Path) -> None:
    out = tmp_path / "federation.key"
    assert run("generate", str(out), "--epoch", "2").exit_code == 0
    key = load_key(out, environ={})
    by_file = run("fingerprint", **{ENV_KEY_FILE: str(out)})
    by_content = run("fingerprint", **{ENV_KEY: dump_key(key)})
    for result in (by_file, by_content):
        assert result.exit_code == 0, result.output
        assert shown_fingerprint(result) == key.fingerprint
        assert "epoch: 2" in result.output
        assert_secret_free(result, key)
    missing = run("fingerprint")
    assert missing.exit_code == 1
    assert "no federation key" in missing.output
    assert "custodian" in missing.output
    assert "Traceback" not in missing.output


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_key_file_readable_by_others_is_warned_about(tmp_path: Path) -> None:
    out = tmp_path / "federation.key"
    assert run("generate", str(out)).exit_code == 0
    out.chmod(0o644)
    result = run("fingerprint", str(out))
    assert result.exit_code == 0
    assert f"chmod 600 {out}" in result.output


def test_rotate_writes_the_next_epoch_and_explains_the_switch(tmp_path: Path) -> None:
    old_path, new_path = tmp_path / "epoch1.key", tmp_path / "epoch2.key"
    assert run("generate", str(old_path)).exit_code == 0
    result = run("rotate", str(old_path), str(new_path))
    assert result.exit_code == 0, result.output
    old, new = load_key(old_path, environ={}), load_key(new_path, environ={})
    assert new.epoch == old.epoch + 1
    assert new.secret != old.secret
    assert new.fingerprint in result.output
    assert f"retire {old.fingerprint}" in result.output
    assert_secret_free(result, old)
    assert_secret_free(result, new)


def test_split_then_combine_any_k_shares_rebuilds_the_key(tmp_path: Path) -> None:
    keyfile, shares_dir = tmp_path / "federation.key", tmp_path / "custody"
    assert run("generate", str(keyfile)).exit_code == 0
    key = load_key(keyfile, environ={})
    split = run(
        "split", str(keyfile), "--threshold", "2", "--shares", "3", "--out-dir", str(shares_dir)
    )
    assert split.exit_code == 0, split.output
    assert_secret_free(split, key)
    shares = sorted(shares_dir.iterdir())
    assert len(shares) == 3

    out = tmp_path / "rebuilt.key"
    combined = run("combine", str(shares[0]), str(shares[2]), "--out", str(out))
    assert combined.exit_code == 0, combined.output
    assert load_key(out, environ={}) == key
    assert shown_fingerprint(combined) == key.fingerprint
    assert_secret_free(combined, key)

    too_few = run("combine", str(shares[1]), "--out", str(tmp_path / "never.key"))
    assert too_few.exit_code == 1
    assert "not enough shares: 1 given, 2 needed" in too_few.output
    assert not (tmp_path / "never.key").exists()


def test_combine_detects_a_mistyped_share(tmp_path: Path) -> None:
    keyfile, shares_dir = tmp_path / "federation.key", tmp_path / "custody"
    assert run("generate", str(keyfile)).exit_code == 0
    args = ("--threshold", "2", "--shares", "2", "--out-dir", str(shares_dir))
    assert run("split", str(keyfile), *args).exit_code == 0
    first, second = sorted(shares_dir.iterdir())
    text = first.read_text()
    at = text.index('"share": "') + len('"share": "')
    first.write_text(text[:at] + ("0" if text[at] != "0" else "1") + text[at + 1 :])
    result = run("combine", str(first), str(second), "--out", str(tmp_path / "never.key"))
    assert result.exit_code == 1
    assert "checksum mismatch" in result.output
    assert_secret_free(result, load_key(keyfile, environ={}))


def test_split_refuses_a_threshold_above_the_share_count(tmp_path: Path) -> None:
    keyfile = tmp_path / "federation.key"
    assert run("generate", str(keyfile)).exit_code == 0
    args = ("--threshold", "4", "--shares", "3", "--out-dir", str(tmp_path / "custody"))
    result = run("split", str(keyfile), *args)
    assert result.exit_code == 2
    assert "--threshold" in result.output
    assert not (tmp_path / "custody").exists()


def test_no_option_or_argument_takes_a_secret_or_a_passphrase() -> None:
    assert isinstance(key_group, click.Group)
    names = {
        (command.name, param.name or "")
        for command in key_group.commands.values()
        for param in command.params
    }
    assert {name for _, name in names} & {"secret", "passphrase", "key", "password"} == set()
    assert {command for command, _ in names} == {
        "generate",
        "fingerprint",
        "rotate",
        "split",
        "combine",
    }
