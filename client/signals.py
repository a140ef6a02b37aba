"""Turn one export row into one signal's match keys and metadata, or into reasons to reject it.

One row is one signal. Each mapped cell is normalized on its own: a cell that fails is reported
(row, column, rule) and skipped, and the row keeps the keys of its other cells; a row left with no
valid identifier is rejected. A row whose metadata is unusable (no observation date, an unknown
category, a retention period already over) is rejected whole. A date of birth that fails makes
the person cell fall back to its name-only key, and the date column is reported.

Nothing here ever puts a cell's content in a message: rules come from NormalizationError.rule.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import NamedTuple

from client import kinds, wire
from client.cells import category_of, excel_serial_date, parse_date
from client.errors import NormalizationError
from client.neighbourhoods import with_near_keys
from client.normalizers import module, phone
from client.normalizers.several import may_hold_several, normalize_cell
from client.plan import RowPlan
from client.schemes.base import MatchKey
from client.wire import MAX_TOKENS_PER_SIGNAL, Category, Kind

log = logging.getLogger(__name__)


_TOO_MANY_RULE = f"more identifiers in the row than a signal holds ({MAX_TOKENS_PER_SIGNAL} tokens)"


class Rejection(NamedTuple):
    """Why a row or a cell was not used: where (row, column) and which rule, never the value."""

    row: int
    column: str | None
    rule: str


class RowSignal(NamedTuple):
    """What one accepted row becomes before tokens: its keys and its metadata."""

    row: int
    case_number: str | None
    category: Category
    observed_on: dt.date
    retain_until: dt.date
    keys: list[MatchKey]
    prefixes: list[str]  # the JSON of each key's TokenItem up to the token
    identifiers: tuple[str, ...]  # the kind of each accepted cell, for the report


class _Column(NamedTuple):
    """One identifier column, with everything the hot loop needs looked up in advance."""

    position: int
    name: str
    kind: str
    kind_name: str
    contextual: bool  # needs a region or date of birth hint from the row
    region: str | None
    normalize: Callable[..., str]
    match_keys: Callable[[str], list[tuple[str, str]]]
    prefixes: Mapping[str, str]


class RowReader:
    """Apply a plan to rows: metadata first, then each identifier cell."""

    def __init__(self, plan: RowPlan) -> None:
        self.plan = plan
        #: phone numbers without a country code and without a region hint, read as Dutch
        self.assumed_dutch = 0
        self._columns = []
        #: the context keys each mapped kind's normalizer takes (from its spec)
        self._takes: dict[str, tuple[str, ...]] = {}
        for index, name, kind, region in plan.identifiers:
            spec = kinds.spec(kind)
            takes = self._takes[kind] = spec.context if spec is not None else ()
            contextual = (
                "region" in takes and (region is not None or plan.region is not None)
            ) or ("dob" in takes and plan.dob is not None)
            normalize = module(kind).normalize
            if kind == Kind.PHONE and not contextual:
                normalize = self._phone_without_hint
            self._columns.append(
                _Column(
                    index,
                    name,
                    kind,
                    str(kind),
                    contextual,
                    region,
                    normalize,
                    with_near_keys(kind, module(kind).match_keys),
                    {level: wire.token_item_prefix(kind, level) for level in kinds.levels(kind)},
                )
            )
        mapped = [column.kind for column in self._columns]
        # Two columns of one kind may hold the same identifier: only then look for duplicates.
        self._may_repeat = len(set(mapped)) < len(mapped)
        # Metadata cells repeat a lot (a few categories, a few hundred dates): remember them.
        self._categories: dict[str, Category | None] = {}
        self._dates: dict[str, dt.date | None] = {}

    def read(
        self, row: int, cells: tuple[str, ...], skipped: list[Rejection]
    ) -> RowSignal | list[Rejection]:
        """Return the row's signal (adding skipped cells to skipped), or why it is rejected."""
        metadata = self._metadata(row, cells)
        if isinstance(metadata, Rejection):
            return [metadata]
        keys: list[MatchKey] = []
        prefixes: list[str] = []
        accepted: list[str] = []
        problems: list[Rejection] = []
        # The hot loop of the client: locals and tuple unpacking rather than attribute lookups.
        for column in self._columns:
            position, name, kind, kind_name, contextual, _, normalize, match_keys, levels = column
            raw = cells[position]
            if not raw or raw.isspace():
                continue
            if may_hold_several(kind_name, raw):
                for value_read in self._several(row, cells, raw, column, problems):
                    pairs = match_keys(value_read)
                    if len(keys) + len(pairs) > MAX_TOKENS_PER_SIGNAL:
                        problems.append(Rejection(row, name, _TOO_MANY_RULE))
                        continue
                    for level, value in pairs:
                        keys.append(MatchKey(kind, level, value))
                        prefixes.append(levels[level])
                    accepted.append(kind_name)
                continue
            if contextual:
                canonical = self._canonical(row, cells, raw, column, problems)
                if canonical is None:
                    continue
            else:
                try:
                    canonical = normalize(raw)
                except NormalizationError as error:
                    problems.append(Rejection(row, name, error.rule))
                    continue
                except Exception as error:
                    problems.append(_failure(row, column, error))
                    continue
            for level, value in match_keys(canonical):
                keys.append(MatchKey(kind, level, value))
                prefixes.append(levels[level])
            accepted.append(kind_name)
        if not keys:
            return problems or [Rejection(row, None, "no identifier in the mapped columns")]
        skipped.extend(problems)
        if self._may_repeat:
            keys, prefixes = _unique(keys, prefixes)
        plan = self.plan
        case_number = (cells[plan.case].strip() or None) if plan.case is not None else None
        return RowSignal(row, case_number, *metadata, keys, prefixes, tuple(accepted))

    def _several(
        self, row: int, cells: tuple[str, ...], raw: str, column: _Column, problems: list[Rejection]
    ) -> list[str]:
        """Normalize a cell that may hold several identifiers; report the parts refused."""
        plan = self.plan
        context: dict[str, str] = {}
        takes = self._takes[column.kind]
        if "region" in takes:
            hint = cells[plan.region].strip() if plan.region is not None else ""
            if hint or column.region:
                context["region"] = hint or column.region or ""
        if "dob" in takes and plan.dob is not None and cells[plan.dob].strip():
            context["dob"] = cells[plan.dob]
        normalize: Callable[..., str] = module(column.kind).normalize
        if column.kind == Kind.PHONE and not context:
            normalize = self._phone_without_hint  # counts the numbers read as Dutch
        try:
            found = normalize_cell(column.kind_name, normalize, raw, **context)
        except NormalizationError as error:
            problems.append(Rejection(row, column.name, error.rule))
            return []
        except Exception as error:
            problems.append(_failure(row, column, error))
            return []
        problems.extend(Rejection(row, column.name, rule) for rule in found.refused)
        return found.values

    def _phone_without_hint(self, raw: str) -> str:
        """Normalize a phone number, counting those read as Dutch for lack of a country code
        (the region trap: ``0721 234 567`` is Dutch here, Romanian to whoever wrote it)."""
        result = phone.parse(raw)
        self.assumed_dutch += result.region_assumed
        return result.e164

    def _category(self, text: str) -> Category | None:
        if text not in self._categories:
            self._categories[text] = category_of(text, self.plan.category_labels)
        return self._categories[text]

    def _date(self, text: str) -> dt.date | None:
        if text not in self._dates:
            self._dates[text] = parse_date(text)
        return self._dates[text]

    def _metadata(
        self, row: int, cells: tuple[str, ...]
    ) -> tuple[Category, dt.date, dt.date] | Rejection:
        plan = self.plan
        category = plan.default_category
        if plan.category is not None and cells[plan.category].strip():
            category = self._category(cells[plan.category])
        if category is None:
            column = plan.columns[plan.category] if plan.category is not None else None
            return Rejection(row, column, "category is empty or not in the list of categories")
        observed_on = plan.today
        if plan.observed is not None:
            column = plan.columns[plan.observed]
            parsed = self._date(cells[plan.observed])
            if parsed is None:
                return Rejection(row, column, "observation date is not a date (YYYY-MM-DD)")
            if parsed > plan.today:
                return Rejection(row, column, "observation date is in the future")
            observed_on = parsed
        retain_until = observed_on + plan.retention
        if retain_until < plan.today:
            column = plan.columns[plan.observed] if plan.observed is not None else None
            return Rejection(row, column, "retention period is already over")
        return category, observed_on, retain_until

    def _canonical(
        self, row: int, cells: tuple[str, ...], raw: str, column: _Column, problems: list[Rejection]
    ) -> str | None:
        """Normalize one cell; on failure record the rule and return None."""
        plan = self.plan
        context: dict[str, str] = {}
        takes = self._takes[column.kind]
        if "region" in takes:
            hint = cells[plan.region].strip() if plan.region is not None else ""
            if hint or column.region:
                context["region"] = hint or column.region or ""
        if "dob" in takes and plan.dob is not None and cells[plan.dob].strip():
            serial = excel_serial_date(cells[plan.dob])
            context["dob"] = serial.isoformat() if serial else cells[plan.dob]
        try:
            if column.kind == Kind.PHONE and not context:
                return self._phone_without_hint(raw)  # a hint column, empty in this row
            return column.normalize(raw, **context)
        except NormalizationError as error:
            if "dob" not in context:
                problems.append(Rejection(row, column.name, error.rule))
                return None
            dob_rule = error.rule
        except Exception as error:
            problems.append(_failure(row, column, error))
            return None
        # The name may be fine and only the date of birth wrong: keep the name-only key.
        try:
            canonical = column.normalize(raw)
        except NormalizationError as error:
            problems.append(Rejection(row, column.name, error.rule))
            return None
        if plan.dob is not None:
            problems.append(Rejection(row, plan.columns[plan.dob], dob_rule))
        return canonical


def _failure(row: int, column: _Column, error: Exception) -> Rejection:
    """Report a normalizer bug as a skipped cell: it must not stop the export nor leak a value."""
    log.warning("the %s normalizer raised %s", column.kind_name, type(error).__name__)
    return Rejection(row, column.name, f"{column.kind_name} normalizer failed")


def _unique(keys: list[MatchKey], prefixes: list[str]) -> tuple[list[MatchKey], list[str]]:
    """Drop repeated keys (two columns holding the same phone give one token), keeping order."""
    seen: set[MatchKey] = set()
    unique_keys: list[MatchKey] = []
    unique_prefixes: list[str] = []
    for key, prefix in zip(keys, prefixes, strict=True):
        if key not in seen:
            seen.add(key)
            unique_keys.append(key)
            unique_prefixes.append(prefix)
    return unique_keys, unique_prefixes
