"""Addresses: once a Dutch postcode is present, only postcode, number and addition matter."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from client.errors import NormalizationError
from client.normalizers import address, match_keys, normalize
from client.normalizers._dutch_fast import dutch_with_postcode

STREETS = [
    "Hoofdstraat",
    "1e Jan Steenstraat",
    "Laan van Meerdervoort",
    "Ștefan cel Mare",
    "Oudegracht",
]
CITIES = ["Amersfoort", "'s-Hertogenbosch", "Den Haag", "Ede", "Zoetermeer"]
#: How an addition is written, and its canonical suffix.
ADDITIONS = [
    ("", ""),
    ("A", "-A"),
    ("a", "-A"),
    ("-a", "-A"),
    (" A", "-A"),
    ("-2", "-2"),
    (" II", "-2"),
    (" III", "-3"),
    ("-I", "-1"),
    ("-H", "-H"),
    (" hs", "-H"),
    (" huis", "-H"),
    (" bis", "-BIS"),
    ("-A-2", "-A-2"),
    ("A 2 hoog", "-A-2"),
    (" 3e verdieping", "-3"),
]

postcodes = st.tuples(
    st.integers(min_value=1000, max_value=9999),
    st.text(alphabet="ABCDEFGHJKLMNPRTUVWXZ", min_size=2, max_size=2),
)


@st.composite
def dutch_addresses(draw: st.DrawFn) -> tuple[str, str]:
    """Draw (written address, expected canonical form) in one of the layouts found in exports."""
    digits, letters = draw(postcodes)
    postcode = draw(
        st.sampled_from([f"{digits} {letters}", f"{digits}{letters}", f"{digits}{letters.lower()}"])
    )
    number = draw(st.integers(min_value=1, max_value=9999))
    written, suffix = draw(st.sampled_from(ADDITIONS))
    street, city = draw(st.sampled_from(STREETS)), draw(st.sampled_from(CITIES))
    layout = draw(st.sampled_from(range(5)))
    house = f"{number}{written}"
    text = [
        f"{street} {house}, {postcode} {city}",
        f"{postcode} {house}",
        f"{street} {house} {postcode} {city}",
        f"{street} {house}\n{postcode}  {city}\nNederland",
        f"NL-{postcode} {house}",
    ][layout]
    if draw(st.booleans()):
        text = text.upper()
    return text, f"NL {digits}{letters} {number}{suffix}"


@settings(max_examples=300, deadline=None)
@given(case=dutch_addresses())
def test_dutch_address_with_postcode_is_postcode_number_addition(case: tuple[str, str]) -> None:
    text, expected = case
    canonical = normalize("address", text)
    assert canonical == expected
    unit, building = match_keys("address", canonical)
    assert unit == ("address", "unit", expected)
    # the building key of an address without an addition carries its own label (same token)
    assert building.level == ("building" if "-" in expected else "no_addition")
    assert building.value == expected.split("-")[0]


@st.composite
def mangled_addresses(draw: st.DrawFn) -> str:
    """Draw a Dutch address with odd pieces put in: digits, words, commas, another postcode."""
    text, _ = draw(dutch_addresses())
    for _ in range(draw(st.integers(0, 3))):
        piece = draw(
            st.sampled_from([" 12", " a", ",", " nr ", "-", " 1234 AB", " ii", " hs", "x"])
        )
        at = draw(st.integers(0, len(text)))
        text = text[:at] + piece + text[at:]
    return text


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(dutch_addresses().map(lambda case: case[0]), mangled_addresses()))
def test_dutch_fast_path_gives_the_general_answer(text: str) -> None:
    country, cleaned = address.country_and_text(text, None)
    fast = dutch_with_postcode(cleaned)
    if country != "NL" or fast is None:
        return
    assert fast == address.parse(country, cleaned)


@settings(max_examples=50, deadline=None)
@given(postcode=postcodes, number=st.integers(1, 999))
def test_street_and_city_spelling_do_not_matter_with_a_postcode(
    postcode: tuple[int, str], number: int
) -> None:
    code = f"{postcode[0]} {postcode[1]}"
    spellings = {
        normalize("address", f"{street} {number}, {code} {city}")
        for street in STREETS
        for city in CITIES
    }
    assert spellings == {f"NL {postcode[0]}{postcode[1]} {number}"}


def test_addresses_without_addition_have_equal_unit_and_building_keys() -> None:
    unit, building = match_keys("address", normalize("address", "3811AB 14"))
    assert unit.value == building.value == "NL 3811AB 14"


def test_building_key_joins_the_units_of_one_house() -> None:
    flats = ["Kerkstraat 100-1, 1017GC", "Kerkstraat 100 II, 1017GC", "Kerkstraat 100 hs, 1017GC"]
    keys = [match_keys("address", normalize("address", flat)) for flat in flats]
    assert len({unit.value for unit, _ in keys}) == 3
    assert {building.value for _, building in keys} == {"NL 1017GC 100"}


def test_without_postcode_abbreviations_and_spacing_agree() -> None:
    spellings = [
        "Hoofdstraat 14 A, Amersfoort",
        "Hoofdstr. 14a Amersfoort",
        "HOOFD STRAAT 14-A, AMERSFOORT",
        "hoofdstraat 14 a, amersfoort, Nederland",
    ]
    assert {normalize("address", s) for s in spellings} == {"NL hoofdstraat 14-A, amersfoort"}


def test_country_in_the_text_wins_over_the_context_hint() -> None:
    text = "Invalidenstraße 117, 10115 Berlin, Deutschland"
    assert normalize("address", text, country="NL") == "DE 10115 invalidenstrasse 117"


def test_a_foreign_address_needs_its_country() -> None:
    assert normalize("address", "Strada Victoriei 12, București", country="RO") == (
        "RO stradavictoriei 12, bucuresti"
    )
    assert normalize("address", "Strada Victoriei 12, București").startswith("NL ")


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Hoofdstraat", "no house number"),
        ("3811 AB Amersfoort", "no house number"),
        ("Hoofdstraat 14", "no postcode and no city"),
        ("14, Amersfoort", "no street name"),
    ],
)
def test_incomplete_addresses_are_refused_with_the_missing_part(text: str, rule: str) -> None:
    with pytest.raises(NormalizationError) as raised:
        normalize("address", text)
    assert raised.value.rule == rule


@pytest.mark.parametrize("raw", ["NO/1:AA", "Nr/12 Amsterdam"])
def test_a_house_number_word_is_never_a_street(raw: str) -> None:
    # read as a street, 'no' would come back as 'number 1' from its own canonical form
    with pytest.raises(NormalizationError, match="no street name"):
        address.normalize(raw)


@pytest.mark.parametrize("raw", ["1/00000,A", "00000 1, Ede"])
def test_digits_alone_are_never_a_street(raw: str) -> None:
    # read again, a street '00000' would be the house number of an address with no street
    with pytest.raises(NormalizationError, match="no street name"):
        address.normalize(raw)


def test_a_house_letter_after_a_dash_is_not_an_article() -> None:
    # 's-Hertogenbosch joins its article; in '1-S-A' the S is a house letter and Ede the city
    canonical = address.normalize("Dorpsweg 1-S-A, Ede")

    assert canonical == "NL dorpsweg 1-S-A, ede"
    assert address.normalize(canonical) == canonical
    assert address.normalize("Markt 1, 's-Hertogenbosch") == "NL markt 1, denbosch"
