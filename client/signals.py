"""Turn one export row into one signal's match keys and metadata, or into reasons to reject it.

One row is one signal. Each mapped cell is normalized on its own: a cell that fails is reported
(row, column, rule) and skipped, and the row keeps the keys of its other cells; a row left with no
valid identifier is rejected. A row whose metadata is unusable (no observation date, an unknown
category, a retention period already over) is rejected whole. A date of birth that fails makes
the person cell fall back to its name-only key, and the date column is reported.

Nothing here ever puts a cell's content in a message: rules come from NormalizationError.rule.

Speed: a reader remembers what each cell gave (per column, with the row's hints where the column
takes them) and, with an encoder, each canonical value's token items, within a bounded budget: a
batch repeats its operators, addresses and names. The memory lives in the worker's process only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

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
    """What one accepted row becomes: its metadata and either its keys or its token items.

    A reader given an encoder (a scheme computed in this process) writes each identifier's
    token items at once: ``items`` holds JSON texts to join with commas, ``keys`` and
    ``prefixes`` stay empty. Without one, ``keys`` and ``prefixes`` (the JSON of each key's
    TokenItem up to its token) wait for a scheme asked in bulk, and ``items`` is empty.
    """

    row: int
    case_number: str | None
    category: Category
    observed_on: dt.date
    retain_until: dt.date
    keys: list[MatchKey]
    prefixes: list[str]
    items: list[str]
    identifiers: tuple[str, ...]  # the kind of each accepted cell, for the report


#: Writes one identifier's token items: (kind, its (level, value) keys, the JSON prefix of each
#: level) -> the items' JSON joined with commas, in the order of the keys.
Encoder = Callable[[str, list[tuple[str, str]], Mapping[str, str]], str]

#: One identifier read from a cell: its kind's name, its keys as the reader keeps them (token
#: items, or (key, prefix) pairs) and how many tokens that is.
_Piece = tuple[str, "str | tuple[tuple[MatchKey, str], ...]", int]


class _Outcome(NamedTuple):
    """What one cell gave, the same each time the same cell (and hints) come again."""

    pieces: tuple[_Piece, ...]
    problems: tuple[tuple[str | None, str], ...]  # (column, rule) of what was refused
    assumed_dutch: int
    several: bool  # several identifiers may have come from the cell: count them against the cap
    tokens: int  # of all the pieces


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


#: Cells and canonical values remembered per reader, counted in tokens: a few tens of MiB at
#: most. An export repeats its operators, addresses and names; when the budget is spent the
#: memory is emptied and fills again with what keeps coming back.
MEMORY_TOKENS = 200_000


class RowReader:
    """Apply a plan to rows: metadata first, then each identifier cell.

    A cell seen before (same column, same text, same hints in the row) gives what it gave the
    first time without being read again; with an encoder, so does an identifier's canonical
    value. Only outcomes of the normalizers' own rules are remembered, never a failure.
    """

    def __init__(self, plan: RowPlan, encoder: Encoder | None = None) -> None:
        self.plan = plan
        #: phone numbers without a country code and without a region hint, read as Dutch
        self.assumed_dutch = 0
        self._encoder = encoder
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
        #: per column: cell text (with the row's hints if the column takes them) -> what it
        #: gave: its token items' JSON when that is all (one identifier, nothing refused), as a
        #: text, which the cycle collector never needs to visit; otherwise an _Outcome
        self._cells: list[dict[object, str | _Outcome]] = [{} for _ in self._columns]
        #: per kind: canonical value -> its token items' JSON (with an encoder)
        self._by_canonical: dict[str, dict[str, str]] = {
            column.kind: {} for column in self._columns
        }
        self._remembered = 0
        self._failed = False

    def read(
        self, row: int, cells: tuple[str, ...], skipped: list[Rejection]
    ) -> RowSignal | list[Rejection]:
        """Return the row's signal (adding skipped cells to skipped), or why it is rejected."""
        metadata = self._metadata(row, cells)
        if isinstance(metadata, Rejection):
            return [metadata]
        parts: list[Any] = []  # token items JSON, or (key, prefix) pairs without an encoder
        accepted: list[str] = []
        problems: list[Rejection] = []
        encoded = self._encoder is not None
        plan = self.plan
        # The hot loop of the client: locals and tuple unpacking rather than attribute lookups.
        for column, memory in zip(self._columns, self._cells, strict=True):
            raw = cells[column.position]
            if not raw or raw.isspace():
                continue
            if column.contextual:
                seen: object = (
                    raw,
                    cells[plan.region] if plan.region is not None else None,
                    cells[plan.dob] if plan.dob is not None else None,
                )
            else:
                seen = raw
            outcome = memory.get(seen)
            if outcome is None:
                self._failed = False
                outcome = self._outcome(row, cells, raw, column)
                if not self._failed:  # a normalizer's bug is reported each time, not remembered
                    self._remember(memory, seen, outcome)
            if isinstance(outcome, str):  # one identifier's token items, nothing refused
                parts.append(outcome)
                accepted.append(column.kind_name)
                continue
            pieces, refused, dutch, several, _ = outcome
            if refused:
                problems.extend(Rejection(row, name, rule) for name, rule in refused)
            if dutch:
                self.assumed_dutch += dutch
            for kind_name, piece, count in pieces:
                if several and _tokens(parts, encoded) + count > MAX_TOKENS_PER_SIGNAL:
                    problems.append(Rejection(row, column.name, _TOO_MANY_RULE))
                    continue
                if encoded:
                    parts.append(piece)
                else:
                    parts.extend(piece)
                accepted.append(kind_name)
        if not accepted:
            return problems or [Rejection(row, None, "no identifier in the mapped columns")]
        skipped.extend(problems)
        if self._may_repeat:
            parts = _unique_items(parts) if encoded else list(dict.fromkeys(parts))
        case_number = (cells[plan.case].strip() or None) if plan.case is not None else None
        if encoded:
            return RowSignal(row, case_number, *metadata, [], [], parts, tuple(accepted))
        keys = [key for key, _ in parts]
        prefixes = [prefix for _, prefix in parts]
        return RowSignal(row, case_number, *metadata, keys, prefixes, [], tuple(accepted))

    def _remember(
        self, memory: dict[object, str | _Outcome], seen: object, outcome: str | _Outcome
    ) -> None:
        self._remembered += 1 + (1 if isinstance(outcome, str) else outcome.tokens)
        if self._remembered > MEMORY_TOKENS:
            for cells in self._cells:
                cells.clear()
            for values in self._by_canonical.values():
                values.clear()
            self._remembered = 0
        memory[seen] = outcome

    def _outcome(
        self, row: int, cells: tuple[str, ...], raw: str, column: _Column
    ) -> str | _Outcome:
        """Read one cell: its identifiers' keys (or token items) and what was refused; only
        the token items' JSON if that is all there is."""
        problems: list[Rejection] = []
        before = self.assumed_dutch
        values: list[str] = []
        several = may_hold_several(column.kind_name, raw)
        if several:
            values = self._several(row, cells, raw, column, problems)
        elif column.contextual:
            canonical = self._canonical(row, cells, raw, column, problems)
            values = [] if canonical is None else [canonical]
        else:
            try:
                values = [column.normalize(raw)]
            except NormalizationError as error:
                problems.append(Rejection(row, column.name, error.rule))
            except Exception as error:
                problems.append(self._failure(row, column, error))
        dutch = self.assumed_dutch - before
        self.assumed_dutch = before  # counted where the outcome is used, each time
        pieces = tuple([self._piece(column, value) for value in values])
        simple = len(pieces) == 1 and not several and not problems and not dutch
        if simple and isinstance(pieces[0][1], str):
            return pieces[0][1]
        return _Outcome(
            pieces,
            tuple([(item.column, item.rule) for item in problems]),
            dutch,
            several,
            sum(count for _, _, count in pieces),
        )

    def _piece(self, column: _Column, canonical: str) -> _Piece:
        """Return the keys of one canonical value, as token items if there is an encoder."""
        encoder = self._encoder
        if encoder is None:
            levels = column.prefixes
            pairs = [
                (MatchKey(column.kind, level, value), levels[level])
                for level, value in column.match_keys(canonical)
            ]
            return column.kind_name, tuple(pairs), len(pairs)
        known = self._by_canonical[column.kind]
        items = known.get(canonical)
        if items is None:
            items = known[canonical] = encoder(
                column.kind, column.match_keys(canonical), column.prefixes
            )
            self._remembered += 1
        return column.kind_name, items, items.count(_TOKEN_MARK)

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
            problems.append(self._failure(row, column, error))
            return []
        problems.extend(Rejection(row, column.name, rule) for rule in found.refused)
        return found.values

    def _failure(self, row: int, column: _Column, error: Exception) -> Rejection:
        """Report a normalizer bug as a skipped cell: it must not stop the export nor leak a
        value. The cell's outcome is then not remembered, so each such cell is reported."""
        self._failed = True
        log.warning("the %s normalizer raised %s", column.kind_name, type(error).__name__)
        return Rejection(row, column.name, f"{column.kind_name} normalizer failed")

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
            problems.append(self._failure(row, column, error))
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


_TOKEN_MARK = '"token":"'  # noqa: S105  (JSON, not a secret)


def _tokens(parts: list[Any], encoded: bool) -> int:
    """Count the tokens of a row's parts so far (token items' JSON, or (key, prefix) pairs)."""
    return sum(part.count(_TOKEN_MARK) for part in parts) if encoded else len(parts)


def _unique_items(parts: list[str]) -> list[str]:
    """Drop repeated token items (two columns holding the same phone give one token), keeping
    order. Each part is token items' JSON joined by commas; an item holds no '},{'."""
    items = ",".join(parts)[1:-1].split("},{")
    return ["{" + "},{".join(dict.fromkeys(items)) + "}"]
