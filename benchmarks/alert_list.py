"""Time the dashboard's alert list over 100,000 alerts in SQLite.

Run: ``.venv/bin/python benchmarks/alert_list.py [--alerts 100000]``. Fills a fresh
temporary database with alerts between agencies in 10 regions (rows written in bulk, as the
ingest would leave them), then times the real page, through the real app, for a coordinator of
one region and for an administrator: the first page, a deep page, and filtered and sorted views.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert
from sqlmodel import Session, col

from matcher import create_app, db
from matcher.instance import init_instance
from matcher.models import Agency, Alert, AlertAgency, UserAccount
from matcher.services.alert_counts import detected_per_week
from matcher.services.observation import observed

REGIONS = [f"Regio {number}" for number in range(1, 11)]
KINDS = [("phone", "e164"), ("address", "unit"), ("email", "mailbox"), ("operator", "legal_name")]
STATUSES = ["new"] * 6 + ["triage", "dismissed", "no_action", "disclosed", "closed"]


def fill(session: Session, *, alerts: int, seed: int = 7) -> None:
    """Write agencies, users and alerts (two or three agencies each) in bulk."""
    chance = random.Random(seed)
    agencies = [
        {"name": f"Gemeente {region}-{number}", "kind": "municipality", "region": region}
        for region in REGIONS
        for number in range(10)
    ]
    session.execute(insert(Agency), agencies)
    session.add(
        UserAccount(
            username="coordinator", password_hash="-", role="coordinator", regions=REGIONS[0]
        )
    )
    session.add(UserAccount(username="admin", password_hash="-", role="admin"))
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    rows, links = [], []
    for alert_id in range(1, alerts + 1):
        kind, level = chance.choice(KINDS)
        seen = start + dt.timedelta(minutes=chance.randrange(600_000))
        involved = chance.sample(range(1, len(agencies) + 1), chance.choice((2, 2, 2, 3)))
        regions = {agencies[agency - 1]["region"] for agency in involved}
        rows.append(
            {
                "id": alert_id,
                "token": secrets.token_bytes(32),
                "kind": kind,
                "level": level,
                "status": chance.choice(STATUSES),
                "agency_count": len(involved),
                "region_count": len(regions),
                "signal_count": len(involved) + chance.randrange(3),
                "first_seen": seen,
                "last_seen": seen,
                "created_at": seen,
                "updated_at": seen,
            }
        )
        links.extend(
            {
                "alert_id": alert_id,
                "agency_id": agency,
                "signal_count": 1,
                "first_seen": seen,
                "last_seen": seen,
            }
            for agency in involved
        )
        if len(rows) == 10_000:
            session.execute(insert(Alert), rows)
            session.execute(insert(AlertAgency), links)
            rows, links = [], []
    if rows:
        session.execute(insert(Alert), rows)
        session.execute(insert(AlertAgency), links)
    session.commit()


def timed(client: object, url: str, *, repeats: int) -> float:
    """Return the median time of GET url in milliseconds."""
    times = []
    for _ in range(repeats):
        begin = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kruispunt-bench-") as folder:
        init_instance({"INSTANCE_PATH": folder}, environ={})
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": f"sqlite:///{folder}/matcher.sqlite3",
                "INSTANCE_PATH": folder,
                "SECRET_KEY": "bench",
            }
        )
        engine = app.extensions["matcher.engine"]
        db.create_schema(engine)
        begin = time.perf_counter()
        with Session(engine) as session:
            fill(session, alerts=options.alerts)
        print(f"filled {options.alerts:,} alerts in {time.perf_counter() - begin:.1f} s")
        pages = options.alerts // 50
        urls = [
            "/alerts",
            "/alerts?page=20",
            f"/alerts?page={max(1, pages // 10 // 2)}",
            "/alerts?sort=strength",
            "/alerts?sort=agencies&status=new",
            "/alerts?kind=address&since=2025-06-01&until=2025-09-30",
            "/alerts?agency=5",
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
            for url in urls + ([f"/alerts?page={pages // 2}"] if username == "admin" else []):
                print(
                    f"{username:12} {url:58} {timed(client, url, repeats=options.repeats):7.1f} ms"
                )
        time_the_list_extras(engine, repeats=options.repeats)
        engine.dispose()


def time_the_list_extras(engine: Any, *, repeats: int) -> None:
    """Time the list's two additions alone: alerts per week, and a page's observation days."""
    from sqlmodel import select

    last_day = dt.date(2025, 1, 1) + dt.timedelta(minutes=600_000)
    with Session(engine) as session:
        ids = list(session.exec(select(Alert.id).order_by(col(Alert.last_seen).desc()).limit(50)))
        for who, regions in (("admin", None), ("coordinator", {REGIONS[0]})):
            times = []
            for _ in range(repeats):
                begin = time.perf_counter()
                detected_per_week(session, viewer_regions=regions, today=last_day)
                times.append((time.perf_counter() - begin) * 1000)
            print(f"{who:12} {'alerts per week (12 weeks)':58} {statistics.median(times):7.1f} ms")
        times = []
        for _ in range(repeats):
            begin = time.perf_counter()
            observed(session, [alert_id for alert_id in ids if alert_id is not None])
            times.append((time.perf_counter() - begin) * 1000)
        label = "observation days of one page (50 alerts)"
        print(f"{'any':12} {label:58} {statistics.median(times):7.1f} ms")


if __name__ == "__main__":
    main()
