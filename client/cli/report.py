"""What the commands print: the preparation report, receipts and alerts. Never a cell's value."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import click

from client import wire
from client.batches import PreparationReport
from client.ledger import LedgerEntry
from client.normalizers._placeholders import PLACEHOLDER_RULE
from client.normalizers._text import LOST_LETTERS_RULE

SHOWN_REJECTIONS = 20


def show_report(report: PreparationReport, *, source: str, err: bool = False) -> None:
    """Print counts per kind, then rejected rows and skipped cells with their rules."""

    def say(text: str = "") -> None:
        click.echo(text, err=err)

    batches = f"{report.batches} batch{'es' if report.batches != 1 else ''}"
    say(
        f"{source}: {report.rows:,} rows read, {report.signals:,} signals in {batches},"
        f" {report.tokens:,} tokens."
    )
    kinds = sorted(set(report.identifiers_per_kind) | set(report.tokens_per_kind))
    for kind in kinds:
        say(
            f"  {kind:<9} {report.identifiers_per_kind[kind]:>9,} identifiers"
            f" {report.tokens_per_kind[kind]:>9,} tokens"
        )
    if report.phones_read_as_dutch:
        say(
            f"  {report.phones_read_as_dutch:,} phone numbers had no country code and were read"
            " as Dutch: if some are foreign, give --phone-region (e.g. RO) or a region column."
        )
    placeholders = cells_refused_for(report, PLACEHOLDER_RULE)
    if placeholders:
        say(
            f"  {_cells(placeholders)} a placeholder ('onbekend', 'n.v.t.', 'geen', 'NN', '-')"
            " instead of an identifier: the export is that much emptier than it looks."
        )
    lost_letters = cells_refused_for(report, LOST_LETTERS_RULE)
    if lost_letters:
        say(
            f"  {_cells(lost_letters)} a name that lost letters in the export (a '?' inside a"
            " word, where the file could not hold a letter such as 'Ș'): save it as 'CSV UTF-8'"
            " or use the .xlsx file. These names were not used for name tokens."
        )
    rejected = report.rejected_row_count()
    if rejected or report.skipped_cells:
        say(
            f"{rejected:,} rows rejected, {len(report.skipped_cells):,} cells skipped"
            " in rows that were kept:"
        )
        every = sorted(
            report.rejected_rows + report.skipped_cells,
            key=lambda item: (item.row, item.column or "", item.rule),
        )
        shown = every[:SHOWN_REJECTIONS]
        for item in shown:
            where = f", column {item.column!r}" if item.column else ""
            say(f"  row {item.row}{where}: {item.rule}")
        total = len(report.rejected_rows) + len(report.skipped_cells)
        if total > len(shown):
            say(f"  ... and {total - len(shown):,} more (--rejects FILE writes them all). By rule:")
            for (column, rule), count in report.rules().most_common():
                say(f"  {count:>9,} x {column or '(row)'}: {rule}")


def cells_refused_for(report: PreparationReport, rule: str) -> int:
    """Count the cells (or parts of cells) refused under one rule, in kept and rejected rows."""
    return sum(item.rule.endswith(rule) for item in report.rejected_rows + report.skipped_cells)


def _cells(count: int) -> str:
    return f"{count:,} cell holds" if count == 1 else f"{count:,} cells hold"


def write_rejects(path: Path, report: PreparationReport) -> None:
    """Write every rejection as CSV: row, column, rule, and whether the row was kept."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "column", "rule", "row_kept"])
        for item in report.rejected_rows:
            writer.writerow([item.row, item.column or "", item.rule, "no"])
        for item in report.skipped_cells:
            writer.writerow([item.row, item.column or "", item.rule, "yes"])


def show_receipt(receipt: wire.Receipt) -> None:
    """Print what the matcher acknowledged for one batch."""
    again = " (already received earlier: nothing added)" if receipt.replay else ""
    click.echo(
        f"batch {receipt.batch_id}: {receipt.signals:,} signals, {receipt.tokens:,} tokens"
        f" received{again}"
    )


def alert_as_dict(
    alert: wire.ReleasedAlert, entries: Mapping[str, LedgerEntry]
) -> dict[str, object]:
    """Return an alert as JSON-ready data with the agency's own case numbers added."""
    data = alert.model_dump(mode="json")
    for signal in data["own_signals"]:
        entry = entries.get(signal["ref"])
        signal["case_number"] = entry.case_number if entry else None
        signal["row"] = entry.row_number if entry else None
        signal["source"] = entry.source if entry else None
    return data


def show_alert(alert: wire.ReleasedAlert, entries: Mapping[str, LedgerEntry]) -> None:
    """Print one released alert: what matched, which of our cases, whom to contact."""
    click.echo(
        f"Alert {alert.alert_id} [{alert.status}]: {alert.kind} ({alert.level}),"
        f" observed {alert.first_observed} to {alert.last_observed},"
        f" released {alert.released_at:%Y-%m-%d}"
    )
    click.echo(f"  {alert.explanation}")
    click.echo("  Our signals:")
    for signal in alert.own_signals:
        entry = entries.get(signal.ref)
        if entry is None:
            where = "not in this ledger"
        else:
            case = f"case {entry.case_number}" if entry.case_number else "no case number"
            where = f"{case}, row {entry.row_number} of {entry.source}"
        click.echo(f"    {signal.ref}  {signal.category.value}, {signal.observed_on}: {where}")
    click.echo("  Other agencies (contact them through your usual legal channel):")
    for party in alert.other_agencies:
        region = f", {party.region}" if party.region else ""
        contact = party.contact_point or "no contact point registered"
        click.echo(f"    {party.agency}{region}: {contact} ({party.signals} signals)")
