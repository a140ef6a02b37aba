"""Addresses split over columns (Straat, Huisnummer, Toevoeging, Postcode, Plaats), read as one.

Many registrations keep an address in separate columns. The parts of a row are joined into the
one-line form the address normalizer reads ("Hoofdstraat 14 A, 3811 AB Amersfoort"), under a
column named after its parts, so a rejection names "Straat+Huisnummer+Postcode" as its column.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from client.errors import InputFileError


@dataclass(frozen=True, kw_only=True)
class AddressColumns:
    """Which export columns hold the parts of one address (any may be absent)."""

    street: str | None = None
    house_number: str | None = None
    addition: str | None = None
    postcode: str | None = None
    city: str | None = None

    def columns(self) -> list[str]:
        """Return the part columns that are set, in address order."""
        parts = (self.street, self.house_number, self.addition, self.postcode, self.city)
        return [part for part in parts if part is not None]

    @property
    def name(self) -> str:
        """Return the joined column's name: its parts' names with '+'."""
        return "+".join(self.columns())

    def check(self, headers: Iterable[str]) -> None:
        """Refuse parts that cannot make an address, or that the export does not have."""
        known = set(headers)
        missing = [column for column in self.columns() if column not in known]
        if missing:
            raise InputFileError(f"the export has no columns {missing}")
        if self.house_number is None or (self.postcode is None and self.street is None):
            raise InputFileError(
                "an address in separate columns needs a house number and a postcode or street"
            )
        if self.name in known:
            raise InputFileError(f"the export already has a column named {self.name!r}")

    def join(self, row: Mapping[str, str]) -> str:
        """Return one row's address as one line; empty when every part is empty."""

        def part(column: str | None) -> str:
            return row.get(column, "").strip() if column is not None else ""

        street = " ".join(
            text
            for text in (part(self.street), part(self.house_number), part(self.addition))
            if text
        )
        place = " ".join(text for text in (part(self.postcode), part(self.city)) if text)
        return ", ".join(text for text in (street, place) if text)


def with_joined_address(
    rows: Iterable[tuple[int, Mapping[str, str]]], address: AddressColumns
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield each row with the joined address added under ``address.name``."""
    name = address.name
    for number, row in rows:
        yield number, {**row, name: address.join(row)}
