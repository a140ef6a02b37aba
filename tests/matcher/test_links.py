"""One alert per real link: evidence grouped, graded, and weak evidence never merging links."""

from __future__ import annotations

import pytest
from datapath_support import (
    World,
    assert_consistent,
    batch,
    name,
    near_phone,
    phone,
    raw_token,
    shown,
    signal,
)
from sqlalchemy import event
from sqlmodel import Session, col, select

from matcher.models import Alert
from matcher.services import alerts, detection, links
from matcher.services.alert_detail import evidence_items
from matcher.services.strength import HUB_SIGNALS, Evidence, strength


def unit(raw: bytes) -> tuple[str, str, bytes]:
    return ("address", "unit", raw)


def building(raw: bytes) -> tuple[str, str, bytes]:
    return ("address", "building", raw)


def test_a_phone_and_an_address_of_one_pair_of_signals_make_one_strong_alert(
    world: World,
) -> None:
    first, second = world.agency("Gemeente Utrecht"), world.agency("Politie Oost", "Oost")
    number, home, house = raw_token(), raw_token(), raw_token()
    tokens = (phone(number), unit(home), building(house))
    world.submit(first, batch(signal(*tokens)))
    world.submit(second, batch(signal(*tokens)))

    (alert,) = shown(world)
    assert (alert.kind, alert.strength, alert.agency_count) == ("phone", "strong", 2)
    with Session(world.engine) as session:
        found = {(item.kind, item.level, item.match) for item in evidence_items(session, alert.id)}
    # the building of the same two signals repeats what the dwelling shows: no alert of its own
    assert found == {("phone", "e164", "exact"), ("address", "unit", "exact")}
    assert {(item.kind, item.level) for item in world.alerts()} == {
        ("phone", "e164"),
        ("address", "unit"),
    }
    assert_consistent(world.engine)


def test_the_near_keys_of_an_exact_phone_match_are_no_alerts_until_another_spelling_holds_one(
    world: World,
) -> None:
    """'06 26 30 34 34' at A and B: the number and its seven swapped-pair keys hold the same two
    signals, so the number's alert is the whole link. 'C' writes '06 26 33 04 34': one of the
    keys now holds a third signal, gets its alert and joins the link as near evidence."""
    first, second, third = (world.agency(f"Instantie {letter}") for letter in "ABC")
    number = raw_token()
    keys = [near_phone(raw_token()) for _ in range(7)]
    world.submit(first, batch(signal(phone(number), *keys)))
    world.submit(second, batch(signal(phone(number), *keys)))
    assert [(item.kind, item.level) for item in world.alerts()] == [("phone", "e164")]

    world.submit(third, batch(signal(phone(raw_token()), keys[3], near_phone(raw_token()))))
    made = sorted((item.level, item.agency_count) for item in world.alerts())
    assert made == [("e164", 2), ("e164_swap", 3)]
    (link,) = shown(world)
    assert (link.level, link.strength) == ("e164", "strong")
    with Session(world.engine) as session:
        found = {(item.level, item.match) for item in evidence_items(session, link.id)}
    assert found == {("e164", "exact"), ("e164_swap", "near")}
    assert_consistent(world.engine)


def test_withdrawing_the_spelling_that_held_a_key_leaves_counts_exact(world: World) -> None:
    """The key's alert, made for a third spelling, is recounted like any alert when that
    spelling is withdrawn, and so is the number's when one of its two signals goes."""
    first, second, third = (world.agency(f"Instantie {letter}") for letter in "ABC")
    number = raw_token()
    keys = [near_phone(raw_token()) for _ in range(7)]
    world.submit(first, batch(signal(phone(number), *keys)))
    kept = signal(phone(number), *keys)
    world.submit(second, batch(kept))
    typo = signal(phone(raw_token()), keys[3])
    world.submit(third, batch(typo))
    assert_consistent(world.engine)

    world.withdraw(third, [typo.ref])
    counts = sorted((item.level, item.agency_count) for item in world.alerts())
    assert counts == [("e164", 2), ("e164_swap", 2)]
    assert_consistent(world.engine)
    world.withdraw(second, [kept.ref])
    assert {item.agency_count for item in world.alerts()} == {1}
    assert_consistent(world.engine)


def test_tokens_of_one_kind_and_signals_but_equally_strong_each_keep_their_alert(
    world: World,
) -> None:
    """Two phone numbers both signals hold: two exact matches, neither repeats the other."""
    first, second = world.agency("Gemeente Utrecht"), world.agency("Gemeente Zeist")
    numbers = (phone(raw_token()), phone(raw_token()))
    world.submit(first, batch(signal(*numbers, near_phone(raw_token()))))
    world.submit(second, batch(signal(*numbers)))
    assert sorted(item.level for item in world.alerts()) == ["e164", "e164"]
    assert len(shown(world)) == 1
    assert_consistent(world.engine)


def test_a_near_phone_match_alone_is_medium_and_says_how_the_numbers_differ(
    world: World,
) -> None:
    first, second = world.agency("Gemeente Utrecht"), world.agency("Gemeente Zeist")
    swapped = raw_token()
    world.submit(first, batch(signal(phone(raw_token()), near_phone(swapped))))
    world.submit(second, batch(signal(phone(raw_token()), near_phone(swapped))))

    (alert,) = shown(world)
    assert alert.strength == "medium"
    with Session(world.engine) as session:
        (item,) = evidence_items(session, alert.id)
        detail = alerts.get_alert(session, alert.id)
    assert (item.match, item.difference) == (
        "near",
        {
            "en": "the phone numbers differ in two swapped digits",
            "nl": "de telefoonnummers verschillen in twee verwisselde cijfers",
        },
    )
    assert alerts.explain(detail).endswith("The phone numbers differ in two swapped digits.")


def test_a_common_name_does_not_merge_separate_links_into_one_alert(world: World) -> None:
    agencies = [world.agency(f"Instantie {letter}") for letter in "ABCD"]
    common = raw_token()  # 'maria jansen' without a date of birth, at every agency
    first_phone, second_phone = raw_token(), raw_token()
    world.submit(agencies[0], batch(signal(phone(first_phone), name(common))))
    world.submit(agencies[1], batch(signal(phone(first_phone), name(common))))
    world.submit(agencies[2], batch(signal(phone(second_phone), name(common))))
    world.submit(agencies[3], batch(signal(phone(second_phone), name(common))))

    grades = sorted(
        (item.kind, item.level, item.strength, item.agency_count) for item in shown(world)
    )
    # two phone links, each strong; the name joins neither: it stands alone, weak
    assert grades == [
        ("person", "name", "weak", 4),
        ("phone", "e164", "strong", 2),
        ("phone", "e164", "strong", 2),
    ]
    assert [item.kind for item in shown(world, strengths=("strong", "medium"))] == [
        "phone",
        "phone",
    ]


def test_a_building_alone_is_weak_and_with_a_name_of_the_same_signals_medium(
    world: World,
) -> None:
    first, second = world.agency("Gemeente Utrecht"), world.agency("Gemeente Zeist")
    house, person = raw_token(), raw_token()
    world.submit(first, batch(signal(building(house)), signal(building(raw_token()))))
    world.submit(second, batch(signal(building(house))))
    (alone,) = shown(world)
    assert alone.strength == "weak"

    third, fourth = world.agency("Politie Oost"), world.agency("Politie Noord")
    other_house = raw_token()
    world.submit(third, batch(signal(building(other_house), name(person))))
    world.submit(fourth, batch(signal(building(other_house), name(person))))
    corroborated = [item for item in shown(world) if item.id != alone.id]
    assert [item.strength for item in corroborated] == ["medium"]


def test_a_third_agency_joining_through_a_near_match_joins_the_same_alert(
    world: World,
) -> None:
    agencies = [world.agency(f"Instantie {letter}") for letter in "ABC"]
    number, swapped = raw_token(), raw_token()
    world.submit(agencies[0], batch(signal(phone(number), near_phone(swapped))))
    world.submit(agencies[1], batch(signal(phone(number), near_phone(swapped))))
    world.submit(agencies[2], batch(signal(phone(raw_token()), near_phone(swapped))))

    (alert,) = shown(world)
    assert alert.strength == "strong"
    with Session(world.engine) as session:
        detail = alerts.get_alert(session, alert.id)
    assert len(detail.agencies) == 3


def test_new_evidence_of_a_closed_alert_raises_a_new_one(world: World) -> None:
    first, second = world.agency("Gemeente Utrecht"), world.agency("Gemeente Zeist")
    number = raw_token()
    world.submit(first, batch(signal(phone(number))))
    world.submit(second, batch(signal(phone(number))))
    with Session(world.engine) as session:
        (alert,) = session.exec(select(Alert)).all()
        alert.status = "closed"
        session.add(alert)
        session.commit()

    home = raw_token()
    world.submit(first, batch(signal(phone(number), unit(home))))
    world.submit(second, batch(signal(phone(number), unit(home))))
    assert [item.kind for item in shown(world, status="new")] == ["address"]


def test_a_hub_token_counts_as_weak_evidence() -> None:
    assert strength([Evidence("phone", "e164", 2)]) == "strong"
    assert strength([Evidence("phone", "e164", HUB_SIGNALS + 1)]) == "weak"
    assert strength([Evidence("phone", "e164_swap", 2)]) == "medium"
    assert strength([Evidence("person", "name", 2)]) == "weak"
    assert strength([Evidence("person", "name", 2), Evidence("address", "building", 2)]) == (
        "medium"
    )


def test_an_operator_name_alone_is_weak_and_with_the_same_legal_form_medium() -> None:
    # 'Salon Luna' recurs in many towns: a name only, as the rules say
    for level in ("legal_name", "trade_name", "legal_near"):
        assert strength([Evidence("operator", level, 2)]) == "weak"
    # 'Salon Luna B.V.' on both sides, exact or one letter apart: close to unique in the register
    assert strength([Evidence("operator", "registered", 2)]) == "medium"
    assert strength([Evidence("operator", "reg_near", 2)]) == "medium"
    assert strength([Evidence("operator", "registered", HUB_SIGNALS + 1)]) == "weak"


def test_two_kinds_corroborate_only_when_they_hold_the_same_signals() -> None:
    pair, three = frozenset({1, 2}), frozenset({1, 2, 3})
    same = [Evidence("address", "building", 2, pair), Evidence("operator", "legal_name", 2, pair)]
    assert strength(same) == "medium"
    # a building of three signals (one is another dwelling) and a name of two of them
    other = [
        Evidence("address", "building", 3, three),
        Evidence("operator", "legal_name", 2, pair),
    ]
    assert strength(other) == "weak"


def bare(raw: bytes) -> tuple[str, str, bytes]:
    """The building token of an address written without an addition, under its own label."""
    return ("address", "no_addition", raw)


def test_an_address_lacking_the_addition_is_medium_and_another_addition_makes_it_weak(
    world: World,
) -> None:
    first, second = world.agency("Gemeente Utrecht"), world.agency("Gemeente Zeist")
    house = raw_token()
    world.submit(first, batch(signal(unit(raw_token()), building(house))))  # 14-A
    world.submit(second, batch(signal(unit(raw_token()), bare(house))))  # 14
    (alert,) = shown(world)
    assert (alert.kind, alert.level, alert.strength) == ("address", "no_addition", "medium")
    with Session(world.engine) as session:
        (item,) = evidence_items(session, alert.id)
    assert item.match == "near"
    assert item.difference == {
        "en": "one address lacks the house-number addition of the other",
        "nl": "bij één adres ontbreekt de huisnummertoevoeging van het andere",
    }

    third = world.agency("Politie Oost", "Oost")
    world.submit(third, batch(signal(unit(raw_token()), building(house))))  # 14-B
    (alert,) = shown(world)
    assert (alert.level, alert.strength, alert.agency_count) == ("building", "weak", 3)
    assert_consistent(world.engine)


def test_two_spellings_with_one_addition_and_one_without_stay_medium(world: World) -> None:
    agencies = [world.agency(f"Instantie {letter}") for letter in "ABC"]
    house, dwelling = raw_token(), raw_token()
    world.submit(agencies[0], batch(signal(unit(dwelling), building(house))))  # 14-A
    world.submit(agencies[1], batch(signal(unit(raw_token()), bare(house))))  # 14
    world.submit(agencies[2], batch(signal(unit(dwelling), building(house))))  # 14-A again
    strengths = sorted((item.kind, item.level, item.strength) for item in shown(world))
    # the two with the addition agree on it: exact unit (strong); the bare one lacks it (near)
    assert ("address", "unit", "strong") in strengths
    assert all(level in ("unit", "no_addition") for _, level, _ in strengths)


def test_an_address_without_addition_brings_no_other_dwelling_into_a_link(world: World) -> None:
    agencies = [world.agency(f"Instantie {letter}") for letter in "ABC"]
    number, home, house = raw_token(), raw_token(), raw_token()
    # one phone link, both spellings of its address without the addition (14)
    world.submit(agencies[0], batch(signal(phone(number), unit(home), bare(house))))
    world.submit(agencies[1], batch(signal(phone(number), unit(home), bare(house))))
    # another dwelling of the building (14-B) at a third agency
    world.submit(agencies[2], batch(signal(unit(raw_token()), building(house))))
    by_kind = {(item.kind, item.level): item for item in shown(world)}
    assert by_kind["phone", "e164"].agency_count == 2
    assert by_kind["phone", "e164"].strength == "strong"
    assert by_kind["address", "no_addition"].agency_count == 3  # its own alert, not evidence
    assert_consistent(world.engine)


def test_a_registered_name_does_not_lift_a_name_alert_holding_another_business(
    world: World,
) -> None:
    agencies = [world.agency(f"Instantie {letter}") for letter in "ABC"]
    name_only, registered = raw_token(), raw_token()
    legal = ("operator", "legal_name", name_only)
    # 'Salon Luna' at A (a sole trader), then 'Salon Luna B.V.' at B and C
    world.submit(agencies[0], batch(signal(legal)))
    world.submit(agencies[1], batch(signal(legal, ("operator", "registered", registered))))
    world.submit(agencies[2], batch(signal(legal, ("operator", "registered", registered))))
    grades = sorted((item.level, item.strength, item.agency_count) for item in shown(world))
    assert grades == [("legal_name", "weak", 3), ("registered", "medium", 2)]


def test_regrading_follows_the_evidence_left(world: World) -> None:
    first, second = world.agency("Gemeente Utrecht"), world.agency("Gemeente Zeist")
    number, house = raw_token(), raw_token()
    world.submit(first, batch(signal(phone(number), building(house))))
    world.submit(second, batch(signal(phone(number), building(house))))
    with Session(world.engine) as session:
        primary = session.exec(select(Alert).where(col(Alert.link_id).is_(None))).one()
        assert primary.strength == "strong"
        assert primary.id is not None
        session.exec(select(Alert).where(col(Alert.link_id) == primary.id)).one()
        links.regrade(session, [primary.id])
        session.commit()
        assert session.get(Alert, primary.id).strength == "strong"  # type: ignore[union-attr]


def _statements_linking(world: World, monkeypatch: pytest.MonkeyPatch, pairs: int) -> int:
    """Link a batch of pairs of signals (phone, swapped phone, name each); count the statements
    the grouping of its new alerts runs."""
    first, second = world.agency(f"Instantie {pairs}a"), world.agency(f"Instantie {pairs}b")
    shared = [(phone(raw), near_phone(raw_token()), name(raw_token())) for raw in _raws(pairs)]
    world.submit(first, batch(*(signal(*tokens) for tokens in shared)))
    counted = [0]
    linking = [False]

    def count(*_: object) -> None:
        counted[0] += linking[0]

    original = links.link_new_alerts

    def observed(session: Session, alert_ids: object) -> set[int]:
        linking[0] = True
        try:
            return original(session, alert_ids)  # type: ignore[arg-type]
        finally:
            linking[0] = False

    event.listen(world.engine, "before_cursor_execute", count)
    monkeypatch.setattr(links, "link_new_alerts", observed)
    try:
        world.submit(second, batch(*(signal(*tokens) for tokens in shared)))
    finally:
        event.remove(world.engine, "before_cursor_execute", count)
        monkeypatch.setattr(links, "link_new_alerts", original)
    return counted[0]


def _raws(count: int) -> list[bytes]:
    return [raw_token() for _ in range(count)]


def test_grouping_a_batch_runs_as_many_statements_for_many_alerts_as_for_few(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(detection, "STEP_TOKENS", 10**6)  # each batch in one step on SQLite too
    few = _statements_linking(world, monkeypatch, 2)
    many = _statements_linking(world, monkeypatch, 40)
    # 120 new alerts read and written set-based, not several statements per alert
    assert many == few
    assert len(shown(world)) == 42  # each pair one alert: the phone, its near and name evidence
    assert {item.strength for item in shown(world)} == {"strong"}


@pytest.mark.parametrize("queued", [False, True], ids=["as-it-grows", "seen-whole"])
def test_a_name_link_makes_the_same_alerts_whether_detected_as_it_grows_or_whole(
    world: World, queued: bool
) -> None:
    """'Club Venus B.V.' at A and B, 'Club Venis B.V.' at C: the registered name and most of
    its near keys hold A and B, one near key all three. Detected batch by batch or all at once
    (a worker catching up), the link is the registered name with its near keys of A and B, and
    the near key of all three stands apart: two alerts, never one per near key."""
    agencies = [world.agency(f"Instantie {letter}") for letter in "ABC"]
    registered = ("operator", "registered", raw_token())
    # the near key all three hold sorts first, so its alert is made before the others
    raws = sorted(
        (raw_token() for _ in range(6)), key=lambda raw: world.peppered(raw, "operator", "reg_near")
    )
    wider, *narrower = (("operator", "reg_near", raw) for raw in raws)
    for agency in agencies[:2]:
        world.submit(agency, batch(signal(registered, wider, *narrower)), detect=not queued)
    world.submit(agencies[2], batch(signal(wider)), detect=not queued)
    world.detect()

    grades = sorted((item.level, item.strength, item.agency_count) for item in shown(world))
    assert grades == [("reg_near", "medium", 3), ("registered", "medium", 2)]
    assert_consistent(world.engine)
