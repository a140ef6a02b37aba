"""Turn a validated wire batch into rows: peppered tokens, deduplicated, ready for bulk writes.

Pure computation, no database: the only place a batch's tokens are decoded and peppered.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import Any

from client import kinds
from client.wire import Batch as WireBatch
from client.wire import Category, token_bytes
from matcher.errors import InvalidRequest
from matcher.pepper import Applier, Pepper

#: at most this many locations are listed in an error; the message gives the total
MAX_ERROR_FIELDS = 50
#: plain strings for the driver (enum members cost an attribute lookup per row)
CATEGORY_NAMES = {category: category.value for category in Category}


@dataclass
class PreparedBatch:
    """A batch turned into rows: peppered tokens, deduplicated per signal, sorted by ref."""

    signals: list[tuple[Any, ...]] = field(default_factory=list)
    #: per ref: the signal's distinct (peppered token, kind, level)
    tokens: dict[str, set[tuple[bytes, str, str]]] = field(default_factory=dict)
    tokens_per_kind: Counter[str] = field(default_factory=Counter)

    @property
    def token_count(self) -> int:
        return sum(self.tokens_per_kind.values())


class _Appliers(dict[tuple[str, str], Applier]):
    """The pepper of each (kind, level) of one batch's scheme and epoch, made on first use."""

    def __init__(self, pepper: Pepper, batch: WireBatch) -> None:
        super().__init__()
        self.pepper, self.scheme, self.epoch = pepper, batch.scheme.value, batch.key_epoch

    def __missing__(self, domain: tuple[str, str]) -> Applier:
        kind, level = domain
        # a level sharing another level's token domain (address/no_addition) shares its pepper
        shared = kinds.domain_level(kind, level)
        apply = self.pepper.applier(scheme=self.scheme, epoch=self.epoch, kind=kind, level=shared)
        self[domain] = apply
        return apply


def prepare(batch: WireBatch, *, pepper: Pepper, agency_id: int) -> PreparedBatch:
    """Pepper every token and build the rows; refuse a reference used twice in the batch."""
    prepared = PreparedBatch()
    appliers = _Appliers(pepper, batch)
    positions: dict[str, int] = {}
    repeated: list[int] = []
    batch_id = str(batch.batch_id)
    for index, signal in enumerate(batch.signals):
        if signal.ref in positions:
            repeated.append(index)
            continue
        positions[signal.ref] = index
        # a set: a token listed twice in one signal is stored (and counted) once
        tokens = {
            (appliers[item.kind, item.level](token_bytes(item.token)), item.kind, item.level)
            for item in signal.tokens
        }
        prepared.tokens[signal.ref] = tokens
        prepared.signals.append(
            (
                agency_id,
                signal.ref,
                batch_id,
                CATEGORY_NAMES[signal.category],
                signal.observed_on,
                signal.retain_until,
            )
        )
    prepared.tokens_per_kind.update(
        map(itemgetter(1), chain.from_iterable(prepared.tokens.values()))
    )
    if repeated:
        raise InvalidRequest(
            f"{len(repeated)} signal(s) repeat a reference used earlier in this batch; "
            "every signal needs its own reference.",
            code="invalid_batch",
            fields=[
                {"location": f"signals.{index}.ref", "rule": "duplicate_ref"}
                for index in repeated[:MAX_ERROR_FIELDS]
            ],
        )
    prepared.signals.sort(key=lambda row: row[1])  # one lock order for concurrent uploads
    return prepared
