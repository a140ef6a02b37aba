"""Configuration and database problems as one line that says what to do, never a traceback.

A driver's message is cut to its first line: later lines (PostgreSQL's DETAIL) may quote a row,
and SQLAlchemy's own text appends the statement's parameters.
"""

from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import ScriptInfo
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.exc import OperationalError as SQLOperationalError

from matcher.config import setting, shown_value
from matcher.config_errors import ConfigurationError
from matcher.errors import MatcherError

#: PostgreSQL's SQLSTATE for a missing table
_UNDEFINED_TABLE = "42P01"


def _database(ctx: click.Context) -> str:
    app = ctx.obj._loaded_app if isinstance(ctx.obj, ScriptInfo) else None
    if app is None and current_app:
        app = current_app
    if app is None or "DATABASE_URL" not in app.config:
        return "the database"
    return shown_value(setting("DATABASE_URL"), app.config["DATABASE_URL"])


def _first_line(error: DBAPIError) -> str:
    text = str(error.orig) if error.orig is not None else type(error).__name__
    line = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return line[:160]


def database_problem(error: DBAPIError, *, database: str) -> str:
    """Return the one-line advice for a database error on the named database."""
    reason = _first_line(error)
    missing_table = getattr(error.orig, "sqlstate", None) == _UNDEFINED_TABLE or (
        reason.startswith("no such table") and isinstance(error, SQLOperationalError)
    )
    if missing_table:
        return (
            f"{database} has no matcher schema (or an old one): run `kruispunt-matcher db upgrade`"
        )
    if isinstance(error, SQLOperationalError):
        return (
            f"cannot use {database} ({reason}): check KRUISPUNT_DATABASE_URL and that the "
            "database server is running and reachable"
        )
    return f"{database} refused the command ({type(error.orig).__name__}): see its log"


class OneLineErrors(click.Group):
    """A group that turns expected problems of any subcommand into one line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigurationError as error:
            raise click.ClickException(error.message) from None
        except MatcherError as error:
            raise click.ClickException(error.message) from None
        except DBAPIError as error:
            raise click.ClickException(database_problem(error, database=_database(ctx))) from None
        except ArgumentError:
            raise click.ClickException(
                "KRUISPUNT_DATABASE_URL is not a database URL: use sqlite:///path or "
                "postgresql+psycopg://user@host/db"
            ) from None
        except NoSuchModuleError:
            raise click.ClickException(
                "KRUISPUNT_DATABASE_URL names a database driver that is not installed: use "
                "sqlite:///path or postgresql+psycopg://user@host/db"
            ) from None
        except PermissionError as error:
            raise click.ClickException(
                f"permission denied on {error.filename}: run as the matcher's owner"
            ) from None
