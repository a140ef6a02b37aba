"""Phone numbers: every spelling of a number gives one E.164 form; the region trap is visible."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from phonenumbers.phonenumber import CountryCodeSource

from client.errors import NormalizationError
from client.normalizers import normalize, phone
from client.normalizers._phone_fast import parse_plain

REGIONS = ["NL", "RO", "BG", "HU", "PL", "NG", "TH", "CO", "VE", "ES", "DE", "BE", "GB", "US", "IT"]
SEPARATORS = st.sampled_from(["", "", " ", "-", ".", "/"])

dutch_mobiles = st.builds(
    lambda second, rest: f"6{second}{rest}",
    st.sampled_from("123458"),
    st.text(alphabet="0123456789", min_size=7, max_size=7),
)


def _spaced(digits: str, separator: str, every: int) -> str:
    return separator.join(digits[i : i + every] for i in range(0, len(digits), every))


@st.composite
def plain_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """Draw (text, region): a near-real number of some country in one of the plain spellings."""
    home = draw(st.sampled_from(REGIONS))
    region = draw(st.one_of(st.just(home), st.sampled_from(REGIONS)))
    kind = draw(st.sampled_from([PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE]))
    example = phonenumbers.example_number_for_type(home, kind)
    national = phonenumbers.national_significant_number(example)
    # Mostly keep the length and the leading digits, so that many drawn numbers are valid.
    keep = draw(st.integers(min_value=max(1, len(national) - 4), max_value=len(national)))
    size = max(0, len(national) - keep + draw(st.sampled_from([0, 0, 0, 1, -1])))
    national = national[:keep] + draw(st.text(alphabet="0123456789", min_size=size, max_size=size))
    prefix = draw(st.sampled_from(["+", "00", "0", ""]))
    code = str(example.country_code) if prefix in ("+", "00") else ""
    digits = _spaced(national, draw(SEPARATORS), draw(st.integers(2, 4)))
    shape = draw(st.sampled_from(["plain", "plain", "(0)", "(area)"]))
    if shape == "(0)":
        digits = f"(0){digits}"
    elif shape == "(area)":
        digits = f"({digits[:2]}) {digits[2:]}"
    if code:
        digits = f"{code} {digits}" if draw(st.booleans()) else f"{code}{digits}"
    separator = " " if prefix in ("+", "00") and draw(st.booleans()) else ""
    return f"{prefix}{separator}{digits}" if prefix != "0" else f"0{digits}", region


@settings(max_examples=400, deadline=None)
@given(case=plain_numbers())
def test_fast_path_gives_libphonenumbers_answer(case: tuple[str, str]) -> None:
    text, region = case
    fast = parse_plain(text, region)
    try:
        number = phonenumbers.parse(text, region, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        assert fast is None
        return
    if not phonenumbers.is_valid_number(number):
        assert fast is None
        return
    expected = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    written_with_code = number.country_code_source in (
        CountryCodeSource.FROM_NUMBER_WITH_PLUS_SIGN,
        CountryCodeSource.FROM_NUMBER_WITH_IDD,
    )
    if fast is not None:
        assert fast == (expected, written_with_code)
    assert normalize("phone", text, region=region) == expected


@settings(max_examples=100, deadline=None)
@given(national=dutch_mobiles, separator=SEPARATORS)
def test_every_spelling_of_a_dutch_mobile_is_one_number(national: str, separator: str) -> None:
    expected = f"+31{national}"
    spelled = _spaced(national[1:], separator, 2)
    spellings = [
        f"06{separator}{spelled}",
        f"+31 6{separator}{spelled}",
        f"+31 (0)6 {spelled}",
        f"0031{national}",
        f"tel:+31{national}",
        f"https://wa.me/31{national}",
        f"https://api.whatsapp.com/send?phone=31{national}&text=hallo",
    ]
    assert {normalize("phone", spelling) for spelling in spellings} == {expected}


@settings(max_examples=50, deadline=None)
@given(national=dutch_mobiles)
def test_only_nationally_written_numbers_without_hint_are_marked_assumed(national: str) -> None:
    assert phone.parse(f"0{national}").region_assumed is True
    assert phone.parse(f"0{national}", region="NL").region_assumed is False
    assert phone.parse(f"+31{national}").region_assumed is False
    assert phone.parse(f"0031{national}").region_assumed is False


def test_region_trap_romanian_number_written_nationally() -> None:
    guessed = phone.parse("0721 234 567")
    hinted = phone.parse("0721 234 567", region="RO")
    assert guessed == phone.PhoneResult("+31721234567", region_assumed=True)
    assert hinted == phone.PhoneResult("+40721234567", region_assumed=False)


def test_a_hint_never_changes_an_internationally_written_number() -> None:
    for region in ["NL", "RO", "US", "TH"]:
        assert normalize("phone", "+40 721 234 567", region=region) == "+40721234567"


def test_region_hint_must_be_a_country_code() -> None:
    with pytest.raises(NormalizationError, match="region hint is not an ISO 3166 country code"):
        phone.parse("0721 234 567", region="Romania")


def test_invalid_number_error_names_the_region_it_was_read_in() -> None:
    with pytest.raises(NormalizationError) as raised:
        normalize("phone", "0721 234", region="RO")
    assert raised.value.rule == "not a valid phone number in region RO"
