"""Configuration and database problems as one line that says what to do, never a traceback.

A driver's message is cut to its first line: later lines may quote a row, and SQLAlchemy's own
text appends the statement's parameters.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.exc import OperationalError as SQLOperationalError

from keyservice.config import ConfigurationError, read_settings
from keyservice.errors import KeyServiceError


def _database(ctx: click.Context) -> str:
    app = ctx.find_root().obj
    try:
        if isinstance(app, Flask):
            url = app.config["KEYSERVICE_DATABASE_URL"]
        else:
            url = read_settings(None)["KEYSERVICE_DATABASE_URL"]
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ConfigurationError, KeyError):
        return "the database"


def database_problem(error: DBAPIError, *, database: str) -> str:
    """Return the one-line advice for a database error on the named database."""
    text = str(error.orig).strip() if error.orig is not None else ""
    reason = text.splitlines()[0][:160] if text else type(error).__name__
    if isinstance(error, SQLOperationalError):
        return (
            f"cannot use {database} ({reason}): check KEYSERVICE_DATABASE_URL, that the data "
            "folder exists (`kruispunt-keyservice init`) and that the database server is running"
        )
    return f"{database} refused the command ({type(error.orig).__name__}): see its log"


class OneLineErrors(click.Group):
    """A group that turns expected problems of any subcommand into one line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ConfigurationError, KeyServiceError) as error:
            raise click.ClickException(error.message) from None
        except DBAPIError as error:
            raise click.ClickException(database_problem(error, database=_database(ctx))) from None
        except ArgumentError:
            raise click.ClickException(
                "KEYSERVICE_DATABASE_URL is not a database URL: use sqlite:///path or "
                "postgresql+psycopg://user@host/db"
            ) from None
        except NoSuchModuleError:
            raise click.ClickException(
                "KEYSERVICE_DATABASE_URL names a database driver that is not installed: use "
                "sqlite:///path or postgresql+psycopg://user@host/db"
            ) from None
        except PermissionError as error:
            raise click.ClickException(
                f"permission denied on {error.filename}: run as the key service's owner"
            ) from None
