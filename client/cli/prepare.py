"""``kruispunt prepare``: turn an export into a batch file of tokens, and record the ledger."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from client.batches import Preparation, PreparationReport, PreparedBatch
from client.cli.options import (
    build_mapping,
    failures,
    mapping_options,
    open_ledger,
    preparation_options,
)
from client.cli.report import show_report, write_rejects
from client.cli.scheme import open_scheme
from client.errors import InputFileError
from client.i18n import _
from client.ledger import Ledger
from client.mapping import ColumnMapping
from client.outbox import NothingPrepared, prepare_into_batch_file
from client.reading import Export, open_export
from client.schemes.base import Scheme

_EXPORT = click.Path(exists=True, dir_okay=False, path_type=Path)


@contextmanager
def _progress(export: Export, enabled: bool | None) -> Iterator[Callable[[], None]]:
    """Yield a tick function that advances a bar on stderr (only on a TTY unless asked)."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield lambda: None
        return
    done, total = export.progress()
    with click.progressbar(length=total, label=_("Preparing"), file=sys.stderr) as bar:
        shown = done

        def tick() -> None:
            nonlocal shown
            now, _ = export.progress()
            bar.update(now - shown)
            shown = now

        yield tick


@contextmanager
def _opened(
    options: dict[str, Any],
) -> Iterator[tuple[Export, ColumnMapping, Scheme, Callable[[], None]]]:
    """Open the export, check the mapping against it, build the scheme and the progress bar."""
    mapping = build_mapping(options)
    with (
        failures(),
        open_export(
            options["export"], sheet=options.get("sheet"), header_row=options.get("header_row")
        ) as export,
    ):
        try:
            checked = mapping.checked(export.headers, origin=export.path.name)
        except InputFileError as error:
            raise click.UsageError(str(error)) from None
        with open_scheme(options) as scheme, _progress(export, options.get("progress")) as tick:
            yield export, checked, scheme, tick


def prepare_export(
    options: dict[str, Any], *, on_batch: Callable[[PreparedBatch], None]
) -> PreparationReport:
    """Read, check the mapping, build the scheme, prepare; hand each batch to on_batch."""
    with _opened(options) as (export, checked, scheme, tick):
        preparation = Preparation(
            export,
            scheme=scheme,
            mapping=checked,
            workers=options.get("workers"),
            on_progress=tick,
        )
        for batch in preparation:
            on_batch(batch)
    report = preparation.report
    if options.get("rejects") is not None:
        write_rejects(options["rejects"], report)
    return report


def prepare_into_file(
    options: dict[str, Any], ledger: Ledger, out: Path, *, overwrite: bool
) -> PreparationReport:
    """Prepare into a batch file and the ledger: both are kept, or neither."""
    source = Path(options["export"]).name
    if earlier := ledger.prepared_before(source):
        click.echo(
            _(
                "Note: {count} signals were prepared from an export named {source} before."
                " Submitting the same rows again sends them twice; to retry an upload, submit its"
                " batch file instead."
            ).format(count=f"{earlier:,}", source=source),
            err=True,
        )
    with _opened(options) as (export, checked, scheme, tick):
        try:
            report = prepare_into_batch_file(
                export,
                source=source,
                scheme=scheme,
                mapping=checked,
                ledger=ledger,
                out=out,
                overwrite=overwrite,
                workers=options.get("workers"),
                on_progress=tick,
            )
        except NothingPrepared as error:
            show_report(error.report, source=source, err=True)
            raise click.ClickException(str(error)) from None
    if options.get("rejects") is not None:
        write_rejects(options["rejects"], report)
    return report


def dry_run(options: dict[str, Any]) -> None:
    """Print the exact payloads to stdout and the report to stderr; write and send nothing."""
    report = prepare_export(options, on_batch=lambda batch: click.echo(batch.payload))
    show_report(report, source=Path(options["export"]).name, err=True)
    click.echo(_("Dry run: nothing was written, recorded or sent."), err=True)


@click.command()
@click.argument("export", type=_EXPORT)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Batch file to write.")
@click.option("--overwrite", is_flag=True, help="Replace an existing batch file.")
@click.option("--dry-run", is_flag=True, help="Print the payload instead of writing it.")
@mapping_options
@preparation_options
def prepare(**options: Any) -> None:
    """Pseudonymize EXPORT (.csv or .xlsx) into a batch file, on this machine.

    Only tokens, random references, categories and dates go into the batch file. Which reference
    stands for which row and case number is kept in the local ledger, never sent.
    """
    if options["dry_run"]:
        dry_run(options)
        return
    if options["out"] is None:
        raise click.UsageError(
            _("name the batch file to write: --out FILE.jsonl (or use --dry-run)")
        )
    with open_ledger(options["ledger_path"]) as ledger:
        report = prepare_into_file(options, ledger, options["out"], overwrite=options["overwrite"])
    show_report(report, source=Path(options["export"]).name)
    click.echo(
        _("Wrote {out} (readable by you only); references recorded in {ledger}.").format(
            out=options["out"], ledger=ledger.path
        )
    )
    click.echo(_("Check it, then: kruispunt submit {out} --matcher URL").format(out=options["out"]))
