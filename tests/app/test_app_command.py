"""``kruispunt app`` as an analyst starts it: a printed one-time link to 127.0.0.1."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from client.keys import generate_key, save_key

_LINK = re.compile(r"http://127\.0\.0\.1:(\d+)/start/([A-Za-z0-9_-]{40,})")


@pytest.fixture
def running_app(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    key_file = save_key(generate_key(epoch=1), tmp_path / "federation.key")
    env = {
        **os.environ,
        "KRUISPUNT_KEY_FILE": str(key_file),
        "KRUISPUNT_LEDGER": str(tmp_path / "ledger.sqlite3"),
        "KRUISPUNT_APP_MAPPINGS": str(tmp_path / "mappings.json"),
        "TMPDIR": str(tmp_path),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", "from client.cli import main; main()", "app", "--no-browser"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        output = ""
        assert process.stdout is not None
        while (line := process.stdout.readline()) and not _LINK.search(output):
            output += line
            if _LINK.search(output):
                break
        found = _LINK.search(output)
        assert found, output
        yield process, found.group(0)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_printed_link_opens_the_app_once(
    running_app: tuple[subprocess.Popen[str], str], tmp_path: Path
) -> None:
    process, link = running_app
    base = link.split("/start/")[0]

    with httpx.Client() as browser:
        first = browser.get(link)
        page = browser.get(base + "/")
    with httpx.Client() as other:
        again = other.get(link)

    assert first.status_code == 302
    assert page.status_code == 200
    assert "Kies een export" in page.text
    assert again.status_code == 403
    work = list(tmp_path.glob("kruispunt-app-*"))
    assert len(work) == 1 and work[0].stat().st_mode & 0o077 == 0
    process.terminate()
    _, errors = process.communicate(timeout=10)
    assert link.split("/start/")[1] not in errors  # the token is not in the request log
    assert not list(tmp_path.glob("kruispunt-app-*"))  # uploads are removed when it stops
