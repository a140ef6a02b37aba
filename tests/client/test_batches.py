"""Preparing batches: rows become signals of tokens, bad cells are reported, never their values."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from client import wire
from client.batches import Preparation, PreparationReport, PreparedBatch, batch_ends, prepare
from client.batchfile import BatchFileWriter, read_batch_file, read_own_payloads
from client.cells import parse_date
from client.errors import ClientError, InputFileError, NormalizationError
from client.mapping import ColumnMapping, IdentifierColumn
from client.neighbourhoods import near_keys
from client.normalizers import address as address_normalizer
from client.normalizers import match_keys, normalize
from client.preparing import token_texts
from client.schemes.base import MatchKey
from client.schemes.hmac import HmacScheme
from client.signals import Rejection
from client.wire import Category, Kind, SchemeName, new_refs

TODAY = dt.date(2026, 6, 1)
SECRET = bytes(range(32))
REF = re.compile(r"[A-Za-z0-9_-]{22}")


@pytest.fixture(scope="module")
def scheme() -> HmacScheme:
    return HmacScheme(SECRET, epoch=1)


def columns(**kinds: Kind) -> tuple[IdentifierColumn, ...]:
    return tuple(IdentifierColumn(column=name, kind=kind) for name, kind in kinds.items())


BASIC = ColumnMapping(
    identifiers=columns(telefoon=Kind.PHONE, adres=Kind.ADDRESS, naam=Kind.PERSON),
    case_column="zaak",
    observed_column="datum",
    category=Category.INSPECTION,
    category_column="soort",
)


def row(**cells: str) -> dict[str, str]:
    base = dict.fromkeys(["zaak", "telefoon", "adres", "naam", "soort", "dob"], "")
    base["datum"] = "2026-05-01"
    base.update(cells)
    return base


def run(
    rows: Sequence[dict[str, str]],
    scheme: HmacScheme,
    mapping: ColumnMapping = BASIC,
    **options: object,
) -> tuple[list[PreparedBatch], PreparationReport]:
    numbered = list(enumerate(rows, start=2))
    return prepare(numbered, scheme=scheme, mapping=mapping, today=TODAY, **options)  # type: ignore[arg-type]


def rule_for(kind: Kind, raw: str) -> str:
    """Return the rule the normalizer gives for raw (its wording is the normalizer's own)."""
    with pytest.raises(NormalizationError) as caught:
        normalize(kind, raw)
    return caught.value.rule


def expected_tokens(scheme: HmacScheme, kind: Kind, raw: str, **context: str) -> list[str]:
    canonical = normalize(kind, raw, **context)
    near = [MatchKey(kind, level, value) for level, value in near_keys(kind, canonical)]
    keys = match_keys(kind, canonical) + near
    return [wire.encode_token(token) for token in scheme.tokenize(keys)]


def test_a_row_becomes_one_signal_with_the_tokens_of_each_identifier(scheme: HmacScheme) -> None:
    batches, report = run(
        [row(zaak="Z-1", telefoon="06-12345678", adres="3811 AB 14", naam="Popescu, Ana")],
        scheme,
    )

    (batch,) = [item.to_batch() for item in batches]
    (signal,) = batch.signals
    assert batch.scheme is SchemeName.HMAC
    assert batch.key_fingerprint == scheme.fingerprint
    assert batch.key_epoch == 1
    assert [token.token for token in signal.tokens] == (
        expected_tokens(scheme, Kind.PHONE, "06-12345678")
        + expected_tokens(scheme, Kind.ADDRESS, "3811 AB 14")
        + expected_tokens(scheme, Kind.PERSON, "Popescu, Ana")
    )
    assert signal.category is Category.INSPECTION
    assert (signal.observed_on, signal.retain_until) == (dt.date(2026, 5, 1), dt.date(2027, 5, 1))
    assert REF.fullmatch(signal.ref)
    assert batches[0].origins[0].row == 2
    assert batches[0].origins[0].case_number == "Z-1"
    # the phone's near keys: one per adjacent pair of differing digits after +31 6
    assert report.tokens_per_kind == {"phone": 8, "address": 2, "person": 1}


def test_payload_is_exactly_what_pydantic_would_write(scheme: HmacScheme) -> None:
    batches, _ = run([row(telefoon="+40 721 234 567", naam="Ştefan Ţurcanu")] * 3, scheme)

    for prepared in batches:
        assert prepared.to_batch().model_dump_json() == prepared.payload


def test_a_bad_cell_is_skipped_and_the_rest_of_the_row_kept(scheme: HmacScheme) -> None:
    batches, report = run([row(telefoon="06-123", adres="3811 AB 14")], scheme)

    (signal,) = batches[0].to_batch().signals
    assert {token.kind for token in signal.tokens} == {Kind.ADDRESS}
    assert report.skipped_cells == [Rejection(2, "telefoon", rule_for(Kind.PHONE, "06-123"))]
    assert report.rejected_rows == []


def test_a_row_without_a_valid_identifier_is_rejected_with_its_reasons(
    scheme: HmacScheme,
) -> None:
    batches, report = run(
        [
            row(telefoon="nonsense", adres=""),
            row(telefoon="", adres=" "),
            row(telefoon="0612345678"),
        ],
        scheme,
    )

    assert sum(item.signals for item in batches) == 1
    assert report.rejected_rows == [
        Rejection(2, "telefoon", rule_for(Kind.PHONE, "nonsense")),
        Rejection(3, None, "no identifier in the mapped columns"),
    ]
    assert report.rejected_row_count() == 2


@pytest.mark.parametrize(
    ("cells", "rejection"),
    [
        (
            {"datum": "gisteren"},
            Rejection(2, "datum", "observation date is not a date (YYYY-MM-DD)"),
        ),
        (
            {"datum": "31-02-2026"},
            Rejection(2, "datum", "observation date is not a date (YYYY-MM-DD)"),
        ),
        ({"datum": "2026-06-02"}, Rejection(2, "datum", "observation date is in the future")),
        ({"datum": "2025-05-31"}, Rejection(2, "datum", "retention period is already over")),
        (
            {"soort": "roddel"},
            Rejection(2, "soort", "category is empty or not in the list of categories"),
        ),
    ],
)
def test_rows_with_unusable_metadata_are_rejected_whole(
    scheme: HmacScheme, cells: dict[str, str], rejection: Rejection
) -> None:
    batches, report = run([row(telefoon="0612345678", **cells)], scheme)

    assert batches == []
    assert report.rejected_rows == [rejection]


def test_dates_in_dutch_and_iso_forms_are_read() -> None:
    assert parse_date("07-03-2026") == dt.date(2026, 3, 7)
    assert parse_date("7/3/2026") == dt.date(2026, 3, 7)
    assert parse_date("07.03.2026") == dt.date(2026, 3, 7)
    assert parse_date(" 2026-03-07 ") == dt.date(2026, 3, 7)
    assert parse_date("2026-03-07T10:00:00") == dt.date(2026, 3, 7)
    assert parse_date("03/07/26") is None


def test_categories_and_retention_come_from_the_mapping(scheme: HmacScheme) -> None:
    mapping = ColumnMapping(
        identifiers=columns(telefoon=Kind.PHONE),
        category=Category.TIP,
        category_column="soort",
        category_values={"Controle horeca": Category.INSPECTION},
        retention_days=30,
    )

    batches, _ = run(
        [
            row(telefoon="0612345678", soort="Controle horeca"),
            row(telefoon="0612345679", soort="aangifte"),
            row(telefoon="0612345670", soort=""),
        ],
        scheme,
        mapping,
    )

    signals = batches[0].to_batch().signals
    assert [signal.category for signal in signals] == [
        Category.INSPECTION,
        Category.POLICE_REPORT,
        Category.TIP,
    ]
    assert {signal.observed_on for signal in signals} == {TODAY}  # no observation column
    assert {signal.retain_until for signal in signals} == {TODAY + dt.timedelta(days=30)}


def test_a_wrong_date_of_birth_keeps_the_name_and_reports_the_date_column(
    scheme: HmacScheme,
) -> None:
    mapping = ColumnMapping(
        identifiers=columns(naam=Kind.PERSON), dob_column="dob", category=Category.TIP
    )

    batches, report = run(
        [row(naam="Ana Popescu", dob="1990-03-07"), row(naam="Ana Popescu", dob="31-31-1990")],
        scheme,
        mapping,
    )

    first, second = batches[0].to_batch().signals
    assert [token.level for token in first.tokens][:2] == ["name", "name_dob"]
    assert {token.level for token in first.tokens[2:]} == {"near_dob"}
    assert [token.level for token in second.tokens] == ["name"]
    assert first.tokens[0].token == second.tokens[0].token
    assert [(item.row, item.column) for item in report.skipped_cells] == [(3, "dob")]


def test_phone_region_hint_comes_from_the_row_or_the_column(scheme: HmacScheme) -> None:
    mapping = ColumnMapping(
        identifiers=(IdentifierColumn(column="telefoon", kind=Kind.PHONE, region="RO"),),
        region_column="land",
        category=Category.TIP,
    )
    rows = [row(telefoon="0721 234 567", land=""), row(telefoon="0887 123 456", land="BG")]

    batches, _ = run(rows, scheme, mapping)

    first, second = batches[0].to_batch().signals
    assert first.tokens[0].token == expected_tokens(scheme, Kind.PHONE, "+40721234567")[0]
    assert (
        second.tokens[0].token == expected_tokens(scheme, Kind.PHONE, "0887123456", region="BG")[0]
    )


def test_the_same_identifier_in_two_columns_gives_one_token(scheme: HmacScheme) -> None:
    mapping = ColumnMapping(
        identifiers=columns(telefoon=Kind.PHONE, mobiel=Kind.PHONE), category=Category.TIP
    )

    batches, _ = run([row(telefoon="06-12345678", mobiel="+31612345678")], scheme, mapping)

    tokens = batches[0].to_batch().signals[0].tokens
    assert len(tokens) == len({token.token for token in tokens}) == 8  # one e164, seven near


def test_batches_hold_at_most_batch_size_signals_in_row_order(scheme: HmacScheme) -> None:
    rows = [row(zaak=f"Z-{number}", telefoon=f"06123456{number:02d}") for number in range(7)]

    batches, report = run(rows, scheme, batch_size=3)

    assert [item.signals for item in batches] == [3, 3, 1]
    assert len({item.batch_id for item in batches}) == 3
    origins = [origin for item in batches for origin in item.origins]
    assert [origin.case_number for origin in origins] == [f"Z-{number}" for number in range(7)]
    assert len({origin.ref for origin in origins}) == 7
    for item in batches:
        assert [signal.ref for signal in item.to_batch().signals] == [o.ref for o in item.origins]
    assert report.batches == 3


def test_a_batch_ends_before_its_signals_pass_the_byte_budget(scheme: HmacScheme) -> None:
    rows = [row(zaak=f"Z-{number}", telefoon=f"06123456{number:02d}") for number in range(9)]
    [whole], _ = run(rows, scheme)
    one_signal = len(whole.payload) // 9  # every signal here has the same size, near keys included

    batches, report = run(rows, scheme, batch_bytes=int(2.5 * one_signal))

    assert [item.signals for item in batches] == [2, 2, 2, 2, 1]
    assert all(len(item.payload) < len(whole.payload) * 3 // 9 + 200 for item in batches)
    refs = [signal.ref for item in batches for signal in item.to_batch().signals]
    assert len(set(refs)) == 9 and report.signals == 9


def test_worker_processes_give_the_same_signals_as_one_process(scheme: HmacScheme) -> None:
    rows = [
        row(zaak=f"Z-{number}", telefoon=f"06123{number:05d}", adres=f"3811 AB {number + 1}")
        for number in range(60)
    ] + [row(telefoon="onzin")]

    alone, alone_report = run(rows, scheme, workers=1)
    pooled, pooled_report = run(
        rows, scheme, workers=2, parallel_threshold=1, chunk_rows=7, batch_size=25
    )

    def tokens_by_case(batches: list[PreparedBatch]) -> dict[str | None, list[str]]:
        found = {}
        for item in batches:
            for origin, signal in zip(item.origins, item.to_batch().signals, strict=True):
                found[origin.case_number] = [token.token for token in signal.tokens]
        return found

    assert tokens_by_case(pooled) == tokens_by_case(alone)
    assert [item.signals for item in pooled] == [25, 25, 10]
    assert pooled_report.rejected_rows == alone_report.rejected_rows


class RemoteLikeScheme:
    """A scheme that, like a key service client, must be called from the preparing process."""

    def __init__(self, inner: HmacScheme) -> None:
        self._inner = inner
        self.calls: list[tuple[int, int]] = []

    @property
    def name(self) -> SchemeName:
        return SchemeName.OPRF

    @property
    def epoch(self) -> int:
        return 1

    @property
    def fingerprint(self) -> str:
        return "f" * 32

    def tokenize(self, keys: Sequence[MatchKey]) -> list[bytes]:
        self.calls.append((os.getpid(), len(keys)))
        return self._inner.tokenize(keys)


def test_a_remote_scheme_is_asked_from_this_process_in_bulk(scheme: HmacScheme) -> None:
    remote = RemoteLikeScheme(scheme)
    rows = [row(telefoon=f"06123{number:05d}") for number in range(40)]

    batches, _ = prepare(
        list(enumerate(rows, start=2)),
        scheme=remote,
        mapping=BASIC,
        today=TODAY,
        workers=2,
    )
    pooled = list(
        Preparation(
            list(enumerate(rows, start=2)),
            scheme=remote,
            mapping=BASIC,
            today=TODAY,
            workers=2,
            parallel_threshold=1,
            chunk_rows=10,
        )
    )

    assert {pid for pid, _ in remote.calls} == {os.getpid()}
    # per phone its exact key and its swapped-pair keys; one call in process, then one per chunk
    per_row = [
        1 + len(near_keys(Kind.PHONE, normalize("phone", cells["telefoon"]))) for cells in rows
    ]
    chunked = [sum(per_row[start : start + 10]) for start in range(0, 40, 10)]
    assert [count for _, count in remote.calls] == [sum(per_row), *chunked]
    assert pooled[0].to_batch().scheme is SchemeName.OPRF
    assert pooled[0].to_batch().signals[0].tokens == batches[0].to_batch().signals[0].tokens


class ShortScheme(RemoteLikeScheme):
    def tokenize(self, keys: Sequence[MatchKey]) -> list[bytes]:
        return super().tokenize(keys)[:-1]


def test_a_scheme_that_loses_tokens_is_an_error(scheme: HmacScheme) -> None:
    with pytest.raises(ClientError, match="number of tokens"):
        prepare([(2, row(telefoon="0612345678"))], scheme=ShortScheme(scheme), mapping=BASIC)


def test_a_failing_normalizer_skips_the_cell_without_leaking_the_value(
    scheme: HmacScheme, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(raw: str, **context: str) -> str:
        raise RuntimeError(f"cannot handle {raw}")

    monkeypatch.setattr(address_normalizer, "normalize", broken)
    caplog.set_level("DEBUG")

    batches, report = run([row(telefoon="0612345678", adres="3811 AB 14")], scheme)

    assert batches[0].signals == 1
    assert report.skipped_cells == [Rejection(2, "adres", "address normalizer failed")]
    assert "3811 AB 14" not in caplog.text
    assert "RuntimeError" in caplog.text


def test_batch_size_above_the_wire_limit_is_refused(scheme: HmacScheme) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        Preparation([], scheme=scheme, mapping=BASIC, batch_size=wire.MAX_SIGNALS_PER_BATCH + 1)


def test_batch_file_is_private_atomic_and_validated(tmp_path: Path, scheme: HmacScheme) -> None:
    batches, _ = run([row(telefoon="0612345678")] * 5, scheme, batch_size=2)
    path = tmp_path / "batches.jsonl"

    with BatchFileWriter(path) as writer:
        for item in batches:
            writer.write(item.payload)
        assert not path.exists()  # only complete files appear
        writer.commit()

    assert path.stat().st_mode & 0o777 == 0o600
    assert [batch.batch_id for batch in read_batch_file(path)] == [b.batch_id for b in batches]
    assert [payload.batch_id for payload in read_own_payloads(path)] == [
        b.batch_id for b in batches
    ]
    assert list(tmp_path.iterdir()) == [path]
    with pytest.raises(InputFileError, match="already exists"):
        BatchFileWriter(path)


def test_an_aborted_batch_file_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "batches.jsonl"

    with pytest.raises(KeyError), BatchFileWriter(path) as writer:
        writer.write("{}")
        raise KeyError("stop")

    assert list(tmp_path.iterdir()) == []


def test_an_edited_batch_file_is_refused_naming_line_and_field_only(
    tmp_path: Path, scheme: HmacScheme
) -> None:
    batches, _ = run([row(telefoon="0612345678")], scheme)
    smuggled = batches[0].payload.replace('"ref":"', '"phone":"+31612345678","ref":"', 1)
    path = tmp_path / "batches.jsonl"
    path.write_text(batches[0].payload + "\n" + smuggled + "\n", encoding="utf-8")

    with pytest.raises(InputFileError) as caught:
        list(read_batch_file(path))

    message = str(caught.value)
    assert "line 2" in message
    assert "signals.0.phone (extra_forbidden)" in message
    assert "31612345678" not in message


def test_numbers_read_as_dutch_for_lack_of_a_region_are_counted(scheme: HmacScheme) -> None:
    mapping = ColumnMapping(
        identifiers=columns(telefoon=Kind.PHONE), region_column="land", category=Category.TIP
    )
    rows = [
        row(telefoon="0721 234 567", land=""),  # Romanian to its writer, Dutch to us: counted
        row(telefoon="0721 234 567", land="RO"),
        row(telefoon="+40 721 234 567", land=""),
        row(telefoon="06-12345678"),
    ]

    _, with_hints = run(rows, scheme, mapping)
    _, without = run(rows, scheme, BASIC)

    assert with_hints.phones_read_as_dutch == 2
    assert without.phones_read_as_dutch == 3
    assert with_hints.as_dict()["phones_read_as_dutch"] == 2


def test_tokens_and_references_are_encoded_as_the_wire_says() -> None:
    tokens = [bytes([value]) * 32 for value in (0, 1, 250, 255)] + [os.urandom(32)]

    assert token_texts(tokens) == [wire.encode_token(token) for token in tokens]
    refs = new_refs(1_000)
    assert len(set(refs)) == 1_000
    assert all(REF.fullmatch(ref) for ref in refs)
    # one in 64 slices would start with '-', which a command line reads as an option
    assert not any(ref.startswith("-") for ref in new_refs(5_000))
    with pytest.raises(ClientError, match="32 bytes"):
        token_texts([b"short"])


def one_by_one(lengths: list[int], *, size: int, budget: int, held: int, used: int) -> list[int]:
    """The rule signal by signal: -1 where a batch closes, else the index after each signal."""
    out = []
    for index, length in enumerate(lengths):
        if held and (held == size or used + length > budget):
            out.append(-1)
            held = used = 0
        out.append(index + 1)
        held += 1
        used += length + 1
    return out


@given(
    lengths=st.lists(st.integers(min_value=1, max_value=12), max_size=30),
    size=st.integers(min_value=1, max_value=6),
    budget=st.integers(min_value=1, max_value=40),
    held=st.integers(min_value=0, max_value=6),
    used=st.integers(min_value=0, max_value=40),
)
@example(lengths=[5], size=8, budget=10, held=1, used=5)  # exactly at the budget: it fits
@example(lengths=[50, 1], size=8, budget=10, held=0, used=0)  # too large: alone
def test_batch_ends_by_bisection_are_the_signal_by_signal_rule(
    lengths: list[int], size: int, budget: int, held: int, used: int
) -> None:
    held = min(held, size)
    used = used if held else 0
    ends = list(batch_ends(lengths, size=size, budget=budget, held=held, used=used))
    expected = one_by_one(lengths, size=size, budget=budget, held=held, used=used)

    assert partition(ends) == partition(expected)


def partition(marks: list[int]) -> list[list[int]]:
    """Return the signals of each batch (the first continues the batch already held)."""
    batches: list[list[int]] = [[]]
    start = 0
    for mark in marks:
        if mark < 0:
            batches.append([])
        else:
            batches[-1] += range(start, mark)
            start = mark
    return batches
