"""The ``kruispunt`` command: one CLI for agency analysts."""

from __future__ import annotations

import click

from client.cli.key import key


@click.group()
@click.version_option(package_name="kruispunt")
def main() -> None:
    """Prepare and submit pseudonymized signals to the federation's matcher."""


main.add_command(key)
