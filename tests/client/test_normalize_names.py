"""Person and operator names: spelling variants that agencies write for one name agree."""

from __future__ import annotations

import datetime as dt
import string
import unicodedata

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from client.errors import NormalizationError
from client.normalizers import match_keys, normalize
from client.normalizers._legal_forms import JOINED_FORMS, JOINED_MARKERS
from client.normalizers._placeholders import is_placeholder


def _without_accents(text: str) -> str:
    """Strip accents the Unicode way (an independent check on the transliteration)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


#: Letters of Romanian, Hungarian, Polish and Dutch names that Unicode decomposes (no ł, which
#: does not decompose, and no ß, whose upper case is two letters).
NAME_LETTERS = "abcdefghijklmnopqrstuvwxyzăâîșşțţőűéáíóúöüçñëïź"
name_parts = st.lists(
    # 'en' and 'and' join two persons, also when written 'ën' (test_several_persons_are_split)
    st.text(alphabet=NAME_LETTERS, min_size=2, max_size=10).filter(
        lambda p: p.strip() and _without_accents(p) not in {"en", "and"}
    ),
    min_size=1,
    max_size=4,
)
birth_dates = st.dates(min_value=dt.date(1905, 1, 1), max_value=dt.date(2025, 12, 31))
TITLES = {
    "dhr",
    "mevr",
    "mw",
    "mevrouw",
    "meneer",
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "drs",
    "ir",
    "prof",
}


@settings(max_examples=200, deadline=None)
@given(parts=name_parts)
def test_person_name_ignores_order_case_and_diacritics(parts: list[str]) -> None:
    assume(not any(_without_accents(p) in TITLES for p in parts))
    assume(not is_placeholder("person", " ".join(parts)))
    expected = normalize("person", " ".join(parts))
    variants = [
        " ".join(reversed(parts)),
        f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else parts[0],
        "-".join(parts).upper(),
        _without_accents(" ".join(parts)),
        " ".join(parts).replace("ș", "ş").replace("ț", "ţ"),
        f"{' '.join(parts)} (23)",
    ]
    assert {normalize("person", variant) for variant in variants} == {expected}
    assert expected == " ".join(sorted(_without_accents(" ".join(parts)).split()))


@settings(max_examples=100, deadline=None)
@given(parts=name_parts, born=birth_dates)
def test_date_of_birth_spellings_give_one_name_dob_key(parts: list[str], born: dt.date) -> None:
    assume(not is_placeholder("person", " ".join(parts)))
    name = " ".join(parts)
    spellings = [
        born.isoformat(),
        f"{born.day:02d}-{born.month:02d}-{born.year}",
        f"{born.day}-{born.month}-{born.year}",
        f"{born.day:02d}/{born.month:02d}/{born.year}",
        f"{born.year}{born.month:02d}{born.day:02d}",
    ]
    canonicals = {normalize("person", name, dob=spelling) for spelling in spellings}
    assert canonicals == {f"{normalize('person', name)}|{born.isoformat()}"}
    (canonical,) = canonicals
    assert [key.level for key in match_keys("person", canonical)] == ["name", "name_dob"]


def test_a_name_without_date_has_only_the_name_level() -> None:
    assert [key.level for key in match_keys("person", normalize("person", "Ana Popescu"))] == [
        "name"
    ]


operator_words = st.lists(
    st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=8).filter(
        lambda w: w not in JOINED_FORMS | JOINED_MARKERS and w not in {"and", "und"}
    ),
    min_size=1,
    max_size=3,
)
#: each way of writing a legal form, and the code the canonical form keeps (None: no form kept)
LEGAL_FORMS = {
    "B.V.": "bv",
    "BV": "bv",
    "b.v.": "bv",
    "N.V.": "nv",
    "V.O.F.": "vof",
    "SRL": "srl",
    "S.R.L.": "srl",
    "EOOD": "eood",
    "Kft.": "kft",
    "GmbH": "gmbh",
    "Ltd": "ltd",
    "Limited": "ltd",
    "Sp. z o.o.": "spzoo",
    "i.o.": None,
}


@settings(max_examples=150, deadline=None)
@given(words=operator_words, form=st.sampled_from(sorted(LEGAL_FORMS)))
def test_operator_legal_form_punctuation_and_spacing_do_not_matter(
    words: list[str], form: str
) -> None:
    assume(not is_placeholder("operator", " ".join(words)))
    expected = "".join(words)
    name = " ".join(words).title()
    code = LEGAL_FORMS[form]
    with_form = normalize("operator", f"{name} {form}")
    assert with_form == (f"{expected}:{code}" if code else expected)
    assert normalize("operator", with_form) == with_form
    assert normalize("operator", "-".join(words).upper()) == expected
    assert normalize("operator", f"Stichting {name}") == f"{expected}:stichting"
    # the name without its form is the legal name either way; the form only adds 'registered'
    keys = {(key.level, key.value) for key in match_keys("operator", with_form)}
    assert ("legal_name", expected) in keys
    assert (("registered", f"{expected}:{code}") in keys) is (code is not None)


@settings(max_examples=100, deadline=None)
@given(legal=operator_words, trade=operator_words)
def test_trade_name_of_one_agency_matches_the_same_name_recorded_alone(
    legal: list[str], trade: list[str]
) -> None:
    assume(legal != trade)
    assume(not any(is_placeholder("operator", " ".join(name)) for name in (legal, trade)))
    with_trade = normalize("operator", f"{' '.join(legal)} B.V. h.o.d.n. {' '.join(trade)}")
    alone = normalize("operator", " ".join(trade))
    assert with_trade == f"{''.join(legal)}:bv|{''.join(trade)}"
    shared = set(match_keys("operator", with_trade)) & set(match_keys("operator", alone))
    assert shared == {("operator", "trade_name", "".join(trade))}


def test_legal_name_is_also_a_trade_name_of_its_business() -> None:
    keys = match_keys("operator", normalize("operator", "Club Rood B.V. hodn Velvet"))
    assert [(key.level, key.value) for key in keys] == [
        ("legal_name", "clubrood"),
        ("trade_name", "clubrood"),
        ("trade_name", "velvet"),
        ("registered", "clubrood:bv"),
    ]


@pytest.mark.parametrize("form", LEGAL_FORMS)
def test_a_legal_form_alone_is_not_an_operator(form: str) -> None:
    with pytest.raises(NormalizationError, match="only a legal form"):
        normalize("operator", form)
