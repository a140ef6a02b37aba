"""The ``kruispunt`` command: one CLI for agency analysts.

Exit codes: 0 done, 1 a failure (message on stderr, no traceback), 2 a usage error.
"""

from __future__ import annotations

import click

from client.cli.alerts import alerts
from client.cli.app import app
from client.cli.key import key
from client.cli.ledger import ledger
from client.cli.prepare import prepare
from client.cli.submit import submit
from client.cli.withdraw import withdraw


@click.group()
@click.version_option(package_name="kruispunt")
def main() -> None:
    """Prepare and submit pseudonymized signals to the federation's matcher."""


main.add_command(key)
main.add_command(prepare)
main.add_command(submit)
main.add_command(withdraw)
main.add_command(alerts)
main.add_command(ledger)
main.add_command(app)
