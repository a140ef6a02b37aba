"""Which export column holds which identifier kind, and which hold the signal's metadata.

A mapping comes from CLI options (``--column telefoon=phone``), from a TOML mapping file, or
both (the options win). Before any row is read, it is checked against the export's header, so a
typo fails at once, with the available header names and the closest one (headers are not
personal data; cells are, and no message here ever shows a cell).

Mapping file example::

    case_column = "zaaknummer"
    dob_column = "geboortedatum"
    category = "advertisement_monitoring"     # default when there is no category column
    category_column = "soort"
    observed_column = "datum"
    retention_days = 365
    phone_region = "NL"                       # region hint for every phone column
    phone_region_column = "land"              # or a per-row region hint

    [columns]
    telefoon = "phone"
    "telefoon buitenland" = { kind = "phone", region = "RO" }
    adres = "address"

    [category_values]                         # the agency's own labels, if the column uses them
    "Controle horeca" = "inspection"
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
from rapidfuzz import fuzz, process

from client.errors import InputFileError
from client.wire import LEVELS, MAX_TOKENS_PER_SIGNAL, Category, Kind

DEFAULT_RETENTION_DAYS = 365
#: Police data leave daily systems after five years; nothing in the federation lives longer.
MAX_RETENTION_DAYS = 5 * 366
_FILE_KEYS = frozenset(
    {
        "columns",
        "case_column",
        "dob_column",
        "category",
        "category_column",
        "category_values",
        "observed_column",
        "retention_days",
        "phone_region",
        "phone_region_column",
    }
)


@dataclass(frozen=True, kw_only=True)
class IdentifierColumn:
    """One export column holding identifiers of one kind (phones may carry a region hint)."""

    column: str
    kind: Kind
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
        kinds = {item.kind for item in self.identifiers}
        if self.dob_column is not None and Kind.PERSON not in kinds:
            raise InputFileError("a date of birth column needs a person column (--column X=person)")
        if not 1 <= self.retention_days <= MAX_RETENTION_DAYS:
            raise InputFileError(f"retention days must be between 1 and {MAX_RETENTION_DAYS}")
        most_tokens = sum(len(LEVELS[item.kind]) for item in self.identifiers)
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
            self._folded.setdefault(_fold(header), []).append(header)

    def __call__(self, column: str) -> str:
        if column in self._headers:
            return column
        candidates = self._folded.get(_fold(column), [])
        if len(candidates) == 1:
            return candidates[0]
        suggestion = process.extractOne(column, self._headers, scorer=fuzz.WRatio, score_cutoff=60)
        hint = f"; did you mean {suggestion[0]!r}?" if suggestion else ""
        raise InputFileError(
            f"{self._origin} has no column {column!r}{hint} Its columns are: {self._headers}"
        )


def _fold(name: str) -> str:
    return " ".join(name.casefold().split())


def parse_kind(text: str) -> Kind:
    """Return the kind a user named; InputFileError listing the kinds otherwise."""
    try:
        return Kind(text.strip().lower())
    except ValueError:
        choices = ", ".join(kind.value for kind in Kind)
        raise InputFileError(f"unknown kind {text.strip()!r}: choose one of {choices}") from None


def parse_region(text: str) -> str:
    """Return an ISO 3166 region code for phone numbers, upper case, if phonenumbers knows it."""
    region = text.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise InputFileError(f"{region!r} is not a region code for phone numbers (e.g. NL, RO, BG)")
    return region


def parse_category(text: str) -> Category:
    """Return the category a user named; InputFileError listing the categories otherwise."""
    found = category_of(text, {})
    if found is None:
        choices = ", ".join(item.value for item in Category)
        raise InputFileError(f"unknown category {text.strip()!r}: choose one of {choices}")
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
            if item.kind is Kind.PHONE and (not equals or item.column == column.strip())
        ]
        if not targets:
            raise InputFileError(f"--phone-region {option!r} names no phone column")
        for index in targets:
            result[index] = dataclasses.replace(result[index], region=region)
    return tuple(result)


#: Labels Dutch agencies use for where a signal came from; the lookup ignores case and spacing.
_CATEGORY_LABELS: dict[str, Category] = {
    "vergunningaanvraag": Category.PERMIT_APPLICATION,
    "vergunning": Category.PERMIT_APPLICATION,
    "controle": Category.INSPECTION,
    "inspectie": Category.INSPECTION,
    "advertentie": Category.ADVERTISEMENT_MONITORING,
    "advertentiemonitoring": Category.ADVERTISEMENT_MONITORING,
    "advertentie monitoring": Category.ADVERTISEMENT_MONITORING,
    "intake": Category.INTAKE_INTERVIEW,
    "intakegesprek": Category.INTAKE_INTERVIEW,
    "melding": Category.TIP,
    "tip": Category.TIP,
    "klacht": Category.TIP,
    "aangifte": Category.POLICE_REPORT,
    "proces-verbaal": Category.POLICE_REPORT,
    "bibob": Category.BIBOB,
    "overig": Category.OTHER,
    "anders": Category.OTHER,
}


def category_of(text: str, labels: Mapping[str, Category]) -> Category | None:
    """Return the category a cell names (a category value, a Dutch label or the agency's own)."""
    folded = _fold(text)
    for label, category in labels.items():
        if _fold(label) == folded:
            return category
    try:
        return Category(folded.replace(" ", "_").replace("-", "_"))
    except ValueError:
        return _CATEGORY_LABELS.get(folded)


def load_mapping_file(path: str | os.PathLike[str]) -> ColumnMapping:
    """Read a TOML mapping file (see the module docstring); InputFileError names what is wrong."""
    target = Path(path)
    try:
        document = tomllib.loads(target.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputFileError(f"cannot read mapping file {target}: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputFileError(f"mapping file {target} is not valid TOML: {error}") from None
    unknown = sorted(set(document) - _FILE_KEYS)
    if unknown:
        raise InputFileError(f"mapping file {target}: unknown settings {unknown}")
    try:
        return _mapping_from_document(document)
    except (TypeError, ValueError, AttributeError) as error:
        raise InputFileError(f"mapping file {target}: {error}") from None
    except InputFileError as error:
        raise InputFileError(f"mapping file {target}: {error}") from None


def _text(document: Mapping[str, Any], key: str) -> str | None:
    value = document.get(key)
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{key} must be text")
    return value


def _mapping_from_document(document: Mapping[str, Any]) -> ColumnMapping:
    identifiers = []
    for column, spec in dict(document.get("columns", {})).items():
        if isinstance(spec, str):
            identifiers.append(IdentifierColumn(column=column, kind=parse_kind(spec)))
        else:
            unknown = sorted(set(spec) - {"kind", "region"})
            if unknown or "kind" not in spec:
                raise ValueError(f"column {column!r}: give 'kind' (and 'region'), not {unknown}")
            region = spec.get("region")
            identifiers.append(
                IdentifierColumn(
                    column=column,
                    kind=parse_kind(str(spec["kind"])),
                    region=parse_region(str(region)) if region is not None else None,
                )
            )
    if "phone_region" in document:
        identifiers = list(with_phone_regions(identifiers, [str(document["phone_region"])]))
    category = document.get("category")
    labels = {
        str(label): parse_category(str(value))
        for label, value in dict(document.get("category_values", {})).items()
    }
    retention = document.get("retention_days", DEFAULT_RETENTION_DAYS)
    if not isinstance(retention, int) or isinstance(retention, bool):
        raise TypeError("retention_days must be a whole number")
    return ColumnMapping(
        identifiers=tuple(identifiers),
        case_column=_text(document, "case_column"),
        dob_column=_text(document, "dob_column"),
        category=parse_category(str(category)) if category is not None else None,
        category_column=_text(document, "category_column"),
        category_values=labels,
        observed_column=_text(document, "observed_column"),
        region_column=_text(document, "phone_region_column"),
        retention_days=retention,
    )
