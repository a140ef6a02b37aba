"""`kruispunt-keyservice init`: the one place that creates the key service's data folder.

The folder (0700) holds the SQLite database and the key folder unless settings put them
elsewhere. Secret keys are not made here: `key generate` makes one per epoch, deliberately.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from keyservice import config, db


def _make_folder(path: Path, lines: list[str]) -> None:
    if path.is_dir():
        lines.append(f"kept {path} (exists already)")
        return
    path.mkdir(parents=True, mode=0o700)
    lines.append(f"created {path}")


def init_data_folder(
    test_config: Mapping[str, Any] | None = None, *, environ: Mapping[str, str] = os.environ
) -> list[str]:
    """Create the data folder, the key folder and the schema; return what to tell the operator."""
    values = config.read_settings(test_config, environ=environ)
    lines: list[str] = []
    if values["KEYSERVICE_INSTANCE_PATH"]:
        _make_folder(Path(values["KEYSERVICE_INSTANCE_PATH"]), lines)
    key_dir = Path(values["KEYSERVICE_KEY_DIR"])
    _make_folder(key_dir, lines)
    url = values["KEYSERVICE_DATABASE_URL"]
    engine = db.make_engine(url)
    try:
        db.create_schema(engine)
    finally:
        engine.dispose()
    shown = make_url(url).render_as_string(hide_password=True)
    lines.append(f"database schema ready in {shown}")
    lines += [
        "",
        "Back up:",
        f"  database     {shown}",
        "               agencies, token hashes, public keys, the evaluation log",
        f"  secret keys  {key_dir}",
        "               each epoch's key, on its own offline medium held by the key custodian,",
        "               never with the database (`key split` makes shares for several holders)",
        "",
        "Next: kruispunt-keyservice key generate --epoch 1",
    ]
    return lines
