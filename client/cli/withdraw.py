"""``kruispunt withdraw``: take signals back from the matcher, by reference or by case number."""

from __future__ import annotations

import re
from typing import Any

import click

from client.cli.options import (
    failures,
    ledger_option,
    matcher_client,
    matcher_options,
    open_ledger,
)
from client.outbox import withdraw_refs

_REF = re.compile(r"[A-Za-z0-9_-]{22}")


def _references(refs: tuple[str, ...]) -> list[str]:
    wrong = [ref for ref in refs if not _REF.fullmatch(ref)]
    if wrong:
        raise click.UsageError(f"not a reference (22 letters, digits, '-' or '_'): {wrong[0]!r}")
    return list(refs)


@click.command()
@click.option("--ref", "refs", multiple=True, metavar="REF", help="A reference to withdraw.")
@click.option("--case", "cases", multiple=True, metavar="CASE", help="Withdraw a case's signals.")
@ledger_option
@matcher_options
def withdraw(**options: Any) -> None:
    """Withdraw signals: the matcher deletes their tokens and they match nothing any more.

    Case numbers are looked up in the local ledger; they never leave this machine.
    """
    refs = _references(options["refs"])
    if not refs and not options["cases"]:
        raise click.UsageError("name what to withdraw: --ref REF or --case CASENUMBER")
    with open_ledger(options["ledger_path"]) as ledger:
        if options["cases"]:
            for case, found in ledger.refs_for_cases(options["cases"]).items():
                if not found:
                    click.echo(f"Case {case}: no live signals in the ledger.", err=True)
                refs.extend(found)
        refs = list(dict.fromkeys(refs))
        if not refs:
            raise click.ClickException("nothing to withdraw")
        with matcher_client(options) as client, failures():
            withdrawn, unknown = withdraw_refs(client, ledger, refs)
    click.echo(f"Withdrawn: {withdrawn:,} signals.")
    if unknown:
        click.echo(
            f"Unknown to the matcher: {unknown:,} (already withdrawn, expired, or never sent)."
        )
