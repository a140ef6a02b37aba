"""A WSGI wrapper for the demonstration's privacy canary: keeps a copy of every request body.

Only the demonstration serves through it (``--record-requests``), so that a test can search
everything the clients sent for raw identifiers. Production never loads this module.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from typing import Any

from flask import Flask

from matcher import create_app


def recording_app() -> Any:
    """Return the matcher app wrapped so each request body is appended to $KRUISPUNT_RECORD_FILE."""
    app: Flask = create_app()
    record_file = os.environ["KRUISPUNT_RECORD_FILE"]
    inner = app.wsgi_app

    def wsgi(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        with open(record_file, "ab") as handle:
            handle.write(environ.get("PATH_INFO", "").encode() + b"\n" + body + b"\n")
        environ["wsgi.input"] = io.BytesIO(body)
        return inner(environ, start_response)

    app.wsgi_app = wsgi  # type: ignore[method-assign]
    return app
