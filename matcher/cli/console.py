"""What every administration command shares: the audit actor, a transaction, clean errors."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

import click
from sqlmodel import Session

from matcher import db
from matcher.config_errors import ConfigurationError
from matcher.errors import MatcherError

P = ParamSpec("P")
R = TypeVar("R")


def actor() -> str:
    """Name the person at the console as the audit actor."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"[:80]


@contextmanager
def transaction() -> Iterator[Session]:
    """Open a session on the app's database and commit it when the block succeeds."""
    with Session(db.engine(), expire_on_commit=False) as session:
        yield session
        session.commit()


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn the services' errors into a one-line message and exit status 1, never a traceback."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (MatcherError, ConfigurationError) as error:
            raise click.ClickException(error.message) from None

    return run
