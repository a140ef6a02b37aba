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

from client import kinds, neighbourhoods
from client.cells import CATEGORY_LABELS, category_of, fold
from client.errors import InputFileError
from client.i18n import _
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
            raise InputFileError(
                _("map at least one column to a kind, e.g. --column telefoon=phone")
            )
        columns = [item.column for item in self.identifiers]
        twice = sorted({column for column in columns if columns.count(column) > 1})
        if twice:
            raise InputFileError(f"columns mapped to more than one kind: {twice}")
        if self.category is None and self.category_column is None:
            raise InputFileError(
                _(
                    "say where the signals come from: --category ({choices}) or --category-column"
                ).format(choices=", ".join(item.value for item in Category))
            )
        mapped = {item.kind for item in self.identifiers}
        if self.dob_column is not None and Kind.PERSON not in mapped:
            raise InputFileError("a date of birth column needs a person column (--column X=person)")
        if not 1 <= self.retention_days <= MAX_RETENTION_DAYS:
            raise InputFileError(f"retention days must be between 1 and {MAX_RETENTION_DAYS}")
        most_tokens = sum(
            len(kinds.exact_levels(item.kind)) + neighbourhoods.most_keys(item.kind)
            for item in self.identifiers
        )
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
        hint = "; " + _("did you mean {name!r}?").format(name=suggestion[0]) if suggestion else ""
        raise InputFileError(
            _("{file} has no column {column!r}{hint} Its columns are: {columns}").format(
                file=self._origin, column=column, hint=hint, columns=self._headers
            )
        )


#: Dutch names analysts give kinds, besides each kind's own name and its Dutch label
#: ("telefoonnummer", "adres", "exploitant", "kenteken" ...), which count too
DUTCH_KIND_NAMES: dict[str, str] = {
    "telefoon": "phone",
    "mobiel": "phone",
    "tel": "phone",
    "e-mail": "email",
    "mail": "email",
    "onderneming": "operator",
    "bedrijf": "operator",
    "naam": "person",
    "rekeningnummer": "iban",
    "kvk": "kvk",
}


def kind_names() -> dict[str, str]:
    """Return every name a kind may be given, folded, with the kind it names."""
    names = {fold(spec.label.nl): spec.name for spec in kinds.specs()}
    names.update(
        (name, kind) for name, kind in DUTCH_KIND_NAMES.items() if kinds.spec(kind) is not None
    )
    names.update((name, name) for name in kinds.names())
    return names


def _did_you_mean(text: str, names: list[str]) -> str:
    """Return ' Did you mean 'x'?' for the closest known name, or ''. The typed text is not
    repeated: errors never echo what a user or an export supplied."""
    found = process.extractOne(fold(text), names, scorer=fuzz.ratio, score_cutoff=60)
    return " " + _("Did you mean {name!r}?").format(name=found[0]) if found else ""


def parse_kind(text: str) -> str:
    """Return the kind a user named, in English or Dutch; InputFileError listing the kinds."""
    names = kind_names()
    named = names.get(fold(text))
    if named is not None:
        return named
    choices = ", ".join(kinds.names())
    raise InputFileError(
        _("unknown kind: choose one of {choices} (or a Dutch name: telefoon, adres, ...).").format(
            choices=choices
        )
        + _did_you_mean(text, list(names))
    )


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
        names = [item.value for item in Category] + list(CATEGORY_LABELS)
        raise InputFileError(
            _("unknown category: choose one of {choices}.").format(choices=choices)
            + _did_you_mean(text.replace("_", " "), names)
        )
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
