"""The mapping file: a column mapping kept as TOML next to an export job.

Example::

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

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from client.errors import InputFileError
from client.mapping import (
    DEFAULT_RETENTION_DAYS,
    ColumnMapping,
    IdentifierColumn,
    parse_category,
    parse_kind,
    parse_region,
    with_phone_regions,
)

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


def _column(column: str, spec: Any) -> IdentifierColumn:
    """Read one entry of [columns]: a kind, or a table with kind and region."""
    if isinstance(spec, str):
        return IdentifierColumn(column=column, kind=parse_kind(spec))
    if not isinstance(spec, dict):
        raise InputFileError("give a kind, or { kind = ..., region = ... }")
    unknown = sorted(set(spec) - {"kind", "region"})
    if unknown or "kind" not in spec:
        raise InputFileError(f"give 'kind' (and 'region'), not {unknown}")
    region = spec.get("region")
    return IdentifierColumn(
        column=column,
        kind=parse_kind(str(spec["kind"])),
        region=parse_region(str(region)) if region is not None else None,
    )


def _mapping_from_document(document: Mapping[str, Any]) -> ColumnMapping:
    identifiers = []
    for column, spec in dict(document.get("columns", {})).items():
        try:
            identifiers.append(_column(column, spec))
        except InputFileError as error:
            raise InputFileError(f"[columns] {column!r}: {error}") from None
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
