"""Client throughput: prepare a synthetic 100,000-signal export as ``kruispunt prepare`` does.

Generates a seeded CSV (``;``-separated, as Dutch Excel writes) with messy Dutch and foreign phone
numbers, addresses, operators and person names, then runs the real CLI command in-process (both
cores, batch file, ledger) and prints signals/s and peak memory.

    .venv/bin/python benchmarks/client_throughput.py                 # 100,000 rows, all cores
    .venv/bin/python benchmarks/client_throughput.py --rows 20000 --workers 1
    .venv/bin/python benchmarks/client_throughput.py --profile       # cProfile, one process
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import os
import pstats
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from client.cli import main
from client.keys import generate_key, save_key


def _words(text: str) -> list[str]:
    """Split a comma-separated word list (names with spaces and diacritics, as exports hold)."""
    return text.split(",")


_FIRST = _words(
    "Ana,Maria,Ioana,Elena,Andreea,Mihaela,Svetlana,Desislava,Zsófia,Anikó,Katarzyna,Chioma,"
    "Ngozi,Siriporn,Valentina,Lucía,Jan,Pieter,Ștefan,Gheorghe,Николай,Мария,Dóra,Ewa"
)
_LAST = _words(
    "Popescu,Ionescu,Țurcanu,Dumitrescu,Ivanova,Petrova,Nagy,Kovács,Szőke,Kowalska,Nowak,"
    "Okafor,Adeyemi,Srisuk,Rodríguez,García,de Vries,van den Berg,Jansen,Bakker,Иванова,"
    "Horváth,Mureșan"
)
_STREETS = _words(
    "Hoofdstraat,Kerkweg,Dorpsstraat,Stationsplein,Molenlaan,Parkweg,Nieuwe Binnenweg,"
    "Oudegracht,Julianastr.,Wilhelminaln,Markt"
)
_CITIES = _words(
    "Amsterdam,Rotterdam,'s-Gravenhage,Utrecht,Eindhoven,Groningen,Tilburg,Almere,Breda,"
    "Nijmegen,Arnhem,Haarlem,Amersfoort"
)
_OPERATORS = _words(
    "Rode Roos,Club Paradise,Wellness & Relax,Night Star,Velvet Lounge,Privéhuis De Linde,"
    "Escort Service Amstel,Studio Venus,Golden Gate"
)
_FORMS = ["B.V.", "BV", "V.O.F.", "", "Holding B.V.", "SRL", "EOOD", "Kft.", "Ltd", "GmbH"]
_CATEGORIES = ["advertentie", "controle", "vergunningaanvraag", "melding", "intake"]


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


_FOREIGN = [
    ("40", ["72", "73", "74", "75", "76", "78"], 7),  # Romania
    ("359", ["87", "88", "89"], 7),  # Bulgaria
    ("36", ["20", "30", "70"], 7),  # Hungary
    ("48", ["50", "51", "53", "60", "66", "69", "72", "78", "79", "88"], 7),  # Poland
    ("234", ["803", "806", "703", "813"], 7),  # Nigeria
    ("66", ["81", "86", "89"], 7),  # Thailand
    ("57", ["300", "310", "320"], 7),  # Colombia
    ("58", ["412", "414", "424"], 7),  # Venezuela
    ("34", ["6"], 8),  # Spain
]


def phone(rng: random.Random) -> str:
    """Return a phone number as analysts find them: national, international, links, foreign."""
    national = "6" + rng.choice("12345") + _digits(rng, 7)
    style = rng.random()
    if style < 0.18:
        return f"06-{national[1:]}"
    if style < 0.30:
        return f"+31 (0)6 {national[1:5]} {national[5:]}"
    if style < 0.38:
        return f"0031{national}"
    if style < 0.45:
        return f"06.{national[1:5]}.{national[5:]}"
    if style < 0.50:
        return f"tel:+31{national}"
    if style < 0.55:
        return f"https://wa.me/31{national}"
    if style < 0.60:
        return f"0{national[:1]} {national[1:5]} {national[5:]}"
    if style < 0.97:
        # (country code, mobile prefixes, digits after the prefix), written internationally
        code, prefixes, rest = rng.choice(_FOREIGN)
        digits = rng.choice(prefixes) + _digits(rng, rest)
        return f"+{code} {digits[:3]} {digits[3:6]} {digits[6:]}"
    return rng.choice(["onbekend", "06-123", "zie dossier"])  # what real exports also hold


def address(rng: random.Random) -> str:
    """Return a Dutch address with a postcode, a house number and often an addition."""
    letters = rng.choice("ABCDEFGHJKLMNPRTVWXZ") + rng.choice("ABCDEHJKLMNPRTVWXZ")
    postcode = f"{rng.randint(1000, 9999)} {letters}"
    number = str(rng.randint(1, 350))
    addition = rng.choice(["", "", "", "A", "-a", " b", "-2", " II", "-H", " hs", " bis"])
    style = rng.random()
    if style < 0.5:
        return f"{rng.choice(_STREETS)} {number}{addition}, {postcode} {rng.choice(_CITIES)}"
    if style < 0.8:
        return f"{postcode.replace(' ', '')} {number}{addition}"
    city = rng.choice(_CITIES).upper()
    return f"{rng.choice(_STREETS)} {number}{addition}\n{postcode.lower()}  {city}"


def person(rng: random.Random) -> str:
    """Return a name in one of the orders and spellings exports hold."""
    first = rng.choice(_FIRST)
    if rng.random() < 0.3:
        first = f"{first}-{rng.choice(_FIRST)}"
    last = rng.choice(_LAST)
    style = rng.random()
    if style < 0.4:
        return f"{first} {last}"
    if style < 0.7:
        return f"{last}, {first}"
    if style < 0.85:
        return f"{last.upper()} {first}"
    return f"{first} ({rng.randint(19, 45)})"


def operator(rng: random.Random) -> str:
    """Return an operator's name with a legal form and sometimes a trade name."""
    name = f"{rng.choice(_OPERATORS)} {rng.choice(_FORMS)}".strip()
    if rng.random() < 0.2:
        return f"{name} h.o.d.n. {rng.choice(_OPERATORS)}"
    return name


def write_export(path: Path, rows: int, *, seed: int, dob: bool = False) -> None:
    """Write a synthetic export of rows signals, the same for the same seed.

    With dob, a date of birth column follows (filled for most persons), so that persons get
    their name-and-date-of-birth key and its near keys too.
    """
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        header = ["zaaknummer", "telefoon", "adres", "naam", "exploitant", "datum", "soort"]
        writer.writerow(header + (["geboortedatum"] if dob else []))
        for number in range(rows):
            row = [
                f"Z-2026-{number:06d}",
                phone(rng),
                address(rng) if rng.random() < 0.8 else "",
                person(rng) if rng.random() < 0.7 else "",
                operator(rng) if rng.random() < 0.5 else "",
                f"{rng.randint(1, 28):02d}-{rng.randint(1, 10):02d}-2026",
                rng.choice(_CATEGORIES),
            ]
            if dob:
                born = (
                    f"{rng.randint(1, 28):02d}-{rng.randint(1, 12):02d}-{rng.randint(1970, 2005)}"
                )
                row.append(born if row[3] and rng.random() < 0.8 else "")
            writer.writerow(row)


def _peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def _command(work: Path, workers: int | None, *, dob: bool = False) -> list[str]:
    """Return the prepare command an analyst would type for this export."""
    command = ["prepare", str(work / "export.csv"), "--out", str(work / "batches.jsonl")]
    command += ["--key-file", str(work / "key.json"), "--ledger", str(work / "ledger.sqlite3")]
    for mapping in ("telefoon=phone", "adres=address", "naam=person", "exploitant=operator"):
        command += ["--column", mapping]
    command += ["--case-column", "zaaknummer", "--observed-column", "datum"]
    command += ["--category-column", "soort", "--no-progress"]
    command += ["--dob-column", "geboortedatum"] if dob else []
    return command + (["--workers", str(workers)] if workers is not None else [])


def main_benchmark() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--profile", action="store_true", help="profile one in-process run")
    parser.add_argument("--dob", action="store_true", help="add a date of birth column")
    parser.add_argument("--sort", default="tottime", help="profile order (e.g. cumulative)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kp-bench-") as folder:
        work = Path(folder)
        started = time.perf_counter()
        write_export(work / "export.csv", args.rows, seed=args.seed, dob=args.dob)
        size = (work / "export.csv").stat().st_size / 2**20
        took = time.perf_counter() - started
        print(f"generated {args.rows:,} rows ({size:.1f} MiB) in {took:.1f} s")
        save_key(generate_key(), work / "key.json")
        command = _command(work, 1 if args.profile else args.workers, dob=args.dob)
        profiler = cProfile.Profile() if args.profile else None
        started, cpu_started = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        try:
            main(command, standalone_mode=False)
        finally:
            if profiler is not None:
                profiler.disable()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        signals = tokens = 0
        with (work / "batches.jsonl").open(encoding="utf-8") as lines:
            for line in lines:  # one batch per line: never the whole file in memory
                signals += line.count('"ref":')
                tokens += line.count('"token":')
        workers = args.workers or "all cores"
        print(
            f"prepared {signals:,} signals from {args.rows:,} rows in {elapsed:.2f} s:"
            f" {signals / elapsed:,.0f} signals/s ({os.cpu_count()} cores, workers={workers})"
        )
        print(f"tokens: {tokens:,} ({tokens / max(signals, 1):.2f} per signal)")
        worker_cpu = children.ru_utime + children.ru_stime
        print(f"CPU: this process {cpu:.2f} s, workers {worker_cpu:.2f} s")
        largest = f"{_peak_mib(resource.RUSAGE_CHILDREN):.0f} MiB" if worker_cpu else "none"
        own = _peak_mib(resource.RUSAGE_SELF)
        print(f"peak memory: this process {own:.0f} MiB, largest worker {largest}")
        if profiler is not None:
            pstats.Stats(profiler, stream=sys.stdout).sort_stats(args.sort).print_stats(25)


if __name__ == "__main__":
    main_benchmark()
