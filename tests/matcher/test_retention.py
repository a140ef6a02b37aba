"""Withdrawal and purge: signals and tokens deleted for real, alerts recounted, nothing lingers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from datapath_support import (
    World,
    assert_consistent,
    batch,
    empty,
    new_ref,
    open_world,
    phone,
    raw_token,
    signal,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.models import AuditEntry, Signal, SignalToken


def test_withdrawal_deletes_the_signal_and_leaves_no_token(world: World) -> None:
    agency = world.agency("Gemeente Utrecht")
    token, kept = raw_token(), raw_token()
    ref = new_ref()
    world.submit(agency, batch(signal(phone(token), ref=ref), signal(phone(kept))))
    receipt = world.withdraw(agency, [ref])
    assert (receipt.withdrawn, receipt.unknown) == (1, 0)
    assert ref not in [row.ref for row in world.rows(Signal)]
    assert world.count(Signal) == 1
    stored = world.stored_bytes()
    assert world.peppered(token) not in stored
    assert world.peppered(kept) in stored
    assert_consistent(world.engine)


def test_withdrawal_recounts_the_alert(world: World) -> None:
    agencies = [world.agency(f"Agency {number}", region=f"R{number}") for number in range(3)]
    shared = raw_token()
    refs = [new_ref() for _ in agencies]
    for agency, ref in zip(agencies, refs, strict=True):
        world.submit(agency, batch(signal(phone(shared), ref=ref)))
    world.withdraw(agencies[0], [refs[0]])
    [alert] = world.alerts()
    assert (alert.agency_count, alert.region_count, alert.signal_count) == (2, 2, 2)
    assert world.alert_agencies(alert.id) == {agencies[1]: 1, agencies[2]: 1}
    assert_consistent(world.engine)


def test_an_alert_below_two_agencies_keeps_its_status_and_revives_on_a_new_overlap(
    world: World,
) -> None:
    utrecht, police, inspectorate = (
        world.agency("Gemeente Utrecht"),
        world.agency("Politie Midden"),
        world.agency("Arbeidsinspectie"),
    )
    shared = raw_token()
    ref = new_ref()
    world.submit(utrecht, batch(signal(phone(shared), ref=ref)))
    world.submit(police, batch(signal(phone(shared))))
    [before] = world.alerts()
    world.withdraw(utrecht, [ref])
    [alone] = world.alerts()
    assert (alone.id, alone.status, alone.agency_count, alone.signal_count) == (
        before.id,
        "new",
        1,
        1,
    )
    assert alone.token == world.peppered(shared)  # police's signal still holds it
    world.submit(inspectorate, batch(signal(phone(shared))))
    [revived] = world.alerts()
    assert (revived.id, revived.agency_count) == (before.id, 2)
    assert_consistent(world.engine)


def test_when_no_signal_holds_the_token_the_alert_forgets_it(world: World) -> None:
    utrecht, police = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    shared = raw_token()
    first, second = new_ref(), new_ref()
    world.submit(utrecht, batch(signal(phone(shared), ref=first)))
    world.submit(police, batch(signal(phone(shared), ref=second)))
    world.withdraw(utrecht, [first])
    world.withdraw(police, [second])
    [alert] = world.alerts()
    assert alert.token is None
    assert (alert.agency_count, alert.region_count, alert.signal_count) == (0, 0, 0)
    assert alert.status == "new"
    assert world.alert_agencies(alert.id) == {}
    assert world.stored_bytes() == []
    assert world.count(SignalToken) == 0


def test_an_agency_can_only_withdraw_its_own_signals(world: World) -> None:
    utrecht, police = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    theirs, mine = new_ref(), new_ref()
    world.submit(police, batch(signal(phone(raw_token()), ref=theirs)))
    world.submit(utrecht, batch(signal(phone(raw_token()), ref=mine)))
    receipt = world.withdraw(utrecht, [theirs, mine, new_ref()])
    assert (receipt.withdrawn, receipt.unknown) == (1, 2)
    assert [(row.agency_id, row.ref) for row in world.rows(Signal)] == [(police, theirs)]


def test_withdrawing_twice_finds_nothing_the_second_time(world: World) -> None:
    agency = world.agency("Gemeente Utrecht")
    ref = new_ref()
    world.submit(agency, batch(signal(phone(raw_token()), ref=ref)))
    world.withdraw(agency, [ref])
    receipt = world.withdraw(agency, [ref, ref])
    assert (receipt.withdrawn, receipt.unknown) == (0, 1)


def test_purge_deletes_expired_signals_only(world: World) -> None:
    utrecht, police = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    today = dt.date(2027, 6, 1)
    shared, expired_only, kept_only = raw_token(), raw_token(), raw_token()
    world.submit(
        utrecht,
        batch(
            signal(phone(shared), phone(expired_only), retain_until=today - dt.timedelta(days=1)),
            signal(phone(kept_only), retain_until=today),
        ),
    )
    world.submit(police, batch(signal(phone(shared), retain_until=dt.date(2028, 1, 1))))
    result = world.purge(today)
    assert (result.signals, result.tokens, result.alerts_updated) == (1, 2, 1)
    assert [row.retain_until for row in world.rows(Signal)] == [today, dt.date(2028, 1, 1)]
    stored = world.stored_bytes()
    assert world.peppered(expired_only) not in stored
    assert world.peppered(kept_only) in stored
    [alert] = world.alerts()
    assert (alert.agency_count, alert.signal_count) == (1, 1)
    assert_consistent(world.engine)


def test_purge_run_again_deletes_nothing_more(world: World) -> None:
    agency = world.agency("Gemeente Utrecht")
    world.submit(agency, batch(signal(phone(raw_token()), retain_until=dt.date(2026, 12, 31))))
    assert world.purge(dt.date(2027, 1, 1)).signals == 1
    assert tuple(world.purge(dt.date(2027, 1, 1))) == (0, 0, 0)
    assert world.count(SignalToken) == 0


def test_withdrawal_and_purge_are_audited_with_counts_only(world: World) -> None:
    agency = world.agency("Gemeente Utrecht")
    ref = new_ref()
    world.submit(agency, batch(signal(phone(raw_token()), ref=ref)))
    world.withdraw(agency, [ref, new_ref()])
    world.purge(dt.date(2027, 1, 1))
    entries = {entry.action: entry for entry in world.rows(AuditEntry)}
    withdrawal = entries["signal.withdraw"]
    assert withdrawal.actor == f"agency:{agency}"
    assert withdrawal.details == {
        "requested": 2,
        "withdrawn": 1,
        "unknown": 1,
        "tokens": 1,
        "alerts_updated": 0,
    }
    purge = entries["signal.purge"]
    assert (purge.actor, purge.details) == (
        "system",
        {"today": "2027-01-01", "signals": 0, "tokens": 0, "alerts_updated": 0},
    )
    assert ref not in str(withdrawal.details)


@pytest.fixture(scope="module")
def sqlite_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with open_world("sqlite", tmp_path_factory.mktemp("property"), None) as opened:
        yield opened


steps = st.lists(
    st.one_of(
        st.tuples(st.just("submit"), st.integers(0, 2), st.lists(st.integers(0, 4), min_size=1)),
        st.tuples(st.just("withdraw"), st.integers(0, 2), st.integers(0, 20)),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=steps)
def test_the_store_stays_exact_through_submissions_and_withdrawals(
    sqlite_world: World, plan: list[tuple[str, int, object]]
) -> None:
    world = sqlite_world
    empty(world.engine)
    world.add_epoch()
    agencies = [world.agency(f"Agency {number}", region=f"R{number}") for number in range(3)]
    pool = [raw_token() for _ in range(5)]
    held: list[list[str]] = [[] for _ in agencies]
    for action, who, what in plan:
        if action == "submit":
            assert isinstance(what, list)
            ref = new_ref()
            world.submit(
                agencies[who], batch(signal(*[phone(pool[n]) for n in what[:16]], ref=ref))
            )
            held[who].append(ref)
        elif held[who]:
            assert isinstance(what, int)
            ref = held[who].pop(what % len(held[who]))
            assert world.withdraw(agencies[who], [ref]).withdrawn == 1
        assert_consistent(world.engine)
