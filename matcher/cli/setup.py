"""Set-up commands: `init` (folder and secrets, before any app exists) and `pepper check`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from matcher import config, pepper_record
from matcher.cli.console import transaction
from matcher.instance import backup_plan, init_instance


@click.command("init")
def init() -> None:
    """Create the instance folder, the session key and the pepper (0600); print the backup plan.

    Uses KRUISPUNT_INSTANCE_PATH (or KRUISPUNT_PEPPER_FILE, KRUISPUNT_SECRET_KEY_FILE and
    KRUISPUNT_DATABASE_URL). Existing files are kept, never overwritten.
    """
    report = init_instance()
    for line in backup_plan(report):
        click.echo(line)


pepper = AppGroup("pepper", help="The server pepper that keys every stored token.")


@pepper.command("check")
def check() -> None:
    """Check that the pepper in use is the one this database was built with."""
    loaded = config.pepper()
    with transaction() as session:
        stored = pepper_record.stored_fingerprint(session)
    if stored is None:
        raise click.ClickException(
            "this database has no pepper fingerprint yet: run `kruispunt-matcher db upgrade`"
        )
    if stored != loaded.fingerprint:
        raise click.ClickException(pepper_record.mismatch(stored, loaded).message)
    source = current_app.config["PEPPER_FILE"]
    click.echo(f"The pepper ({source}) is this database's: fingerprint {stored[:12]}.")
