"""Real case files: placeholders, several identifiers in a cell, clerks' notations, bad dates.

The table of spellings in clerical_spellings.py is shared with benchmarks/spellings.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from clerical_spellings import INVALID, SAME
from hypothesis import given, settings
from hypothesis import strategies as st

from client.errors import NormalizationError
from client.normalizers import match_keys, module, normalize
from client.normalizers._placeholders import PLACEHOLDER_RULE, _placeholder, is_placeholder
from client.normalizers._text import LOST_LETTERS_RULE
from client.normalizers.several import ONE_DOB_RULE, normalize_cell
from client.wire import Kind

#: Placeholders every kind refuses, in the spelling clerks use most.
PLACEHOLDERS = [
    "onbekend", "Onbekend", "ONBEKEND", "n.v.t.", "nvt", "N.V.T", "n/a", "N.B.", "niet bekend",
    "niet van toepassing", "geen", "unknown", "none", "not applicable", "-", "--", "?", "...",
    "x", "XXX", "#N/B", "#N/A", "nader te bepalen", "zie boven", "idem", "anoniem", "leeg",
]  # fmt: skip
#: What the kinds add: the field named in the phrase, roles instead of names.
PLACEHOLDERS_OF_KIND = {
    Kind.PLATE: ["geen kenteken", "Kenteken onbekend", "zonder kenteken", "XX-XX-XX", "00-00-00"],
    Kind.PHONE: ["geen telefoon", "Telefoonnummer: onbekend", "06-xxxxxxxx", "privé"],
    Kind.PERSON: ["NN", "N.N.", "Onbekende man", "Slachtoffer 2", "verdachte", "John Doe"],
    Kind.OPERATOR: ["particulier", "Onbekend bedrijf", "Bedrijfsnaam: n.v.t."],
    Kind.ADDRESS: ["geen vaste woon- of verblijfplaats", "GVWV", "Adres onbekend", "buitenland"],
    Kind.EMAIL: ["geen e-mail", "geen@geen.nl", "onbekend@gmail.com", "x@x.nl"],
    Kind.IBAN: ["geen rekening", "NL00 XXXX 0000 0000 00"],
    Kind.KVK: ["geen KvK", "KvK: onbekend", "xxxxxxxx"],
    Kind.URL: ["geen website", "Website: n.v.t."],
}
#: Unicode spaces and invisibles that copy-paste brings along, and punctuation clerks add.
SPACES = ["\u00a0", "\u202f", "\u2009", "\u2007", "\u3000", "\t", "\u200b", "\ufeff", " "]


def _refusal(kind: Kind, raw: str, **context: str) -> str:
    with pytest.raises(NormalizationError) as raised:
        normalize(kind, raw, **context)
    return raised.value.rule


# Placeholders


@pytest.mark.parametrize("kind", list(Kind))
def test_placeholders_are_refused_with_their_own_rule_for_every_kind(kind: Kind) -> None:
    for raw in PLACEHOLDERS + PLACEHOLDERS_OF_KIND[kind]:
        assert _refusal(kind, raw) == PLACEHOLDER_RULE, raw


@pytest.mark.parametrize("kind", list(Kind))
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_a_placeholder_never_yields_a_token(kind: Kind, data: st.DataObject) -> None:
    written = data.draw(st.sampled_from(PLACEHOLDERS + PLACEHOLDERS_OF_KIND[kind]))
    case = data.draw(st.sampled_from([str.lower, str.upper, str.title, str]))
    before, after = data.draw(st.sampled_from(SPACES)), data.draw(st.sampled_from(SPACES))
    trailing = data.draw(st.sampled_from(["", ".", ":", " ?", "!"]))
    raw = f"{before}{case(written)}{trailing}{after}"
    assert _refusal(kind, raw) == PLACEHOLDER_RULE
    with pytest.raises(NormalizationError):
        normalize_cell(kind.value, module(kind).normalize, raw)


def test_names_that_merely_contain_placeholder_words_are_kept() -> None:
    assert normalize("operator", "Geen Limiet B.V.") == "geenlimiet:bv"
    assert normalize("operator", "No Limit Escorts") == "nolimitescorts"
    assert normalize("operator", "Xenia Beauty") == "xeniabeauty"
    assert normalize("person", "Anna Onbekend-Jansen") == "anna jansen onbekend"
    assert normalize("plate", "NN-12-XY") == "NN12XY"
    assert normalize("email", "geen.spam@club-rood.nl") == "geen.spam@club-rood.nl"


def test_n_v_t_is_no_longer_read_as_an_operator_with_a_legal_form() -> None:
    assert _refusal(Kind.OPERATOR, "n.v.t.") == PLACEHOLDER_RULE
    assert normalize("operator", "Jansen N.V.") == "jansen:nv"


# Several identifiers in one cell


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (Kind.PHONE, "06-12345678 / 06-87654321", ["+31612345678", "+31687654321"]),
        (Kind.PHONE, "06-12345678;\n+40 721 234 567", ["+31612345678", "+40721234567"]),
        (Kind.PLATE, "12-ABC-3 / 34-DEF-5", ["12ABC3", "34DEF5"]),
        (Kind.PLATE, "12-ABC-3 en 34-DEF-5", ["12ABC3", "34DEF5"]),
        (Kind.PERSON, "Ana Popescu / Maria Ionescu", ["ana popescu", "ionescu maria"]),
        (Kind.PERSON, "Ana Popescu en Maria Ionescu", ["ana popescu", "ionescu maria"]),
        (Kind.IBAN, "NL91ABNA0417164300, BE71096123456769", ["NL91ABNA0417164300", "BE71096123456769"]),  # noqa: E501
        (Kind.KVK, "12345678 / 87654321", ["12345678", "87654321"]),
        (Kind.EMAIL, "ana@x.nl; bob@y.nl", ["ana@x.nl", "bob@y.nl"]),
        (Kind.URL, "club-rood.nl, velvet.nl", ["club-rood.nl", "velvet.nl"]),
        (
            Kind.OPERATOR,
            "Club Rood B.V.; Velvet Lounge V.O.F.",
            ["clubrood:bv", "velvetlounge:vof"],
        ),
        (
            Kind.ADDRESS,
            "Hoofdstraat 14, 3811 AB Amersfoort\nKerkstraat 100, 1017 GC Amsterdam",
            ["NL 3811AB 14", "NL 1017GC 100"],
        ),
    ],
)  # fmt: skip
def test_a_cell_with_several_identifiers_is_split_into_each(
    kind: Kind, raw: str, expected: list[str]
) -> None:
    found = normalize_cell(kind.value, module(kind).normalize, raw)
    assert found.values == expected
    assert found.refused == []


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        (Kind.PHONE, "06-12345678 / 06-87654321"),
        (Kind.PLATE, "12-ABC-3 / 34-DEF-5"),
        (Kind.PLATE, "12-ABC-3/34-DEF-5"),
        (Kind.PERSON, "Ana Popescu / Maria Ionescu"),
        (Kind.PERSON, "Ana Popescu & Maria Ionescu"),
        (Kind.IBAN, "NL91ABNA0417164300; NL91ABNA0417164300"),
    ],
)
def test_a_single_value_never_merges_two_identifiers(kind: Kind, raw: str) -> None:
    assert _refusal(kind, raw).startswith(f"several {kind.value} values in one cell")


def test_what_belongs_to_one_identifier_is_not_split() -> None:
    def cell(kind: Kind, raw: str) -> list[str]:
        return normalize_cell(kind.value, module(kind).normalize, raw).values

    assert cell(Kind.ADDRESS, "Hoofdstraat 14\n3811 AB Amersfoort") == ["NL 3811AB 14"]
    assert cell(Kind.ADDRESS, "Hoofdstraat 14-A; 3811 AB; Amersfoort") == ["NL 3811AB 14-A"]
    assert cell(Kind.OPERATOR, "Jansen & Zn") == ["jansenzn"]
    assert cell(Kind.OPERATOR, "Club Rood B.V. t / a Velvet Lounge") == ["clubrood:bv|velvetlounge"]
    assert cell(Kind.EMAIL, "Popescu, Ana <ana@x.nl>") == ["ana@x.nl"]
    assert cell(Kind.PERSON, "Popescu, Ana Maria") == ["ana maria popescu"]


def test_a_bad_part_is_reported_and_the_good_parts_kept() -> None:
    found = normalize_cell("phone", module(Kind.PHONE).normalize, "06-12345678 / onbekend")
    assert found.values == ["+31612345678"]
    assert found.refused == [f"one of several values: {PLACEHOLDER_RULE}"]


def test_two_addresses_joined_by_en_are_refused_not_merged() -> None:
    for raw in ["Hoofdstraat 14 en 16, 3811 AB Amersfoort", "Hoofdstraat 14 & 16, Amersfoort"]:
        assert _refusal(Kind.ADDRESS, raw) == "several house numbers in one address"
        with pytest.raises(NormalizationError):
            normalize_cell("address", module(Kind.ADDRESS).normalize, raw)


def test_persons_sharing_a_written_surname_are_refused_rather_than_guessed() -> None:
    with pytest.raises(NormalizationError, match="not each with a full name"):
        normalize_cell("person", module(Kind.PERSON).normalize, "Ana & Maria Ionescu")


def test_one_date_of_birth_is_used_for_none_of_several_persons() -> None:
    found = normalize_cell(
        "person", module(Kind.PERSON).normalize, "Ana Popescu / Ion Popescu", dob="1990-03-07"
    )
    assert found.values == ["ana popescu", "ion popescu"]
    assert found.refused == [ONE_DOB_RULE]


def test_a_pasted_list_is_refused() -> None:
    raw = "; ".join(f"06-1234567{digit}" for digit in range(7))
    with pytest.raises(NormalizationError, match="more than 5 phone values"):
        normalize_cell("phone", module(Kind.PHONE).normalize, raw)


# Notations


@pytest.mark.parametrize(("kind", "context", "group"), SAME)
def test_every_spelling_in_the_table_gives_one_canonical_form(
    kind: str, context: dict[str, str], group: list[str]
) -> None:
    if context.get("dob"):
        expected = normalize(kind, "Ana Popescu", dob="1990-03-07")
    else:
        expected = normalize(kind, group[0], **context)
    assert {normalize(kind, raw, **context) for raw in group} == {expected}


@pytest.mark.parametrize(("kind", "context", "raw"), INVALID)
def test_every_invalid_cell_in_the_table_is_refused(
    kind: str, context: dict[str, str], raw: str
) -> None:
    with pytest.raises(NormalizationError):
        normalize(kind, raw, **context)


def test_a_floor_or_colour_never_collides_with_the_bare_house_number() -> None:
    bare = normalize("address", "Hoofdstraat 14, 3811 AB Amersfoort")
    for raw in [
        "Hoofdstraat 14, 3e etage, 3811 AB Amersfoort",
        "Hoofdstraat 14, tweede verdieping, 3811 AB Amersfoort",
        "Hoofdstraat 14 rood, 3811 AB Amersfoort",
        "3811 AB 14 boven",
        "3811 AB 14, achter",
    ]:
        canonical = normalize("address", raw)
        assert canonical != bare, raw
        _unit, building = match_keys("address", canonical)
        assert building.value == bare


def test_country_prefixed_postcodes_set_the_country() -> None:
    assert normalize("address", "Rue Haute 12, B-2000 Antwerpen") == "BE 2000 ruehaute 12"
    assert normalize("address", "Hauptstr. 5, D-47533 Kleve") == "DE 47533 hauptstrasse 5"
    assert normalize("address", "Grand-Rue 3, L-1661 Luxembourg").startswith("LU 1661 ")
    # a letter and a short number after a house number are an addition, not a country
    assert normalize("address", "Hoofdstraat 14 A-2, 3811 AB Amersfoort") == "NL 3811AB 14-A-2"


# Dates of birth


@pytest.mark.parametrize(
    ("written", "rule"),
    [
        ("1900-01-01", "date of birth before 1905-01-01 (a placeholder?)"),
        ("01-01-1900", "date of birth before 1905-01-01 (a placeholder?)"),
        ("00-00-1985", "date of birth has an unknown day or month (00)"),
        ("1985-00-00", "date of birth has an unknown day or month (00)"),
        ("1985", "date of birth is only a year"),
    ],
)
def test_implausible_dates_of_birth_are_refused(written: str, rule: str) -> None:
    assert _refusal(Kind.PERSON, "Ana Popescu", dob=written) == rule


def test_a_date_of_birth_in_the_future_is_refused() -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    rule = _refusal(Kind.PERSON, "Ana Popescu", dob=tomorrow.isoformat())
    assert rule == "date of birth is in the future"
    today = normalize("person", "Ana Popescu", dob=dt.date.today().isoformat())
    assert today.endswith(dt.date.today().isoformat())


def test_excel_serial_numbers_and_dutch_month_abbreviations_are_read() -> None:
    for written in ["32939", "32939.0", "7-mrt-1990", "7 mrt. 1990", "07-MRT-1990", "mrt 7 1990"]:
        assert normalize("person", "Ana Popescu", dob=written) == "ana popescu|1990-03-07"


# Letters lost in the export


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        (Kind.PERSON, "?tefania Popescu"),
        (Kind.PERSON, "Ioana B?l?nescu"),
        (Kind.OPERATOR, "Caf? Rood"),
    ],
)
def test_names_with_letters_lost_in_the_export_are_kept_out_of_name_tokens(
    kind: Kind, raw: str
) -> None:
    assert _refusal(kind, raw) == LOST_LETTERS_RULE
    assert "CSV UTF-8" in LOST_LETTERS_RULE


def test_a_question_mark_outside_a_word_is_no_lost_letter() -> None:
    assert normalize("person", "Ana Popescu (?)") == "ana popescu"


# Idempotence

ADDITIONS = st.sampled_from(
    ["A", "b", "H", "hs", "bis", "II", "2", "3e etage", "2 hoog", "bg", "rood", "boven", "10"]
)


@settings(max_examples=300, deadline=None)
@given(
    street=st.sampled_from(["Hoofdstraat", "Jan v. Galenstr.", "Kerkpl.", "Via Roma", "Bus"]),
    number=st.integers(1, 999),
    additions=st.lists(ADDITIONS, max_size=4),
    separators=st.lists(st.sampled_from([" ", "-", "/", ", "]), min_size=4, max_size=4),
    city=st.sampled_from(["Amersfoort", "'s-Gravenhage", "Den Haag", "Genova, Italia"]),
    postcode=st.sampled_from(["", "3811 AB "]),
)
def test_an_address_with_several_additions_is_a_fixed_point(
    street: str,
    number: int,
    additions: list[str],
    separators: list[str],
    city: str,
    postcode: str,
) -> None:
    written = "".join(f"{sep}{part}" for sep, part in zip(separators, additions, strict=False))
    raw = f"{street} {number}{written}, {postcode}{city}"
    try:
        canonical = normalize("address", raw)
    except NormalizationError:
        return
    assert normalize("address", canonical) == canonical


@pytest.mark.parametrize("kind", list(Kind))
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_every_table_spelling_gives_a_fixed_point(kind: Kind, data: st.DataObject) -> None:
    groups = [(context, group) for name, context, group in SAME if name == kind.value]
    if not groups:
        return
    context, group = data.draw(st.sampled_from(groups))
    raw = data.draw(st.sampled_from(group))
    canonical = normalize(kind, raw, **context)
    assert normalize(kind, canonical) == canonical
    assert normalize(kind, canonical, **context) == canonical


PIECES = st.sampled_from(
    [*PLACEHOLDERS, "Hoofdstraat", "14", "Ana", "B.V.", ".", " ", "-", "x", "0", "@", "#", "a"]
)


@pytest.mark.parametrize("kind", list(Kind))
@settings(max_examples=150, deadline=None)
@given(raw=st.one_of(st.text(max_size=20), st.lists(PIECES, max_size=5).map("".join)))
def test_the_quick_placeholder_gate_never_changes_the_answer(kind: Kind, raw: str) -> None:
    text = raw.strip()
    if text and len(text) <= 60:
        assert is_placeholder(kind.value, text) == _placeholder(kind.value, text)
