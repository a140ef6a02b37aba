"""`kruispunt-matcher init`: the one place that creates the matcher's folder and secrets.

Nothing else writes a pepper or a session key: a program that invented a new pepper on a missing
file would silently make every stored token unmatchable. Files are created owner-only (0600,
folder 0700) and never overwritten.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matcher import config
from matcher.pepper import ENV_KEY, Pepper


@dataclass(frozen=True)
class InitReport:
    """What init found and made, for the operator's backup plan."""

    instance: Path | None
    database_url: str
    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    pepper_from_environment: bool = False
    secret_key_file: Path | None = None
    pepper_file: Path | None = None


def _write_private(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)


def init_instance(
    test_config: Mapping[str, Any] | None = None, *, environ: Mapping[str, str] = os.environ
) -> InitReport:
    """Create the instance folder, the session key and the pepper where the settings say."""
    values, _given = config.read_settings(test_config, environ=environ)
    instance = Path(values["INSTANCE_PATH"]) if values["INSTANCE_PATH"] else None
    created: list[Path] = []
    kept: list[Path] = []
    if instance is not None:
        if instance.exists():
            kept.append(instance)
        else:
            # the embedded database holds pseudonymised personal data: only the owner may enter
            instance.mkdir(parents=True, mode=0o700)
            created.append(instance)
    secret_key_file = Path(values["SECRET_KEY_FILE"])
    if secret_key_file.exists():
        kept.append(secret_key_file)
    else:
        _write_private(secret_key_file, secrets.token_hex(32).encode("ascii") + b"\n")
        created.append(secret_key_file)
    pepper_file = Path(values["PEPPER_FILE"])
    from_environment = bool(environ.get(ENV_KEY))
    if from_environment:
        pass
    elif pepper_file.exists():
        kept.append(pepper_file)
    else:
        pepper_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        Pepper.create_file(str(pepper_file))
        created.append(pepper_file)
    return InitReport(
        instance=instance,
        database_url=config.shown_value(config.setting("DATABASE_URL"), values["DATABASE_URL"]),
        created=created,
        kept=kept,
        pepper_from_environment=from_environment,
        secret_key_file=secret_key_file,
        pepper_file=None if from_environment else pepper_file,
    )


def backup_plan(report: InitReport) -> list[str]:
    """Return the lines that tell the operator what to back up, where."""
    lines = [f"created {path}" for path in report.created]
    lines += [f"kept {path} (exists already; never overwritten)" for path in report.kept]
    pepper = (
        f"{ENV_KEY} (the environment)" if report.pepper_from_environment else report.pepper_file
    )
    lines += [
        "",
        "Back up:",
        f"  pepper       {pepper}",
        "               on its own offline medium, held by the security officer, never with",
        "               the database: the database's tokens are useless without it",
        f"  database     {report.database_url}",
        "               daily, encrypted (docs/operations.md, Backups and restore)",
        f"  session key  {report.secret_key_file}",
        "               optional: losing it only signs everyone out",
        "",
        "Next: kruispunt-matcher db upgrade",
    ]
    return lines
