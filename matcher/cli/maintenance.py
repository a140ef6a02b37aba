"""Routine commands: `purge` and `audit checkpoint` (from cron), `audit verify`, `settings`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from matcher import audit, checkpoints, config
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


def _configured_file(name: str) -> Path:
    """Return a file setting, or stop in one line when neither it nor a folder was given."""
    value = current_app.config.get(name)
    if not value:
        raise click.ClickException(
            f"no file for {name}: export {config.ENV_PREFIX}{name}=/path/to/it "
            f"(or {config.ENV_PREFIX}INSTANCE_PATH for the default place)"
        )
    return Path(value)


def _checkpoint_key(*, create: bool) -> Ed25519PrivateKey:
    path = _configured_file("AUDIT_CHECKPOINT_KEY_FILE")
    default = config.default_value("AUDIT_CHECKPOINT_KEY_FILE", current_app.instance_path)
    if create and not path.exists() and str(path) == default:
        checkpoints.create_key_file(path)
    return checkpoints.load_key(path)


def _signed_heads(path: Path, *, create_key: bool) -> dict[int, str]:
    """Return position -> hash of every signed checkpoint in path (none without a file)."""
    if not path.exists() and not create_key:
        return {}
    try:
        found = checkpoints.read(path, _checkpoint_key(create=create_key))
    except checkpoints.CheckpointError as error:
        raise click.ClickException(str(error)) from None
    return {item.entries: item.last_hash for item in found}


def _report_broken(result: audit.AuditVerification) -> None:
    where = f" at entry {result.first_bad_id}" if result.first_bad_id is not None else ""
    click.echo(f"Audit chain BROKEN{where}: {result.reason}.", err=True)
    raise SystemExit(1)


@audit_group.command("verify")
@click.option(
    "--checkpoints",
    "checkpoint_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Signed checkpoints to check against (default: AUDIT_CHECKPOINT_FILE).",
)
def verify(checkpoint_file: Path | None) -> None:
    """Check the chain and the signed checkpoints; exit 1 when entries were changed or removed."""
    configured = current_app.config.get("AUDIT_CHECKPOINT_FILE")
    path = checkpoint_file or (Path(configured) if configured else None)
    # without a checkpoint file (none configured, no folder) the chain alone is verified
    signed = _signed_heads(path, create_key=False) if path is not None else {}
    with transaction() as session:
        result = audit.verify(session, checkpoints=signed)
    with transaction() as session:
        audit.record(
            session,
            actor=actor(),
            action="audit.verify",
            details={"ok": result.ok, "entries": result.entries, "checkpoints": len(signed)},
        )
    if not result.ok:
        _report_broken(result)
    click.echo(f"Audit chain intact: {result.entries} entries.")
    if signed:
        click.echo(f"It holds every one of the {len(signed)} signed checkpoint(s) in {path}.")
    else:
        click.echo(
            f"No signed checkpoint in {path}: removing the newest entries would go unnoticed. "
            "Run `audit checkpoint` from cron."
        )


@audit_group.command("checkpoint")
@click.option(
    "--to",
    "checkpoint_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Append the checkpoint here (default: AUDIT_CHECKPOINT_FILE).",
)
def checkpoint(checkpoint_file: Path | None) -> None:
    """Verify the chain, then sign its head and append it to the checkpoint file (run from cron)."""
    path = checkpoint_file or _configured_file("AUDIT_CHECKPOINT_FILE")
    signed = _signed_heads(path, create_key=True)
    with transaction() as session:
        result = audit.verify(session, checkpoints=signed)
    if not result.ok:
        _report_broken(result)
    head = checkpoints.Checkpoint(
        entries=result.entries,
        last_id=result.last_id,
        last_hash=result.last_hash,
        at=checkpoints.now_text(),
    )
    checkpoints.append(path, _checkpoint_key(create=False), head)
    click.echo(f"Signed checkpoint: {head.entries} entries, appended to {path}.")


@click.command("settings")
@with_appcontext
def settings() -> None:
    """List every setting: name, current value, environment variable, meaning."""
    for setting in config.SETTINGS:
        value = config.shown_value(setting, current_app.config[setting.name])
        click.echo(f"{setting.name} = {value}")
        click.echo(f"    env {setting.env_var}; default {setting.default}")
        click.echo(f"    {setting.help}")
