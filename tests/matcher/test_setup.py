"""Set-up as an operator meets it: init, the pepper check, one-line errors for every problem."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from matcher.commands import main

#: every variable the matcher reads, unset, so that a test sees only what it sets
CLEAN = {
    name: None
    for name in (
        "KRUISPUNT_INSTANCE_PATH",
        "KRUISPUNT_DATABASE_URL",
        "KRUISPUNT_PEPPER_FILE",
        "KRUISPUNT_PEPPER",
        "KRUISPUNT_SECRET_KEY_FILE",
        "KRUISPUNT_MAX_BATCH_BYTES",
        "KRUISPUNT_LOG_LEVEL",
    )
}


def run(*args: str, **environ: str) -> Result:
    env: dict[str, str | None] = {**CLEAN, **environ}
    return CliRunner().invoke(main, list(args), env=env)


def one_line_error(result: Result) -> str:
    """Assert the result is a failure told in one line, and return that line."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_help_and_version_need_no_settings_and_write_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    helped = run("--help")
    versioned = run("--version")
    sub_help = run("db", "upgrade", "--help")

    assert helped.exit_code == 0
    assert "--env-file" not in helped.output and "--app" not in helped.output
    assert "init" in helped.output
    assert versioned.output.strip() == "kruispunt-matcher, version 0.1.0"
    assert sub_help.exit_code == 0
    assert list(tmp_path.iterdir()) == []
    assert not (Path(__file__).resolve().parents[2] / "instance").exists()


def test_init_makes_the_folder_and_owner_only_secrets_and_tells_what_to_back_up(
    tmp_path: Path,
) -> None:
    instance = tmp_path / "kruispunt"

    result = run("init", KRUISPUNT_INSTANCE_PATH=str(instance))

    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    for name in ("pepper.key", "secret_key"):
        assert stat.S_IMODE((instance / name).stat().st_mode) == 0o600
    pepper = (instance / "pepper.key").read_text().strip()
    assert pepper not in result.output
    assert f"pepper       {instance / 'pepper.key'}" in result.output
    assert "Next: kruispunt-matcher db upgrade" in result.output


def test_init_writes_configured_paths_and_no_folder(tmp_path: Path) -> None:
    secrets_dir = tmp_path / "etc"

    result = run(
        "init",
        KRUISPUNT_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        KRUISPUNT_PEPPER_FILE=str(secrets_dir / "pepper.key"),
        KRUISPUNT_SECRET_KEY_FILE=str(secrets_dir / "secret_key"),
    )

    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in secrets_dir.iterdir()) == ["pepper.key", "secret_key"]
    assert not (tmp_path / "db.sqlite3").exists()


@pytest.fixture
def instance(tmp_path: Path) -> dict[str, str]:
    """An initialized, migrated instance, as its environment."""
    environ = {"KRUISPUNT_INSTANCE_PATH": str(tmp_path / "kruispunt")}
    assert run("init", **environ).exit_code == 0
    upgraded = run("db", "upgrade", **environ)
    assert upgraded.exit_code == 0, upgraded.output
    assert "Recorded the pepper's fingerprint" in upgraded.output
    return environ


def test_the_matcher_refuses_to_start_with_another_pepper(
    instance: dict[str, str], tmp_path: Path
) -> None:
    other = tmp_path / "other" / "pepper.key"
    run("init", **instance, KRUISPUNT_PEPPER_FILE=str(other))

    checked = run("pepper", "check", **instance)
    refused = run("agency", "list", **instance, KRUISPUNT_PEPPER_FILE=str(other))

    assert checked.exit_code == 0, checked.output
    assert "is this database's" in checked.output
    assert "not the one this database was built with" in one_line_error(refused)


def test_the_server_refuses_to_start_with_another_pepper(
    instance: dict[str, str], tmp_path: Path
) -> None:
    from matcher import create_app
    from matcher.pepper import PepperError

    other = tmp_path / "other.key"
    run("init", **instance, KRUISPUNT_PEPPER_FILE=str(other))

    with pytest.raises(PepperError, match="restore the pepper file"):
        create_app({**_settings(instance), "PEPPER_FILE": str(other)})


def _settings(environ: dict[str, str]) -> dict[str, Any]:
    return {"INSTANCE_PATH": environ["KRUISPUNT_INSTANCE_PATH"]}


@pytest.mark.parametrize(
    ("environ", "advice"),
    [
        ({}, "KRUISPUNT_INSTANCE_PATH"),
        ({"KRUISPUNT_INSTANCE_PATH": "{tmp}/never-made"}, "kruispunt-matcher init"),
        (
            {
                "KRUISPUNT_INSTANCE_PATH": "{instance}",
                "KRUISPUNT_PEPPER_FILE": "{tmp}/missing.key",
            },
            "does not exist: run `kruispunt-matcher init`",
        ),
        (
            {"KRUISPUNT_INSTANCE_PATH": "{instance}", "KRUISPUNT_SECRET_KEY_FILE": "{tmp}/no"},
            "session key file",
        ),
        (
            {
                "KRUISPUNT_INSTANCE_PATH": "{instance}",
                "KRUISPUNT_DATABASE_URL": "sqlite:///{tmp}/empty.sqlite3",
            },
            "run `kruispunt-matcher db upgrade`",
        ),
        (
            {
                "KRUISPUNT_INSTANCE_PATH": "{instance}",
                "KRUISPUNT_DATABASE_URL": "postgresql+psycopg://kp:s3cret@127.0.0.1:1/kp",
            },
            "check KRUISPUNT_DATABASE_URL",
        ),
        (
            {"KRUISPUNT_INSTANCE_PATH": "{instance}", "KRUISPUNT_DATABASE_URL": "not a url"},
            "not a database URL",
        ),
        (
            {"KRUISPUNT_INSTANCE_PATH": "{instance}", "KRUISPUNT_MAX_BATCH_BYTES": "lots"},
            "whole number",
        ),
        ({"KRUISPUNT_INSTANCE_PATH": "{instance}", "KRUISPUNT_LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        (
            {"KRUISPUNT_INSTANCE_PATH": "{instance}", "KRUISPUNT_PEPPER": "not base64!"},
            "KRUISPUNT_PEPPER does not hold base64",
        ),
    ],
    ids=[
        "no-folder",
        "folder-not-made",
        "pepper-missing",
        "session-key-missing",
        "no-schema",
        "database-unreachable",
        "malformed-url",
        "malformed-number",
        "malformed-level",
        "malformed-pepper",
    ],
)
@pytest.mark.parametrize("command", [("audit", "verify"), ("agency", "list")])
def test_every_configuration_or_connection_problem_is_one_line(
    instance: dict[str, str],
    tmp_path: Path,
    environ: dict[str, str],
    advice: str,
    command: tuple[str, ...],
) -> None:
    filled = {
        name: value.format(tmp=tmp_path, instance=instance["KRUISPUNT_INSTANCE_PATH"])
        for name, value in environ.items()
    }

    line = one_line_error(run(*command, **filled))

    assert advice in line
    assert "s3cret" not in line


def test_the_migrations_chain_records_the_pepper_once(instance: dict[str, str]) -> None:
    again = run("db", "upgrade", **instance)

    assert again.exit_code == 0, again.output
    assert "Recorded" not in again.output
    assert os.path.exists(Path(instance["KRUISPUNT_INSTANCE_PATH"]) / "matcher.sqlite3")
