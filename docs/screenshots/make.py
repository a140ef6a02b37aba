"""Take the dashboard's screenshots for the docs: ``.venv/bin/python docs/screenshots/make.py``.

Builds a small made-up federation in a temporary SQLite database (batches go through the real
ingest, steps through the real workflow), serves the app on 127.0.0.1 and photographs the main
pages with Debian's chromium: sign-in, alert list, alert detail, the analyst's alerts, the
audit log. Every token is random; no real identifier exists anywhere in it.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from client import wire  # noqa: E402
from matcher import create_app, db  # noqa: E402
from matcher.instance import init_instance  # noqa: E402
from matcher.models import Alert  # noqa: E402
from matcher.pepper import Pepper  # noqa: E402
from matcher.services import actors, alert_history, disclosure, federation, ingest, users, workflow  # noqa: E402
from matcher.services.alert_detail import visible_to  # noqa: E402
from tests.dashboard import live  # noqa: E402

OUT = Path(__file__).resolve().parent
PASSWORD = secrets.token_urlsafe(18)
MIDDEN, NOORD, BRABANT = "Midden-Nederland", "Noord-Holland", "Oost-Brabant"
AGENCIES = [
    ("Gemeente Utrecht", "municipality", MIDDEN, "toezicht-prostitutie@utrecht.example"),
    ("Gemeente Amersfoort", "municipality", MIDDEN, "handhaving@amersfoort.example"),
    ("Politie Midden-Nederland", "police", MIDDEN, "avim@politie-mn.example"),
    ("Gemeente Amsterdam", "municipality", NOORD, "toezicht@amsterdam.example"),
    ("Nederlandse Arbeidsinspectie", "inspectorate", "Landelijk", "meldpunt@nla.example"),
    ("Gemeente Eindhoven", "municipality", BRABANT, "toezicht@eindhoven.example"),
]


def token() -> str:
    return wire.encode_token(secrets.token_bytes(32))


def signal(category: str, day: dt.date, *items: tuple[str, str, str]) -> wire.SignalItem:
    return wire.SignalItem(
        ref=secrets.token_urlsafe(16),
        category=wire.Category(category),
        observed_on=day,
        retain_until=day + dt.timedelta(days=365),
        tokens=[wire.TokenItem(kind=kind, level=level, token=text) for kind, level, text in items],
    )


def submit(session: Session, agency: Any, epoch: Any, pepper: Pepper, signals: list[Any]) -> None:
    batch = wire.Batch(
        batch_id=uuid.uuid4(),
        scheme=wire.SchemeName.HMAC,
        key_fingerprint=epoch.fingerprint,
        key_epoch=epoch.epoch,
        normalization_version="2026.1",
        signals=signals,
    )
    ingest.submit_batch(session, agency_id=agency.id, batch=batch, pepper=pepper)


def seed(session: Session, pepper: Pepper) -> dict[str, Any]:
    """Make agencies, users, overlapping batches and a few workflow steps."""
    agencies = {
        name: federation.add_agency(
            session, name=name, kind=kind, region=region, contact_point=contact, actor="cli"
        )
        for name, kind, region, contact in AGENCIES
    }
    epoch = federation.add_key_epoch(
        session, scheme="hmac", epoch=1, fingerprint=secrets.token_hex(16), actor="cli"
    )
    people = {
        "riec-midden": ("coordinator", None, [MIDDEN]),
        "analist-utrecht": ("analyst", "Gemeente Utrecht", []),
        "analist-amersfoort": ("analyst", "Gemeente Amersfoort", []),
        "analist-amsterdam": ("analyst", "Gemeente Amsterdam", []),
        "privacy-officer": ("auditor", None, []),
    }
    accounts = {
        username: users.create_user(
            session,
            username=username,
            password=PASSWORD,
            role=role,
            agency_id=agencies[agency].id if agency else None,
            regions=regions,
            actor="cli",
        )
        for username, (role, agency, regions) in people.items()
    }
    phone, address, operator = token(), token(), token()
    shared_phones = [token() for _ in range(8)]
    day = dt.date(2026, 2, 2)
    names = list(agencies)
    for index, name in enumerate(names):
        own: list[wire.SignalItem] = []
        for offset, shared in enumerate(shared_phones):
            if (index + offset) % 3 == 0:
                own.append(
                    signal(
                        "advertisement_monitoring" if index % 2 else "inspection",
                        day + dt.timedelta(days=7 * offset + index),
                        ("phone", "e164", shared),
                    )
                )
        if name in ("Gemeente Utrecht", "Gemeente Amersfoort", "Politie Midden-Nederland"):
            own.append(
                signal(
                    "permit_application" if index == 0 else "police_report",
                    day + dt.timedelta(days=40 + index),
                    ("phone", "e164", phone),
                    ("address", "unit", address),
                )
            )
        if name in ("Gemeente Utrecht", "Gemeente Amsterdam"):
            own.append(
                signal("bibob", day + dt.timedelta(days=55), ("operator", "legal_name", operator))
            )
        own.append(signal("tip", day + dt.timedelta(days=60), ("phone", "e164", token())))
        submit(session, agencies[name], epoch, pepper, own)
    session.flush()
    return {"accounts": accounts, "agencies": agencies}


def walk_the_workflow(session: Session, accounts: dict[str, Any]) -> int:
    """Move a few alerts along, so that the pages show statuses and a history."""
    coordinator = actors.actor_for(session, accounts["riec-midden"])
    mine = session.exec(
        select(Alert).where(visible_to(set(coordinator.regions))).order_by(col(Alert.id))
    ).all()
    featured = max(mine, key=lambda alert: (alert.kind == "phone", alert.agency_count))
    operator = next(alert for alert in mine if alert.kind == "operator")
    others = [alert for alert in mine if alert not in (featured, operator)]
    steps = [
        (featured, [workflow.Action.ASSIGN]),
        (others[0], [workflow.Action.ASSIGN, workflow.Action.DISMISS]),
        (others[1], [workflow.Action.ASSIGN, workflow.Action.REQUEST_DISCLOSURE]),
        (operator, [workflow.Action.ASSIGN, workflow.Action.REQUEST_DISCLOSURE]),
    ]
    for alert, actions in steps:
        for action in actions:
            workflow.apply(session, alert_id=alert.id or 0, action=action, actor=coordinator)
    for analyst, basis in (("analist-utrecht", "bibob"), ("analist-amsterdam", "bibob")):
        disclosure.decide(
            session,
            alert_id=operator.id or 0,
            actor=actors.actor_for(session, accounts[analyst]),
            approve=True,
            legal_basis=basis,
        )
    alert_history.add_note(
        session,
        alert_id=featured.id or 0,
        actor=coordinator,
        note="Besproken in het RIEC-overleg; Amersfoort en politie bevestigen de samenhang.",
    )
    return featured.id or 0


def photograph(base_url: str, featured: int) -> None:
    with sync_playwright() as playwright:
        browser = live.launch(playwright)
        try:
            page = live.new_page(browser, base_url, width=1280, height=860)
            page.goto("/sign-in")
            page.screenshot(path=OUT / "sign-in.png")
            live.sign_in(page, "riec-midden", PASSWORD)
            page.screenshot(path=OUT / "alert-list.png", full_page=True)
            page.goto(f"/alerts/{featured}")
            page.screenshot(path=OUT / "alert-detail.png", full_page=True)
            analyst = live.new_page(browser, base_url, width=1280, height=860)
            live.sign_in(analyst, "analist-utrecht", PASSWORD)
            analyst.goto("/my/signals")
            analyst.screenshot(path=OUT / "analyst-signals.png", full_page=True)
            analyst.goto("/my/alerts")
            analyst.screenshot(path=OUT / "analyst-alerts.png", full_page=True)
            phone = live.new_page(browser, base_url, width=390, height=844)
            live.sign_in(phone, "riec-midden", PASSWORD)
            phone.screenshot(path=OUT / "alert-list-phone.png", full_page=True)
            phone.goto(f"/alerts/{featured}")
            phone.screenshot(path=OUT / "alert-detail-phone.png", full_page=True)
            auditor = live.new_page(browser, base_url, width=1280, height=860)
            live.sign_in(auditor, "privacy-officer", PASSWORD)
            auditor.screenshot(path=OUT / "audit-log.png")
        finally:
            browser.close()


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="kruispunt-screens-") as folder:
        init_instance({"INSTANCE_PATH": folder}, environ={})
        app = create_app(
            {
                "TESTING": True,  # plain HTTP on 127.0.0.1: cookies without the Secure flag
                "DATABASE_URL": f"sqlite:///{folder}/matcher.sqlite3",
                "INSTANCE_PATH": folder,
                "SECRET_KEY": secrets.token_hex(32),
            }
        )
        engine = app.extensions["matcher.engine"]
        db.create_schema(engine)
        with Session(engine, expire_on_commit=False) as session:
            made = seed(session, app.extensions["matcher.pepper"])
            featured = walk_the_workflow(session, made["accounts"])
            session.commit()
        with live.serve(app) as base_url:
            photograph(base_url, featured)
        engine.dispose()
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main()
