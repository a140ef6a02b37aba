"""The key service's settings, declared once as data: the app, the CLI and the docs read this table.

Every setting is read from the environment variable of the same name; ``create_app(test_config)``
overrides them. ``docs/keyservice.md`` lists each one (a test checks that it does).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default, meaning, and how to read it (shaped as the matcher's)."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str
    secret: bool = False

    @property
    def env_var(self) -> str:
        """The environment variable is the setting's own name (it carries its prefix)."""
        return self.name


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "KEYSERVICE_DATABASE_URL",
        None,
        "SQLAlchemy URL of the key service's own database (agencies, key epochs, evaluation "
        "log). Default: a SQLite file keyservice.sqlite in the instance folder.",
    ),
    Setting(
        "KEYSERVICE_KEY_DIR",
        None,
        "Folder of the secret key files (one 0600 file per epoch), outside any database. "
        "Default: keys/ in the instance folder.",
    ),
    Setting(
        "KEYSERVICE_REDIS_URL",
        "",
        "Redis URL for quotas and rate limits shared by all worker processes and hosts. Empty: "
        "counters in memory, correct for one single-process server only.",
    ),
    Setting(
        "KEYSERVICE_REDIS_PREFIX",
        "kruispunt-keyservice:",
        "Prefix of every Redis key the key service writes.",
    ),
    Setting(
        "KEYSERVICE_MAX_ELEMENTS",
        5000,
        "Most blinded elements one evaluation request may carry.",
        parse=int,
    ),
    Setting(
        "KEYSERVICE_RATE_LIMIT_PER_MINUTE",
        20000,
        "Most evaluations one agency may ask for within one clock minute (bursts).",
        parse=int,
    ),
    Setting(
        "KEYSERVICE_LOG_LEVEL",
        "INFO",
        "Level of the key service's loggers; INFO writes one line per evaluation request "
        "(agency and count, never elements) to the server's error stream.",
    ),
    Setting(
        "KEYSERVICE_MAX_REQUEST_BYTES",
        1024 * 1024,
        "Largest request body accepted, in bytes.",
        parse=int,
    ),
)


def _environment_value(setting: Setting) -> Any:
    raw = os.environ.get(setting.env_var)
    if raw is None or raw == "":
        return setting.default
    return setting.parse(raw)


def init_app(app: Flask, test_config: Mapping[str, Any] | None = None) -> None:
    """Load every setting from the environment, then the test overrides; fill path defaults."""
    for setting in SETTINGS:
        app.config[setting.name] = _environment_value(setting)
    if test_config is not None:
        app.config.update(test_config)
    instance = Path(app.instance_path)
    if not app.config["KEYSERVICE_DATABASE_URL"]:
        instance.mkdir(parents=True, exist_ok=True)
        app.config["KEYSERVICE_DATABASE_URL"] = f"sqlite:///{instance / 'keyservice.sqlite'}"
    if not app.config["KEYSERVICE_KEY_DIR"]:
        app.config["KEYSERVICE_KEY_DIR"] = str(instance / "keys")
    app.config["MAX_CONTENT_LENGTH"] = app.config["KEYSERVICE_MAX_REQUEST_BYTES"]
    # Flask gives the "keyservice" logger a stream handler; its level decides what reaches it
    app.logger.setLevel(app.config["KEYSERVICE_LOG_LEVEL"])
    # the key service answers JSON only; keep Flask from sorting keys on every response
    app.json.sort_keys = False  # type: ignore[attr-defined]
