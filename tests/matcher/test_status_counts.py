"""The alert list's stored counts per status: exact through every change that moves an alert.

The list once counted its alerts per status from the alerts on every page; it now sums the
counts kept per (regions, status, strength, facet) in alert_status_count. These tests compare
what the list shows with a recount from the alerts and their agencies, on worlds built through
the real ingest, detection, workflow steps, merge, release, withdrawal and purge, on SQLite and
PostgreSQL; and, on PostgreSQL, with many transactions moving alerts of one key at once.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from alembic import command
from datapath_support import (
    World,
    assert_consistent,
    assert_status_counts_exact,
    batch,
    new_ref,
    open_world,
    phone,
    raw_token,
    signal,
)
from flask import Flask
from sqlalchemy import create_engine, func, inspect, text, update
from sqlmodel import Session, select

from matcher.cli.database import alembic_config
from matcher.models import Agency, Alert, AlertAgency, AlertStatusCount, UserRole
from matcher.services import periods, status_counts, workflow
from matcher.services.actors import Actor
from matcher.services.alerts import AlertFilter, list_alerts, release_alert
from tests.conftest import record_approvals

REGIONS = ("Noord", "Oost", "West")
COORDINATOR = Actor(user_id=1, role=UserRole.COORDINATOR, regions=frozenset(REGIONS))


def shown_counts(world: World, regions: set[str] | None, **filters: object) -> dict[str, int]:
    """The counts per status the list shows with its first page."""
    with Session(world.engine) as session:
        page = list_alerts(
            session,
            filters=AlertFilter(**filters),  # type: ignore[arg-type]
            viewer_regions=regions,
        )
    return page.counts


def recounted(
    world: World,
    regions: set[str] | None,
    *,
    region: str | None = None,
    strengths: tuple[str, ...] | None = None,
    kind: str | None = None,
    agency_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> dict[str, int]:
    """Count from the alerts: listed (no link_id), an agency of the regions, of the strengths.

    With a kind: the alert or its evidence has a token of it; with an agency: it involves it;
    with a period: it was last seen (UTC) on one of its days.
    """
    with Session(world.engine) as session:
        region_of = {agency.id: agency.region for agency in session.exec(select(Agency))}
        held: dict[int, set[str]] = {}
        involved: dict[int, set[int]] = {}
        for row in session.exec(select(AlertAgency)):
            held.setdefault(row.alert_id, set()).add(region_of[row.agency_id])
            involved.setdefault(row.alert_id, set()).add(row.agency_id)
        every = list(session.exec(select(Alert)))
        kinds: dict[int, set[str]] = {}
        for alert in every:
            kinds.setdefault(alert.link_id or alert.id or 0, set()).add(alert.kind)
        found: Counter[str] = Counter()
        for alert in every:
            mine = held.get(alert.id or 0, set())
            if alert.link_id is not None:
                continue
            if kind is not None and kind not in kinds[alert.id or 0]:
                continue
            if agency_id is not None and agency_id not in involved.get(alert.id or 0, set()):
                continue
            if regions is not None and not mine & regions:
                continue
            if region is not None and region not in mine:
                continue
            if strengths is not None and alert.strength not in strengths:
                continue
            seen = alert.last_seen.replace(tzinfo=alert.last_seen.tzinfo or dt.UTC)
            day = seen.astimezone(dt.UTC).date()
            if (since is not None and day < since) or (until is not None and day > until):
                continue
            found[alert.status] += 1
    return dict(found)


def assert_list_counts_exact(world: World) -> None:
    """Every scope, region and strength filter shows the counts a recount gives."""
    assert_status_counts_exact(world.engine)
    scopes: list[set[str] | None] = [None, set(), *({name} for name in REGIONS), {"Noord", "West"}]
    strengths: list[tuple[str, ...] | None] = [None, ("strong", "medium"), ("weak",)]
    for regions, grades, region in itertools.product(scopes, strengths, [None, "Oost"]):
        shown = shown_counts(world, regions, strengths=grades, region=region)
        assert shown == recounted(world, regions, region=region, strengths=grades), (
            regions,
            grades,
            region,
        )


def assert_filtered_counts_exact(world: World, agency_id: int) -> None:
    """A kind or agency filter, alone or together, shows the counts a recount gives."""
    scopes: list[set[str] | None] = [None, set(), *({name} for name in REGIONS)]
    filters = [
        {"kind": kind, "agency_id": agency}
        for kind, agency in itertools.product([None, "address", "operator"], [None, agency_id])
        if kind is not None or agency is not None
    ]
    for regions, grades, chosen in itertools.product(scopes, [None, ("strong", "medium")], filters):
        shown = shown_counts(world, regions, strengths=grades, **chosen)
        expected = recounted(world, regions, strengths=grades, **chosen)  # type: ignore[arg-type]
        assert shown == expected, (regions, grades, chosen)


def build_world(world: World) -> list[int]:
    """Agencies in three regions; alerts between them, some with evidence (address units)."""
    agencies = [
        world.agency(f"Agency {region} {number}", region=region)
        for region in REGIONS
        for number in range(2)
    ]
    pairs = [(0, 1), (0, 2), (1, 4), (2, 3), (3, 5), (4, 5), (0, 5), (1, 3)]
    for number, (first, second) in enumerate(pairs):
        tokens = [phone(raw_token())]
        if number % 2 == 0:
            tokens.append(("address", "unit", raw_token()))  # evidence of the phone's alert
        world.submit(agencies[first], batch(signal(*tokens)))
        world.submit(agencies[second], batch(signal(*tokens)))
    three = raw_token()
    for agency in (agencies[0], agencies[2], agencies[4]):
        world.submit(agency, batch(signal(phone(three))))
    # a building alone (weak) and a legal name alone (medium)
    house, mailbox = raw_token(), raw_token()
    for agency in (agencies[1], agencies[3]):
        world.submit(agency, batch(signal(("address", "building", house))))
        world.submit(agency, batch(signal(("operator", "legal_name", mailbox))))
    return agencies


def step(world: World, alert_id: int, action: workflow.Action, **options: int) -> None:
    with Session(world.engine) as session:
        workflow.apply(
            session,
            alert_id=alert_id,
            action=action,
            actor=COORDINATOR,
            options=workflow.Options(**options),
        )
        session.commit()


def test_the_counts_follow_detection_steps_merge_release_withdrawal_and_purge(
    world: World,
) -> None:
    agencies = build_world(world)
    listed = [alert for alert in world.alerts() if alert.link_id is None]
    assert any(alert.link_id is not None for alert in world.alerts()), "no evidence was linked"
    assert len({alert.strength for alert in listed}) > 1, "one strength only: a weak comparison"
    assert_list_counts_exact(world)
    assert shown_counts(world, None) == {"new": len(listed)}

    first, second, third, fourth, fifth = (alert.id or 0 for alert in listed[:5])
    step(world, first, workflow.Action.DISMISS)
    step(world, second, workflow.Action.NO_ACTION)
    step(world, third, workflow.Action.MERGE, merge_into=fourth)
    step(world, first, workflow.Action.REOPEN)
    assert_list_counts_exact(world)
    assert shown_counts(world, None)["merged"] == 1
    assert shown_counts(world, None)["triage"] == 1

    with Session(world.engine) as session:
        record_approvals(session, fifth)
        release_alert(session, alert_id=fifth, actor="user:1")
        session.commit()
    assert shown_counts(world, None)["disclosed"] == 1
    assert_list_counts_exact(world)

    # a new agency joins an alert of two regions; then withdraws; then a signal expires
    shared = raw_token()
    today = dt.date(2027, 1, 1)
    world.submit(agencies[0], batch(signal(phone(shared))))
    world.submit(
        agencies[2],
        batch(signal(phone(shared), retain_until=today - dt.timedelta(days=1))),
    )
    west_ref = new_ref()
    world.submit(agencies[4], batch(signal(phone(shared), ref=west_ref)))
    assert_list_counts_exact(world)
    world.withdraw(agencies[4], [west_ref])
    assert_list_counts_exact(world)
    world.purge(today)
    assert_list_counts_exact(world)
    assert_consistent(world.engine)


def test_a_change_behind_refresh_is_caught_then_repaired(world: World) -> None:
    """The check can fail: a status set without refresh is caught; refresh puts it right."""
    build_world(world)
    alert = next(alert for alert in world.alerts() if alert.link_id is None)
    with Session(world.engine) as session:
        session.execute(update(Alert).where(Alert.id == alert.id).values(status="triage"))  # type: ignore[arg-type]
        session.commit()
    with pytest.raises(AssertionError, match="no longer has"):
        assert_status_counts_exact(world.engine)
    with Session(world.engine) as session:
        status_counts.refresh(session, [alert.id or 0])
        session.commit()
    assert_list_counts_exact(world)
    assert shown_counts(world, None)["triage"] == 1


def test_a_kind_agency_or_period_filter_counts_exactly(world: World) -> None:
    """A kind or an agency from the counts stored per facet, both from the tallies, a period
    from the alerts; exact through workflow steps and a merge."""
    agencies = build_world(world)
    shown = shown_counts(world, None, kind="address")
    assert 0 < shown["new"] < shown_counts(world, None)["new"]
    assert sum(shown_counts(world, None, agency_id=agencies[0]).values()) > 0
    assert_filtered_counts_exact(world, agencies[0])
    listed = [alert.id or 0 for alert in world.alerts() if alert.link_id is None]
    step(world, listed[0], workflow.Action.DISMISS)
    step(world, listed[1], workflow.Action.MERGE, merge_into=listed[2])
    assert_filtered_counts_exact(world, agencies[0])
    assert shown_counts(world, None, since=dt.date(2100, 1, 1)) == {}


def test_a_period_reads_its_whole_months_stored_and_counts_the_days_around_them(
    world: World,
) -> None:
    """Alerts last seen across five months: every period, whole months or not, open or not,
    alone or with a kind, region or agency, shows the counts a recount gives."""
    agencies = build_world(world)
    listed = sorted(alert.id or 0 for alert in world.alerts() if alert.link_id is None)
    times = [(1, 31, 23), (2, 1, 0), (2, 14, 12), (3, 1, 0), (3, 31, 23), (4, 15, 8), (5, 1, 0)]
    moments = [dt.datetime(2026, month, day, hour, tzinfo=dt.UTC) for month, day, hour in times]
    with Session(world.engine) as session:
        for alert_id, moment in zip(listed, itertools.cycle(moments), strict=False):
            session.execute(update(Alert).where(Alert.id == alert_id).values(last_seen=moment))  # type: ignore[arg-type]
        status_counts.refresh(session, listed)  # a recount moves last_seen; refresh follows it
        session.commit()
    assert_status_counts_exact(world.engine)
    day = dt.date
    periods = [
        (day(2026, 2, 1), day(2026, 3, 31)),  # whole months only
        (day(2026, 1, 31), day(2026, 4, 15)),  # a day before, half a month after
        (day(2026, 2, 14), day(2026, 2, 14)),  # one day, no whole month
        (day(2026, 2, 2), day(2026, 3, 30)),  # no whole month, two partial ones
        (None, day(2026, 3, 31)),
        (day(2026, 3, 1), None),
        (day(2026, 4, 16), None),
        (day(2026, 5, 1), day(2026, 4, 1)),  # the wrong way round: nothing
    ]
    filters: list[dict[str, object]] = [
        {},
        {"kind": "address"},
        {"kind": "phone", "region": "Oost"},
        {"agency_id": agencies[0]},
        {"kind": "address", "agency_id": agencies[0]},
    ]
    scopes: list[set[str] | None] = [None, {"Noord"}]
    seen_any = False
    for (since, until), chosen, regions in itertools.product(periods, filters, scopes):
        shown = shown_counts(world, regions, since=since, until=until, **chosen)
        expected = recounted(world, regions, since=since, until=until, **chosen)  # type: ignore[arg-type]
        assert shown == expected, (since, until, chosen, regions)
        seen_any = seen_any or bool(shown)
    assert seen_any
    assert shown_counts(world, None, since=day(2026, 5, 1), until=day(2026, 4, 1)) == {}


def test_a_period_splits_into_whole_months_and_the_days_around_them() -> None:
    day = dt.date
    split = periods.split_period
    assert split(day(2026, 2, 1), day(2026, 3, 31)) == periods.PeriodSplit(
        ("2026-02", "2026-03"), ()
    )
    assert split(day(2026, 1, 31), day(2026, 4, 15)) == periods.PeriodSplit(
        ("2026-02", "2026-03"),
        ((day(2026, 1, 31), day(2026, 1, 31)), (day(2026, 4, 1), day(2026, 4, 15))),
    )
    assert split(day(2026, 2, 2), day(2026, 2, 27)) == periods.PeriodSplit(
        None, ((day(2026, 2, 2), day(2026, 2, 27)),)
    )
    assert split(None, day(2026, 12, 31)) == periods.PeriodSplit((None, "2026-12"), ())
    assert split(day(2024, 2, 29), None) == periods.PeriodSplit(
        ("2024-03", None), ((day(2024, 2, 29), day(2024, 2, 29)),)
    )
    assert split(day(2025, 12, 1), day(2025, 12, 31)).months == ("2025-12", "2025-12")


@pytest.mark.postgres
def test_concurrent_moves_of_one_key_keep_the_counts_exact(
    postgres_url: str, tmp_path: Path
) -> None:
    """Threads move alerts of one key at once, each step its own transaction: none is lost."""
    with open_world("postgres", tmp_path, postgres_url) as world:
        north = world.agency("Gemeente Noord", region="Noord")
        east = world.agency("Gemeente Oost", region="Oost")
        tokens = [raw_token() for _ in range(120)]
        for agency in (north, east):
            world.submit(agency, batch(*(signal(phone(token)) for token in tokens)))
        ids = sorted(alert.id or 0 for alert in world.alerts())
        assert len(ids) == len(tokens)
        threads, errors = 6, []
        start = threading.Barrier(threads)

        def move(share: list[int]) -> None:
            try:
                start.wait()
                for alert_id in share:
                    for status in ("triage", "dismissed"):
                        with Session(world.engine) as session:
                            session.execute(
                                update(Alert).where(Alert.id == alert_id).values(status=status)  # type: ignore[arg-type]
                            )
                            status_counts.refresh(session, [alert_id])
                            time.sleep(0.002)  # hold the folded rows while others fold
                            session.commit()
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)

        workers = [
            threading.Thread(target=move, args=(ids[number::threads],)) for number in range(threads)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert errors == []
        assert_status_counts_exact(world.engine)
        assert shown_counts(world, {"Oost"}) == {"dismissed": len(ids)}
        with Session(world.engine) as session:
            rows = session.exec(select(func.count()).select_from(AlertStatusCount)).one()
        # folding keeps the rows near one per key, not one per change
        assert rows < len(ids)


def test_the_migration_counts_the_alerts_of_an_existing_database(
    migration_app: Flask, fresh_database_url: str
) -> None:
    """A database at the previous head, with alerts and stored regions, gets its counts."""
    app = migration_app
    runner = app.test_cli_runner()
    upgraded = runner.invoke(args=["db", "upgrade", "20261201_1500_alert_filters"])
    assert upgraded.exit_code == 0, upgraded.output
    engine = create_engine(fresh_database_url)
    moment = "2026-03-01 12:00:00+00:00"
    columns = (
        "id, token, kind, level, status, agency_count, region_count, signal_count, first_seen,"
        " last_seen, created_at, updated_at, possible_victim, strength, link_id"
    )
    # 1: 'oost' and 'West' (byte order puts 'West' first, a language's collation would not);
    # 2: evidence of 1 (not listed); 3: the same regions and grade as 1, triage;
    # 4: no regions left; 5: like 1
    alerts = [
        (1, "new", "strong", None, ("oost", "West")),
        (2, "new", "weak", 1, ("oost",)),
        (3, "triage", "strong", None, ("West", "oost")),
        (4, "new", "weak", None, ()),
        (5, "new", "strong", None, ("West", "oost")),
    ]
    try:
        with engine.begin() as connection:
            for number, status, strength, link, regions in alerts:
                connection.execute(
                    text(
                        f"INSERT INTO alert ({columns}) VALUES (:id, NULL, 'phone', 'e164',"
                        " :status, 2, 1, 2, :at, :at, :at, :at, false, :strength, :link)"
                    ),
                    {
                        "id": number,
                        "status": status,
                        "strength": strength,
                        "at": moment,
                        "link": link,
                    },
                )
                for region in regions:
                    connection.execute(
                        text(
                            "INSERT INTO alert_region (alert_id, region) VALUES (:alert, :region)"
                        ),
                        {"alert": number, "region": region},
                    )
        upgraded = runner.invoke(args=["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
        with Session(engine) as session:
            stored = status_counts.stored(session)
            west = status_counts.counts(session, viewer_regions={"West"})
            everyone = status_counts.counts(session, viewer_regions=None, strengths=("weak",))
    finally:
        engine.dispose()
        app.extensions["matcher.engine"].dispose()
    both = status_counts.SEPARATOR.join(sorted(["oost", "West"]))
    assert both.startswith("West")
    march = status_counts.facet_of(month="2026-03")
    week = status_counts.week_facet("2026-02-23")  # 2026-03-01 is a Sunday
    assert stored == {  # no alert_kind or alert_agency rows here: only facets of time
        (both, "new", "strong", ""): 2,
        (both, "triage", "strong", ""): 1,
        ("", "new", "weak", ""): 1,
        (both, "new", "strong", march): 2,
        (both, "triage", "strong", march): 1,
        ("", "new", "weak", march): 1,
        (both, "new", "strong", week): 2,
        (both, "triage", "strong", week): 1,
        ("", "new", "weak", week): 1,
    }
    assert west == {"new": 2, "triage": 1}
    assert everyone == {"new": 1}


def test_the_facet_migrations_count_kinds_agencies_pairs_months_and_weeks_of_a_database(
    migration_app: Flask, fresh_database_url: str
) -> None:
    """Alerts made through the real services, taken back to the counts without facets and
    upgraded again: the stored counts per kind, per agency and per pair equal a recount."""
    runner = migration_app.test_cli_runner()
    upgraded = runner.invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    world = World(engine=create_engine(fresh_database_url), key=secrets.token_bytes(32))
    try:
        world.add_epoch()
        agencies = build_world(world)
        command.downgrade(alembic_config(fresh_database_url), "20261201_1800_facet_counts")
        with world.engine.connect() as connection:
            facets = set(
                connection.execute(text("SELECT DISTINCT facet FROM alert_status_count")).scalars()
            )
        assert facets and not any("," in facet for facet in facets)  # kinds, agencies: no pairs
        command.downgrade(alembic_config(fresh_database_url), "20261201_1700_detection_lease")
        with world.engine.connect() as connection:
            columns = {
                column["name"] for column in inspect(connection).get_columns("alert_status_count")
            }
            before = connection.execute(
                text("SELECT count(*) FROM alert_status_count WHERE alerts > 0")
            ).scalar_one()
        assert "facet" not in columns and before > 0  # the counts as the revision before kept them
        upgraded = runner.invoke(args=["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
        assert_status_counts_exact(world.engine)
        with Session(world.engine) as session:
            stored = status_counts.stored(session)
        assert any(key[3] == status_counts.facet_of(kind="address") for key in stored)
        assert any(key[3] == status_counts.facet_of(agency_id=agencies[0]) for key in stored)
        pair = status_counts.facet_of(kind="address", agency_id=agencies[0])
        assert any(key[3] == pair for key in stored)
        assert_filtered_counts_exact(world, agencies[0])
        month = periods.month_of(world.alerts()[0].last_seen)
        assert (status_counts.facet_of(kind="address", month=month)) in {key[3] for key in stored}
        command.downgrade(alembic_config(fresh_database_url), "20261201_1900_kind_agency_facets")
        with Session(world.engine) as session:
            assert not any(
                "month:" in key[3] or "week:" in key[3] for key in status_counts.stored(session)
            )
        upgraded = runner.invoke(args=["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
        assert_status_counts_exact(world.engine)
    finally:
        world.engine.dispose()
        migration_app.extensions["matcher.engine"].dispose()
