"""The operator's CLI, ``kruispunt-keyservice``: serve, keys, agencies, usage log.

Settings come from the environment (see docs/keyservice.md); every command works on the same
database and key folder as the running service. Commands call the same services as the API. The
app is built only when a command runs, so `--help` works (and writes nothing) before `init`, and
configuration or database problems end in one line that says what to do.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from functools import update_wrapper
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import Flask, current_app
from werkzeug.serving import run_simple

from keyservice import agencies, create_app, db, keys, usage
from keyservice import shares as shares_
from keyservice.problems import OneLineErrors
from keyservice.setup import init_data_folder

F = TypeVar("F", bound=Callable[..., Any])


def with_app(command: F) -> F:
    """Run a command inside the app's context, building the app on first use."""

    @click.pass_context
    def run(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        root = ctx.find_root()
        if not isinstance(root.obj, Flask):  # tests pass their own app as obj
            root.obj = create_app()
        with root.obj.app_context():
            return ctx.invoke(command, *args, **kwargs)

    return update_wrapper(run, command)  # type: ignore[return-value]


def _app() -> Flask:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app


def _key_dir() -> Path:
    return Path(_app().config["KEYSERVICE_KEY_DIR"])


@click.group(cls=OneLineErrors)
@click.version_option(version("kruispunt"), prog_name="kruispunt-keyservice")
def main() -> None:
    """Kruispunt's oblivious key service: evaluates the oprf scheme without seeing identifiers.

    Settings come from KEYSERVICE_* environment variables (docs/keyservice.md); start with
    `kruispunt-keyservice init`.
    """


@main.command()
def init() -> None:
    """Create the data folder (0700), its key folder and the database schema.

    Uses KEYSERVICE_INSTANCE_PATH (or KEYSERVICE_DATABASE_URL and KEYSERVICE_KEY_DIR); what
    exists is kept. Secret keys are made afterwards, one per epoch, by `key generate`.
    """
    for line in init_data_folder():
        click.echo(line)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5100, show_default=True, type=int)
@with_app
def serve(host: str, port: int) -> None:
    """Run the development server (production: gunicorn 'keyservice:create_app()')."""
    app = _app()
    if not app.config["KEYSERVICE_REDIS_URL"]:
        click.echo("quotas and rate limits are kept in this process's memory", err=True)
    # werkzeug directly: Flask's app.run() does nothing when FLASK_RUN_FROM_CLI is set
    run_simple(host, port, app, threaded=True)


@main.group()
def key() -> None:
    """Generate, list, publish and retire key epochs."""


def _print_key(item: keys.KeyEpoch) -> None:
    click.echo(
        f"epoch {item.epoch}  {item.status.value:7}  fingerprint {item.fingerprint}  "
        f"public key {item.info().public_key}  created {item.created_at:%Y-%m-%d}"
    )


@key.command("generate")
@click.option("--epoch", required=True, type=click.IntRange(min=1))
@with_app
def key_generate(epoch: int) -> None:
    """Create the secret key of a new epoch (a 0600 file) and publish its public key."""
    with db.get_engine().begin() as conn:
        item = keys.generate_key(conn, _key_dir(), epoch=epoch)
    click.echo(f"secret key written to {keys.key_file(_key_dir(), epoch)} (keep it off backups)")
    _print_key(item)


@key.command("list")
@with_app
def key_list() -> None:
    """List every epoch: status, fingerprint, public key."""
    with db.get_engine().connect() as conn:
        for item in keys.list_keys(conn):
            _print_key(item)


@key.command("publish")
@click.option("--epoch", required=True, type=click.IntRange(min=1))
@with_app
def key_publish(epoch: int) -> None:
    """Print an epoch's public key document (JSON) for the federation to distribute and pin."""
    with db.get_engine().connect() as conn:
        item = keys.get_key(conn, epoch)
    click.echo(json.dumps(item.info().model_dump(mode="json"), indent=2))


@key.command("retire")
@click.option("--epoch", required=True, type=click.IntRange(min=1))
@click.option("--destroy-secret", is_flag=True, help="Also delete the epoch's key file.")
@with_app
def key_retire(epoch: int, destroy_secret: bool) -> None:
    """Stop evaluating under an epoch; its public key stays published."""
    with db.get_engine().begin() as conn:
        item = keys.retire_key(conn, _key_dir(), epoch, destroy_secret=destroy_secret)
    _print_key(item)


@key.command("split")
@click.option("--epoch", required=True, type=click.IntRange(min=1))
@click.option("--threshold", required=True, type=click.IntRange(min=1, max=255))
@click.option("--shares", required=True, type=click.IntRange(min=1, max=255))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path))
@with_app
def key_split(epoch: int, threshold: int, shares: int, out_dir: Path) -> None:
    """Split epoch N's key into share files for several key services; print the public document."""
    with db.get_engine().connect() as conn:
        document = shares_.split_key(
            conn, _key_dir(), epoch=epoch, threshold=threshold, shares=shares, out_dir=out_dir
        )
    click.echo(
        f"{shares} share files (0600) written to {out_dir}; hand each to one operator", err=True
    )
    click.echo(json.dumps(document.model_dump(mode="json"), indent=2))


@key.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_app
def key_import(path: Path) -> None:
    """Make a handed-over key or share file this service's key of its epoch."""
    with db.get_engine().begin() as conn:
        item = shares_.import_key(conn, _key_dir(), path)
    click.echo(f"imported into {keys.key_file(_key_dir(), item.epoch)}; delete {path} now")
    _print_key(item)


@main.group()
def agency() -> None:
    """Add, list and revoke agencies."""


@agency.command("add")
@click.argument("name")
@click.option("--daily-quota", required=True, type=click.IntRange(min=1))
@with_app
def agency_add(name: str, daily_quota: int) -> None:
    """Register an agency and print its API token once (it is stored only as a hash)."""
    with db.get_engine().begin() as conn:
        item, token = agencies.add_agency(conn, name, daily_quota=daily_quota)
    click.echo(f"agency {item.name!r} added, daily quota {item.daily_quota}")
    click.echo("API token (shown once; hand it over on a secure channel):")
    click.echo(token)


@agency.command("list")
@with_app
def agency_list() -> None:
    """List agencies with their quotas and status."""
    with db.get_engine().connect() as conn:
        for item in agencies.list_agencies(conn):
            status = "active" if item.active else f"revoked {item.revoked_at:%Y-%m-%d}"
            click.echo(f"{item.name}  daily quota {item.daily_quota}  {status}")


@agency.command("revoke")
@click.argument("name")
@with_app
def agency_revoke(name: str) -> None:
    """Revoke an agency's token for good."""
    with db.get_engine().begin() as conn:
        item = agencies.revoke_agency(conn, name)
    click.echo(f"agency {item.name!r} revoked")


@main.command("log")
@click.option("--days", default=30, show_default=True, type=click.IntRange(min=1))
@with_app
def log_command(days: int) -> None:
    """Show evaluations per agency per day (counts only: the key service never sees inputs)."""
    since = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days - 1)
    with db.get_engine().connect() as conn:
        rows = usage.daily_usage(conn, since=since)
    click.echo(f"{'day':10}  {'agency':30}  {'requests':>8}  {'evaluations':>11}")
    for row in rows:
        click.echo(f"{row.day:10}  {row.agency:30}  {row.requests:>8}  {row.evaluations:>11}")
