"""The key service's settings, declared once as data: the app, the CLI and the docs read this table.

Every setting is read from the environment variable of the same name; ``create_app(test_config)``
overrides them. ``docs/keyservice.md`` lists each one (a test checks that it does). The data folder
is the operator's choice (``KEYSERVICE_INSTANCE_PATH``): nothing lands next to the installed code,
and nothing is created but by ``kruispunt-keyservice init``.
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


class ConfigurationError(Exception):
    """A setting is missing or wrong; the message is one line that says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "KEYSERVICE_INSTANCE_PATH",
        None,
        "Folder of the key service's data, chosen by the operator and created by "
        "`kruispunt-keyservice init`: the SQLite database and the key folder live there unless "
        "the two settings below are given.",
    ),
    Setting(
        "KEYSERVICE_DATABASE_URL",
        None,
        "SQLAlchemy URL of the key service's own database (agencies, key epochs, evaluation "
        "log). Default: a SQLite file keyservice.sqlite in KEYSERVICE_INSTANCE_PATH.",
    ),
    Setting(
        "KEYSERVICE_KEY_DIR",
        None,
        "Folder of the secret key files (one 0600 file per epoch), outside any database. "
        "Default: keys/ in KEYSERVICE_INSTANCE_PATH.",
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


def _environment_value(setting: Setting, environ: Mapping[str, str]) -> Any:
    raw = environ.get(setting.env_var)
    if raw is None or raw == "":
        return setting.default
    try:
        return setting.parse(raw)
    except ValueError:
        raise ConfigurationError(
            f"{setting.name} must be a whole number, e.g. {setting.default}"
        ) from None


def read_settings(
    test_config: Mapping[str, Any] | None, *, environ: Mapping[str, str] = os.environ
) -> dict[str, Any]:
    """Return every setting from the environment and the test overrides, path defaults filled."""
    values = {setting.name: _environment_value(setting, environ) for setting in SETTINGS}
    values.update(test_config or {})
    instance = values["KEYSERVICE_INSTANCE_PATH"]
    missing = [
        name
        for name in ("KEYSERVICE_DATABASE_URL", "KEYSERVICE_KEY_DIR")
        if not values[name] and not instance
    ]
    if missing:
        raise ConfigurationError(
            "no data folder: choose one, export KEYSERVICE_INSTANCE_PATH=/path/to/it and run "
            f"`kruispunt-keyservice init` (or set {' and '.join(missing)})"
        )
    folder = Path(instance).absolute() if instance else None
    if folder is not None:
        values["KEYSERVICE_INSTANCE_PATH"] = str(folder)
        if not values["KEYSERVICE_DATABASE_URL"]:
            values["KEYSERVICE_DATABASE_URL"] = f"sqlite:///{folder / 'keyservice.sqlite'}"
        if not values["KEYSERVICE_KEY_DIR"]:
            values["KEYSERVICE_KEY_DIR"] = str(folder / "keys")
    return values


def init_app(app: Flask, test_config: Mapping[str, Any] | None = None) -> None:
    """Load every setting (environment, then test overrides); create nothing."""
    app.config.update(read_settings(test_config))
    instance = app.config["KEYSERVICE_INSTANCE_PATH"]
    if instance and not Path(instance).is_dir():
        raise ConfigurationError(
            f"the data folder {instance} does not exist: run `kruispunt-keyservice init`"
        )
    app.config["MAX_CONTENT_LENGTH"] = app.config["KEYSERVICE_MAX_REQUEST_BYTES"]
    # Flask gives the "keyservice" logger a stream handler; its level decides what reaches it
    try:
        app.logger.setLevel(str(app.config["KEYSERVICE_LOG_LEVEL"]).upper())
    except ValueError:
        raise ConfigurationError(
            "KEYSERVICE_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR"
        ) from None
    # the key service answers JSON only; keep Flask from sorting keys on every response
    app.json.sort_keys = False  # type: ignore[attr-defined]
