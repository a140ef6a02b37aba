"""Commands for the federation's register: `agency`, `token` and `epoch`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from matcher import config
from matcher.cli.console import actor, reports_errors, transaction
from matcher.models import AgencyKind, KeyEpochStatus
from matcher.services import federation, submission_limits

agency = AppGroup("agency", help="Register and list agencies.")
token = AppGroup("token", help="Create, revoke and list agencies' API tokens.")
epoch = AppGroup("epoch", help="Key epochs (by fingerprint) the matcher accepts batches for.")


@agency.command("add")
@click.argument("name")
@click.option("--kind", type=click.Choice([kind.value for kind in AgencyKind]), required=True)
@click.option("--region", required=True, help="The region (e.g. the RIEC region).")
@click.option("--contact-point", default=None, help="Desk or mailbox for disclosures.")
@reports_errors
def add_agency(name: str, kind: str, region: str, contact_point: str | None) -> None:
    """Register an agency."""
    with transaction() as session:
        row = federation.add_agency(
            session, name=name, kind=kind, region=region, contact_point=contact_point, actor=actor()
        )
    click.echo(f"Added agency {row.id}: {row.name} ({row.kind}, {row.region}).")


@agency.command("list")
def list_agencies() -> None:
    """List agencies."""
    with transaction() as session:
        for row in federation.list_agencies(session):
            contact = row.contact_point or "-"
            click.echo(f"{row.id}\t{row.name}\t{row.kind}\t{row.region}\t{contact}")


@agency.command("limits")
@click.argument("name")
@click.option("--per-batch", type=int, default=None, help="Signals per batch (default: setting).")
@click.option("--per-day", type=int, default=None, help="Signals per UTC day (default: setting).")
@reports_errors
def agency_limits(name: str, per_batch: int | None, per_day: int | None) -> None:
    """Set an agency's own submission limits; without options it goes back to the settings."""
    policy = config.submission_policy()
    with transaction() as session:
        row = federation.find_agency(session, name)
        submission_limits.set_agency_limits(
            session, row, per_batch=per_batch, per_day=per_day, actor=actor()
        )
        batch_limit, day_limit = submission_limits.limits_for(session, row.id or 0, policy)
    click.echo(f"{row.name} may send {batch_limit} signals per batch, {day_limit} per day.")


@token.command("create")
@click.argument("agency_name", metavar="AGENCY")
@click.option(
    "--scopes",
    default=",".join(federation.AGENCY_SCOPES),
    show_default=True,
    help="Comma-separated: submit, withdraw, alerts.",
)
@click.option("--label", default="", help="A note to recognise the token by (no secrets).")
@reports_errors
def create_token(agency_name: str, scopes: str, label: str) -> None:
    """Create an API token for an agency and print it once."""
    with transaction() as session:
        owner = federation.find_agency(session, agency_name)
        row, secret = federation.create_api_token(
            session, agency_id=owner.id, scopes=scopes.split(","), label=label, actor=actor()
        )
    click.echo(f"Token {row.id} for {owner.name} ({row.scopes}); it is not shown again:", err=True)
    click.echo(secret)


@token.command("revoke")
@click.argument("token_id", type=int, metavar="ID")
@reports_errors
def revoke_token(token_id: int) -> None:
    """Revoke an API token."""
    with transaction() as session:
        federation.revoke_api_token(session, token_id=token_id, actor=actor())
    click.echo(f"Revoked token {token_id}.")


@token.command("list")
def list_tokens() -> None:
    """List API tokens (ids, owners, scopes; secrets are never stored)."""
    with transaction() as session:
        for row in federation.list_api_tokens(session):
            owner = (
                f"agency:{row.agency_id}" if row.agency_id is not None else f"user:{row.user_id}"
            )
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
            click.echo(f"{row.id}\t{owner}\t{row.scopes}\t{state}\t{row.label}")


@epoch.command("add")
@click.option("--scheme", type=click.Choice(["hmac", "oprf"]), required=True)
@click.option("--epoch", "number", type=int, required=True)
@click.option("--fingerprint", required=True, help="32 hex characters, from the key custodian.")
@reports_errors
def add_epoch(scheme: str, number: int, fingerprint: str) -> None:
    """Accept batches made with this key epoch."""
    with transaction() as session:
        federation.add_key_epoch(
            session, scheme=scheme, epoch=number, fingerprint=fingerprint.lower(), actor=actor()
        )
    click.echo(f"Accepting {scheme} epoch {number} ({fingerprint.lower()}).")


@epoch.command("retire")
@click.option("--scheme", type=click.Choice(["hmac", "oprf"]), required=True)
@click.option("--epoch", "number", type=int, required=True)
@reports_errors
def retire_epoch(scheme: str, number: int) -> None:
    """Refuse new batches made with this key epoch."""
    with transaction() as session:
        federation.retire_key_epoch(session, scheme=scheme, epoch=number, actor=actor())
    click.echo(f"Retired {scheme} epoch {number}.")


@epoch.command("list")
def list_epochs() -> None:
    """List key epochs."""
    with transaction() as session:
        for row in federation.list_key_epochs(session):
            mark = "*" if row.status == KeyEpochStatus.CURRENT else " "
            click.echo(f"{mark} {row.scheme}\t{row.epoch}\t{row.fingerprint}\t{row.status}")
