"""The exact output of preparing a fixed export under a fixed key, pinned by a golden file.

Any change in which tokens a row gets, their order, their values or the JSON around them changes
tests/golden/prepared/*.jsonl and fails here: speeding up the client must not change its output.
References and batch ids are random; they are numbered in order of appearance before comparing.
The same export is also prepared in worker processes, in small chunks and with every row
repeated (so that whatever is remembered between rows and chunks is used), and must give the
same signal for each row.

Write the golden files once (and only for a deliberate change of output, which is a change of
normalization version or of tokens and needs saying so in docs/linkage.md):

    .venv/bin/python tests/client/test_prepared_golden.py --write
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

import pytest

from client import wire
from client.batches import PreparationReport, PreparedBatch, prepare
from client.mapping import ColumnMapping, IdentifierColumn
from client.schemes.hmac import HmacScheme
from client.wire import Kind

GOLDEN = Path(__file__).parents[1] / "golden" / "prepared"
TODAY = dt.date(2026, 6, 1)
SECRET = bytes(range(32))
_REF = re.compile(r'"ref":"[A-Za-z0-9_-]{22}"')
_BATCH_ID = re.compile(r'"batch_id":"[0-9a-f-]{36}"')

HEADER = [
    "zaak",
    "telefoon",
    "telefoon2",
    "land",
    "adres",
    "naam",
    "geboortedatum",
    "exploitant",
    "email",
    "iban",
    "kvk",
    "kenteken",
    "website",
    "datum",
    "soort",
]

# Fictitious identifiers in the spellings exports hold: several per cell, placeholders, errors,
# repeats (the same operator and address in many rows), names too short or too long for near
# keys, dates of birth in several forms and one that is no date.
ROWS: list[tuple[str, ...]] = [
    (
        "Z-1",
        "06-12345678",
        "",
        "",
        "Hoofdstraat 1, 3811 AB Amersfoort",
        "Ana Popescu",
        "03-04-1990",
        "Rode Roos B.V.",
        "a.popescu@example.nl",
        "NL91ABNA0417164300",
        "12345678",
        "AB-123-C",
        "https://rode-roos.example.nl",
        "01-05-2026",
        "controle",
    ),
    (
        "Z-2",
        "+31 (0)6 2630 3434",
        "0721 234 567",
        "RO",
        "3811AB 14",
        "POPESCU, Ana",
        "1990-04-03",
        "Rode Roos BV",
        "",
        "",
        "",
        "",
        "",
        "2026-05-02",
        "advertentie",
    ),
    (
        "Z-3",
        "0031626330434",
        "",
        "",
        "Kerkweg 22-a\n3811 ab  AMERSFOORT",
        "Ștefan Țurcanu",
        "",
        "Club Paradise h.o.d.n. Velvet Lounge",
        "",
        "",
        "",
        "",
        "",
        "03-05-2026",
        "melding",
    ),
    (
        "Z-4",
        "onbekend",
        "+40 721 234 567",
        "",
        "",
        "Jo Li",
        "12-11-1985",
        "Golden Gate Kft.",
        "",
        "",
        "",
        "",
        "",
        "04-05-2026",
        "intake",
    ),
    (
        "Z-5",
        "06-123",
        "",
        "",
        "zie dossier",
        "",
        "",
        "",
        "info@@example",
        "NL00BANK0000000000",
        "1234",
        "",
        "",
        "05-05-2026",
        "controle",
    ),
    (
        "Z-6",
        "06-12345678 / 06-87654321",
        "06-12345678",
        "",
        "Hoofdstraat 1, 3811 AB Amersfoort",
        "Maria-Elena Dumitrescu-Ionescu van den Berg-Kowalska",
        "31-12-1979",
        "Rode Roos B.V.",
        "",
        "",
        "",
        "",
        "",
        "06-05-2026",
        "vergunningaanvraag",
    ),
    (
        "Z-7",
        "+359 87 123 4567",
        "",
        "BG",
        "",
        "Nikolai Ivanov (34)",
        "",
        "Wellness & Relax",
        "",
        "",
        "",
        "",
        "",
        "07-05-2026",
        "advertentie",
    ),
    ("Z-8", "", "", "", "", "", "", "", "", "", "", "", "", "08-05-2026", "controle"),
    (
        "Z-9",
        "06-11112222",
        "",
        "",
        "",
        "Popescu Ana",
        "35-04-1990",
        "Rode Roos B.V.",
        "",
        "",
        "",
        "",
        "",
        "09-05-2026",
        "controle",
    ),
    ("Z-10", "06-33334444", "", "", "", "", "", "", "", "", "", "", "", "morgen", "controle"),
    ("Z-11", "06-33334444", "", "", "", "", "", "", "", "", "", "", "", "09-05-2026", "onzin"),
    (
        "Z-12",
        "06 26 30 34 34",
        "",
        "",
        "Hoofdstraat 1 3811AB",
        "Diamnd Salon",
        "",
        "Diamnd Salon B.V.",
        "",
        "",
        "",
        "",
        "",
        "2026-04-01",
        "controle",
    ),
    ("Z-13", "06-44445555", "", "", "", "", "", "", "", "", "", "", "", "2025-01-01", "controle"),
    (
        "Z-14",
        "tel:+31612345678",
        "",
        "",
        "",
        "Zsófia Szőke",
        "1988-07-02",
        "Privéhuis De Linde",
        "",
        "",
        "",
        "",
        "www.example.com/profiel/123",
        "10-05-2026",
        "tip",
    ),
    (
        "Z-15",
        "https://wa.me/31612345679",
        "",
        "",
        "Molenlaan 7 bis, 1234 AB Utrecht",
        "Николай Иванов",
        "07-02-1988",
        "Escort Service Amstel SRL",
        "",
        "",
        "",
        "",
        "",
        "11-05-2026",
        "aangifte",
    ),
    (
        "",
        "06.1234.5670",
        "",
        "",
        "",
        "Lucía García",
        "45123",
        "Studio Venus Holding B.V.",
        "",
        "",
        "",
        "",
        "",
        "12-05-2026",
        "controle",
    ),
]
# the same identifiers again under other case numbers: what a batch of one agency repeats
ROWS = ROWS + [("Z-" + str(17 + n), *cells[1:]) for n, cells in enumerate(ROWS[:15])]


def mapping(*, second_phone: bool) -> ColumnMapping:
    """Every kind once; or a second phone column and a region column (the dedupe path)."""
    kinds = [("telefoon", Kind.PHONE, None)]
    if second_phone:
        kinds.append(("telefoon2", Kind.PHONE, "RO"))
    kinds += [
        ("adres", Kind.ADDRESS, None),
        ("naam", Kind.PERSON, None),
        ("exploitant", Kind.OPERATOR, None),
        ("email", Kind.EMAIL, None),
        ("iban", Kind.IBAN, None),
        ("kvk", Kind.KVK, None),
        ("kenteken", Kind.PLATE, None),
        ("website", Kind.URL, None),
    ]
    return ColumnMapping(
        identifiers=tuple(
            IdentifierColumn(column=column, kind=kind, region=region)
            for column, kind, region in kinds
        ),
        case_column="zaak",
        dob_column="geboortedatum",
        observed_column="datum",
        category_column="soort",
        region_column="land" if second_phone else None,
    )


CASES = {"single": mapping(second_phone=False), "two-phones": mapping(second_phone=True)}


def rows(repeat: int = 1) -> list[tuple[int, dict[str, str]]]:
    return [
        (number, dict(zip(HEADER, cells, strict=True)))
        for number, cells in enumerate([cells for cells in ROWS for _ in range(repeat)], start=2)
    ]


def numbered(batches: list[PreparedBatch]) -> list[str]:
    """Return the payloads with references and batch ids numbered in order of appearance."""
    refs = iter(range(1, 10**6))
    ids = iter(range(1, 10**6))
    out = []
    for batch in batches:
        text = _REF.sub(lambda _: f'"ref":"{next(refs):022d}"', batch.payload)
        out.append(
            _BATCH_ID.sub(lambda _: f'"batch_id":"00000000-0000-4000-8000-{next(ids):012d}"', text)
        )
    return out


def summary(batches: list[PreparedBatch], report: PreparationReport) -> str:
    return json.dumps(
        {
            "origins": [[[row, case] for _, row, case in batch.origin_rows] for batch in batches],
            "tokens_per_kind": [dict(sorted(batch.tokens_per_kind.items())) for batch in batches],
            "report": report.as_dict(),
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def golden_text(case: str, **options: object) -> str:
    batches, report = prepare(
        rows(),
        scheme=HmacScheme(SECRET, epoch=1),
        mapping=CASES[case],
        today=TODAY,
        batch_size=8,
        **options,  # type: ignore[arg-type]
    )
    return "\n".join([*numbered(batches), summary(batches, report)]) + "\n"


def signals_by_row(
    batches: list[PreparedBatch], *, repeat: int = 1
) -> dict[int, list[tuple[str, str]]]:
    """Return each row's signal JSON without its reference, by the row of the export it copies."""
    found: dict[int, list[tuple[str, str]]] = {}
    for batch in batches:
        model = batch.to_batch()
        for (_, row, _), signal in zip(batch.origin_rows, model.signals, strict=True):
            items = [(f"{item.kind}/{item.level}", item.token) for item in signal.tokens]
            found.setdefault((row - 2) // repeat, []).append(
                (signal.model_dump_json(exclude={"ref"}), json.dumps(items))
            )
    return found


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_fixed_export_gives_exactly_the_pinned_batches(case: str) -> None:
    expected = (GOLDEN / f"{case}.jsonl").read_text(encoding="utf-8")

    assert golden_text(case, workers=1) == expected


@pytest.mark.parametrize("case", sorted(CASES))
def test_workers_small_chunks_and_repeated_rows_give_each_row_the_same_signal(case: str) -> None:
    scheme = HmacScheme(SECRET, epoch=1)
    alone, alone_report = prepare(rows(), scheme=scheme, mapping=CASES[case], today=TODAY)
    repeat = 3
    pooled, pooled_report = prepare(
        rows(repeat),
        scheme=scheme,
        mapping=CASES[case],
        today=TODAY,
        workers=2,
        parallel_threshold=1,
        chunk_rows=4,
        batch_size=7,
    )

    expected = signals_by_row(alone)
    found = signals_by_row(pooled, repeat=repeat)
    assert {row: signals[0] for row, signals in expected.items()} == {
        row: signals[0] for row, signals in found.items()
    }
    assert all(len(set(signals)) == 1 and len(signals) == repeat for signals in found.values())
    assert pooled_report.tokens == repeat * alone_report.tokens
    for pooled_items, alone_items in (
        (pooled_report.skipped_cells, alone_report.skipped_cells),
        (pooled_report.rejected_rows, alone_report.rejected_rows),
    ):
        assert sorted(pooled_items) == sorted(
            item._replace(row=2 + (item.row - 2) * repeat + copy)
            for item in alone_items
            for copy in range(repeat)
        )
    assert pooled_report.phones_read_as_dutch == repeat * alone_report.phones_read_as_dutch


def test_the_golden_batches_are_what_the_models_write() -> None:
    for case in CASES:
        *payloads, _ = (GOLDEN / f"{case}.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(payloads) > 2
        for payload in payloads:
            assert wire.Batch.model_validate_json(payload).model_dump_json() == payload


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name in CASES:
        (GOLDEN / f"{name}.jsonl").write_text(golden_text(name, workers=1), encoding="utf-8")
        print(f"wrote {GOLDEN / name}.jsonl")
