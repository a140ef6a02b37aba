"""Administration command groups, one module per subject, registered on the app's CLI."""

from __future__ import annotations

import click

from matcher.cli import (
    accounts,
    database,
    federation,
    maintenance,
    notifications,
    setup,
    worker,
)


def register(cli: click.Group) -> None:
    """Add every administration command group to cli."""
    for command in (
        database.db,
        federation.agency,
        federation.token,
        federation.epoch,
        accounts.user,
        maintenance.purge,
        maintenance.audit_group,
        maintenance.settings,
        worker.worker,
        setup.pepper,
        notifications.notify,
        notifications.webhook,
    ):
        cli.add_command(command)
