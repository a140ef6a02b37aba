"""Signing in: passwords, lockout in the database, the TOTP second factor, sessions, CSRF."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from sqlmodel import Session, col, select

from matcher.models import AuditEntry, UserAccount
from matcher.services import signin
from tests.conftest import TEST_PASSWORD
from tests.dashboard.conftest import Dashboard, World

WRONG = "not-the-password-at-all"


def sign_in(dashboard: Dashboard, username: str, password: str, **extra: str) -> Any:
    return dashboard.post("/sign-in", {"username": username, "password": password, **extra})


def audit_entries(db_session: Session, action: str) -> list[AuditEntry]:
    db_session.expire_all()
    return list(
        db_session.exec(
            select(AuditEntry).where(col(AuditEntry.action) == action).order_by(col(AuditEntry.id))
        )
    )


def test_a_right_password_signs_in_and_is_audited(
    dashboard: Dashboard, world: World, db_session: Session
) -> None:
    response = sign_in(dashboard, "riec-midden", TEST_PASSWORD)

    assert response.status_code == 303
    assert response.headers["Location"] == "/alerts"
    assert dashboard.get("/alerts").status_code == 200
    [entry] = audit_entries(db_session, "login.success")
    assert entry.actor == f"user:{world.coordinator.id}"
    assert entry.details == {"factor": "password", "role": "coordinator"}


def test_each_role_lands_on_its_own_first_page(dashboard: Dashboard, world: World) -> None:
    landings = {
        user.username: sign_in(dashboard, user.username, TEST_PASSWORD).headers["Location"]
        for user in (world.coordinator, world.analyst, world.auditor, world.admin)
    }

    assert landings == {
        "riec-midden": "/alerts",
        "analist-utrecht": "/my/alerts",
        "fg": "/audit",
        "beheer": "/alerts",
    }


def test_failures_look_the_same_and_never_record_what_was_typed(
    dashboard: Dashboard, world: World, db_session: Session
) -> None:
    wrong_password = sign_in(dashboard, "riec-midden", WRONG)
    # a password typed into the username field must not reach the audit log
    unknown_user = sign_in(dashboard, "MySecretPassw0rd!", WRONG)

    assert wrong_password.status_code == unknown_user.status_code == 401
    message = re.compile(r'<p class="flash flash-error" role="alert" id="form-error">(.*?)</p>')
    assert message.findall(wrong_password.get_data(as_text=True)) == message.findall(
        unknown_user.get_data(as_text=True)
    )
    failures = audit_entries(db_session, "login.failure")
    assert [entry.details["reason"] for entry in failures] == ["bad_password", "unknown_user"]
    assert failures[1].actor == "anonymous"
    for entry in failures:
        recorded = repr((entry.actor, entry.subject, entry.details))
        assert WRONG not in recorded and "MySecretPassw0rd!" not in recorded
    assert dashboard.get("/alerts").status_code == 302


def test_five_failures_lock_the_account_for_fifteen_minutes_even_from_two_browsers(
    dashboard: Dashboard, second_dashboard: Dashboard, world: World, db_session: Session
) -> None:
    for attempt in range(signin.MAX_FAILURES):
        browser = dashboard if attempt % 2 else second_dashboard
        assert sign_in(browser, "riec-midden", WRONG).status_code == 401

    locked_out = sign_in(dashboard, "riec-midden", TEST_PASSWORD)

    assert locked_out.status_code == 401
    db_session.expire_all()
    user = db_session.get(UserAccount, world.coordinator.id)
    assert user is not None and user.locked_until is not None
    remaining = user.locked_until - signin.now_utc()
    assert dt.timedelta(minutes=14) < remaining <= signin.LOCKOUT
    assert audit_entries(db_session, "login.failure")[-1].details == {"reason": "locked"}


def test_a_lockout_ends_by_itself_after_fifteen_minutes(world: World, db_session: Session) -> None:
    start = signin.now_utc()
    for _ in range(signin.MAX_FAILURES):
        signin.attempt_password(db_session, username="riec-midden", password=WRONG, now=start)
    db_session.commit()

    during = signin.attempt_password(
        db_session,
        username="riec-midden",
        password=TEST_PASSWORD,
        now=start + dt.timedelta(minutes=14),
    )
    after = signin.attempt_password(
        db_session,
        username="riec-midden",
        password=TEST_PASSWORD,
        now=start + dt.timedelta(minutes=16),
    )

    assert (during.ok, during.reason) == (False, "locked")
    assert after.ok and after.user is not None and after.user.failed_logins == 0


def test_an_administrator_can_lift_a_lockout(
    dashboard: Dashboard, world: World, db_session: Session
) -> None:
    for _ in range(signin.MAX_FAILURES):
        sign_in(dashboard, "riec-midden", WRONG)
    dashboard.sign_in_as(world.admin)
    assert "riec-midden" in dashboard.get("/admin/users").get_data(as_text=True)

    assert dashboard.post(f"/admin/users/{world.coordinator.id}/unlock").status_code == 303

    dashboard.sign_in_as(None)
    assert sign_in(dashboard, "riec-midden", TEST_PASSWORD).status_code == 303
    assert audit_entries(db_session, "user.unlock")[0].actor == f"user:{world.admin.id}"


def _enrol(dashboard: Dashboard) -> str:
    page = dashboard.get("/account/totp").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]{32})</code>', page)
    assert secret, "the enrolment page shows the secret as text"
    assert "otpauth://totp/" in page
    return secret.group(1)


def test_totp_enrolment_then_sign_in_needs_the_code(
    dashboard: Dashboard, world: World, db_session: Session
) -> None:
    dashboard.sign_in_as(world.coordinator)
    secret = _enrol(dashboard)
    totp = pyotp.TOTP(secret)
    wrong = f"{(int(totp.now()) + 500_000) % 1_000_000:06d}"
    assert dashboard.post("/account/totp", {"code": wrong}).status_code == 422
    assert dashboard.post("/account/totp", {"code": totp.now()}).status_code == 303
    dashboard.post("/sign-out")

    after_password = sign_in(dashboard, "riec-midden", TEST_PASSWORD)
    assert after_password.headers["Location"] == "/sign-in/code"
    assert dashboard.get("/alerts").status_code == 302, "a password alone does not sign in"
    wrong_code = dashboard.post("/sign-in/code", {"code": "12345x"})
    # the enrolment used this step's code; the next step's code is fresh (and within drift)
    next_step = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    right_code = dashboard.post("/sign-in/code", {"code": totp.at(next_step)})

    assert wrong_code.status_code == 401
    assert right_code.status_code == 303
    assert dashboard.get("/alerts").status_code == 200
    reasons = [entry.details.get("reason") for entry in audit_entries(db_session, "login.failure")]
    assert reasons == ["bad_code"]
    assert audit_entries(db_session, "login.success")[-1].details["factor"] == "totp"


def test_a_totp_code_is_accepted_once(world: World, db_session: Session) -> None:
    user = db_session.get(UserAccount, world.coordinator.id)
    assert user is not None
    secret = signin.new_totp_secret()
    now = signin.now_utc()
    code = pyotp.TOTP(secret).at(now)
    assert signin.enrol_totp(db_session, user, secret=secret, code=code, now=now)
    next_code = pyotp.TOTP(secret).at(now + dt.timedelta(seconds=30))

    replayed = signin.accept_code(db_session, user, code, now=now)
    fresh = signin.accept_code(db_session, user, next_code, now=now + dt.timedelta(seconds=30))
    fresh_again = signin.accept_code(
        db_session, user, next_code, now=now + dt.timedelta(seconds=31)
    )

    assert (replayed, fresh, fresh_again) == (False, True, False)


def test_wrong_codes_count_towards_the_lockout(world: World, db_session: Session) -> None:
    user = db_session.get(UserAccount, world.coordinator.id)
    assert user is not None
    user.totp_secret = signin.new_totp_secret()
    db_session.commit()

    outcomes = [
        signin.attempt_code(db_session, user_id=user.id or 0, code="000000x").reason
        for _ in range(signin.MAX_FAILURES + 1)
    ]

    assert outcomes == ["bad_code"] * signin.MAX_FAILURES + ["locked"]


def test_sign_out_ends_the_session(dashboard: Dashboard, world: World) -> None:
    sign_in(dashboard, "riec-midden", TEST_PASSWORD)

    assert dashboard.post("/sign-out").status_code == 303
    assert dashboard.get("/alerts").status_code == 302


def test_sign_in_renews_the_session_and_only_follows_local_next_links(
    dashboard: Dashboard, world: World
) -> None:
    with dashboard.client.session_transaction() as session:
        session["planted"] = "by an attacker"

    offsite = sign_in(dashboard, "riec-midden", TEST_PASSWORD, next="//evil.example/x")
    with dashboard.client.session_transaction() as session:
        assert "planted" not in session
    local = sign_in(dashboard, "riec-midden", TEST_PASSWORD, next="/alerts?status=new")

    assert offsite.headers["Location"] == "/alerts"
    assert local.headers["Location"] == "/alerts?status=new"


def test_forms_without_a_valid_csrf_token_are_refused(dashboard: Dashboard, world: World) -> None:
    dashboard.sign_in_as(world.coordinator)

    missing = dashboard.client.post(f"/alerts/{world.alert.id}/actions", data={"action": "assign"})
    forged = dashboard.client.post(
        f"/alerts/{world.alert.id}/actions", data={"action": "assign", "csrf_token": "forged"}
    )
    login = dashboard.client.post("/sign-in", data={"username": "riec-midden", "password": "x"})

    assert missing.status_code == forged.status_code == login.status_code == 400
    assert "did not come from this site" in missing.get_data(as_text=True) or "niet van deze" in (
        missing.get_data(as_text=True)
    )
    assert dashboard.get(f"/alerts/{world.alert.id}").status_code == 200
    assert world.alert.status == "new"


def test_the_bearer_token_api_is_exempt_from_csrf(dashboard: Dashboard, world: World) -> None:
    response = dashboard.client.post("/api/v1/withdrawals", json={"refs": ["A" * 22]})

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("testing", [True, False])
def test_session_cookies_are_http_only_lax_and_secure_outside_tests(
    testing: bool, database_url: str, pepper_file: Path, tmp_path: Path, world: World
) -> None:
    from matcher import create_app

    app: Flask = create_app(
        {
            "TESTING": testing,
            "DATABASE_URL": database_url,
            "PEPPER_FILE": str(pepper_file),
            "SECRET_KEY": "cookie-test",
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    try:
        cookie = app.test_client().get("/sign-in").headers["Set-Cookie"]
    finally:
        app.extensions["matcher.engine"].dispose()

    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie) is (not testing)
