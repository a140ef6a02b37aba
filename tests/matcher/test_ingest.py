"""Batch ingest: receipts, idempotency, atomic refusal, overlap alerts, peppered storage."""

from __future__ import annotations

import base64
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from datapath_support import (
    World,
    assert_consistent,
    batch,
    empty,
    near_phone,
    new_ref,
    open_world,
    phone,
    raw_token,
    signal,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from matcher.errors import Conflict, InvalidRequest
from matcher.models import AuditEntry, BenignHub, SignalToken


def test_receipt_counts_signals_and_tokens_per_kind(world: World) -> None:
    agency = world.agency("Gemeente Utrecht")
    sent = batch(
        signal(phone(raw_token()), ("email", "mailbox", raw_token())),
        signal(("address", "unit", raw_token()), ("address", "building", raw_token())),
        signal(phone(raw_token())),
    )
    receipt = world.submit(agency, sent)
    assert (receipt.batch_id, receipt.signals, receipt.tokens) == (sent.batch_id, 3, 5)
    assert receipt.tokens_per_kind == {"address": 2, "email": 1, "phone": 2}
    assert receipt.replay is False
    assert world.table_counts() == {
        "batch": 1,
        "signal": 3,
        "signal_token": 5,
        "alert": 0,
    }


def test_a_token_repeated_in_one_signal_is_stored_once(world: World) -> None:
    agency = world.agency("Gemeente Utrecht")
    token = raw_token()
    receipt = world.submit(agency, batch(signal(phone(token), phone(token))))
    assert (receipt.tokens, receipt.tokens_per_kind) == (1, {"phone": 1})
    assert world.count(SignalToken) == 1


def test_replay_returns_the_first_receipt_and_adds_nothing(world: World) -> None:
    agency, other = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    shared = raw_token()
    world.submit(other, batch(signal(phone(shared))))
    sent = batch(signal(phone(shared)), signal(phone(raw_token())))
    first = world.submit(agency, sent)
    counts = world.table_counts()
    again = world.submit(agency, sent)
    assert again.replay is True
    assert again.model_dump(exclude={"replay"}) == first.model_dump(exclude={"replay"})
    assert world.table_counts() == counts
    assert world.alerts()[0].signal_count == 2


def test_a_batch_id_used_by_another_agency_is_refused(world: World) -> None:
    agency, other = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    batch_id = uuid.uuid4()
    world.submit(agency, batch(signal(phone(raw_token())), batch_id=batch_id))
    counts = world.table_counts()
    with pytest.raises(Conflict) as refused:
        world.submit(other, batch(signal(phone(raw_token())), batch_id=batch_id))
    assert (refused.value.status, refused.value.code) == (409, "batch_id_taken")
    assert world.table_counts() == counts


@pytest.mark.parametrize(
    ("fingerprint", "epoch", "retired", "code"),
    [
        ("a" * 32, 1, False, "unknown_key"),  # a fingerprint the federation never registered
        ("f" * 32, 2, False, "unknown_key"),  # the right fingerprint with another epoch
        ("b" * 32, 2, True, "retired_key"),
    ],
)
def test_a_batch_made_with_an_unknown_or_retired_key_adds_nothing(
    world: World, fingerprint: str, epoch: int, retired: bool, code: str
) -> None:
    world.add_epoch(epoch=2, fingerprint="b" * 32, retired=retired)
    agency = world.agency("Gemeente Utrecht")
    counts = world.table_counts()
    with pytest.raises(Conflict) as refused:
        world.submit(
            agency, batch(signal(phone(raw_token())), fingerprint=fingerprint, epoch=epoch)
        )
    assert (refused.value.status, refused.value.code) == (409, code)
    assert "key custodian" in refused.value.message
    assert "prepare the export again" in refused.value.message
    assert world.table_counts() == counts


def test_a_reference_held_already_refuses_the_whole_batch(world: World) -> None:
    agency = world.agency("Gemeente Utrecht")
    held = new_ref()
    world.submit(agency, batch(signal(phone(raw_token()), ref=held)))
    counts = world.table_counts()
    with pytest.raises(Conflict) as refused:
        world.submit(
            agency,
            batch(signal(phone(raw_token())), signal(phone(raw_token()), ref=held)),
        )
    assert (refused.value.status, refused.value.code) == (409, "duplicate_ref")
    assert refused.value.fields == [{"location": "signals.1.ref", "rule": "duplicate_ref"}]
    assert held not in refused.value.message
    assert world.table_counts() == counts


def test_another_agency_may_use_the_same_reference(world: World) -> None:
    agency, other = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    ref = new_ref()
    world.submit(agency, batch(signal(phone(raw_token()), ref=ref)))
    assert world.submit(other, batch(signal(phone(raw_token()), ref=ref))).signals == 1


def test_a_reference_repeated_within_a_batch_is_invalid(world: World) -> None:
    agency = world.agency("Gemeente Utrecht")
    ref = new_ref()
    with pytest.raises(InvalidRequest) as refused:
        world.submit(
            agency, batch(signal(phone(raw_token()), ref=ref), signal(phone(raw_token()), ref=ref))
        )
    assert (refused.value.status, refused.value.code) == (422, "invalid_batch")
    assert refused.value.fields == [{"location": "signals.1.ref", "rule": "duplicate_ref"}]
    assert world.table_counts()["signal"] == 0


def test_two_agencies_sharing_a_token_raise_one_alert(world: World) -> None:
    utrecht = world.agency("Gemeente Utrecht", region="Midden-Nederland")
    police = world.agency("Politie Oost", region="Oost-Nederland")
    shared = raw_token()
    world.submit(utrecht, batch(signal(phone(shared)), signal(phone(shared), phone(raw_token()))))
    assert world.alerts() == []
    world.submit(police, batch(signal(phone(shared))))
    [alert] = world.alerts()
    assert (alert.kind, alert.level, alert.status) == ("phone", "e164", "new")
    assert (alert.agency_count, alert.region_count, alert.signal_count) == (2, 2, 3)
    assert alert.token == world.peppered(shared)
    assert alert.first_seen <= alert.last_seen
    assert world.alert_agencies(alert.id) == {utrecht: 2, police: 1}
    assert_consistent(world.engine)


def test_a_third_agency_joins_the_same_alert(world: World) -> None:
    agencies = [world.agency(f"Agency {number}", region="Zuid") for number in range(3)]
    shared = raw_token()
    for agency in agencies:
        world.submit(agency, batch(signal(phone(shared))))
    [alert] = world.alerts()
    assert (alert.agency_count, alert.region_count, alert.signal_count) == (3, 1, 3)
    assert world.alert_agencies(alert.id) == dict.fromkeys(agencies, 1)
    assert alert.created_at <= alert.updated_at


def test_one_agency_submitting_a_token_twice_raises_no_alert(world: World) -> None:
    agency = world.agency("Gemeente Utrecht")
    token = raw_token()
    world.submit(agency, batch(signal(phone(token))))
    world.submit(agency, batch(signal(phone(token))))
    assert world.alerts() == []
    assert_consistent(world.engine)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("phone", "e164"), ("email", "mailbox")),
        (("address", "unit"), ("address", "building")),
        (("operator", "legal_name"), ("operator", "trade_name")),
    ],
)
def test_the_same_token_bytes_of_different_kinds_or_levels_never_match(
    world: World, first: tuple[str, str], second: tuple[str, str]
) -> None:
    utrecht, police = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    same = raw_token()
    world.submit(utrecht, batch(signal((*first, same))))
    world.submit(police, batch(signal((*second, same))))
    assert world.alerts() == []
    assert world.table_counts()["signal_token"] == 2


def test_the_same_token_bytes_of_different_epochs_never_match(world: World) -> None:
    world.add_epoch(epoch=2, fingerprint="c" * 32)
    utrecht, police = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    same = raw_token()
    world.submit(utrecht, batch(signal(phone(same))))
    world.submit(police, batch(signal(phone(same)), fingerprint="c" * 32, epoch=2))
    assert world.alerts() == []


def test_a_benign_hub_raises_no_alert(world: World) -> None:
    utrecht, police = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    switchboard, phone_number = raw_token(), raw_token()
    with Session(world.engine) as session:
        session.add(BenignHub(token=world.peppered(switchboard), reason="hotel switchboard"))
        session.commit()
    world.submit(utrecht, batch(signal(phone(switchboard)), signal(phone(phone_number))))
    world.submit(police, batch(signal(phone(switchboard), phone(phone_number))))
    [alert] = world.alerts()
    assert alert.token == world.peppered(phone_number)


def test_the_near_keys_of_a_benign_hub_raise_no_alert_either(world: World) -> None:
    """A switchboard's number and its swapped-pair keys: marked as a hub, the number is left out,
    and its keys, held by the same signals, repeat it (overlap.subsumed): no alert at all."""
    utrecht, police, zeist = (world.agency(name) for name in ("Utrecht", "Politie", "Zeist"))
    switchboard = raw_token()
    keys = [near_phone(raw_token()) for _ in range(7)]
    with Session(world.engine) as session:
        session.add(BenignHub(token=world.peppered(switchboard), reason="hotel switchboard"))
        session.commit()
    for agency in (utrecht, police, zeist):
        world.submit(agency, batch(signal(phone(switchboard), *keys)))
    assert world.alerts() == []


def test_stored_tokens_are_peppered_and_the_pepper_is_not_stored(world: World) -> None:
    utrecht, police = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    shared, own = raw_token(), raw_token()
    world.submit(utrecht, batch(signal(phone(shared), phone(own))))
    world.submit(police, batch(signal(phone(shared))))
    stored = world.stored_bytes()
    assert world.peppered(shared) in stored
    secrets_and_inputs = [shared, own, world.key, base64.b64encode(world.key)]
    assert not any(secret in value for value in stored for secret in secrets_and_inputs)
    if world.engine.dialect.name == "sqlite":
        database = Path(str(world.engine.url.database))
        raw = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
        assert world.peppered(shared) in raw
        assert not any(secret in raw for secret in secrets_and_inputs)


def test_submit_is_audited_with_counts_only(world: World) -> None:
    utrecht, police = world.agency("Gemeente Utrecht"), world.agency("Politie Midden")
    shared = raw_token()
    ref = new_ref()
    world.submit(utrecht, batch(signal(phone(shared), ref=ref)))
    sent = batch(signal(phone(shared)))
    world.submit(police, sent)
    world.submit(police, sent)
    entries = [entry for entry in world.rows(AuditEntry) if entry.action.startswith("batch.")]
    assert [(entry.action, entry.actor) for entry in entries] == [
        ("batch.submit", f"agency:{utrecht}"),
        ("batch.detect", "system"),
        ("batch.submit", f"agency:{police}"),
        ("batch.detect", "system"),
        ("batch.replay", f"agency:{police}"),
    ]
    assert entries[2].subject == entries[3].subject == f"batch:{sent.batch_id}"
    assert entries[2].details == {"signals": 1, "tokens": 1}
    assert entries[3].details == {"alerts_created": 1, "alerts_updated": 0, "batches_in_run": 1}
    assert not any(ref in str(entry.details) for entry in entries)


submissions = st.lists(
    st.tuples(
        st.integers(0, 3),  # agency
        st.lists(  # signals: (kind, token number) pairs drawn from a small pool
            st.lists(
                st.tuples(st.sampled_from(["phone", "email"]), st.integers(0, 5)),
                min_size=1,
                max_size=4,
            ),
            min_size=1,
            max_size=4,
        ),
    ),
    min_size=1,
    max_size=8,
)


@pytest.fixture(scope="module")
def sqlite_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with open_world("sqlite", tmp_path_factory.mktemp("property"), None) as opened:
        yield opened


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sent=submissions)
def test_alerts_are_exactly_the_tokens_two_or_more_agencies_hold(
    sqlite_world: World, sent: list[tuple[int, list[list[tuple[str, int]]]]]
) -> None:
    world = sqlite_world
    empty(world.engine)
    world.add_epoch()
    agencies = [world.agency(f"Agency {number}", region=f"R{number % 2}") for number in range(4)]
    pool = [raw_token() for _ in range(6)]
    holders: dict[tuple[str, int], set[int]] = defaultdict(set)
    for agency, signals in sent:
        items = [
            signal(*[(kind, "e164" if kind == "phone" else "mailbox", pool[n]) for kind, n in s])
            for s in signals
        ]
        world.submit(agencies[agency], batch(*items))
        for s in signals:
            for kind, number in s:
                holders[kind, number].add(agency)
    expected = {
        world.peppered(pool[n], kind, "e164" if kind == "phone" else "mailbox")
        for (kind, n), who in holders.items()
        if len(who) >= 2
    }
    assert {alert.token for alert in world.alerts()} == expected
    assert_consistent(world.engine)
