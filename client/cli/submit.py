"""``kruispunt submit``: send a batch file, or prepare an export and send it, to the matcher."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from client import wire
from client.batchfile import BATCH_FILE_SUFFIXES, read_batch_file, read_own_payloads
from client.cli.options import (
    failures,
    mapping_options,
    matcher_client,
    matcher_options,
    open_ledger,
    preparation_options,
    stale_key_message,
)
from client.cli.prepare import dry_run, prepare_into_file
from client.cli.report import show_receipt, show_report
from client.errors import StaleKeyError, UploadError
from client.http import MatcherClient, SerializedBatch
from client.i18n import _
from client.ledger import Ledger
from client.outbox import new_outbox_path, send_batches

_SOURCE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _send(
    client: MatcherClient, ledger: Ledger, batches: Iterable[wire.Batch | SerializedBatch]
) -> tuple[int, int]:
    """Send batches in order; stop at the first refusal. Return (batches, signals) received."""
    receipts = send_batches(client, ledger, batches, on_receipt=show_receipt)
    return len(receipts), sum(receipt.signals for receipt in receipts)


def _dry_run_file(path: Path) -> None:
    """Print a batch file's payloads (validated) and their counts; send nothing."""
    batches = signals = 0
    kinds: Counter[str] = Counter()
    with failures():
        for batch in read_batch_file(path):
            click.echo(batch.model_dump_json())
            batches += 1
            signals += len(batch.signals)
            kinds.update(token.kind for item in batch.signals for token in item.tokens)
    click.echo(
        _("{file}: {signals} signals in {batches} batch(es).").format(
            file=path.name, signals=f"{signals:,}", batches=batches
        ),
        err=True,
    )
    for kind, count in sorted(kinds.items()):
        click.echo(f"  {kind:<9} {count:>9,} tokens", err=True)
    click.echo(_("Dry run: nothing was sent."), err=True)


@click.command()
@click.argument("source", metavar="BATCHFILE|EXPORT", type=_SOURCE)
@click.option("--dry-run", is_flag=True, help="Print the payload instead of sending it.")
@mapping_options
@preparation_options
@matcher_options
def submit(**options: Any) -> None:
    """Send a batch file (.jsonl), or prepare an export (.csv/.xlsx) and send it.

    A batch that fails for a passing reason is retried; sending the same batch file again is
    safe: the matcher recognizes batches it already has and adds nothing twice.
    """
    source: Path = options["source"]
    from_file = source.suffix.lower() in BATCH_FILE_SUFFIXES
    if options["dry_run"]:
        if from_file:
            _dry_run_file(source)
        else:
            dry_run({**options, "export": source})
        return
    with matcher_client(options) as client, open_ledger(options["ledger_path"]) as ledger:
        if from_file:
            with failures():
                sent, signals = _send(client, ledger, read_batch_file(source))
        else:
            sent, signals = _submit_export({**options, "export": source}, client, ledger)
    click.echo(
        _("Submitted {signals} signals in {batches} batch(es).").format(
            signals=f"{signals:,}", batches=sent
        )
    )


def _submit_export(
    options: dict[str, Any], client: MatcherClient, ledger: Ledger
) -> tuple[int, int]:
    """Prepare into an outbox file, send it, and delete it once every batch was received."""
    outbox = new_outbox_path(ledger)
    report = prepare_into_file(options, ledger, outbox, overwrite=False)
    show_report(report, source=options["export"].name)
    try:
        result = _send(client, ledger, read_own_payloads(outbox))
    except StaleKeyError as error:
        outbox.unlink()  # made with a key the matcher refuses: these batches are of no use
        raise click.ClickException(stale_key_message(error)) from None
    except UploadError as error:
        raise click.ClickException(
            f"{error}\n"
            + _(
                "The prepared batches are kept in {outbox}: run 'kruispunt submit {outbox}' to"
                " send them again (batches already received are recognized)."
            ).format(outbox=outbox)
        ) from None
    outbox.unlink()
    return result
