"""Near-match keys: a clerical error keeps a shared key, a real difference does not."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from client import kinds
from client.errors import NormalizationError
from client.kinds import Kind, Match
from client.neighbourhoods import MAX_NEAR_KEYS, most_keys, near_keys, with_near_keys
from client.normalizers import module, normalize

letters = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=6, max_size=24)
subscriber = st.text(alphabet="0123456789", min_size=8, max_size=8)


def shared(kind: Kind, first: str, second: str) -> set[tuple[str, str]]:
    return set(near_keys(kind, first)) & set(near_keys(kind, second))


def test_the_phone_numbers_of_the_example_share_a_key_and_another_last_digit_does_not() -> None:
    written = normalize("phone", "06 26 30 34 34")
    swapped = normalize("phone", "+31 (0)6 2633 0434")
    other = normalize("phone", "06 26 30 34 35")
    assert shared(Kind.PHONE, written, swapped)
    assert not shared(Kind.PHONE, written, other)


@given(digits=subscriber, position=st.integers(min_value=0, max_value=6))
def test_a_swapped_pair_of_phone_digits_always_shares_a_key(digits: str, position: int) -> None:
    assume(digits[position] != digits[position + 1])
    swapped = digits[:position] + digits[position + 1] + digits[position] + digits[position + 2 :]
    assert shared(Kind.PHONE, f"+316{digits}", f"+316{swapped}")


@given(digits=subscriber, other=st.sampled_from("0123456789"))
def test_another_last_digit_never_shares_a_phone_key(digits: str, other: str) -> None:
    assume(other != digits[-1])
    assert not shared(Kind.PHONE, f"+316{digits}", f"+316{digits[:-1]}{other}")


@given(
    name=letters,
    position=st.integers(min_value=0, max_value=23),
    letter=st.sampled_from("aeklmnrst"),
)
def test_names_one_edit_apart_with_one_date_of_birth_share_a_key(
    name: str, position: int, letter: str
) -> None:
    position %= len(name)
    edits = [
        name[:position] + letter + name[position + 1 :],  # substituted
        name[:position] + name[position + 1 :],  # dropped
        name[:position] + letter + name[position:],  # inserted
    ]
    if position + 1 < len(name):
        edits.append(name[:position] + name[position + 1] + name[position] + name[position + 2 :])
    for edited in edits:
        assume(len(edited) >= 6)
        assert shared(Kind.PERSON, f"ana {name}|1990-03-07", f"ana {edited}|1990-03-07")


def test_a_date_of_birth_one_day_apart_does_not_link_and_a_day_month_swap_does() -> None:
    person = "maria popescu|1990-03-07"
    assert shared(Kind.PERSON, person, "maria popescu|1990-07-03")
    assert not shared(Kind.PERSON, person, "maria popescu|1990-03-08")
    assert not shared(Kind.PERSON, person, "maria popescu|1991-03-07")


def test_a_name_without_date_of_birth_and_a_short_name_get_no_near_keys() -> None:
    assert near_keys(Kind.PERSON, "maria popescu") == []
    assert near_keys(Kind.PERSON, "ana li|1990-03-07") == []
    assert near_keys(Kind.OPERATOR, "spa") == []


def test_an_operator_name_with_a_typo_shares_a_key_with_the_right_spelling() -> None:
    typed = normalize("operator", "Diamnd Salon B.V.")
    right = normalize("operator", "Diamond Salon")
    assert {level for level, _ in shared(Kind.OPERATOR, typed, right)} == {"legal_near"}
    assert not shared(Kind.OPERATOR, right, normalize("operator", "Diamond Saloon Club"))


def test_a_registered_name_one_letter_apart_shares_a_key_only_with_the_same_legal_form() -> None:
    typed = normalize("operator", "Diamnd Salon B.V.")
    levels = {level for level, _ in shared(Kind.OPERATOR, typed, "diamondsalon:bv")}
    assert levels == {"legal_near", "reg_near"}
    other_form = shared(Kind.OPERATOR, typed, normalize("operator", "Diamond Salon V.O.F."))
    assert {level for level, _ in other_form} == {"legal_near"}


@given(
    name=letters,
    position=st.integers(min_value=0, max_value=23),
    letter=st.sampled_from("aeklmnrst"),
    form=st.sampled_from(["B.V.", "V.O.F.", "Stichting", "GmbH"]),
    other=st.sampled_from(["B.V.", "V.O.F.", "Stichting", "GmbH"]),
)
def test_registered_names_one_edit_apart_share_a_key_only_with_the_same_form(
    name: str, position: int, letter: str, form: str, other: str
) -> None:
    position %= len(name)
    edited = name[:position] + letter + name[position + 1 :]
    assume(edited != name)
    written = f"Stichting {name}" if form == "Stichting" else f"{name} {form}"
    typed = f"Stichting {edited}" if other == "Stichting" else f"{edited} {other}"
    try:
        first, second = normalize("operator", written), normalize("operator", typed)
    except NormalizationError:
        return  # a name that folds to a legal form or a placeholder is refused, not matched
    assert normalize("operator", first) == first  # idempotent: the form survives a second pass
    levels = {level for level, _ in shared(Kind.OPERATOR, first, second)}
    assert ("reg_near" in levels) is (form == other)
    assert "legal_near" in levels


@given(name=st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=60))
def test_no_identifier_yields_more_near_keys_than_the_cap(name: str) -> None:
    for kind, value in ((Kind.OPERATOR, name.replace(" ", "") or "a"), (Kind.PERSON, name)):
        try:
            canonical = normalize(
                kind.value, value, **({"dob": "1990-03-07"} if kind is Kind.PERSON else {})
            )
        except NormalizationError:
            continue
        found = near_keys(kind, canonical)
        assert len(found) <= most_keys(kind)
        for level in {level for level, _ in found}:
            assert sum(1 for each, _ in found if each == level) <= MAX_NEAR_KEYS
        near = {level.name for level in kinds.near_levels(kind)}
        assert {level for level, _ in found} <= near


@pytest.mark.parametrize("kind", list(Kind))
def test_near_levels_are_declared_in_the_kind_specs_with_their_difference(kind: Kind) -> None:
    spec = kinds.spec(kind)
    assert spec is not None
    near = [level for level in spec.levels if level.match is Match.NEAR]
    for level in near:
        assert level.difference is not None and level.difference.nl and level.difference.en
    assert kinds.exact_levels(kind) == tuple(
        level.name for level in spec.levels if level.match is Match.EXACT
    )
    # a near level is either a neighbourhood's or a label sharing an exact level's tokens
    from_neighbourhood = [level for level in near if level.shares_domain is None]
    assert most_keys(kind) == MAX_NEAR_KEYS * len(from_neighbourhood)


def test_the_row_keys_are_the_exact_keys_then_the_near_keys() -> None:
    keys = with_near_keys(Kind.PHONE, module(Kind.PHONE).match_keys)("+31612345678")
    assert keys[0] == ("e164", "+31612345678")
    assert keys[1:] == near_keys(Kind.PHONE, "+31612345678")


def test_a_value_that_is_not_canonical_is_refused_without_echoing_it() -> None:
    keys = with_near_keys(Kind.PERSON, module(Kind.PERSON).match_keys)
    with pytest.raises(NormalizationError) as refused:
        keys("Geheim 0612345678")
    assert "0612345678" not in str(refused.value)
