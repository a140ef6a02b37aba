"""Configuration and connection problems of `kruispunt` are one line that says what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from client.cli import main

EXPORT = "telefoon\n0612345678\n"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "export.csv").write_text(EXPORT, encoding="utf-8")
    (tmp_path / "token").write_text("token-a\n", encoding="utf-8")
    (tmp_path / "token").chmod(0o600)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KRUISPUNT_LEDGER", str(tmp_path / "ledger.sqlite3"))
    for name in ("KRUISPUNT_KEY", "KRUISPUNT_KEY_FILE", "KRUISPUNT_API_TOKEN", "KRUISPUNT_MATCHER"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def one_line_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.strip().splitlines() if line.startswith("Error")]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_the_version_is_the_projects() -> None:
    assert CliRunner().invoke(main, ["--version"]).output.strip().endswith("version 0.1.0")


def test_a_malformed_key_file_is_one_line(workspace: Path) -> None:
    (workspace / "bad.key").write_text("not a key", encoding="utf-8")
    (workspace / "bad.key").chmod(0o600)

    line = one_line_error(
        CliRunner().invoke(
            main,
            [
                "prepare",
                "export.csv",
                "--column",
                "telefoon=phone",
                "--category",
                "tip",
                "--out",
                "batch.jsonl",
                "--key-file",
                "bad.key",
            ],
        )
    )

    assert "bad.key" in line
    assert not (workspace / "batch.jsonl").exists()


@pytest.mark.parametrize(
    ("matcher", "advice"),
    [("http://127.0.0.1:1", "cannot reach the matcher"), ("matcher.example", "https://")],
)
def test_matcher_problems_are_one_line(workspace: Path, matcher: str, advice: str) -> None:
    result = CliRunner().invoke(
        main, ["alerts", "--matcher", matcher, "--token-file", "token", "--retries", "0"]
    )

    assert advice in one_line_error(result)
