"""A plain ``pip install`` is light: the client, its command and its app, not the servers' stack.

An agency's analyst installs the client on their own machine; the matcher's database drivers,
application server and dashboard packages have no business there. This builds a fresh virtual
environment from PyPI, so it needs the network and takes a while.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVER_PACKAGES = {
    "gunicorn",
    "psycopg",
    "psycopg-binary",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "redis",
    "flask-babel",
    "flask-wtf",
    "pyotp",
}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def run(*args: str | Path, timeout: float = 120) -> str:
    done = subprocess.run(
        [str(arg) for arg in args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
def test_a_plain_install_holds_the_client_and_no_server_packages(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in ("client", "matcher", "keyservice"):
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"

    try:
        run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", source,
            timeout=1200)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.skip("PyPI did not answer in time")

    listed = json.loads(run(python, "-m", "pip", "list", "--format=json"))
    installed = {canonical(item["name"]) for item in listed}
    assert not installed & SERVER_PACKAGES, sorted(installed & SERVER_PACKAGES)
    assert {"kruispunt", "flask", "httpx", "openpyxl", "phonenumbers"} <= installed
    kruispunt = tmp_path / "venv" / "bin" / "kruispunt"
    assert "Usage: kruispunt" in run(kruispunt, "--help")
    assert "Gebruik: kruispunt" in run(kruispunt, "--lang", "nl", "--help")  # the catalogue ships
    run(
        python,
        "-c",
        "import sys, client, client.cli; assert 'pysodium' not in sys.modules, 'libsodium loaded'",
    )


def test_importing_the_client_leaves_libsodium_unloaded() -> None:
    code = (
        "import sys, client, client.cli\n"
        "assert 'pysodium' not in sys.modules\n"
        "assert client.OprfScheme.__name__ == 'OprfScheme'\n"
        "assert 'pysodium' in sys.modules\n"
    )
    run(str(Path(__import__("sys").executable)), "-c", code)
