"""The admin CLI: every command works through the services, is audited, and leaks no secret."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlmodel import Session, SQLModel, select

from matcher import config, create_app, partitions
from matcher.commands import main
from matcher.instance import init_instance
from matcher.models import Agency, ApiToken, AuditEntry, KeyEpoch, Signal, UserAccount
from tests.conftest import TEST_PASSWORD


def invoke(runner: FlaskCliRunner, *args: str, env: dict[str, str] | None = None) -> Any:
    result = runner.invoke(args=list(args), env=env)
    return result


def test_agency_add_and_list(runner: FlaskCliRunner, db_session: Session) -> None:
    added = invoke(
        runner,
        "agency", "add", "Gemeente Utrecht", "--kind", "municipality",
        "--region", "Midden-Nederland", "--contact-point", "toezicht@utrecht.nl",
    )  # fmt: skip
    listed = invoke(runner, "agency", "list")

    assert added.exit_code == 0, added.output
    agency = db_session.exec(select(Agency)).one()
    assert (agency.kind, agency.region, agency.contact_point) == (
        "municipality",
        "Midden-Nederland",
        "toezicht@utrecht.nl",
    )
    assert "Gemeente Utrecht\tmunicipality\tMidden-Nederland" in listed.output


def test_a_duplicate_agency_is_an_error_without_a_traceback(
    runner: FlaskCliRunner, make_agency: Callable[..., Any]
) -> None:
    make_agency("Gemeente Utrecht")

    result = invoke(
        runner, "agency", "add", "Gemeente Utrecht", "--kind", "municipality", "--region", "X"
    )

    assert result.exit_code == 1
    assert "exists already" in result.output
    assert "Traceback" not in result.output


def test_token_create_prints_the_token_once_and_it_works(
    runner: FlaskCliRunner, client: Any, make_agency: Callable[..., Any], db_session: Session
) -> None:
    make_agency("Gemeente Utrecht")

    created = invoke(runner, "token", "create", "Gemeente Utrecht", "--scopes", "alerts")
    secret = created.stdout.strip()
    listed = invoke(runner, "token", "list")

    assert created.exit_code == 0, created.output
    assert len(secret) == 43
    assert "not shown again" in created.stderr
    assert secret not in listed.output
    assert "\talerts\tactive" in listed.output
    response = client.get("/api/v1/alerts", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_token_revoke(
    runner: FlaskCliRunner,
    make_agency: Callable[..., Any],
    make_api_token: Callable[..., str],
    db_session: Session,
) -> None:
    make_api_token(make_agency())
    token = db_session.exec(select(ApiToken)).one()

    result = invoke(runner, "token", "revoke", str(token.id))

    assert result.exit_code == 0, result.output
    db_session.expire_all()
    assert db_session.get(ApiToken, token.id).revoked_at is not None  # type: ignore[union-attr]


def test_unknown_scopes_are_refused(
    runner: FlaskCliRunner, make_agency: Callable[..., Any]
) -> None:
    make_agency("Gemeente Utrecht")

    result = invoke(runner, "token", "create", "Gemeente Utrecht", "--scopes", "admin")

    assert result.exit_code == 1
    assert "submit, withdraw, alerts" in result.output


def test_epoch_add_retire_and_list(runner: FlaskCliRunner, db_session: Session) -> None:
    fingerprint = secrets.token_hex(16)

    added = invoke(
        runner, "epoch", "add", "--scheme", "hmac", "--epoch", "1", "--fingerprint", fingerprint
    )
    retired = invoke(runner, "epoch", "retire", "--scheme", "hmac", "--epoch", "1")
    listed = invoke(runner, "epoch", "list")

    assert (added.exit_code, retired.exit_code) == (0, 0)
    assert db_session.exec(select(KeyEpoch.status)).one() == "retired"
    assert f"hmac\t1\t{fingerprint}\tretired" in listed.output


def test_a_malformed_fingerprint_is_refused(runner: FlaskCliRunner) -> None:
    result = invoke(
        runner, "epoch", "add", "--scheme", "hmac", "--epoch", "1", "--fingerprint", "abc"
    )

    assert result.exit_code == 1
    assert "32 lowercase hexadecimal" in result.output


def test_user_add_takes_the_password_from_the_environment_never_an_argument(
    runner: FlaskCliRunner, db_session: Session
) -> None:
    refused = invoke(runner, "user", "add", "rita", "--role", "admin", "--password", TEST_PASSWORD)
    added = invoke(
        runner,
        "user", "add", "rita", "--role", "coordinator", "--region", "Midden-Nederland",
        "--region", "Oost-Nederland",
        env={"KRUISPUNT_USER_PASSWORD": TEST_PASSWORD},
    )  # fmt: skip

    assert refused.exit_code == 2
    assert added.exit_code == 0, added.output
    user = db_session.exec(select(UserAccount)).one()
    assert user.password_hash.startswith("$argon2id$")
    assert TEST_PASSWORD not in user.password_hash
    assert user.regions == "Midden-Nederland,Oost-Nederland"


def test_user_add_prompts_for_the_password(runner: FlaskCliRunner, db_session: Session) -> None:
    result = runner.invoke(
        args=["user", "add", "root", "--role", "admin"],
        input=f"{TEST_PASSWORD}\n{TEST_PASSWORD}\n",
        env={"KRUISPUNT_USER_PASSWORD": ""},
    )

    assert result.exit_code == 0, result.output
    assert TEST_PASSWORD not in result.output
    assert db_session.exec(select(UserAccount.role)).one() == "admin"


def test_an_analyst_needs_an_agency(runner: FlaskCliRunner) -> None:
    result = invoke(
        runner,
        "user",
        "add",
        "ana",
        "--role",
        "analyst",
        env={"KRUISPUNT_USER_PASSWORD": TEST_PASSWORD},
    )

    assert result.exit_code == 1
    assert "agency" in result.output


def test_user_token_gives_a_coordinator_an_api_token(
    runner: FlaskCliRunner, client: Any, make_user: Callable[..., Any]
) -> None:
    make_user("rita", "coordinator")

    result = invoke(runner, "user", "token", "rita")

    assert result.exit_code == 0, result.output
    headers = {"Authorization": f"Bearer {result.stdout.strip()}"}
    assert client.get("/api/v1/coordinator/alerts", headers=headers).status_code == 200


def test_purge_deletes_expired_signals(
    runner: FlaskCliRunner,
    make_agency: Callable[..., Any],
    make_signal: Callable[..., Any],
    db_session: Session,
) -> None:
    agency = make_agency()
    make_signal(agency, observed_on=dt.date(2024, 1, 1))
    fresh = make_signal(agency, observed_on=dt.date(2026, 1, 1))

    result = invoke(runner, "purge", "--today", "2026-06-01")

    assert result.exit_code == 0, result.output
    assert "Purged 1 signals" in result.output
    assert "signal.purge" in db_session.exec(select(AuditEntry.action)).all()
    assert db_session.exec(select(Signal.id)).all() == [fresh.id]


def test_audit_verify_exits_1_when_the_chain_is_broken(
    runner: FlaskCliRunner, make_agency: Callable[..., Any], db_session: Session
) -> None:
    make_agency("Gemeente Utrecht")
    make_agency("Gemeente Breda")
    intact = invoke(runner, "audit", "verify")
    first = db_session.exec(select(AuditEntry).order_by(AuditEntry.id)).first()
    if db_session.get_bind().dialect.name == "postgresql":
        db_session.execute(text("SET LOCAL session_replication_role = replica"))
    db_session.execute(text(f"UPDATE audit_entry SET actor = 'someone' WHERE id = {first.id}"))  # type: ignore[union-attr]
    db_session.commit()

    broken = invoke(runner, "audit", "verify")

    assert intact.exit_code == 0
    assert "intact" in intact.output
    assert broken.exit_code == 1
    assert f"entry {first.id}" in broken.output  # type: ignore[union-attr]


def test_every_administration_command_is_audited_with_the_console_user(
    runner: FlaskCliRunner, db_session: Session
) -> None:
    env = {"KRUISPUNT_USER_PASSWORD": TEST_PASSWORD}
    invoke(runner, "agency", "add", "A", "--kind", "police", "--region", "R")
    invoke(runner, "token", "create", "A")
    invoke(runner, "token", "revoke", "1")
    invoke(runner, "epoch", "add", "--scheme", "hmac", "--epoch", "1", "--fingerprint", "a" * 32)
    invoke(runner, "epoch", "retire", "--scheme", "hmac", "--epoch", "1")
    invoke(runner, "user", "add", "root", "--role", "admin", env=env)
    invoke(runner, "user", "token", "root")

    entries = db_session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()

    assert {entry.action for entry in entries} >= {
        "agency.add",
        "token.create",
        "epoch.add",
        "epoch.retire",
        "user.add",
    }
    assert all(entry.actor.startswith("cli:") for entry in entries)


def test_settings_lists_every_setting_without_the_database_password(tmp_path: Path) -> None:
    settings = {
        "INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": "postgresql+psycopg://matcher:s3cret@127.0.0.1:1/kp",
    }
    init_instance(settings, environ={})
    app = create_app(settings)

    result = app.test_cli_runner().invoke(args=["settings"])

    assert result.exit_code == 0
    for setting in config.SETTINGS:
        assert setting.name in result.output
        assert setting.env_var in result.output
    assert "s3cret" not in result.output


def test_the_console_script_is_a_flask_group_with_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])

    assert result.exit_code == 0
    for name in ("db", "agency", "token", "epoch", "user", "purge", "audit", "settings"):
        assert name in result.output


def test_the_migrations_build_exactly_the_models_schema(
    migration_app: Flask, fresh_database_url: str
) -> None:
    app = migration_app

    result = app.test_cli_runner().invoke(args=["db", "upgrade"])

    assert result.exit_code == 0, result.output
    engine = create_engine(fresh_database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(
                MigrationContext.configure(
                    connection, opts={"include_name": partitions.include_name}
                ),
                SQLModel.metadata,
            )
            audited = connection.execute(text("SELECT action FROM audit_entry")).scalars().all()
    finally:
        engine.dispose()
        app.extensions["matcher.engine"].dispose()
    assert differences == []
    assert audited == ["db.upgrade"]


def test_the_link_migration_keeps_existing_alerts_and_grades_them(
    migration_app: Flask, fresh_database_url: str
) -> None:
    app = migration_app
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0001"]).exit_code == 0
    engine = create_engine(fresh_database_url)
    moment = "2026-03-01 12:00:00+00:00"
    alert_columns = (
        "id, token, kind, level, status, agency_count, region_count, signal_count, first_seen,"
        " last_seen, created_at, updated_at, possible_victim"
    )
    try:
        with engine.begin() as connection:
            for number, (kind, level, status) in enumerate(
                [("phone", "e164", "triage"), ("person", "name", "new"), ("url", "host", "closed")],
                start=1,
            ):
                connection.execute(
                    text(
                        f"INSERT INTO alert ({alert_columns}) VALUES (:id, NULL, :kind, :level,"
                        " :status, 2, 1, 2, :at, :at, :at, :at, false)"
                    ),
                    {"id": number, "kind": kind, "level": level, "status": status, "at": moment},
                )
            connection.execute(
                text(
                    "INSERT INTO alert_event (alert_id, at, actor, action, from_status, to_status,"
                    " note) VALUES (1, :at, 'user:1', 'triage', 'new', 'triage', 'bel eerst')"
                ),
                {"at": moment},
            )
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, status, strength, link_id FROM alert ORDER BY id")
            ).all()
            notes = connection.execute(text("SELECT note FROM alert_event")).scalars().all()
    finally:
        engine.dispose()
        app.extensions["matcher.engine"].dispose()
    assert [tuple(row) for row in rows] == [
        (1, "triage", "strong", None),
        (2, "new", "weak", None),
        (3, "closed", "medium", None),
    ]
    assert notes == ["bel eerst"]


def test_the_alert_filters_migration_stores_the_regions_and_kinds_of_existing_alerts(
    migration_app: Flask, fresh_database_url: str
) -> None:
    """A database at the previous head, with alerts, gets their list filters on upgrade."""
    app = migration_app
    runner = app.test_cli_runner()
    upgraded = runner.invoke(args=["db", "upgrade", "20261201_1400_ingest_queue"])
    assert upgraded.exit_code == 0, upgraded.output
    engine = create_engine(fresh_database_url)
    moment = "2026-03-01 12:00:00+00:00"
    alert_columns = (
        "id, token, kind, level, status, agency_count, region_count, signal_count, first_seen,"
        " last_seen, created_at, updated_at, possible_victim, strength, link_id"
    )
    try:
        with engine.begin() as connection:
            for number, region in enumerate(["Noord", "Noord", "Oost", "West"], start=1):
                connection.execute(
                    text(
                        "INSERT INTO agency (id, name, kind, region, created_at)"
                        " VALUES (:id, :name, 'municipality', :region, :at)"
                    ),
                    {"id": number, "name": f"Agency {number}", "region": region, "at": moment},
                )
            # 1: phone, Noord twice and Oost; 2: its address evidence; 3: email, Oost and West;
            # 4: an alert whose token no signal holds any more (no agencies, no regions)
            for number, kind, level, link, agencies in [
                (1, "phone", "e164", None, (1, 2, 3)),
                (2, "address", "unit", 1, (1, 3)),
                (3, "email", "mailbox", None, (3, 4)),
                (4, "phone", "e164", None, ()),
            ]:
                connection.execute(
                    text(
                        f"INSERT INTO alert ({alert_columns}) VALUES (:id, NULL, :kind, :level,"
                        " 'new', 2, 1, 2, :at, :at, :at, :at, false, 'strong', :link)"
                    ),
                    {"id": number, "kind": kind, "level": level, "at": moment, "link": link},
                )
                for agency in agencies:
                    connection.execute(
                        text(
                            "INSERT INTO alert_agency (alert_id, agency_id, signal_count,"
                            " first_seen, last_seen) VALUES (:alert, :agency, 1, :at, :at)"
                        ),
                        {"alert": number, "agency": agency, "at": moment},
                    )
        upgraded = runner.invoke(args=["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
        with engine.connect() as connection:
            regions = connection.execute(text("SELECT alert_id, region FROM alert_region")).all()
            kinds = connection.execute(text("SELECT alert_id, kind FROM alert_kind")).all()
    finally:
        engine.dispose()
        app.extensions["matcher.engine"].dispose()
    assert sorted(tuple(row) for row in regions) == [
        (1, "Noord"),
        (1, "Oost"),
        (2, "Noord"),
        (2, "Oost"),
        (3, "Oost"),
        (3, "West"),
    ]
    assert sorted(tuple(row) for row in kinds) == [
        (1, "address"),
        (1, "phone"),
        (2, "address"),
        (3, "email"),
        (4, "phone"),
    ]
