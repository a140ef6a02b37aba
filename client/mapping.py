"""Which export column holds which identifier kind, and which hold the signal's metadata.

A mapping comes from CLI options (``--column telefoon=phone``), from a TOML mapping file, or
both (the options win). Before any row is read, it is checked against the export's header, so a
typo fails at once, with the available header names and the closest one (headers are not
personal data; cells are, and no message here ever shows a cell).

The mapping file format is in ``client.mapping_file``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from rapidfuzz import fuzz, process

from client import kinds
from client.cells import category_of, fold
from client.errors import InputFileError
from client.wire import MAX_TOKENS_PER_SIGNAL, Category, Kind

DEFAULT_RETENTION_DAYS = 365
#: Police data leave daily systems after five years; nothing in the federation lives longer.
MAX_RETENTION_DAYS = 5 * 366


@dataclass(frozen=True, kw_only=True)
class IdentifierColumn:
    """One export column holding identifiers of one kind (phones may carry a region hint)."""

    column: str
    kind: str
    region: str | None = None


@dataclass(frozen=True, kw_only=True)
class ColumnMapping:
    """The columns to read and the defaults for the signal's metadata."""

    identifiers: tuple[IdentifierColumn, ...] = ()
    case_column: str | None = None
    dob_column: str | None = None
    category: Category | None = None
    category_column: str | None = None
    category_values: Mapping[str, Category] = field(default_factory=dict)
    observed_column: str | None = None
    region_column: str | None = None
    retention_days: int = DEFAULT_RETENTION_DAYS

    def with_options(
        self,
        *,
        columns: Sequence[IdentifierColumn] = (),
        phone_regions: Sequence[str] = (),
        case_column: str | None = None,
        dob_column: str | None = None,
        category: Category | None = None,
        category_column: str | None = None,
        observed_column: str | None = None,
        region_column: str | None = None,
        retention_days: int | None = None,
    ) -> ColumnMapping:
        """Return this mapping with what the options name replaced (options win over a file)."""
        merged = {item.column: item for item in self.identifiers}
        merged.update({item.column: item for item in columns})
        given: dict[str, Any] = {
            "case_column": case_column,
            "dob_column": dob_column,
            "category": category,
            "category_column": category_column,
            "observed_column": observed_column,
            "region_column": region_column,
            "retention_days": retention_days,
        }
        return dataclasses.replace(
            self,
            identifiers=with_phone_regions(tuple(merged.values()), phone_regions),
            **{name: value for name, value in given.items() if value is not None},
        )

    def checked(self, headers: Sequence[str], *, origin: str = "the export") -> ColumnMapping:
        """Return the mapping with its columns matched to the header; InputFileError if unusable."""
        self._check_rules()
        find = _HeaderFinder(headers, origin)
        identifiers = tuple(
            dataclasses.replace(item, column=find(item.column)) for item in self.identifiers
        )
        named: dict[str, Any] = {
            name: find(column) if column is not None else None
            for name, column in (
                ("case_column", self.case_column),
                ("dob_column", self.dob_column),
                ("category_column", self.category_column),
                ("observed_column", self.observed_column),
                ("region_column", self.region_column),
            )
        }
        return dataclasses.replace(self, identifiers=identifiers, **named)

    def _check_rules(self) -> None:
        if not self.identifiers:
            raise InputFileError("map at least one column to a kind, e.g. --column telefoon=phone")
        columns = [item.column for item in self.identifiers]
        twice = sorted({column for column in columns if columns.count(column) > 1})
        if twice:
            raise InputFileError(f"columns mapped to more than one kind: {twice}")
        if self.category is None and self.category_column is None:
            raise InputFileError(
                "say where the signals come from: --category "
                f"({', '.join(item.value for item in Category)}) or --category-column"
            )
        mapped = {item.kind for item in self.identifiers}
        if self.dob_column is not None and Kind.PERSON not in mapped:
            raise InputFileError("a date of birth column needs a person column (--column X=person)")
        if not 1 <= self.retention_days <= MAX_RETENTION_DAYS:
            raise InputFileError(f"retention days must be between 1 and {MAX_RETENTION_DAYS}")
        most_tokens = sum(len(kinds.levels(item.kind)) for item in self.identifiers)
        if most_tokens > MAX_TOKENS_PER_SIGNAL:
            raise InputFileError(
                f"these columns can yield {most_tokens} tokens per row; a signal holds at most"
                f" {MAX_TOKENS_PER_SIGNAL}: split the export or map fewer columns"
            )


class _HeaderFinder:
    """Match a column name to the header: exactly, else ignoring case and spacing, else fail."""

    def __init__(self, headers: Sequence[str], origin: str) -> None:
        self._headers = list(headers)
        self._origin = origin
        self._folded: dict[str, list[str]] = {}
        for header in headers:
            self._folded.setdefault(fold(header), []).append(header)

    def __call__(self, column: str) -> str:
        if column in self._headers:
            return column
        candidates = self._folded.get(fold(column), [])
        if len(candidates) == 1:
            return candidates[0]
        suggestion = process.extractOne(column, self._headers, scorer=fuzz.WRatio, score_cutoff=60)
        hint = f"; did you mean {suggestion[0]!r}?" if suggestion else ""
        raise InputFileError(
            f"{self._origin} has no column {column!r}{hint} Its columns are: {self._headers}"
        )


def parse_kind(text: str) -> str:
    """Return the kind a user named; InputFileError listing the kinds otherwise."""
    named = text.strip().lower()
    if kinds.spec(named) is None:
        choices = ", ".join(kinds.names())
        # the typed text is not echoed: errors never repeat what a user or an export supplied
        raise InputFileError(f"unknown kind: choose one of {choices}")
    return named


def parse_region(text: str) -> str:
    """Return an ISO 3166 region code for phone numbers, upper case, if phonenumbers knows it."""
    region = text.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise InputFileError("not a region code for phone numbers: use one like NL, RO or BG")
    return region


def parse_category(text: str) -> Category:
    """Return the category a user named; InputFileError listing the categories otherwise."""
    found = category_of(text, {})
    if found is None:
        choices = ", ".join(item.value for item in Category)
        raise InputFileError(f"unknown category: choose one of {choices}")
    return found


def parse_column_option(text: str) -> IdentifierColumn:
    """Parse ``COLUMN=KIND`` (the column name may itself contain '=')."""
    column, equals, kind = text.rpartition("=")
    if not equals or not column.strip():
        raise InputFileError(
            f"write a column mapping as COLUMN=KIND, e.g. telefoon=phone: {text!r}"
        )
    return IdentifierColumn(column=column.strip(), kind=parse_kind(kind))


def with_phone_regions(
    identifiers: Sequence[IdentifierColumn], regions: Sequence[str]
) -> tuple[IdentifierColumn, ...]:
    """Apply ``--phone-region RO`` (every phone column) or ``--phone-region COLUMN=RO``."""
    result = list(identifiers)
    for option in regions:
        column, equals, code = option.rpartition("=")
        region = parse_region(code)
        targets = [
            index
            for index, item in enumerate(result)
            if item.kind == Kind.PHONE and (not equals or item.column == column.strip())
        ]
        if not targets:
            raise InputFileError(f"--phone-region {option!r} names no phone column")
        for index in targets:
            result[index] = dataclasses.replace(result[index], region=region)
    return tuple(result)
