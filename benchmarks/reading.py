"""Reading speed: rows per second from a CSV and an XLSX export, before any normalization.

Reading now finds the header, sets totals rows aside, checks quotes strictly, parses the whole
sheet (not trusting ``<dimension>``) and scans it once for merged cells; this measures what that
costs. Run it against another checkout with ``PYTHONPATH=/path/to/checkout`` to compare.

    .venv/bin/python benchmarks/reading.py                      # 200,000 CSV rows, 50,000 XLSX rows
    .venv/bin/python benchmarks/reading.py --csv-rows 20000 --xlsx-rows 5000
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

from client.reading import open_export

HEADER = ["zaaknummer", "telefoon", "adres", "naam", "datum", "soort"]


def rows(count: int, seed: int) -> list[list[str]]:
    chance = random.Random(seed)
    return [
        [
            f"Z-{number}",
            f"06-{chance.randrange(10**7, 10**8)}",
            f"Hoofdstraat {chance.randrange(1, 300)}, 3811 AB Amersfoort",
            chance.choice(["Popescu, Ana", "Jan de Vries", "Nagy Zsófia"]),
            f"{chance.randrange(1, 28):02d}-05-2026",
            chance.choice(["controle", "melding", "advertentie"]),
        ]
        for number in range(count)
    ]


def timed(path: Path) -> tuple[int, float]:
    start = time.perf_counter()
    with open_export(path) as export:
        read = sum(1 for _ in export.cells(["telefoon", "adres", "datum"]))
    return read, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-rows", type=int, default=200_000)
    parser.add_argument("--xlsx-rows", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=20261201)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "export.csv"
        lines = [";".join(HEADER), *(";".join(row) for row in rows(options.csv_rows, options.seed))]
        csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        xlsx_path = Path(folder) / "export.xlsx"
        workbook = Workbook()  # shared strings, as Excel writes them (write-only mode inlines them)
        sheet = workbook.active
        assert sheet is not None
        sheet.append(HEADER)
        for row in rows(options.xlsx_rows, options.seed):
            sheet.append(row)
        workbook.save(xlsx_path)
        for path in (csv_path, xlsx_path):
            read, seconds = timed(path)
            print(f"{path.suffix}: {read:,} rows in {seconds:.2f} s = {read / seconds:,.0f} rows/s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (whole run, including writing the files): {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
