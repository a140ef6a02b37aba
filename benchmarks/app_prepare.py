"""The analysts' app: how long an Excel export takes from upload to a prepared batch file.

Writes a seeded XLSX export as a Dutch agency makes it (a title row, the header, phone, the
address in Straat/Huisnummer/Postcode/Plaats columns, an operator, a totals row), then drives the
real app through Flask's test client: upload, preview (reads the whole file once to count its
rows), column form, preparation on the app's thread. For comparison it prepares the same rows
with one address column through ``client.outbox`` directly, which lets the preparation read only
the mapped cells of the Export (the joined address goes through a dict per row).

    .venv/bin/python benchmarks/app_prepare.py                  # 20,000 rows, one process
    .venv/bin/python benchmarks/app_prepare.py --rows 50000 --workers 2
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from client.app import AppSettings, create_app  # noqa: E402
from client.keys import generate_key  # noqa: E402
from client.ledger import Ledger  # noqa: E402
from client.mapping import ColumnMapping, IdentifierColumn  # noqa: E402
from client.outbox import prepare_into_batch_file  # noqa: E402
from client.reading import open_export  # noqa: E402
from client.wire import Category, Kind  # noqa: E402

HEADER = [
    "Zaaknummer",
    "Telefoonnummer",
    "Straat",
    "Huisnummer",
    "Postcode",
    "Plaats",
    "Exploitant",
]
STREETS = ["Hoofdstraat", "Kerkweg", "Dorpsstraat", "Molenlaan", "Oudegracht", "Markt"]
CITIES = ["Amsterdam", "Rotterdam", "Utrecht", "Amersfoort", "Tilburg", "Breda"]
OPERATORS = ["Rode Roos B.V.", "Club Paradise", "Velvet Lounge V.O.F.", "Studio Venus", ""]


def write_export(path: Path, rows: int, seed: int = 12) -> None:
    rng = random.Random(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["Overzicht signalen, gegenereerd voor de meting"])
    sheet.append(HEADER)
    for number in range(rows):
        sheet.append(
            [
                f"Z-{number:06d}",
                f"06-{rng.randrange(10**8):08d}",
                rng.choice(STREETS),
                str(rng.randrange(1, 300)),
                f"{rng.randrange(1000, 9999)} {rng.choice('ABCDEFGHJKLM')}{rng.choice('ABCDEFG')}",
                rng.choice(CITIES),
                rng.choice(OPERATORS),
            ]
        )
    sheet.append(["Totaal", rows])
    workbook.save(path)


def through_app(export: Path, folder: Path, workers: int | None) -> tuple[float, float]:
    """Return (seconds for upload and preview, seconds for the preparation) in the app."""
    key = generate_key(epoch=1)
    work = folder / "work"
    work.mkdir(mode=0o700)
    settings = AppSettings(
        start_token="benchmark",
        scheme=key.scheme_instance(),
        matcher=None,
        ledger_path=folder / "app-ledger.sqlite3",
        work_dir=work,
        mappings_path=folder / "mappings.json",
        workers=workers,
    )
    client = create_app(settings).test_client()
    client.get("/start/benchmark")
    with client.session_transaction() as session:
        csrf = session["csrf"]
    started = time.perf_counter()
    uploaded = client.post(
        "/exports",
        data={"csrf_token": csrf, "export": (io.BytesIO(export.read_bytes()), export.name)},
        content_type="multipart/form-data",
    )
    preview_url = uploaded.headers["Location"]
    assert client.get(preview_url).status_code == 200
    previewed = time.perf_counter()
    form = {"csrf_token": csrf, "category": "inspection", "retention_days": "365"}
    roles = ["case", "phone", "street", "house_number", "postcode", "city", "operator"]
    form.update({f"role-{index}": role for index, role in enumerate(roles)})
    report_url = client.post(f"{preview_url}/columns", data=form).headers["Location"]
    while 'http-equiv="refresh"' in client.get(report_url).get_data(as_text=True):
        time.sleep(0.05)
    return previewed - started, time.perf_counter() - previewed


def direct(export: Path, folder: Path, workers: int | None) -> float:
    """Return seconds to prepare the export with one (the street) address column, no app."""
    mapping = ColumnMapping(
        identifiers=(
            IdentifierColumn(column="Telefoonnummer", kind=Kind.PHONE),
            IdentifierColumn(column="Straat", kind=Kind.ADDRESS),
            IdentifierColumn(column="Exploitant", kind=Kind.OPERATOR),
        ),
        case_column="Zaaknummer",
        category=Category.INSPECTION,
    )
    started = time.perf_counter()
    with Ledger(folder / "direct-ledger.sqlite3") as ledger, open_export(export) as rows:
        prepare_into_batch_file(
            rows,
            source=export.name,
            scheme=generate_key(epoch=1).scheme_instance(),
            mapping=mapping.checked(rows.headers),
            ledger=ledger,
            out=folder / "direct.jsonl",
            workers=workers,
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        export = folder / "signalen.xlsx"
        started = time.perf_counter()
        write_export(export, args.rows)
        print(
            f"export: {args.rows:,} rows, {export.stat().st_size / 2**20:.1f} MiB"
            f" (written in {time.perf_counter() - started:.1f} s)"
        )
        preview, prepared = through_app(export, folder, args.workers)
        print(
            f"app: upload + preview {preview:.2f} s; preparation {prepared:.2f} s"
            f" = {args.rows / prepared:,.0f} rows/s (joined address, workers={args.workers})"
        )
        seconds = direct(export, folder, args.workers)
        print(f"library, one address column: {seconds:.2f} s = {args.rows / seconds:,.0f} rows/s")


if __name__ == "__main__":
    main()
