"""Column roles guessed from Dutch header names, and addresses split over columns."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client.address_columns import AddressColumns, with_joined_address
from client.errors import InputFileError
from client.normalizers import normalize
from client.suggestions import SINGLE_ROLES, guess_role, suggest_roles


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("Telefoonnummer", "phone"),
        ("Tel.", "phone"),
        ("TELEFOON", "phone"),
        ("Telefoonnummer exploitant", "phone"),
        ("E-mailadres", "email"),
        ("Adres", "address"),
        ("Straat", "street"),
        ("Huisnummer", "house_number"),
        ("Postcode", "postcode"),
        ("Woonplaats", "city"),
        ("Exploitant", "operator"),
        ("Naam", "person"),
        ("Geboortedatum", "dob"),
        ("Geb. datum", "dob"),
        ("KvK-nummer", "kvk"),
        ("Kenteken", "plate"),
        ("Zaaknummer", "case"),
        ("Datum melding", "observed"),
        ("Soort", "category"),
        ("Persoon", "person"),
        ("iban", "iban"),
    ],
)
def test_dutch_header_names_suggest_their_role(header: str, role: str) -> None:
    assert guess_role(header) == role


@pytest.mark.parametrize("header", ["Opmerking", "Status", "Behandelaar", "Telraam"])
def test_other_headers_suggest_nothing(header: str) -> None:
    assert guess_role(header) is None


def test_a_metadata_role_goes_to_the_first_column_that_names_it() -> None:
    roles = suggest_roles(["Datum", "Datum melding", "Tel.", "Mobiel"])

    assert roles == {"Datum": "observed", "Tel.": "phone", "Mobiel": "phone"}


@given(st.lists(st.sampled_from(["Datum", "Zaak", "Plaats", "Tel", "Naam", "x"]), max_size=12))
def test_suggestions_never_give_a_single_role_twice(headers: list[str]) -> None:
    roles = list(suggest_roles(headers).values())

    assert all(roles.count(role) == 1 for role in set(roles) & SINGLE_ROLES)


def test_address_parts_join_into_the_form_the_normalizer_reads() -> None:
    parts = AddressColumns(
        street="Straat", house_number="Nr", addition="Toev", postcode="PC", city="Plaats"
    )
    row = {
        "Straat": "Hoofdstraat",
        "Nr": "14",
        "Toev": "A",
        "PC": "3811 AB",
        "Plaats": "Amersfoort",
    }

    ((number, joined),) = with_joined_address([(4, row)], parts)

    assert number == 4
    assert normalize("address", joined[parts.name]) == "NL 3811AB 14-A"
    assert parts.name == "Straat+Nr+Toev+PC+Plaats"


def test_an_empty_address_stays_empty() -> None:
    parts = AddressColumns(house_number="Nr", postcode="PC")

    assert parts.join({"Nr": " ", "PC": ""}) == ""


def test_address_parts_without_a_house_number_are_refused() -> None:
    with pytest.raises(InputFileError, match="house number"):
        AddressColumns(street="Straat", postcode="PC").check(["Straat", "PC"])
