"""Commands for the database schema: `db upgrade`, `db revision`, `db current` (Alembic)."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import inspect

from matcher import audit, config, pepper_record
from matcher.cli.console import actor, transaction

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"

db = AppGroup("db", help="Create and migrate the database schema (Alembic).")


def alembic_config(database_url: str) -> Config:
    """Return an Alembic configuration for the matcher's migrations and this database."""
    result = Config(str(ALEMBIC_INI))
    result.set_main_option("script_location", str(ALEMBIC_INI.parent / "migrations"))
    result.attributes["database_url"] = database_url
    return result


@db.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Migrate the database to a revision (default: the newest); record the pepper's fingerprint."""
    command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)
    with transaction() as session:
        recorded = inspect(session.connection()).has_table(
            "pepper_fingerprint"
        ) and pepper_record.record(session, config.pepper())
        audit.record(session, actor=actor(), action="db.upgrade", details={"revision": revision})
    click.echo(f"Database at revision {revision}.")
    if recorded:
        click.echo("Recorded the pepper's fingerprint: a start with another pepper is refused.")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
@click.option("--rev-id", default=None, help="The revision's id (default: a random one).")
def revision(message: str, rev_id: str | None) -> None:
    """Write a new migration from the difference between the models and the database."""
    command.revision(
        alembic_config(current_app.config["DATABASE_URL"]),
        message=message,
        autogenerate=True,
        rev_id=rev_id,
    )


@db.command("current")
def current() -> None:
    """Show the database's revision."""
    command.current(alembic_config(current_app.config["DATABASE_URL"]))
