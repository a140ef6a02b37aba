"""The matcher's settings, declared once as data that the app, the CLI and the docs all read.

Each setting comes from, in order: the ``test_config`` mapping given to ``create_app``, the
environment variable ``KRUISPUNT_<NAME>``, its default. ``{instance}`` in a default stands for the
app's instance folder. Secrets (the pepper, the session key) live in files, never in the database,
and the files are created with mode 0600 on first start only where the default path is used.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from matcher.pepper import Pepper
    from matcher.services.submission_limits import SubmissionPolicy

ENV_PREFIX = "KRUISPUNT_"


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default, meaning, and how to read it from the environment."""

    name: str
    default: str | int
    help: str
    parse: Callable[[str], str | int] = str
    secret: bool = False

    @property
    def env_var(self) -> str:
        return ENV_PREFIX + self.name


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "INSTANCE_PATH",
        "{instance}",
        "Folder for the embedded database and the default key files (Flask's instance folder).",
    ),
    Setting(
        "DATABASE_URL",
        "sqlite:///{instance}/matcher.sqlite3",
        "SQLAlchemy URL of the database; postgresql+psycopg://user@host/db in production.",
        secret=True,
    ),
    Setting(
        "PEPPER_FILE",
        "{instance}/pepper.key",
        "File holding the server pepper that keys every stored token. Created (0600) on first "
        "start only at the default path; in production keep it off the database host and backups. "
        "KRUISPUNT_PEPPER (base64) may hold the key instead.",
    ),
    Setting(
        "SECRET_KEY_FILE",
        "{instance}/secret_key",
        "File holding the key that signs dashboard sessions; created (0600) on first start only "
        "at the default path. Every worker and host must read the same file.",
    ),
    Setting(
        "AUDIT_CHECKPOINT_KEY_FILE",
        "{instance}/audit-checkpoint.key",
        "File holding the Ed25519 key that signs audit checkpoints; created (0600) by the first "
        "`audit checkpoint` only at the default path. Keep it off the database host and out of "
        "database backups.",
    ),
    Setting(
        "AUDIT_CHECKPOINT_FILE",
        "{instance}/audit-checkpoints.jsonl",
        "File that `audit checkpoint` appends signed checkpoints of the audit chain to and "
        "`audit verify` checks against; put it where the database's operators cannot rewrite it.",
    ),
    Setting(
        "MAX_BATCH_BYTES",
        32 * 1024 * 1024,
        "Largest request body accepted, in bytes; larger requests get 413 too_large.",
        parse=int,
    ),
    Setting(
        "SUBMIT_SIGNALS_PER_BATCH",
        10_000,
        "Most signals one agency may send in one batch (429 above it); an agency's own limit "
        "(`agency limits`) takes precedence. Signals are counted, not tokens, so near-match "
        "tokens never count against an honest agency.",
        parse=int,
    ),
    Setting(
        "SUBMIT_SIGNALS_PER_DAY",
        50_000,
        "Most signals one agency may send per UTC day (429 with Retry-After above it); an "
        "agency's own limit takes precedence. Bounds guessing in the shared-key (hmac) mode.",
        parse=int,
    ),
    Setting(
        "UNUSUAL_VOLUME_FACTOR",
        5,
        "A day's signals above this many times the agency's busiest day of the 28 before "
        "(and above UNUSUAL_MIN_SIGNALS) is audited as an unusual submission for administrators.",
        parse=int,
    ),
    Setting(
        "UNUSUAL_MIN_SIGNALS",
        2_000,
        "Signals a day below which volume alone never counts as unusual.",
        parse=int,
    ),
    Setting(
        "LOG_LEVEL",
        "INFO",
        "Level of the matcher's log (DEBUG, INFO, WARNING, ERROR). Logs never hold identifiers.",
        parse=str.upper,
    ),
)


def instance_path(
    test_config: Mapping[str, Any] | None, *, environ: Mapping[str, str]
) -> str | None:
    """Return the instance folder asked for by test_config or the environment, if any."""
    if test_config and test_config.get("INSTANCE_PATH"):
        return str(test_config["INSTANCE_PATH"])
    return environ.get(ENV_PREFIX + "INSTANCE_PATH") or None


def resolve(
    setting: Setting, *, test_config: Mapping[str, Any], environ: Mapping[str, str], instance: str
) -> tuple[Any, bool]:
    """Return a setting's value and whether it was given (True) or defaulted (False)."""
    if setting.name in test_config:
        return test_config[setting.name], True
    if setting.env_var in environ:
        return setting.parse(environ[setting.env_var]), True
    default = setting.default
    if isinstance(default, str):
        default = default.replace("{instance}", instance)
    return default, False


def default_value(name: str, instance: str) -> str:
    """Return a setting's default with the instance folder filled in."""
    setting = next(item for item in SETTINGS if item.name == name)
    return str(setting.default).replace("{instance}", instance)


def shown_value(setting: Setting, value: object) -> str:
    """Return a value fit to print: a database URL loses its password."""
    if setting.name == "DATABASE_URL":
        return make_url(str(value)).render_as_string(hide_password=True)
    return str(value)


def _secret_key(path: Path, *, create: bool) -> bytes:
    if not path.exists() and create:
        _write_private(path, secrets.token_hex(32).encode("ascii"))
    return path.read_bytes().strip()


def _write_private(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)


def _load_pepper(path: Path, *, create: bool, environ: Mapping[str, str]) -> Pepper:
    from matcher.pepper import Pepper

    if create and not path.exists() and not environ.get(ENV_PREFIX + "PEPPER"):
        path.parent.mkdir(parents=True, exist_ok=True)
        Pepper.create_file(str(path))
    return Pepper.load(path=str(path), environ=environ)


def init_app(
    app: Flask,
    test_config: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] = os.environ,
) -> None:
    """Read every setting into app.config, then load (or, at default paths, create) the secrets."""
    given_config = dict(test_config or {})
    given: set[str] = set()
    for setting in SETTINGS:
        value, was_given = resolve(
            setting, test_config=given_config, environ=environ, instance=app.instance_path
        )
        app.config[setting.name] = value
        if was_given:
            given.add(setting.name)
    app.config.update(given_config)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_BATCH_BYTES"])
    # the embedded database holds pseudonymised personal data: only the owner may enter
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)
    if "SECRET_KEY" not in given_config:
        app.config["SECRET_KEY"] = _secret_key(
            Path(app.config["SECRET_KEY_FILE"]), create="SECRET_KEY_FILE" not in given
        )
    app.extensions["matcher.pepper"] = _load_pepper(
        Path(app.config["PEPPER_FILE"]), create="PEPPER_FILE" not in given, environ=environ
    )
    logging.getLogger("matcher").setLevel(app.config["LOG_LEVEL"])


def submission_policy() -> SubmissionPolicy:
    """Return the current app's submission limits and unusual-submission thresholds."""
    from matcher.services.submission_limits import SubmissionPolicy

    settings = current_app.config
    return SubmissionPolicy(
        signals_per_batch=int(settings["SUBMIT_SIGNALS_PER_BATCH"]),
        signals_per_day=int(settings["SUBMIT_SIGNALS_PER_DAY"]),
        unusual_volume_factor=int(settings["UNUSUAL_VOLUME_FACTOR"]),
        unusual_min_signals=int(settings["UNUSUAL_MIN_SIGNALS"]),
    )


def pepper() -> Pepper:
    """Return the current app's pepper (loaded once per process from its file)."""
    result: Pepper = current_app.extensions["matcher.pepper"]
    return result
