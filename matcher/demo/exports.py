"""Synthetic agency exports for the demonstration, with planted cross-agency overlaps.

Every identifier here is invented. The planted overlaps are written differently by each agency
(the messiness normalization must survive), so an alert proves the whole chain works.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook


@dataclass(frozen=True)
class DemoAgency:
    """One agency of the demonstration federation and the shape of its export."""

    name: str
    kind: str
    region: str
    contact_point: str
    export_name: str
    delimiter: str
    encoding: str
    columns: dict[str, str]  # export column -> kind
    case_column: str
    date_column: str
    category: str
    extra: dict[str, str] = field(default_factory=dict)  # extra mapping: dob/region columns


AGENCIES: tuple[DemoAgency, ...] = (
    DemoAgency(
        name="Gemeente Amsterdam",
        kind="municipality",
        region="Amsterdam-Amstelland",
        contact_point="toezicht-prostitutie@amsterdam.example",
        export_name="amsterdam.csv",
        delimiter=";",
        encoding="cp1252",
        columns={"Telefoon": "phone", "Adres": "address", "Exploitant": "operator"},
        case_column="Zaaknummer",
        date_column="Datum",
        category="advertisement_monitoring",
    ),
    DemoAgency(
        name="Gemeente Utrecht",
        kind="municipality",
        region="Midden-Nederland",
        contact_point="vergunningen@utrecht.example",
        export_name="utrecht.xlsx",
        delimiter="",
        encoding="",
        columns={"Telefoonnummer": "phone", "Adres": "address", "Naam exploitant": "operator"},
        case_column="Dossier",
        date_column="Datum melding",
        category="permit_application",
    ),
    DemoAgency(
        name="Gemeente Amersfoort",
        kind="municipality",
        region="Midden-Nederland",
        contact_point="handhaving@amersfoort.example",
        export_name="amersfoort.csv",
        delimiter=",",
        encoding="utf-8-sig",
        columns={"phone": "phone", "address": "address", "person": "person"},
        case_column="case",
        date_column="date",
        category="inspection",
        extra={"dob": "dob"},
    ),
    DemoAgency(
        name="Politie Eenheid Midden-Nederland",
        kind="police",
        region="Midden-Nederland",
        contact_point="avim@politie-mn.example",
        export_name="politie.tsv",
        delimiter="\t",
        encoding="utf-8",
        columns={
            "telefoon": "phone",
            "naam": "person",
            "kenteken": "plate",
            "iban": "iban",
            "email": "email",
        },
        case_column="registratienummer",
        date_column="datum",
        category="police_report",
        extra={"dob": "geboortedatum", "phone_region": "land"},
    ),
)

#: The planted overlaps: per agency name, the cells of the row that carries them.
PLANTED: dict[str, list[dict[str, str]]] = {
    "Gemeente Amsterdam": [
        {"Telefoon": "06-12345678", "Exploitant": "Velvet Lounge B.V.", "Adres": ""},
        {
            "Telefoon": "tel:+31 6 87654321",
            "Adres": "Oudezijds Achterburgwal 101-H, 1012 DE Amsterdam",
        },
    ],
    "Gemeente Utrecht": [
        {"Telefoonnummer": "+31 (0)6 1234 5678", "Adres": "hoofdstraat 14a 3811ab"},
        {"Naam exploitant": "VELVET LOUNGE BV h.o.d.n. Club Rood", "Adres": "1012de 101 huis"},
    ],
    "Gemeente Amersfoort": [
        {"address": "Hoofdstraat 14-A, 3811 AB Amersfoort", "phone": "+40 721 234 567"},
        {"person": "Popescu, Ana Maria", "dob": "07-03-1998", "phone": "06.8765.4321"},
    ],
    "Politie Eenheid Midden-Nederland": [
        {"telefoon": "0031612345678", "kenteken": "12-ABC-3"},
        {
            "telefoon": "0721 234 567",
            "land": "RO",
            "naam": "Ana-Maria Popescu",
            "geboortedatum": "1998-03-07",
        },
        {"telefoon": "06-123", "email": "Info.Rood+ads@Example.NL"},  # an invalid phone: rejected
    ],
}

_STREETS = ("Kerkstraat", "Stationsweg", "Dorpsstraat", "Molenlaan", "Schoolstraat", "Parkweg")
_FIRST = ("Maria", "Elena", "Ioana", "Anna", "Olga", "Petra", "Daria", "Lina")
_LAST = ("Ionescu", "Dimitrova", "Kovács", "Nowak", "de Vries", "Jansen", "Bakker", "Horvat")
_SYLLABLES = ("ba", "ne", "ko", "ri", "vla", "du", "mes", "tor", "ga", "lin", "sto", "pe")
_OPERATORS = ("Club Amor", "Relax Inn", "Sauna Sterre", "Studio Nova", "Massagesalon Lotus")
_FORMS = (" B.V.", " V.O.F.", "", " SRL", " Kft.")


def _filler(agency: DemoAgency, rng: random.Random) -> dict[str, str]:
    """Return a row of unrelated, invented identifiers for one agency's columns."""
    row: dict[str, str] = {}
    for column, kind in agency.columns.items():
        if kind == "phone":
            row[column] = f"06-{rng.randrange(1 * 10**7, 6 * 10**7)}"
        elif kind == "address":
            postcode = f"{rng.randrange(1000, 9999)} {rng.choice('ABCDEGHJKLMNPRSTVWXZ')}"
            postcode += rng.choice("ABCDEGHJKLMNPRSTVWXZ")
            row[column] = f"{rng.choice(_STREETS)} {rng.randrange(1, 300)}, {postcode}"
        elif kind == "operator":
            row[column] = f"{rng.choice(_OPERATORS)} {rng.randrange(1, 999)}{rng.choice(_FORMS)}"
        elif kind == "person":
            surname = "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize()
            row[column] = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}-{surname}"
        elif kind == "plate":
            row[column] = (
                f"{rng.randrange(10, 99)}-{rng.choice(('XK', 'TR', 'GB'))}-{rng.randrange(1, 9)}"
            )
    return row


def rows_for(agency: DemoAgency, *, filler_rows: int, seed: int) -> Iterator[dict[str, str]]:
    """Yield the agency's export rows: planted overlaps first, then unrelated signals."""
    rng = random.Random(f"{seed}/{agency.name}")  # noqa: S311  (invented data, not secrets)
    header = [agency.case_column, agency.date_column, *agency.columns, *agency.extra.values()]
    start = dt.date(2026, 3, 1)
    planted = PLANTED.get(agency.name, [])
    for number in range(len(planted) + filler_rows):
        cells = planted[number] if number < len(planted) else _filler(agency, rng)
        observed = start + dt.timedelta(days=rng.randrange(0, 200))
        row = dict.fromkeys(header, "")
        row[agency.case_column] = f"{agency.name.split()[-1][:3].upper()}-2026-{number + 1:04d}"
        row[agency.date_column] = observed.isoformat()
        row.update(cells)
        yield row


def write_export(
    agency: DemoAgency, directory: Path, *, filler_rows: int = 40, seed: int = 7
) -> Path:
    """Write the agency's export the way its own systems would (CSV dialect or XLSX)."""
    path = directory / agency.export_name
    rows = list(rows_for(agency, filler_rows=filler_rows, seed=seed))
    header = list(rows[0])
    if path.suffix == ".xlsx":
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(header)
        for row in rows:
            sheet.append([row[column] for column in header])
        workbook.save(path)
        return path
    with path.open("w", encoding=agency.encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, delimiter=agency.delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def identifier_cells(*, filler_rows: int = 40, seed: int = 7) -> set[tuple[str | None, str]]:
    """Return (kind, value) of every non-empty identifier cell of every export (privacy canary).

    Dates of birth and region hints have no kind of their own (None).
    """
    cells: set[tuple[str | None, str]] = set()
    for agency in AGENCIES:
        for row in rows_for(agency, filler_rows=filler_rows, seed=seed):
            cells.update(
                (kind, row[column]) for column, kind in agency.columns.items() if row[column]
            )
            cells.update((None, row[column]) for column in agency.extra.values() if row[column])
    return cells
