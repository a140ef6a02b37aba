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
from client.i18n import _
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
@click.option(
    "--epoch",
    type=click.IntRange(min=1),
    help="Only signals made with this key epoch (with --case), or all of them (alone).",
)
@ledger_option
@matcher_options
def withdraw(**options: Any) -> None:
    """Withdraw signals: the matcher deletes their tokens and they match nothing any more.

    Case numbers are looked up in the local ledger; they never leave this machine. After a key
    rotation, --epoch N withdraws only the signals made with epoch N's key.
    """
    refs = _references(options["refs"])
    epoch = options["epoch"]
    if not refs and not options["cases"] and epoch is None:
        raise click.UsageError(_("name what to withdraw: --ref REF, --case CASE or --epoch N"))
    if refs and epoch is not None:
        raise click.UsageError(_("--epoch selects from the ledger: give it with --case, or alone"))
    with open_ledger(options["ledger_path"]) as ledger:
        if options["cases"]:
            for case, found in ledger.refs_for_cases(options["cases"], epoch=epoch).items():
                if not found:
                    click.echo(
                        _("Case {case}: no live signals in the ledger.").format(case=case),
                        err=True,
                    )
                refs.extend(found)
        elif epoch is not None:
            refs.extend(ledger.refs_for_epoch(epoch))
        refs = list(dict.fromkeys(refs))
        if not refs:
            raise click.ClickException(_("nothing to withdraw"))
        with matcher_client(options) as client, failures():
            withdrawn, unknown = withdraw_refs(client, ledger, refs)
    click.echo(_("Withdrawn: {count} signals.").format(count=f"{withdrawn:,}"))
    if unknown:
        click.echo(
            _(
                "Unknown to the matcher: {count} (already withdrawn, expired, or never sent)."
            ).format(count=f"{unknown:,}")
        )
