"""The matcher's settings, declared once as data that the app, the CLI and the docs all read.

Each setting comes from, in order: the ``test_config`` mapping given to ``create_app``, the
environment variable ``KRUISPUNT_<NAME>``, its default. ``{instance}`` in a default stands for the
instance folder the operator chose (``KRUISPUNT_INSTANCE_PATH``); there is no default, so that
nothing lands next to the installed code. Secrets (the pepper, the session key) live in files, never
in the database; only ``kruispunt-matcher init`` creates them (:mod:`matcher.instance`). A missing
or wrong setting raises :class:`ConfigurationError`, whose message says what to do.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from matcher.config_errors import INIT_HINT, ConfigurationError

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
    #: read by one command only: without a folder it stays unset, and that command says so
    optional: bool = False

    @property
    def env_var(self) -> str:
        return ENV_PREFIX + self.name


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "INSTANCE_PATH",
        "(none: choose one)",
        "Folder of the embedded database and the default key files, chosen by the operator and "
        "created by `kruispunt-matcher init`; needed unless the three settings below are given.",
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
        "File holding the server pepper that keys every stored token. Created (0600) by "
        "`kruispunt-matcher init`; in production keep it off the database host and its backups. "
        "KRUISPUNT_PEPPER (base64) may hold the key instead.",
    ),
    Setting(
        "SECRET_KEY_FILE",
        "{instance}/secret_key",
        "File holding the key that signs dashboard sessions; created (0600) by "
        "`kruispunt-matcher init`. Every worker and host must read the same file.",
    ),
    Setting(
        "AUDIT_CHECKPOINT_KEY_FILE",
        "{instance}/audit-checkpoint.key",
        "File holding the Ed25519 key that signs audit checkpoints; created (0600) by the first "
        "`audit checkpoint` only at the default path. Keep it off the database host and out of "
        "database backups.",
        optional=True,
    ),
    Setting(
        "AUDIT_CHECKPOINT_FILE",
        "{instance}/audit-checkpoints.jsonl",
        "File that `audit checkpoint` appends signed checkpoints of the audit chain to and "
        "`audit verify` checks against; put it where the database's operators cannot rewrite it.",
        optional=True,
    ),
    Setting(
        "MAX_BATCH_BYTES",
        32 * 1024 * 1024,
        "Largest request body accepted, in bytes; larger requests get 413 too_large.",
        parse=int,
    ),
    Setting(
        "DETECTION",
        "thread",
        "Where overlap detection runs after the receipt: thread (in each app process), external "
        "(run kruispunt-matcher worker), or inline (in the submit request; tests only).",
    ),
    Setting(
        "SUBMIT_SIGNALS_PER_BATCH",
        10_000,
        "Most signals one agency may send in one batch (429 above it); an agency's own limit "
        "(`agency limits`) takes precedence. A signal counts once per 32 tokens it carries, so "
        "near-match tokens do not count against an honest agency.",
        parse=int,
    ),
    Setting(
        "SUBMIT_SIGNALS_PER_DAY",
        20_000,
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
        "PUBLIC_URL",
        "",
        "Address of the dashboard as users reach it (https://kruispunt.example.nl); the links "
        "in e-mail digests and webhook calls start with it.",
    ),
    Setting(
        "SMTP_HOST",
        "",
        "SMTP server for the coordinators' digest; empty: no e-mail.",
    ),
    Setting("SMTP_PORT", 587, "Port of the SMTP server.", parse=int),
    Setting(
        "SMTP_SECURITY",
        "starttls",
        "starttls (port 587), tls (port 465) or none (a relay on the same host only).",
        parse=str.lower,
    ),
    Setting("SMTP_FROM", "", "Sender address of the digest (a no-reply mailbox)."),
    Setting("SMTP_USER", "", "User name at the SMTP server; empty: no login."),
    Setting(
        "SMTP_PASSWORD_FILE",
        "",
        "File holding the SMTP password (one line, mode 0600); never an argument.",
    ),
    Setting(
        "LOG_LEVEL",
        "INFO",
        "Level of the matcher's log (DEBUG, INFO, WARNING, ERROR). Logs never hold identifiers.",
        parse=str.upper,
    ),
)


def setting(name: str) -> Setting:
    """Return the setting called name."""
    return next(item for item in SETTINGS if item.name == name)


def instance_path(
    test_config: Mapping[str, Any] | None, *, environ: Mapping[str, str]
) -> str | None:
    """Return the instance folder asked for by test_config or the environment, if any."""
    if test_config and test_config.get("INSTANCE_PATH"):
        return str(test_config["INSTANCE_PATH"])
    return environ.get(ENV_PREFIX + "INSTANCE_PATH") or None


def resolve(
    setting: Setting,
    *,
    test_config: Mapping[str, Any],
    environ: Mapping[str, str],
    instance: str | None,
) -> tuple[Any, bool]:
    """Return a setting's value and whether it was given (True) or defaulted (False)."""
    if setting.name in test_config:
        return test_config[setting.name], True
    if setting.env_var in environ:
        try:
            return setting.parse(environ[setting.env_var]), True
        except ValueError:
            raise ConfigurationError(
                f"{setting.env_var} must be a whole number, e.g. {setting.default}"
            ) from None
    default = setting.default
    if isinstance(default, str) and "{instance}" in default:
        if instance is None and setting.optional:
            return None, False  # the command that needs it says so in one line
        if instance is None:
            raise ConfigurationError(
                f"no folder for {setting.name}: choose the matcher's folder, export "
                f"{ENV_PREFIX}INSTANCE_PATH=/path/to/it and run `kruispunt-matcher init` "
                f"(or set {setting.env_var})"
            )
        default = default.replace("{instance}", instance)
    return default, False


def default_value(name: str, instance: str) -> str:
    """Return a setting's default with the instance folder filled in."""
    setting = next(item for item in SETTINGS if item.name == name)
    return str(setting.default).replace("{instance}", instance)


def read_settings(
    test_config: Mapping[str, Any] | None, *, environ: Mapping[str, str]
) -> tuple[dict[str, Any], set[str]]:
    """Return every setting's value and the names of those given rather than defaulted."""
    given_config = dict(test_config or {})
    instance = instance_path(given_config, environ=environ)
    values: dict[str, Any] = {}
    given: set[str] = set()
    for setting in SETTINGS:
        if setting.name == "INSTANCE_PATH":
            values[setting.name] = os.path.abspath(instance) if instance else None
            continue
        value, was_given = resolve(
            setting,
            test_config=given_config,
            environ=environ,
            instance=os.path.abspath(instance) if instance else None,
        )
        values[setting.name] = value
        if was_given:
            given.add(setting.name)
    return values, given


def shown_value(setting: Setting, value: object) -> str:
    """Return a value fit to print: a database URL loses its password."""
    if value is None:
        return "(not set)"
    if setting.name == "DATABASE_URL":
        try:
            return make_url(str(value)).render_as_string(hide_password=True)
        except ArgumentError:
            return "(not a database URL)"
    return str(value)


def _secret_key(path: Path) -> bytes:
    try:
        content = path.read_bytes().strip()
    except FileNotFoundError:
        raise ConfigurationError(
            f"the session key file {path} does not exist: {INIT_HINT}"
        ) from None
    except OSError as error:
        raise ConfigurationError(
            f"the session key file {path} cannot be read ({error.strerror}): check its owner"
        ) from None
    if not content:
        raise ConfigurationError(f"the session key file {path} is empty: {INIT_HINT}")
    return content


def _load_pepper(path: Path, *, environ: Mapping[str, str]) -> Pepper:
    from matcher.pepper import Pepper

    return Pepper.load(path=str(path), environ=environ)


def init_app(
    app: Flask,
    test_config: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] = os.environ,
) -> None:
    """Read every setting into app.config, then load the secrets; create nothing."""
    given_config = dict(test_config or {})
    values, given = read_settings(given_config, environ=environ)
    app.config.update(values)
    app.config.update(given_config)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_BATCH_BYTES"])
    instance = app.config["INSTANCE_PATH"]
    # the embedded database would otherwise be created in a folder init never made
    if instance and "DATABASE_URL" not in given and not os.path.isdir(instance):
        raise ConfigurationError(
            f"the instance folder {instance} does not exist: run `kruispunt-matcher init`"
        )
    if "SECRET_KEY" not in given_config:
        app.config["SECRET_KEY"] = _secret_key(Path(app.config["SECRET_KEY_FILE"]))
    app.extensions["matcher.pepper"] = _load_pepper(
        Path(app.config["PEPPER_FILE"]), environ=environ
    )
    try:
        logging.getLogger("matcher").setLevel(app.config["LOG_LEVEL"])
    except ValueError:
        raise ConfigurationError(
            f"{ENV_PREFIX}LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR"
        ) from None


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
