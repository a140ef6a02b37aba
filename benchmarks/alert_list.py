"""Time the dashboard's alert list over 100,000 (or a million) alerts, SQLite and PostgreSQL.

Run::

    .venv/bin/python benchmarks/alert_list.py --backend both --alerts 100000
    .venv/bin/python benchmarks/alert_list.py --backend postgres --alerts 1000000

Fills a fresh temporary database with alerts between agencies in 10 regions, one in ten of them
evidence of the alert before it (rows written in bulk: ``COPY`` on PostgreSQL; then the stored
list filters computed in one set-based pass, as the migration backfills them), then times the
real page, through the real app, for a coordinator of one region and for an administrator: the
first page, deep pages, and filtered and sorted views. PostgreSQL's alert indexes are rebuilt after
the fill (its backfill updates every alert) and analyzed, as autovacuum would leave them; SQLite is
not analyzed (the embedded default never runs ANALYZE).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest import database
from sqlalchemy import insert, text
from sqlmodel import Session

from matcher import create_app, db
from matcher.instance import init_instance
from matcher.models import Agency, UserAccount
from matcher.services import alert_filters, list_bits, status_counts
from matcher.services.alert_counts import detected_per_week
from matcher.services.alerts import AlertFilter, _conditions, _counts_per_status
from matcher.services.bulk import insert_rows
from matcher.services.observation import observed
from matcher.services.tables import ALERT_AGENCIES, ALERTS

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

REGIONS = [f"Regio {number}" for number in range(1, 11)]
KINDS = [("phone", "e164"), ("address", "unit"), ("email", "mailbox"), ("operator", "legal_name")]
STATUSES = ["new"] * 6 + ["triage", "dismissed", "no_action", "disclosed", "closed"]
#: the list's period views: four whole months, and four months from mid-month to mid-month
PERIOD = (dt.date(2025, 6, 1), dt.date(2025, 9, 30))
PART_PERIOD = (dt.date(2025, 6, 16), dt.date(2025, 10, 15))


ALERT_COLUMNS = (
    "id", "token", "kind", "level", "status", "agency_count", "region_count", "signal_count",
    "first_seen", "last_seen", "created_at", "updated_at", "possible_victim", "strength",
    "link_id",
)  # fmt: skip
LINK_COLUMNS = ("alert_id", "agency_id", "signal_count", "first_seen", "last_seen")
#: rows per bulk write
CHUNK = 50_000


def fill(session: Session, *, alerts: int, seed: int = 7) -> None:
    """Write agencies, users and alerts (two or three agencies each) in bulk.

    Every tenth alert is evidence of the one before it (same agencies, another kind), so the
    kind filter and the evidence rule have something to find.
    """
    chance = random.Random(seed)
    agencies = [
        {"name": f"Gemeente {region}-{number}", "kind": "municipality", "region": region}
        for region in REGIONS
        for number in range(10)
    ]
    for region in REGIONS:  # as registering each region's first agency does
        list_bits.assign_region(session, region)
    session.execute(insert(Agency), agencies)
    session.add(
        UserAccount(
            username="coordinator", password_hash="-", role="coordinator", regions=REGIONS[0]
        )
    )
    session.add(UserAccount(username="admin", password_hash="-", role="admin"))
    session.flush()
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    rows: list[tuple[Any, ...]] = []
    links: list[tuple[Any, ...]] = []
    involved: list[int] = []
    for alert_id in range(1, alerts + 1):
        kind, level = chance.choice(KINDS)
        seen = start + dt.timedelta(minutes=chance.randrange(600_000))
        evidence = alert_id % 10 == 0
        if not evidence:
            involved = chance.sample(range(1, len(agencies) + 1), chance.choice((2, 2, 2, 3)))
        regions = {agencies[agency - 1]["region"] for agency in involved}
        rows.append(
            (
                alert_id, secrets.token_bytes(32), kind, level, chance.choice(STATUSES),
                len(involved), len(regions), len(involved) + chance.randrange(3),
                seen, seen, seen, seen, False, chance.choice(("strong", "medium", "weak")),
                alert_id - 1 if evidence else None,
            )
        )  # fmt: skip
        links.extend((alert_id, agency, 1, seen, seen) for agency in involved)
        if len(rows) == CHUNK:
            insert_rows(session, ALERTS, ALERT_COLUMNS, rows)
            insert_rows(session, ALERT_AGENCIES, LINK_COLUMNS, links)
            rows, links = [], []
    insert_rows(session, ALERTS, ALERT_COLUMNS, rows)
    insert_rows(session, ALERT_AGENCIES, LINK_COLUMNS, links)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setval('alert_id_seq', :last)"), {"last": alerts})
    session.commit()


def timed(client: object, url: str, *, repeats: int) -> tuple[float, float]:
    """Return the median wall-clock and CPU time of GET url in milliseconds.

    The CPU time is this process's: the app, and on SQLite the database too, so it holds still
    on a loaded machine; on PostgreSQL the server's work is not in it.
    """
    times, cpu = [], []
    client.get(url)  # type: ignore[attr-defined]  # warm: the first load compiles templates
    for _ in range(repeats):
        begin, begin_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - begin) * 1000)
        cpu.append((time.process_time() - begin_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="a PostgreSQL server to create the benchmark's database on",
    )
    options = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} at the start")
    for backend in ["sqlite", "postgres"] if options.backend == "both" else [options.backend]:
        with database(backend, options.postgres_url) as url:
            run(backend, url, options)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


def run(backend: str, url: str, options: argparse.Namespace) -> None:
    """Fill one database and time every view for both users."""
    with tempfile.TemporaryDirectory(prefix="kruispunt-bench-") as folder:
        init_instance({"INSTANCE_PATH": folder}, environ={})
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": url,
                "INSTANCE_PATH": folder,
                "SECRET_KEY": "bench",
                "DETECTION": "inline",
            }
        )
        engine = app.extensions["matcher.engine"]
        db.create_schema(engine)
        begin = time.perf_counter()
        with Session(engine) as session:
            fill(session, alerts=options.alerts)
        filled = time.perf_counter() - begin
        begin = time.perf_counter()
        with Session(engine) as session:
            alert_filters.refresh_all(session)
            session.commit()
        stored = time.perf_counter() - begin
        begin = time.perf_counter()
        with Session(engine) as session:
            status_counts.refresh_all(session)
            session.commit()
        tallied = time.perf_counter() - begin
        print(
            f"[{backend}] filled {options.alerts:,} alerts in {filled:.1f} s; "
            f"stored their regions and kinds in {stored:.1f} s; "
            f"their counts per status in {tallied:.1f} s"
        )
        if backend == "postgres":
            with engine.connect() as connection:
                autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
                # the backfill of the list's bits wrote a second version of every alert and an
                # entry for it in every index of the table; alerts made by detection get theirs
                # one by one, and the migration rebuilds the indexes after its backfill
                autocommit.execute(text("REINDEX TABLE alert"))
                autocommit.execute(text("VACUUM ANALYZE"))
        pages = options.alerts // 50
        urls = [
            "/alerts",
            "/alerts?page=20",
            "/alerts?page=1000",
            "/alerts?sort=strength",
            "/alerts?sort=agencies&status=new",
            "/alerts?kind=address&since=2025-06-01&until=2025-09-30",
            "/alerts?kind=address&since=2025-06-16&until=2025-10-15",
            "/alerts?kind=email",
            "/alerts?strength=strong",
            "/alerts?status=triage&sort=strength",
            "/alerts?agency=5",
            "/alerts?kind=email&agency=5",
        ]
        for username in ("coordinator", "admin"):
            client = app.test_client()
            with Session(engine) as session:
                from sqlmodel import select

                user = session.exec(
                    select(UserAccount).where(UserAccount.username == username)
                ).one()
            with client.session_transaction() as cookie:
                cookie["user_id"] = user.id
                cookie["generation"] = user.session_generation
            for url in urls + ([f"/alerts?page={pages // 2}"] if username == "admin" else []):
                median, cpu = timed(client, url, repeats=options.repeats)
                print(f"[{backend}] {username:12} {url:56} {median:7.1f} ms  cpu {cpu:6.1f} ms")
        time_the_list_extras(engine, repeats=options.repeats, label=f"[{backend}]")
        engine.dispose()


def time_the_list_extras(engine: Any, *, repeats: int, label: str) -> None:
    """Time parts of the page alone: counts per status, alerts per week, observation days.

    The counts per status are timed both ways in the same run and must agree: as the list reads
    them now (stored per key, a kind, an agency, both, or a period's whole months as a facet of
    it; the days around those counted) and counted from the alerts (what it read before).
    """
    from sqlalchemy import func
    from sqlmodel import select

    strengths = ("strong", "medium")
    views = {
        "": AlertFilter(strengths=strengths),
        ", ?kind=email": AlertFilter(kind="email", strengths=strengths),
        ", ?agency=5": AlertFilter(agency_id=5, strengths=strengths),
        ", ?kind=email&agency=5": AlertFilter(kind="email", agency_id=5, strengths=strengths),
        ", kind and period": AlertFilter(
            kind="address", since=PERIOD[0], until=PERIOD[1], strengths=strengths
        ),
        ", kind and period of part months": AlertFilter(
            kind="address", since=PART_PERIOD[0], until=PART_PERIOD[1], strengths=strengths
        ),
    }
    with Session(engine) as session:
        for who, regions in (("admin", None), ("coordinator", {REGIONS[0]})):
            for view, chosen in views.items():
                read_times, counted_times = [], []
                for _ in range(repeats):
                    begin = time.perf_counter()
                    read = _counts_per_status(session, chosen, regions)
                    read_times.append((time.perf_counter() - begin) * 1000)
                    begin = time.perf_counter()
                    conditions = _conditions(chosen, regions, with_status=False, for_counting=True)
                    counted = dict(
                        session.execute(
                            select(ALERTS.c.status, func.count())
                            .where(*conditions)
                            .group_by(ALERTS.c.status)
                        ).all()
                    )
                    counted_times.append((time.perf_counter() - begin) * 1000)
                    assert read == counted, (who, view, read, counted)
                for what, times in (("stored", read_times), ("counted from alerts", counted_times)):
                    label_text = f"counts per status{view}, {what}"
                    print(f"{label} {who:12} {label_text:56} {statistics.median(times):7.1f} ms")

    last_day = dt.date(2025, 1, 1) + dt.timedelta(minutes=600_000)
    with Session(engine) as session:
        ids = list(
            session.execute(select(ALERTS.c.id).order_by(ALERTS.c.last_seen.desc()).limit(50))
            .scalars()
            .all()
        )
        for who, regions in (("admin", None), ("coordinator", {REGIONS[0]})):
            times = []
            for _ in range(repeats):
                begin = time.perf_counter()
                detected_per_week(session, viewer_regions=regions, today=last_day)
                times.append((time.perf_counter() - begin) * 1000)
            median = statistics.median(times)
            print(f"{label} {who:12} {'alerts per week (12 weeks)':56} {median:7.1f} ms")
        times = []
        for _ in range(repeats):
            begin = time.perf_counter()
            observed(session, [alert_id for alert_id in ids if alert_id is not None])
            times.append((time.perf_counter() - begin) * 1000)
        what = "observation days of one page (50 alerts)"
        print(f"{label} {'any':12} {what:56} {statistics.median(times):7.1f} ms")


if __name__ == "__main__":
    main()
