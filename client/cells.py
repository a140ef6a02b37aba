"""Read a cell as an analyst means it: Excel values as text, observation dates, categories.

None of these functions ever puts the cell's content into a message; they return None instead
and the caller reports the row, the column and the rule.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from client.wire import Category

_DUTCH_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.]+)?")
#: a date as Excel stores it: days since 1899-12-30 (five digits: 1927 to 2173), maybe a time
_EXCEL_SERIAL = re.compile(r"(\d{5})(?:[.,]\d+)?")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def cell_text(value: object) -> str:
    """Return a cell's value as the text an analyst sees (dates as YYYY-MM-DD, 12.0 as 12)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def excel_serial_date(text: str) -> dt.date | None:
    """Return the date of an Excel date serial (45678 is 2025-01-20), as a CSV export or an
    unformatted cell shows it; None for anything else."""
    match = _EXCEL_SERIAL.fullmatch(text.strip())
    if match is None:
        return None
    return _EXCEL_EPOCH + dt.timedelta(days=int(match.group(1)))


def parse_date(text: str) -> dt.date | None:
    """Read YYYY-MM-DD (optionally with a time), DD-MM-YYYY, DD/MM/YYYY, DD.MM.YYYY, or a
    date as Excel stores it (a serial number of days)."""
    text = text.strip()
    if serial := excel_serial_date(text):
        return serial
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := _DUTCH_DATE.fullmatch(text):
        day, month, year = match.groups()
    else:
        return None
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


#: Labels Dutch agencies use for where a signal came from; the lookup ignores case and spacing.
CATEGORY_LABELS: dict[str, Category] = {
    "vergunningaanvraag": Category.PERMIT_APPLICATION,
    "vergunning": Category.PERMIT_APPLICATION,
    "controle": Category.INSPECTION,
    "inspectie": Category.INSPECTION,
    "advertentie": Category.ADVERTISEMENT_MONITORING,
    "advertentiemonitoring": Category.ADVERTISEMENT_MONITORING,
    "advertentie monitoring": Category.ADVERTISEMENT_MONITORING,
    "intake": Category.INTAKE_INTERVIEW,
    "intakegesprek": Category.INTAKE_INTERVIEW,
    "melding": Category.TIP,
    "tip": Category.TIP,
    "klacht": Category.TIP,
    "aangifte": Category.POLICE_REPORT,
    "proces-verbaal": Category.POLICE_REPORT,
    "bibob": Category.BIBOB,
    "overig": Category.OTHER,
    "anders": Category.OTHER,
}


def category_of(text: str, labels: Mapping[str, Category]) -> Category | None:
    """Return the category a cell names (a category value, a Dutch label or the agency's own)."""
    folded = fold(text)
    for label, category in labels.items():
        if fold(label) == folded:
            return category
    try:
        return Category(folded.replace(" ", "_").replace("-", "_"))
    except ValueError:
        return CATEGORY_LABELS.get(folded)


def fold(name: str) -> str:
    """Fold case and spacing, so 'Controle  HORECA' names the same as 'controle horeca'."""
    return " ".join(name.casefold().split())
