"""Routine commands: `purge` (from cron), `audit verify`, `settings`."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from matcher import audit, config
from matcher.cli.console import actor, reports_errors, transaction
from matcher.services import retention


@click.command("purge")
@with_appcontext
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Treat this day as today (default: the current UTC day).",
)
@reports_errors
def purge(today: dt.datetime | None) -> None:
    """Delete signals whose retention has ended, with their tokens (safe to run from cron)."""
    day = today.date() if today else dt.datetime.now(dt.UTC).date()
    with transaction() as session:
        result = retention.purge(session, today=day)
    click.echo(
        f"Purged {result.signals} signals and {result.tokens} tokens; "
        f"{result.alerts_updated} alerts updated."
    )


audit_group = AppGroup("audit", help="The hash-chained audit log.")


@audit_group.command("verify")
def verify() -> None:
    """Check the whole audit chain; exit 1 when an entry was changed, inserted or removed."""
    with transaction() as session:
        result = audit.verify(session)
        audit.record(
            session,
            actor=actor(),
            action="audit.verify",
            details={"ok": result.ok, "entries": result.entries},
        )
    if result.ok:
        click.echo(f"Audit chain intact: {result.entries} entries.")
        return
    where = f" at entry {result.first_bad_id}" if result.first_bad_id is not None else ""
    click.echo(f"Audit chain BROKEN{where}: {result.reason}.", err=True)
    raise SystemExit(1)


@click.command("settings")
@with_appcontext
def settings() -> None:
    """List every setting: name, current value, environment variable, meaning."""
    for setting in config.SETTINGS:
        value = config.shown_value(setting, current_app.config[setting.name])
        click.echo(f"{setting.name} = {value}")
        click.echo(f"    env {setting.env_var}; default {setting.default}")
        click.echo(f"    {setting.help}")
