"""``kruispunt ledger``: which of the agency's own cases and rows a reference stands for.

The ledger never leaves this machine. A coordinator's dashboard and released alerts show only
references; this command turns them back into case numbers, rows and files.
"""

from __future__ import annotations

import json
from typing import Any

import click

from client.cli.options import ledger_option, open_ledger
from client.i18n import _
from client.ledger import LedgerBatch, LedgerEntry


def _day(stamp: str | None) -> str:
    return stamp[:10] if stamp else "-"


def _key(scheme: str | None, epoch: int | None) -> str:
    if epoch is None:
        return _("key epoch unknown")
    return _("key epoch {epoch} ({scheme})").format(epoch=epoch, scheme=scheme or "?")


def describe_entry(entry: LedgerEntry) -> str:
    """Return one line on a signal: case, row, file, dates, key, and whether it was withdrawn."""
    case = (
        _("case {case}").format(case=entry.case_number)
        if entry.case_number
        else _("no case number")
    )
    text = _("{case}, row {row} of {source}, prepared {prepared}").format(
        case=case, row=entry.row_number, source=entry.source, prepared=_day(entry.prepared_at)
    )
    if entry.submitted_at:
        text += ", " + _("submitted {day}").format(day=_day(entry.submitted_at))
    else:
        text += ", " + _("not submitted")
    text += ", " + _key(entry.scheme, entry.key_epoch)
    if entry.withdrawn_at:
        text += ", " + _("withdrawn {day}").format(day=_day(entry.withdrawn_at))
    return text


def describe_batch(batch: LedgerBatch) -> str:
    """Return one line on a batch: file, dates, signals (withdrawn ones) and key."""
    submitted = (
        _("submitted {day}").format(day=_day(batch.submitted_at))
        if batch.submitted_at
        else _("not submitted")
    )
    return _(
        "batch {batch}: {source}, prepared {prepared}, {signals} signals ({withdrawn}"
        " withdrawn), {submitted}, {key}"
    ).format(
        batch=batch.batch_id,
        source=batch.source,
        prepared=_day(batch.prepared_at),
        signals=f"{batch.signals:,}",
        withdrawn=f"{batch.withdrawn:,}",
        submitted=submitted,
        key=_key(batch.scheme, batch.key_epoch),
    )


@click.group()
def ledger() -> None:
    """Look up the local ledger: your own case numbers behind references."""


@ledger.command("show")
@click.argument("refs", nargs=-1, required=True, metavar="REF...")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@ledger_option
def show(refs: tuple[str, ...], as_json: bool, ledger_path: Any) -> None:
    """Show the case number, row, file and dates behind each REF (from the dashboard or an alert).

    Fails (exit code 1) when none of them is in this ledger.
    """
    with open_ledger(ledger_path) as book:
        found = book.lookup(refs)
    if as_json:
        data = {ref: found[ref]._asdict() if ref in found else None for ref in refs}
        click.echo(json.dumps({"references": data}, indent=2, ensure_ascii=False))
    else:
        for ref in refs:
            entry = found.get(ref)
            if entry is None:
                click.echo(
                    _(
                        "{ref}: not in this ledger (not a reference of your agency, or prepared"
                        " with another ledger: --ledger FILE)"
                    ).format(ref=ref)
                )
            else:
                click.echo(f"{ref}: {describe_entry(entry)}")
    if not found:
        raise click.ClickException(_("none of these references is in the ledger"))


@ledger.command("list")
@click.option("--case", "case_number", metavar="CASE", help="The signals of one case number.")
@click.option("--epoch", type=click.IntRange(min=1), help="The signals made with one key epoch.")
@click.option("--batch", "batch_id", metavar="BATCH", help="The signals of one batch.")
@click.option("--live", is_flag=True, help="Leave withdrawn signals out.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@ledger_option
def list_entries(
    case_number: str | None,
    epoch: int | None,
    batch_id: str | None,
    live: bool,
    as_json: bool,
    ledger_path: Any,
) -> None:
    """List the batches in the ledger; with --case, --epoch or --batch, their signals."""
    signals = case_number is not None or epoch is not None or batch_id is not None
    with open_ledger(ledger_path) as book:
        if not signals:
            batches = book.batches()
            if as_json:
                items = [batch._asdict() for batch in batches]
                click.echo(json.dumps({"batches": items}, indent=2, ensure_ascii=False))
                return
            if not batches:
                click.echo(_("The ledger holds no batches yet: {path}").format(path=book.path))
            for batch in batches:
                click.echo(describe_batch(batch))
            return
        entries = list(
            book.entries(
                case_number=case_number,
                batch_id=batch_id,
                epoch=epoch,
                include_withdrawn=not live,
            )
        )
    if as_json:
        data = [entry._asdict() for entry in entries]
        click.echo(json.dumps({"signals": data}, indent=2, ensure_ascii=False))
        return
    if not entries:
        click.echo(_("No signals in the ledger match."))
    for entry in entries:
        click.echo(f"{entry.ref}  {describe_entry(entry)}")
