"""Commands for dashboard users: `user add`, `list`, `token`, `password`, `deactivate`."""

from __future__ import annotations

import os

import click
from flask.cli import AppGroup

from matcher.cli.console import actor, reports_errors, transaction
from matcher.errors import InvalidRequest
from matcher.models import UserRole
from matcher.services import federation, users

PASSWORD_ENV = "KRUISPUNT_USER_PASSWORD"  # noqa: S105 (the name of a variable, not a password)

user = AppGroup("user", help="Dashboard users and coordinators' API tokens.")


def _password() -> str:
    # never an argument: it would show in the shell history and the process list
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice([role.value for role in UserRole]), required=True)
@click.option("--agency", "agency_name", default=None, help="The analyst's agency.")
@click.option("--region", "regions", multiple=True, help="A region a coordinator covers (repeat).")
@reports_errors
def add_user(username: str, role: str, agency_name: str | None, regions: tuple[str, ...]) -> None:
    """Create a dashboard user; the password comes from a prompt or KRUISPUNT_USER_PASSWORD."""
    password = _password()
    with transaction() as session:
        agency_id = federation.find_agency(session, agency_name).id if agency_name else None
        row = users.create_user(
            session,
            username=username,
            password=password,
            role=role,
            agency_id=agency_id,
            regions=regions,
            actor=actor(),
        )
    click.echo(f"Added user {row.id}: {row.username} ({row.role}).")


@user.command("list")
def list_users() -> None:
    """List dashboard users."""
    with transaction() as session:
        for row in users.list_users(session):
            state = "active" if row.active else "inactive"
            click.echo(f"{row.id}\t{row.username}\t{row.role}\t{row.regions or '-'}\t{state}")


@user.command("token")
@click.argument("username")
@click.option("--label", default="", help="A note to recognise the token by (no secrets).")
@reports_errors
def user_token(username: str, label: str) -> None:
    """Create a coordinator's API token and print it once."""
    with transaction() as session:
        account = users.get_user(session, username)
        if account.role not in {UserRole.COORDINATOR, UserRole.ADMIN}:
            raise InvalidRequest("Only coordinators and admins get an API token.")
        row, secret = federation.create_api_token(
            session, user_id=account.id, scopes=["coordinator"], label=label, actor=actor()
        )
    click.echo(f"Token {row.id} for {account.username}; it is not shown again:", err=True)
    click.echo(secret)


@user.command("password")
@click.argument("username")
@reports_errors
def change_password(username: str) -> None:
    """Set a new password (prompt or KRUISPUNT_USER_PASSWORD); the user's sessions end."""
    password = _password()
    with transaction() as session:
        account = users.get_user(session, username)
        users.set_password(session, account, password, actor=actor())
    click.echo(f"New password set for {account.username}; every open session has ended.")


@user.command("deactivate")
@click.argument("username")
@reports_errors
def deactivate_user(username: str) -> None:
    """Take a user's access away at once: no sign-in, no API token use, no open session."""
    with transaction() as session:
        account = users.get_user(session, username)
        users.deactivate(session, account, actor=actor())
    click.echo(f"Deactivated {account.username}; every open session has ended.")
