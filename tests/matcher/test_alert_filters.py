"""The alert list's stored filters: regions and kinds per alert, exact through every change.

The list once derived an alert's regions (a subquery over its agencies) and kinds (its own and
its evidence's) per alert while paging; it now reads them from alert_region and alert_kind.
These tests compare what a coordinator sees with that old derivation, on worlds built through
the real ingest, detection, withdrawal and purge, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets

import pytest
from alembic import command
from datapath_support import (
    World,
    assert_consistent,
    assert_filters_exact,
    assert_status_counts_exact,
    batch,
    new_ref,
    phone,
    raw_token,
    signal,
    stored_masks,
)
from flask import Flask
from sqlalchemy import create_engine, delete, inspect, update
from sqlmodel import Session, select

from matcher.cli.database import alembic_config
from matcher.models import Agency, Alert, AlertAgency, KindBit, RegionBit
from matcher.services import alert_filters, list_bits
from matcher.services.alert_counts import detected_per_week
from matcher.services.alerts import AlertFilter, list_alerts

REGIONS = ("Noord", "Oost", "West")


def unit(raw: bytes) -> tuple[str, str, bytes]:
    return ("address", "unit", raw)


def email(raw: bytes) -> tuple[str, str, bytes]:
    return ("email", "mailbox", raw)


def listed(world: World, regions: set[str] | None, **filters: object) -> list[int]:
    """Every alert id the list shows the viewer, page after page, in the list's order."""
    shown: list[int] = []
    with Session(world.engine) as session:
        for page in itertools.count(1):
            result = list_alerts(
                session,
                filters=AlertFilter(**filters),  # type: ignore[arg-type]
                viewer_regions=regions,
                page=page,
                per_page=2,
            )
            shown += [item.id for item in result.items]
            if page >= result.pages:
                assert len(shown) == result.total
                return shown
    raise AssertionError("unreachable")


def derived(world: World, regions: set[str] | None, kind: str | None = None) -> set[int]:
    """The alerts the old per-alert subqueries showed: no link_id; an agency of the regions;
    the kind its own or one of its evidence's."""
    with Session(world.engine) as session:
        region_of = {agency.id: agency.region for agency in session.exec(select(Agency))}
        agencies: dict[int, set[str]] = {}
        for row in session.exec(select(AlertAgency)):
            agencies.setdefault(row.alert_id, set()).add(region_of[row.agency_id])
        every = list(session.exec(select(Alert)))
    kinds: dict[int, set[str]] = {}
    for alert in every:
        assert alert.id is not None
        kinds.setdefault(alert.id, set()).add(alert.kind)
        if alert.link_id is not None:
            kinds.setdefault(alert.link_id, set()).add(alert.kind)
    return {
        alert.id
        for alert in every
        if alert.id is not None
        and alert.link_id is None
        and (regions is None or agencies.get(alert.id, set()) & regions)
        and (kind is None or kind in kinds[alert.id])
    }


def build_world(world: World) -> list[int]:
    """Agencies in three regions; alerts between them, some with evidence of other kinds."""
    agencies = [
        world.agency(f"Agency {region} {number}", region=region)
        for region in REGIONS
        for number in range(2)
    ]
    pairs = [(0, 1), (0, 2), (1, 4), (2, 3), (3, 5), (4, 5), (0, 5), (1, 3)]
    for number, (first, second) in enumerate(pairs):
        tokens = [phone(raw_token())]
        if number % 2 == 0:
            tokens.append(unit(raw_token()))  # evidence of the phone's alert
        if number % 3 == 0:
            tokens.append(email(raw_token()))
        world.submit(agencies[first], batch(signal(*tokens)))
        world.submit(agencies[second], batch(signal(*tokens)))
    # an alert of three regions, and one whose only kind is an address
    three = raw_token()
    for agency in (agencies[0], agencies[2], agencies[4]):
        world.submit(agency, batch(signal(phone(three))))
    house = raw_token()
    world.submit(agencies[1], batch(signal(unit(house))))
    world.submit(agencies[3], batch(signal(unit(house))))
    return agencies


def test_a_coordinator_sees_exactly_the_alerts_the_per_alert_subqueries_showed(
    world: World,
) -> None:
    build_world(world)
    assert any(alert.link_id is not None for alert in world.alerts()), "no evidence was linked"

    scopes: list[set[str] | None] = [None, set(), *({region} for region in REGIONS)]
    scopes.append({"Noord", "West"})
    for regions, kind in itertools.product(scopes, [None, "phone", "address", "email"]):
        shown = listed(world, regions, kind=kind)
        assert len(shown) == len(set(shown)), "an alert was listed twice"
        assert set(shown) == derived(world, regions, kind), (regions, kind)
    # and at least one scope actually narrows: the comparison is not of everything to everything
    assert set(listed(world, {"Noord"})) < set(listed(world, None))
    assert listed(world, {"Noord"}, kind="email")
    assert_filters_exact(world.engine)


def test_stored_regions_follow_a_new_agency_withdrawal_and_purge(world: World) -> None:
    north = world.agency("Gemeente Noord", region="Noord")
    east = world.agency("Gemeente Oost", region="Oost")
    west = world.agency("Gemeente West", region="West")
    shared = raw_token()
    today = dt.date(2027, 1, 1)  # before the other signals' retain_until
    world.submit(north, batch(signal(phone(shared))))
    east_ref = new_ref()
    world.submit(
        east,
        batch(signal(phone(shared), ref=east_ref, retain_until=today - dt.timedelta(days=1))),
    )
    [alert] = world.alerts()
    assert listed(world, {"West"}) == []
    assert listed(world, {"Oost"}) == [alert.id]

    west_ref = new_ref()
    world.submit(west, batch(signal(phone(shared), ref=west_ref)))  # a new agency joins
    assert listed(world, {"West"}) == [alert.id]
    assert_filters_exact(world.engine)

    world.withdraw(west, [west_ref])
    assert listed(world, {"West"}) == []
    assert listed(world, {"Oost"}) == [alert.id]
    assert_filters_exact(world.engine)

    world.purge(today)  # east's signal expired: east's region leaves the alert
    assert listed(world, {"Oost"}) == []
    assert listed(world, {"Noord"}) == [alert.id]
    assert listed(world, None) == [alert.id]
    assert_consistent(world.engine)


def test_kinds_follow_evidence_linked_to_an_alert(world: World) -> None:
    north = world.agency("Gemeente Noord", region="Noord")
    east = world.agency("Gemeente Oost", region="Oost")
    number, home = raw_token(), raw_token()
    world.submit(north, batch(signal(phone(number), unit(home))))
    world.submit(east, batch(signal(phone(number), unit(home))))
    [primary] = [alert for alert in world.alerts() if alert.link_id is None]
    assert primary.kind == "phone"
    assert listed(world, {"Noord"}, kind="address") == [primary.id]
    assert listed(world, None, kind="email") == []
    assert_filters_exact(world.engine)


def test_refresh_repairs_what_a_change_outside_it_left_stale(world: World) -> None:
    """The check itself can fail: a link set behind refresh's back is caught, then repaired."""
    north = world.agency("Gemeente Noord", region="Noord")
    east = world.agency("Gemeente Oost", region="Oost")
    phones, homes = raw_token(), raw_token()
    world.submit(north, batch(signal(phone(phones)), signal(unit(homes))))
    world.submit(east, batch(signal(phone(phones)), signal(unit(homes))))
    first, second = world.alerts()
    assert first.link_id is None and second.link_id is None  # separate signals: two alerts
    with Session(world.engine) as session:
        session.execute(update(Alert).where(Alert.id == second.id).values(link_id=first.id))  # type: ignore[arg-type]
        session.commit()
    with pytest.raises(AssertionError, match="kinds went stale"):
        assert_filters_exact(world.engine)
    with Session(world.engine) as session:
        alert_filters.refresh(session, [second.id or 0])
        session.commit()
    assert_filters_exact(world.engine)
    assert first.kind != second.kind
    assert listed(world, {"Oost"}, kind=second.kind) == [first.id]  # under its evidence's kind
    # and back: detached evidence takes its kind away from the alert it left
    with Session(world.engine) as session:
        session.execute(update(Alert).where(Alert.id == second.id).values(link_id=None))  # type: ignore[arg-type]
        session.commit()
    with pytest.raises(AssertionError, match="kinds went stale"):
        assert_filters_exact(world.engine)
    with Session(world.engine) as session:
        alert_filters.refresh(session, [second.id or 0, first.id or 0])
        session.commit()
    assert_filters_exact(world.engine)
    assert listed(world, {"Oost"}, kind=second.kind) == [second.id]
    # the region bits alike: a page tests them, so a stale bit hides an alert from its region
    with Session(world.engine) as session:
        session.execute(update(Alert).where(Alert.id == first.id).values(region_bits=0))  # type: ignore[arg-type]
        session.commit()
    with pytest.raises(AssertionError, match="region bits went stale"):
        assert_filters_exact(world.engine)
    with Session(world.engine) as session:
        page = list_alerts(session, viewer_regions={"Oost"})
        assert [item.id for item in page.items] == [second.id] and page.total == 2
        alert_filters.refresh(session, [first.id or 0])
        session.commit()
    assert_filters_exact(world.engine)
    assert set(listed(world, {"Oost"})) == {first.id, second.id}
    # and the repair of every alert: a wrong bit; then bits where none belong (the regions'
    # bits taken away by hand, so that no region of theirs has one)
    with Session(world.engine) as session:
        session.execute(update(Alert).where(Alert.id == first.id).values(region_bits=1 << 40))  # type: ignore[arg-type]
        alert_filters.refresh_all(session)
        session.commit()
    assert_filters_exact(world.engine)
    with Session(world.engine) as session:
        session.execute(delete(RegionBit))
        alert_filters.refresh_all(session)
        session.commit()
    assert_filters_exact(world.engine)
    assert {alert.region_bits for alert in world.alerts()} == {0}


def test_regions_past_the_63rd_have_no_bit_and_are_listed_through_their_rows(
    world: World,
) -> None:
    with Session(world.engine) as session:
        for number in range(list_bits.MAX_BITS - 1):
            list_bits.assign_region(session, f"Regio {number}")
        session.commit()
    north = world.agency("Gemeente Noord", region="Noord")  # the 63rd region: the last bit
    late = world.agency("Gemeente Laat", region="Laat")  # the 64th: none
    later = world.agency("Gemeente Later", region="Laat")
    world.submit(north, batch(signal(phone(shared := raw_token()))))
    world.submit(late, batch(signal(phone(shared)), signal(unit(home := raw_token()))))
    world.submit(later, batch(signal(unit(home))))
    with Session(world.engine) as session:
        masks = stored_masks(world.engine)
        assert list_bits.assign_region(session, "Noord") == 1 << 62  # kept, not given again
    assert masks["Noord"] == 1 << 62 and "Laat" not in masks
    assert sorted(masks.values()) == [1 << bit for bit in range(63)]

    for regions in ({"Laat"}, {"Noord"}, {"Noord", "Laat"}, {"Regio 0"}):
        assert set(listed(world, regions)) == derived(world, regions), regions
    assert len(listed(world, {"Laat"})) == 2 and len(listed(world, {"Noord"})) == 1
    assert listed(world, {"Noord"}, region="Laat") == listed(world, {"Noord"})
    assert_filters_exact(world.engine)


def test_a_kind_gets_its_bit_with_its_first_alert_and_every_alert_of_it_the_bit(
    world: World,
) -> None:
    north = world.agency("Gemeente Noord", region="Noord")
    east = world.agency("Gemeente Oost", region="Oost")
    assert stored_masks(world.engine, list_bits.KINDS) == {}
    world.submit(north, batch(signal(phone(number := raw_token()))))
    world.submit(east, batch(signal(phone(number))))
    assert stored_masks(world.engine, list_bits.KINDS) == {"phone": 1}
    world.submit(north, batch(signal(email(mailbox := raw_token()))))
    world.submit(east, batch(signal(email(mailbox))))
    assert stored_masks(world.engine, list_bits.KINDS) == {"phone": 1, "email": 2}
    assert_filters_exact(world.engine)
    # a kind some alerts hold without its bit (here taken away by hand; as when a refresh in
    # chunks meets a new kind in its first chunk): the next alert of it gives the bit to all
    with Session(world.engine) as session:
        session.execute(delete(KindBit).where(KindBit.kind == "email"))  # type: ignore[arg-type]
        session.execute(update(Alert).values(kind_bits=Alert.kind_bits.op("&")(1)))  # type: ignore[attr-defined]
        session.commit()
    assert set(listed(world, {"Noord"}, kind="email")) == derived(world, {"Noord"}, "email")
    world.submit(north, batch(signal(email(other := raw_token()))))
    world.submit(east, batch(signal(email(other))))
    assert stored_masks(world.engine, list_bits.KINDS) == {"phone": 1, "email": 2}
    assert_filters_exact(world.engine)
    assert len(listed(world, {"Noord"}, kind="email")) == 2


def test_a_region_whose_agencies_came_before_its_bit_gets_none(world: World) -> None:
    """Its agencies' alerts would lack the bit: the region is tested through its rows."""
    with Session(world.engine) as session:
        session.add(Agency(name="Gemeente Oud", kind="municipality", region="Oud"))
        session.commit()
        assert list_bits.assign_region(session, "Oud") is None
        assert list_bits.assign_region(session, "Nieuw") == 1
        assert list_bits.scope_mask(session, list_bits.REGIONS, {"Nieuw"}) == 1
        assert list_bits.scope_mask(session, list_bits.REGIONS, {"Nieuw", "Oud"}) is None


def test_a_deferred_block_refreshes_once_at_its_end_what_every_refresh_in_it_named(
    world: World,
) -> None:
    """Detection refreshes once per step: inside the block nothing is written; at its end the
    filters and counts are exact, also for the alert that evidence left within the block."""
    north = world.agency("Gemeente Noord", region="Noord")
    east = world.agency("Gemeente Oost", region="Oost")
    phones, homes, mails = raw_token(), raw_token(), raw_token()
    world.submit(north, batch(signal(phone(phones)), signal(unit(homes)), signal(email(mails))))
    world.submit(east, batch(signal(phone(phones)), signal(unit(homes)), signal(email(mails))))
    by_kind = {alert.kind: alert.id or 0 for alert in world.alerts()}
    left, moved, joined = by_kind["phone"], by_kind["address"], by_kind["email"]
    with Session(world.engine) as session:
        session.execute(update(Alert).where(Alert.id == moved).values(link_id=left))  # type: ignore[arg-type]
        alert_filters.refresh(session, [moved])
        session.commit()
    assert listed(world, None, kind="address") == [left]

    with Session(world.engine) as session:
        with alert_filters.deferred(session):
            alert_filters.refresh(session, [moved])  # notes the alert it is evidence of now
            session.execute(update(Alert).where(Alert.id == moved).values(link_id=joined))  # type: ignore[arg-type]
            alert_filters.refresh(session, [moved])  # names the new link only
            session.flush()
            assert kinds_stored(session, joined) == {"email"}  # nothing written yet
        session.commit()

    assert_filters_exact(world.engine)
    assert_status_counts_exact(world.engine)
    assert listed(world, None, kind="address") == [joined]


def kinds_stored(session: Session, alert_id: int) -> set[str]:
    rows = session.execute(
        select(alert_filters.ALERT_KINDS.c.kind).where(
            alert_filters.ALERT_KINDS.c.alert_id == alert_id
        )
    )
    return set(rows.scalars())


def test_the_weekly_counts_of_a_coordinator_read_the_stored_regions(world: World) -> None:
    """Alerts detected per week, as the list shows them: a link with evidence is one alert."""
    north = world.agency("Gemeente Noord", region="Noord")
    east = world.agency("Gemeente Oost", region="Oost")
    west = world.agency("Gemeente West", region="West")
    for agencies in ((north, east), (east, west), (north, west)):
        shared = raw_token()
        for agency in agencies:
            world.submit(agency, batch(signal(phone(shared))))
    number, home = raw_token(), raw_token()  # one link, its address as evidence: one alert
    for agency in (north, east):
        world.submit(agency, batch(signal(phone(number), unit(home))))
    assert sum(alert.link_id is not None for alert in world.alerts()) == 1
    today = dt.datetime.now(dt.UTC).date()
    with Session(world.engine) as session:
        weeks = {
            region: sum(
                week.alerts
                for week in detected_per_week(session, viewer_regions={region}, today=today)
            )
            for region in REGIONS
        }
        everyone = detected_per_week(session, viewer_regions=None, today=today)
    assert weeks == {"Noord": 3, "Oost": 3, "West": 2}
    assert sum(week.alerts for week in everyone) == 4
    assert everyone[-1].alerts == 4 and everyone[-1].week.weekday() == 0  # this week's Monday


def test_the_migration_gives_an_existing_database_its_region_and_kind_bits(
    migration_app: Flask, fresh_database_url: str
) -> None:
    """Alerts made through the real services, taken back to the revision without bits and
    upgraded: the regions get bits in the order of their first agency, the kinds by name, the
    alerts exact bits."""
    upgraded = migration_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    world = World(engine=create_engine(fresh_database_url), key=secrets.token_bytes(32))
    try:
        world.add_epoch()
        build_world(world)
        command.downgrade(alembic_config(fresh_database_url), "20261202_0100_time_facets")
        with world.engine.connect() as connection:
            columns = {column["name"] for column in inspect(connection).get_columns("alert")}
            assert not {"region_bits", "kind_bits"} & columns
            assert not {"region_bit", "kind_bit"} & set(inspect(connection).get_table_names())
        upgraded = migration_app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
        masks = stored_masks(world.engine)
        assert masks == {region: 1 << rank for rank, region in enumerate(REGIONS)}
        kinds = stored_masks(world.engine, list_bits.KINDS)
        assert kinds == {kind: 1 << rank for rank, kind in enumerate(["address", "email", "phone"])}
        assert_filters_exact(world.engine)
        for regions, kind in itertools.product(({"Noord"}, {"Oost", "West"}), (None, "email")):
            assert set(listed(world, regions, kind=kind)) == derived(world, regions, kind)
    finally:
        world.engine.dispose()
        migration_app.extensions["matcher.engine"].dispose()
