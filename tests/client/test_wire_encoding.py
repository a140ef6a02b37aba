"""The wire module's fast encoders write exactly what the pydantic models write and read."""

from __future__ import annotations

import datetime as dt
import uuid

from hypothesis import given
from hypothesis import strategies as st

from client import kinds, wire

tokens = st.binary(min_size=wire.TOKEN_BYTES, max_size=wire.TOKEN_BYTES)
kind_levels = st.sampled_from(
    [(spec.name, level) for spec in kinds.BUILT_IN for level in spec.level_names]
)


@given(st.lists(tokens, max_size=20))
def test_encoding_many_tokens_at_once_equals_one_by_one(raw: list[bytes]) -> None:
    assert wire.encode_tokens(raw) == [wire.encode_token(token) for token in raw]


@given(tokens)
def test_a_token_decodes_to_its_bytes(raw: bytes) -> None:
    assert wire.token_bytes(wire.encode_token(raw)) == raw


@given(
    items=st.lists(st.tuples(kind_levels, tokens), min_size=1, max_size=wire.MAX_TOKENS_PER_SIGNAL),
    category=st.sampled_from(list(wire.Category)),
    observed_on=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 1, 1)),
    days=st.integers(min_value=0, max_value=3650),
)
def test_the_hand_written_json_is_the_models_json(
    items: list[tuple[tuple[str, str], bytes]],
    category: wire.Category,
    observed_on: dt.date,
    days: int,
) -> None:
    retain_until = observed_on + dt.timedelta(days=days)
    [ref] = wire.new_refs(1)
    texts = wire.encode_tokens([token for _, token in items])
    prefixes = [wire.token_item_prefix(kind, level) for (kind, level), _ in items]
    signal = wire.signal_json(
        ref,
        wire.signal_metadata_json(category, observed_on, retain_until),
        wire.token_items_json(prefixes, texts),
    )
    header = wire.batch_header_json(
        scheme="hmac", fingerprint="0" * 32, epoch=1, normalization_version="2026.1"
    )
    batch_id = uuid.uuid4()
    written = wire.batch_json(header, batch_id, [signal])

    model = wire.Batch.model_validate_json(written)

    assert model.model_dump_json() == written
    assert written.count(wire.kind_mark(items[0][0][0])) == sum(
        1 for (kind, _), _ in items if kind == items[0][0][0]
    )
