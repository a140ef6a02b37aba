"""``kruispunt alerts``: the alerts a coordinator released to this agency, with our case numbers."""

from __future__ import annotations

import json
from typing import Any

import click

from client.cli.options import (
    failures,
    ledger_option,
    matcher_client,
    matcher_options,
    open_ledger,
)
from client.cli.report import alert_as_dict, show_alert
from client.i18n import _


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@ledger_option
@matcher_options
def alerts(**options: Any) -> None:
    """Show released alerts: which of our cases matched, and whom to contact at the others."""
    with matcher_client(options) as client, failures():
        released = client.alerts()
    with open_ledger(options["ledger_path"]) as ledger:
        entries = ledger.lookup(signal.ref for alert in released for signal in alert.own_signals)
    if options["as_json"]:
        data = [alert_as_dict(alert, entries) for alert in released]
        click.echo(json.dumps({"alerts": data}, indent=2, ensure_ascii=False))
        return
    if not released:
        click.echo(_("No alerts have been released to your agency."))
    for alert in released:
        show_alert(alert, entries)
