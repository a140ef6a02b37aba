"""Guess what each export column holds from its header name, as Dutch agencies name them.

The guess only prefills a form: the analyst confirms or changes it. Headers are matched after
folding case, accents and punctuation, first whole (the names below, then every name a kind
may be given, see ``client.mapping.kind_names``), then by a known name at their start
("Telefoonnummer exploitant" holds a phone number). Each metadata role is given once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from anyascii import anyascii

from client.cells import fold
from client.mapping import kind_names

#: Roles a column can play besides an identifier kind (wire.Kind values are roles too).
CASE, DOB, OBSERVED, CATEGORY, REGION = "case", "dob", "observed", "category", "region"
STREET, HOUSE_NUMBER, ADDITION, POSTCODE, CITY = (
    "street",
    "house_number",
    "addition",
    "postcode",
    "city",
)
ADDRESS_PARTS = (STREET, HOUSE_NUMBER, ADDITION, POSTCODE, CITY)
SINGLE_ROLES = frozenset({CASE, DOB, OBSERVED, CATEGORY, REGION, *ADDRESS_PARTS})

SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "phone": (
        "telefoonnummer",
        "telefoon",
        "telefoonnr",
        "tel",
        "tel nr",
        "mobiel",
        "mobiel nummer",
        "mobielnummer",
        "gsm",
        "06 nummer",
        "whatsapp",
        "phone",
        "phone number",
    ),
    "email": ("e mail", "email", "e mailadres", "emailadres", "mailadres", "mail"),
    "address": (
        "adres",
        "adresgegevens",
        "vestigingsadres",
        "woonadres",
        "bezoekadres",
        "locatie",
        "address",
    ),
    "operator": (
        "exploitant",
        "naam exploitant",
        "onderneming",
        "bedrijf",
        "bedrijfsnaam",
        "handelsnaam",
        "organisatie",
        "operator",
    ),
    "person": ("naam", "volledige naam", "persoon", "betrokkene", "contactpersoon", "name"),
    "iban": ("iban", "rekeningnummer", "bankrekening", "bankrekeningnummer"),
    "kvk": ("kvk", "kvk nummer", "kvknummer", "kvk nr"),
    "plate": ("kenteken", "kentekenplaat"),
    "url": ("website", "url", "advertentie url", "link", "advertentie"),
    CASE: (
        "zaaknummer",
        "zaak",
        "zaak id",
        "zaaknr",
        "dossiernummer",
        "dossier",
        "kenmerk",
        "registratienummer",
        "case",
    ),
    DOB: ("geboortedatum", "geb datum", "geboren", "date of birth"),
    OBSERVED: (
        "datum",
        "meldingsdatum",
        "datum melding",
        "datum controle",
        "controledatum",
        "peildatum",
        "observatiedatum",
        "date",
    ),
    CATEGORY: ("soort", "categorie", "soort melding", "type melding", "category"),
    REGION: ("land", "landcode", "country"),
    STREET: ("straat", "straatnaam", "street"),
    HOUSE_NUMBER: ("huisnummer", "huisnr", "nummer", "house number"),
    ADDITION: ("toevoeging", "huisnummertoevoeging", "huisletter"),
    POSTCODE: ("postcode", "pc", "postal code", "zip"),
    CITY: ("plaats", "woonplaats", "vestigingsplaats", "stad", "city"),
}

_PUNCTUATION = re.compile(r"[^a-z0-9]+")
_BY_NAME = {name: role for role, names in SYNONYMS.items() for name in names}
_PREFIXES = sorted(_BY_NAME, key=len, reverse=True)


def _folded(header: str) -> str:
    return _PUNCTUATION.sub(" ", anyascii(header).casefold()).strip()


def guess_role(header: str) -> str | None:
    """Return the role a header name suggests (a kind or a metadata role), or None."""
    folded = _folded(header)
    if folded in _BY_NAME:
        return _BY_NAME[folded]
    # the names a kind may be given on the command line: its Dutch label, its own name, and
    # those of kinds registered after this table was written
    named = kind_names().get(fold(header)) or kind_names().get(folded)
    if named is not None:
        return named
    for name in _PREFIXES:
        if len(name) >= 4 and folded.startswith(name + " "):
            return _BY_NAME[name]
    return None


def suggest_roles(headers: Sequence[str]) -> dict[str, str]:
    """Return {header: role} for the headers with a guess; a metadata role goes to one column."""
    roles: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        role = guess_role(header)
        if role is None or role in taken:
            continue
        if role in SINGLE_ROLES:
            taken.add(role)
        roles[header] = role
    return roles
