"""The ``kruispunt`` command: one CLI for agency analysts.

Exit codes: 0 done, 1 a failure (message on stderr, no traceback), 2 a usage error.
Messages and help are Dutch or English (``client.cli.language``).
"""

from __future__ import annotations

import click

from client import i18n
from client.cli.alerts import alerts
from client.cli.app import app
from client.cli.key import key
from client.cli.language import LocalizedGroup
from client.cli.ledger import ledger
from client.cli.prepare import prepare
from client.cli.submit import submit
from client.cli.withdraw import withdraw


@click.group(cls=LocalizedGroup)
@click.version_option(package_name="kruispunt")
@click.option(
    "--lang",
    type=click.Choice(i18n.LANGUAGES),
    expose_value=False,
    help="Language of messages and help: nl or en (default: env KRUISPUNT_LANG, else LANG).",
)
def main() -> None:
    """Prepare and submit pseudonymized signals to the federation's matcher."""


main.add_command(key)
main.add_command(prepare)
main.add_command(submit)
main.add_command(withdraw)
main.add_command(alerts)
main.add_command(ledger)
main.add_command(app)
