"""The administration CLI: `kruispunt-matcher` and `flask --app matcher` run the same commands.

The command groups live in :mod:`matcher.cli`; every change they make goes through a service
and is audited with the actor ``cli:<operating-system user>``. The app is built only when a
command runs, so `--help` works (and writes nothing) before `init`, and every configuration or
database problem ends in one line that says what to do.
"""

from __future__ import annotations

from importlib.metadata import version

import click
from flask.cli import ScriptInfo

from matcher import create_app
from matcher.cli import register
from matcher.cli.problems import OneLineErrors
from matcher.cli.setup import init


@click.group(cls=OneLineErrors, name="kruispunt-matcher")
@click.version_option(version("kruispunt"), prog_name="kruispunt-matcher")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Administer the Kruispunt matcher: set-up, database, agencies, tokens, key epochs, users,
    audit.

    Settings come from KRUISPUNT_* environment variables (`kruispunt-matcher settings` lists
    them); start with `kruispunt-matcher init`.
    """
    if ctx.obj is None:
        ctx.obj = ScriptInfo(create_app=create_app, set_debug_flag=False)


main.add_command(init)
register(main)
