"""Sessions end when they should, redirects stay on this site, guesses are counted atomically."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlmodel import Session, col, select

from matcher.db import make_engine
from matcher.models import AuditEntry, UserAccount
from matcher.services import signin, users
from tests.conftest import CHEAP_HASHER, TEST_PASSWORD
from tests.dashboard.conftest import Dashboard, World

PARALLEL_GUESSES = 20


def sign_in(dashboard: Dashboard, username: str, **extra: str) -> Any:
    form = {"username": username, "password": TEST_PASSWORD, **extra}
    return dashboard.post("/sign-in", form)


def saved_cookie(dashboard: Dashboard) -> str:
    cookie = dashboard.client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def replay(dashboard: Dashboard, cookie: str) -> int:
    dashboard.client.set_cookie("session", cookie)
    status: int = dashboard.get("/alerts").status_code
    return status


def test_a_cookie_saved_before_sign_out_no_longer_opens_a_page(
    dashboard: Dashboard, world: World
) -> None:
    sign_in(dashboard, "riec-midden")
    saved = saved_cookie(dashboard)
    assert replay(dashboard, saved) == 200

    dashboard.post("/sign-out")

    assert replay(dashboard, saved) == 302


def test_sign_out_ends_the_users_other_sessions_too(
    dashboard: Dashboard, second_dashboard: Dashboard, world: World
) -> None:
    sign_in(dashboard, "riec-midden")
    sign_in(second_dashboard, "riec-midden")

    dashboard.post("/sign-out")

    assert second_dashboard.get("/alerts").status_code == 302


@pytest.mark.parametrize("event", ["password", "deactivate", "lockout"])
def test_a_new_password_a_deactivation_or_a_lockout_ends_every_session(
    dashboard: Dashboard, world: World, db_session: Session, event: str
) -> None:
    sign_in(dashboard, "riec-midden")
    user = db_session.get(UserAccount, world.coordinator.id)
    assert user is not None
    if event == "password":
        users.set_password(db_session, user, "another long password", actor="test")
    elif event == "deactivate":
        users.deactivate(db_session, user, actor="test")
    else:
        for _ in range(signin.MAX_FAILURES):
            signin.attempt_password(db_session, username="riec-midden", password="wrong-guess")
    db_session.commit()

    assert dashboard.get("/alerts").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/",
        "/%2F/evil.example",
        "/%09/evil.example",
        "/\u2028/evil.example",
        "javascript:alert(1)",
    ],
)
def test_next_goes_to_a_local_path_only(dashboard: Dashboard, world: World, target: str) -> None:
    signed_in = sign_in(dashboard, "riec-midden", next=target)
    switched = dashboard.post("/language", {"language": "en", "next": target})

    assert signed_in.headers["Location"] == "/alerts"
    assert switched.headers["Location"] == "/alerts"


def test_a_local_next_is_still_followed(dashboard: Dashboard, world: World) -> None:
    response = sign_in(dashboard, "riec-midden", next="/alerts?status=new&sort=recent")

    assert response.headers["Location"] == "/alerts?status=new&sort=recent"


def _guess(barrier: threading.Barrier, engine: Any) -> None:
    with Session(engine, expire_on_commit=False) as session:
        barrier.wait(timeout=30)
        signin.attempt_password(session, username="riec-midden", password="a wrong guess")
        session.commit()


def test_parallel_wrong_passwords_check_no_more_than_the_limit(
    world: World, database_url: str, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(users, "HASHER", CHEAP_HASHER)
    options = {"pool_size": PARALLEL_GUESSES, "max_overflow": 0}
    engine = make_engine(database_url, **options)
    barrier = threading.Barrier(PARALLEL_GUESSES)
    threads = [
        threading.Thread(target=_guess, args=(barrier, engine)) for _ in range(PARALLEL_GUESSES)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        engine.dispose()
    reasons = [
        entry.details.get("reason")
        for entry in db_session.exec(
            select(AuditEntry).where(col(AuditEntry.action) == "login.failure")
        )
    ]

    assert reasons.count("bad_password") == signin.MAX_FAILURES
    assert reasons.count("locked") == PARALLEL_GUESSES - signin.MAX_FAILURES


def test_the_password_and_deactivate_commands_end_sessions(
    dashboard: Dashboard, world: World, app: Any
) -> None:
    runner = app.test_cli_runner()
    sign_in(dashboard, "riec-midden")
    changed = runner.invoke(
        args=["user", "password", "riec-midden"],
        env={"KRUISPUNT_USER_PASSWORD": "a brand new passphrase"},
    )
    assert changed.exit_code == 0, changed.output
    assert dashboard.get("/alerts").status_code == 302

    dashboard.post("/sign-in", {"username": "riec-midden", "password": "a brand new passphrase"})
    assert dashboard.get("/alerts").status_code == 200
    deactivated = runner.invoke(args=["user", "deactivate", "riec-midden"])

    assert deactivated.exit_code == 0, deactivated.output
    assert dashboard.get("/alerts").status_code == 302
