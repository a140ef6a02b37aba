"""Serve the real app on 127.0.0.1 in a thread and drive Debian's chromium through Playwright.

Shared by the browser tests and ``docs/screenshots/make.py``. Never ``playwright install``: the
browser is the system's ``chromium`` (``apt-get install chromium``).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: the marks of every browser test module: selected by ``-m browser``, skipped without chromium
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="chromium is not installed (apt-get install -y chromium); browser tests skipped",
    ),
]
#: the longest any page action may wait (ms): a hung page fails fast instead of stalling CI
TIMEOUT_MS = 15_000


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve app on a free port of 127.0.0.1 until the block ends; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="dashboard-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def launch(playwright: Any) -> Any:
    """Start the system's chromium headless."""
    if CHROMIUM is None:
        raise RuntimeError("chromium is not installed: apt-get install -y chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def new_page(browser: Any, base_url: str, *, width: int = 1366, height: int = 900) -> Any:
    """Open a page in a fresh context (its own cookies), laptop-sized."""
    context = browser.new_context(
        base_url=base_url, viewport={"width": width, "height": height}, locale="nl-NL"
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def sign_in(page: Any, username: str, password: str) -> None:
    """Sign in through the form, as a person would."""
    page.goto("/sign-in")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
