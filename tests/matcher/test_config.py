"""Settings come from test_config, then KRUISPUNT_* variables, then defaults; secrets from files."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from matcher import config, create_app
from matcher.config_errors import ConfigurationError
from matcher.db import make_engine
from matcher.instance import backup_plan, init_instance
from matcher.pepper import Pepper, PepperError


def _setting(name: str) -> config.Setting:
    return next(setting for setting in config.SETTINGS if setting.name == name)


def test_every_setting_is_read_from_its_environment_variable() -> None:
    environ = {
        "KRUISPUNT_DATABASE_URL": "postgresql+psycopg://matcher@db/matcher",
        "KRUISPUNT_MAX_BATCH_BYTES": "1024",
        "KRUISPUNT_LOG_LEVEL": "debug",
    }
    values = {
        setting.name: config.resolve(setting, test_config={}, environ=environ, instance="/i")[0]
        for setting in config.SETTINGS
    }

    assert values["DATABASE_URL"] == "postgresql+psycopg://matcher@db/matcher"
    assert values["MAX_BATCH_BYTES"] == 1024
    assert values["LOG_LEVEL"] == "DEBUG"
    assert values["PEPPER_FILE"] == "/i/pepper.key"


def test_test_config_wins_over_the_environment() -> None:
    value, given = config.resolve(
        _setting("MAX_BATCH_BYTES"),
        test_config={"MAX_BATCH_BYTES": 10},
        environ={"KRUISPUNT_MAX_BATCH_BYTES": "20"},
        instance="/i",
    )

    assert (value, given) == (10, True)


def test_defaults_live_in_the_instance_folder() -> None:
    value, given = config.resolve(
        _setting("DATABASE_URL"), test_config={}, environ={}, instance="/srv/kp"
    )

    assert value == "sqlite:////srv/kp/matcher.sqlite3"
    assert not given


def test_a_database_password_is_never_shown() -> None:
    shown = config.shown_value(_setting("DATABASE_URL"), "postgresql://matcher:s3cret@db/kp")

    assert "s3cret" not in shown
    assert "db/kp" in shown


def initialized(folder: Path, **environ: str) -> Path:
    """An instance folder made by `init`, as an operator makes it."""
    init_instance({"INSTANCE_PATH": str(folder)}, environ=environ)
    return folder


def test_init_creates_private_key_files_in_the_instance_folder(tmp_path: Path) -> None:
    instance = tmp_path / "instance"

    report = init_instance({"INSTANCE_PATH": str(instance)}, environ={})
    app = create_app({"INSTANCE_PATH": str(instance)})

    for name in ("pepper.key", "secret_key"):
        mode = stat.S_IMODE((instance / name).stat().st_mode)
        assert mode == 0o600, name
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert set(report.created) == {instance, instance / "pepper.key", instance / "secret_key"}
    assert app.config["DATABASE_URL"] == f"sqlite:///{instance}/matcher.sqlite3"
    assert app.config["SECRET_KEY"]


def test_init_never_overwrites_a_secret(tmp_path: Path) -> None:
    instance = initialized(tmp_path / "instance")
    before = (instance / "pepper.key").read_bytes(), (instance / "secret_key").read_bytes()

    report = init_instance({"INSTANCE_PATH": str(instance)}, environ={})

    assert report.created == []
    assert ((instance / "pepper.key").read_bytes(), (instance / "secret_key").read_bytes()) == (
        before
    )


def test_the_backup_plan_names_each_file_and_keeps_the_pepper_apart(tmp_path: Path) -> None:
    instance = tmp_path / "instance"

    plan = "\n".join(backup_plan(init_instance({"INSTANCE_PATH": str(instance)}, environ={})))

    assert f"pepper       {instance / 'pepper.key'}" in plan
    assert f"session key  {instance / 'secret_key'}" in plan
    assert "never with\n               the database" in plan
    assert "kruispunt-matcher db upgrade" in plan


def test_nothing_but_init_creates_a_secret_or_a_folder(tmp_path: Path) -> None:
    instance = tmp_path / "instance"

    with pytest.raises(ConfigurationError, match="kruispunt-matcher init"):
        create_app({"INSTANCE_PATH": str(instance)})
    instance.mkdir()
    with pytest.raises(ConfigurationError, match="kruispunt-matcher init"):
        create_app({"INSTANCE_PATH": str(instance)})

    assert list(instance.iterdir()) == []


def test_without_an_instance_folder_the_matcher_says_which_to_choose(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KRUISPUNT_INSTANCE_PATH", raising=False)

    with pytest.raises(ConfigurationError, match="KRUISPUNT_INSTANCE_PATH"):
        create_app({})


def test_a_restart_keeps_the_same_pepper_and_session_key(tmp_path: Path) -> None:
    settings = {"INSTANCE_PATH": str(initialized(tmp_path))}
    first, second = create_app(settings), create_app(settings)
    fields = {"scheme": "hmac", "epoch": 1, "kind": "phone", "level": "e164", "token": b"t" * 32}

    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert config_pepper(first).apply(**fields) == config_pepper(second).apply(**fields)


def config_pepper(app: object) -> Pepper:
    pepper: Pepper = app.extensions["matcher.pepper"]  # type: ignore[attr-defined]
    return pepper


def test_a_configured_pepper_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    # creating a new pepper there would silently make every stored token unmatchable
    missing = tmp_path / "elsewhere" / "pepper.key"

    with pytest.raises(PepperError, match="kruispunt-matcher init"):
        create_app({"INSTANCE_PATH": str(initialized(tmp_path)), "PEPPER_FILE": str(missing)})
    assert not missing.exists()


def test_the_pepper_may_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KRUISPUNT_PEPPER", "A" * 43 + "=")
    initialized(tmp_path, KRUISPUNT_PEPPER="A" * 43 + "=")

    create_app({"INSTANCE_PATH": str(tmp_path)})

    assert not (tmp_path / "pepper.key").exists()


def test_max_batch_bytes_limits_request_bodies(tmp_path: Path) -> None:
    app = create_app({"INSTANCE_PATH": str(initialized(tmp_path)), "MAX_BATCH_BYTES": 2048})

    assert app.config["MAX_CONTENT_LENGTH"] == 2048


def test_log_level_applies_to_the_matcher_loggers(tmp_path: Path) -> None:
    logger = logging.getLogger("matcher")
    before = logger.level
    try:
        create_app({"INSTANCE_PATH": str(initialized(tmp_path)), "LOG_LEVEL": "WARNING"})

        assert logger.level == logging.WARNING
    finally:
        logger.setLevel(before)


def test_an_embedded_store_syncs_every_commit(tmp_path: Path) -> None:
    """A receipt is given after the commit: on SQLite the write-ahead log is synced at each one
    (synchronous=FULL), so a power loss cannot take back a batch an agency holds a receipt for."""
    engine = make_engine(f"sqlite:///{tmp_path}/store.sqlite3")
    try:
        with engine.connect() as connection:
            mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
            synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    finally:
        engine.dispose()
    assert mode == "wal"
    assert synchronous == 2  # FULL
