"""What the commands print: the preparation report, receipts and alerts. Never a cell's value."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from client import wire
from client.batches import PreparationReport
from client.display import printable, printable_data
from client.i18n import _
from client.ledger import LedgerEntry
from client.normalizers._placeholders import PLACEHOLDER_RULE
from client.normalizers._text import LOST_LETTERS_RULE
from client.rejections import write_rejections

SHOWN_REJECTIONS = 20


def show_report(report: PreparationReport, *, source: str, err: bool = False) -> None:
    """Print what became of every row, counts per kind, then rejected rows and skipped cells."""

    def say(text: str = "") -> None:
        click.echo(text, err=err)

    say(
        _(
            "{source}: {rows} rows read: {signals} prepared as signals, {rejected} rejected;"
            " {batches} batch(es), {tokens} tokens."
        ).format(
            source=source,
            rows=f"{report.rows:,}",
            signals=f"{report.signals:,}",
            rejected=f"{report.rejected_row_count():,}",
            batches=report.batches,
            tokens=f"{report.tokens:,}",
        )
    )
    _show_rows_set_aside(report, say)
    kinds = sorted(set(report.identifiers_per_kind) | set(report.tokens_per_kind))
    for kind in kinds:
        say(
            "  "
            + _("{kind} {identifiers} identifiers {tokens} tokens").format(
                kind=f"{kind:<9}",
                identifiers=f"{report.identifiers_per_kind[kind]:>9,}",
                tokens=f"{report.tokens_per_kind[kind]:>9,}",
            )
        )
    if report.phones_read_as_dutch:
        count = f"{report.phones_read_as_dutch:,}"
        if report.phone_region_column is not None:
            message = _(
                "{count} phone numbers had no country code and an empty cell in the region"
                " column {column!r}: they were read as Dutch."
            ).format(count=count, column=report.phone_region_column)
        else:
            message = _(
                "{count} phone numbers had no country code and were read as Dutch: if some"
                " are foreign, give --phone-region (e.g. RO) or a region column."
            ).format(count=count)
        say(f"  {message}")
    _show_refusals_that_mislead(report, say)
    _show_rejections(report, say)


def _show_rows_set_aside(report: PreparationReport, say: Callable[[str], None]) -> None:
    """Say which rows were no data: titles above the header, totals, blank rows."""
    if report.title_rows:
        say(
            "  "
            + _("Header in row {row}; above it, not read: row(s) {rows}.").format(
                row=report.header_row, rows=_numbers(report.title_rows)
            )
        )
    if report.totals_rows:
        say(
            "  "
            + _("Totals rows, not read as signals: row(s) {rows}.").format(
                rows=_numbers(report.totals_rows)
            )
        )
    if report.blank_rows:
        say("  " + _("Blank rows skipped: {count}.").format(count=f"{report.blank_rows:,}"))


def _numbers(rows: list[int]) -> str:
    shown = ", ".join(str(row) for row in rows[:10])
    return shown + (f", … (+{len(rows) - 10:,})" if len(rows) > 10 else "")


def _show_refusals_that_mislead(report: PreparationReport, say: Callable[[str], None]) -> None:
    """Say how many cells held placeholders or names that lost letters: rules worth a word."""
    placeholders = cells_refused_for(report, PLACEHOLDER_RULE)
    if placeholders:
        say(
            f"  {_cells(placeholders)} "
            + _(
                "a placeholder ('onbekend', 'n.v.t.', 'geen', 'NN', '-') instead of an"
                " identifier: the export is that much emptier than it looks."
            )
        )
    lost_letters = cells_refused_for(report, LOST_LETTERS_RULE)
    if lost_letters:
        say(
            f"  {_cells(lost_letters)} "
            + _(
                "a name that lost letters in the export (a '?' inside a word, where the file"
                " could not hold a letter such as 'Ș'): save it as 'CSV UTF-8' or use the .xlsx"
                " file. These names were not used for name tokens."
            )
        )


def cells_refused_for(report: PreparationReport, rule: str) -> int:
    """Count the cells (or parts of cells) refused under one rule, in kept and rejected rows."""
    return sum(item.rule.endswith(rule) for item in report.rejected_rows + report.skipped_cells)


def _cells(count: int) -> str:
    if count == 1:
        return _("{count} cell holds").format(count=f"{count:,}")
    return _("{count} cells hold").format(count=f"{count:,}")


def _show_rejections(report: PreparationReport, say: Callable[[str], None]) -> None:
    rejected = report.rejected_row_count()
    if not (rejected or report.skipped_cells or report.formula_cells):
        return
    say(
        _("{rejected} rows rejected, {skipped} cells skipped in rows that were kept:").format(
            rejected=f"{rejected:,}", skipped=f"{len(report.skipped_cells):,}"
        )
    )
    every = sorted(
        report.rejected_rows + report.skipped_cells + report.formula_cells,
        key=lambda item: (item.row, item.column or "", item.rule),
    )
    shown = every[:SHOWN_REJECTIONS]
    for item in shown:
        if item.column:
            say(
                "  "
                + _("row {row}, column {column!r}: {rule}").format(
                    row=item.row, column=item.column, rule=item.rule
                )
            )
        else:
            say("  " + _("row {row}: {rule}").format(row=item.row, rule=item.rule))
    if len(every) > len(shown):
        say(
            "  "
            + _("... and {count} more (--rejects FILE writes them all). By rule:").format(
                count=f"{len(every) - len(shown):,}"
            )
        )
        for (column, rule), count in report.rules().most_common():
            say(f"  {count:>9,} x {column or _('(row)')}: {rule}")


def write_rejects(path: Path, report: PreparationReport) -> None:
    """Write every rejection as CSV: row, column, rule, and whether the row was kept."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_rejections(handle, report)


def show_receipt(receipt: wire.Receipt) -> None:
    """Print what the matcher acknowledged for one batch."""
    again = " " + _("(already received earlier: nothing added)") if receipt.replay else ""
    click.echo(
        _("batch {batch}: {signals} signals, {tokens} tokens received").format(
            batch=receipt.batch_id, signals=f"{receipt.signals:,}", tokens=f"{receipt.tokens:,}"
        )
        + again
    )


def alert_as_dict(
    alert: wire.ReleasedAlert, entries: Mapping[str, LedgerEntry]
) -> dict[str, object]:
    """Return an alert as JSON-ready data with the agency's own case numbers added."""
    data: dict[str, Any] = printable_data(alert.model_dump(mode="json"))
    for signal in data["own_signals"]:
        entry = entries.get(signal["ref"])
        signal["case_number"] = entry.case_number if entry else None
        signal["row"] = entry.row_number if entry else None
        signal["source"] = entry.source if entry else None
    return data


def show_alert(alert: wire.ReleasedAlert, entries: Mapping[str, LedgerEntry]) -> None:
    """Print one released alert: what matched, which of our cases, whom to contact."""
    click.echo(
        _(
            "Alert {id} [{status}]: {kind} ({level}), observed {first} to {last}, "
            "released {released}"
        ).format(
            id=alert.alert_id,
            status=printable(alert.status),
            kind=alert.kind,
            level=printable(alert.level),
            first=alert.first_observed,
            last=alert.last_observed,
            released=f"{alert.released_at:%Y-%m-%d}",
        )
    )
    click.echo(f"  {printable(alert.explanation)}")
    if alert.evidence:
        shared = ", ".join(
            f"{printable(item.kind)} {printable(item.level)} ({item.match})"
            for item in alert.evidence
        )
        click.echo(
            "  "
            + _("Strength {strength}; evidence: {evidence}").format(
                strength=printable(alert.strength), evidence=shared
            )
        )
    click.echo("  " + _("Our signals:"))
    for signal in alert.own_signals:
        entry = entries.get(signal.ref)
        if entry is None:
            where = _("not in this ledger")
        else:
            case = (
                _("case {case}").format(case=entry.case_number)
                if entry.case_number
                else _("no case number")
            )
            where = _("{case}, row {row} of {source}").format(
                case=case, row=entry.row_number, source=entry.source
            )
        click.echo(f"    {signal.ref}  {signal.category.value}, {signal.observed_on}: {where}")
    click.echo("  " + _("Other agencies (contact them through your usual legal channel):"))
    for party in alert.other_agencies:
        region = f", {printable(party.region)}" if party.region else ""
        contact = printable(party.contact_point or "") or _("no contact point registered")
        signals = _("{count} signals").format(count=party.signals)
        click.echo(f"    {printable(party.agency)}{region}: {contact} ({signals})")
