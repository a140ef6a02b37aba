"""Set-up of the key service as an operator meets it: init, serve, one-line errors, quiet logs."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from client.oprf import protocol
from client.oprf.messages import SUITE, encode_bytes
from keyservice.commands import main

CLEAN: dict[str, str | None] = {
    "KEYSERVICE_INSTANCE_PATH": None,
    "KEYSERVICE_DATABASE_URL": None,
    "KEYSERVICE_KEY_DIR": None,
    "KEYSERVICE_REDIS_URL": None,
    "KEYSERVICE_MAX_ELEMENTS": None,
    "KEYSERVICE_LOG_LEVEL": None,
}
BIN = Path(sys.executable).parent


def run(*args: str, **environ: str) -> Result:
    return CliRunner().invoke(main, list(args), env={**CLEAN, **environ})


def one_line_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def test_help_and_version_need_no_settings_and_write_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert run("--help").exit_code == 0
    assert run("key", "generate", "--help").exit_code == 0
    assert run("--version").output.strip() == "kruispunt-keyservice, version 0.1.0"
    assert list(tmp_path.iterdir()) == []
    assert not (Path(__file__).resolve().parents[2] / "instance").exists()


def test_init_makes_a_private_data_folder_that_the_commands_then_use(tmp_path: Path) -> None:
    folder = tmp_path / "keyservice"

    made = run("init", KEYSERVICE_INSTANCE_PATH=str(folder))
    generated = run("key", "generate", "--epoch", "1", KEYSERVICE_INSTANCE_PATH=str(folder))

    assert made.exit_code == 0, made.output
    assert "Next: kruispunt-keyservice key generate --epoch 1" in made.output
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "keys").stat().st_mode) == 0o700
    assert generated.exit_code == 0, generated.output
    assert (folder / "keys" / "epoch-0001.key").exists()


@pytest.mark.parametrize(
    ("environ", "advice"),
    [
        ({}, "KEYSERVICE_INSTANCE_PATH"),
        ({"KEYSERVICE_INSTANCE_PATH": "{tmp}/never-made"}, "kruispunt-keyservice init"),
        (
            {
                "KEYSERVICE_DATABASE_URL": "postgresql+psycopg://ks:s3cret@127.0.0.1:1/ks",
                "KEYSERVICE_KEY_DIR": "{tmp}/keys",
            },
            "check KEYSERVICE_DATABASE_URL",
        ),
        (
            {"KEYSERVICE_DATABASE_URL": "not a url", "KEYSERVICE_KEY_DIR": "{tmp}/keys"},
            "not a database URL",
        ),
        ({"KEYSERVICE_INSTANCE_PATH": "{tmp}", "KEYSERVICE_MAX_ELEMENTS": "many"}, "number"),
        ({"KEYSERVICE_INSTANCE_PATH": "{tmp}", "KEYSERVICE_LOG_LEVEL": "loud"}, "LOG_LEVEL"),
    ],
    ids=["no-folder", "folder-not-made", "unreachable", "malformed-url", "number", "level"],
)
def test_every_configuration_or_connection_problem_is_one_line(
    tmp_path: Path, environ: dict[str, str], advice: str
) -> None:
    filled = {name: value.format(tmp=tmp_path) for name, value in environ.items()}

    line = one_line_error(run("key", "list", **filled))

    assert advice in line
    assert "s3cret" not in line


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.slow
def test_serve_serves_under_a_flask_cli_and_logs_each_evaluation_once(tmp_path: Path) -> None:
    environ = {"KEYSERVICE_INSTANCE_PATH": str(tmp_path / "ks")}
    run("init", **environ)
    run("key", "generate", "--epoch", "1", **environ)
    token = run("agency", "add", "Gemeente Utrecht", "--daily-quota", "100", **environ)
    port = _free_port()
    env = {**os.environ, **environ, "FLASK_RUN_FROM_CLI": "true"}
    server = subprocess.Popen(
        [str(BIN / "kruispunt-keyservice"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{base}/api/v1/health").raise_for_status()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "serve did not serve"
                time.sleep(0.2)
        _, blinded = protocol.blind([b"one", b"two"])
        response = httpx.post(
            f"{base}/api/v1/evaluate",
            json={"suite": SUITE, "epoch": 1, "blinded": [encode_bytes(b) for b in blinded]},
            headers={"Authorization": f"Bearer {token.output.strip().splitlines()[-1]}"},
        )
        assert response.status_code == 200, response.text
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=10)
    assert stderr.count("evaluated agency=Gemeente Utrecht epoch=1 count=2") == 1, stderr
    assert stderr.count("in this process's memory") == 1


def test_commands_other_than_serve_say_nothing_about_memory_limits(tmp_path: Path) -> None:
    environ = {"KEYSERVICE_INSTANCE_PATH": str(tmp_path / "ks")}
    run("init", **environ)

    listed = CliRunner().invoke(main, ["key", "list"], env={**CLEAN, **environ})

    assert listed.exit_code == 0
    assert listed.output == ""
