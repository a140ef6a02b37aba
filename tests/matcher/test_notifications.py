"""Notifications: the coordinators' e-mail digest and the agencies' signed, retried webhooks.

The digest goes to a real SMTP server (aiosmtpd) on a local port; webhooks call a real HTTP
server on a local port. Both carry an alert's id, strength and link, nothing more.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from flask.testing import FlaskCliRunner
from sqlmodel import Session, select

from matcher.notifications import webhooks
from matcher.notifications.records import DigestCursor, WebhookDelivery
from matcher.notifications.selection import worth_a_digest
from matcher.services import alerts
from tests.conftest import record_approvals

PUBLIC_URL = "https://kruispunt.example.nl"


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp(app: Any) -> Iterator[Inbox]:
    """A local SMTP server, and the app's settings pointing at it."""
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=port,
            SMTP_SECURITY="none",
            SMTP_FROM="no-reply@kruispunt.example.nl",
            PUBLIC_URL=PUBLIC_URL,
        )
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def two_regions(
    make_agency: Callable[..., Any], make_signal: Callable[..., Any], make_alert: Callable[..., Any]
) -> dict[str, Any]:
    utrecht = make_agency("Gemeente Utrecht", region="Midden-Nederland")
    amersfoort = make_agency("Gemeente Amersfoort", region="Midden-Nederland")
    breda = make_agency("Gemeente Breda", region="Zeeland-West-Brabant")
    tilburg = make_agency("Gemeente Tilburg", region="Zeeland-West-Brabant")
    here = make_alert(make_signal(utrecht), make_signal(amersfoort))
    there = make_alert(make_signal(breda), make_signal(tilburg))
    return {"here": here, "there": there, "utrecht": utrecht, "amersfoort": amersfoort}


def test_a_coordinator_gets_one_digest_of_new_alerts_in_their_regions_only(
    runner: FlaskCliRunner,
    smtp: Inbox,
    make_user: Callable[..., Any],
    two_regions: dict[str, Any],
    make_alert: Callable[..., Any],
    make_signal: Callable[..., Any],
) -> None:
    make_user("rita", regions=("Midden-Nederland",))
    assert (
        runner.invoke(args=["notify", "subscribe", "rita", "rita@veiligheidsregio.nl"]).exit_code
        == 0
    )

    first = runner.invoke(args=["notify", "digest"])
    second = runner.invoke(args=["notify", "digest"])
    make_alert(make_signal(two_regions["utrecht"]), make_signal(two_regions["amersfoort"]))
    third = runner.invoke(args=["notify", "digest"])

    assert first.exit_code == 0, first.output
    assert "Sent 1 digest(s)" in first.output
    assert "Sent 0 digest(s)" in second.output
    assert "Sent 1 digest(s)" in third.output
    assert len(smtp.messages) == 2
    recipients, mail = smtp.messages[0]
    assert recipients == ["rita@veiligheidsregio.nl"]
    body = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    here, there = two_regions["here"].id, two_regions["there"].id
    assert f"{PUBLIC_URL}/alerts/{here}" in body
    assert f"/alerts/{there}" not in body
    lines = [line for line in body.splitlines() if line.startswith("#")]
    strength = two_regions["here"].strength
    assert lines == [f"#{here}  {strength:<7}  {PUBLIC_URL}/alerts/{here}"]


def test_a_digest_that_could_not_be_sent_is_sent_by_the_next_run(
    runner: FlaskCliRunner,
    smtp: Inbox,
    app: Any,
    make_user: Callable[..., Any],
    two_regions: dict[str, Any],
    db_session: Session,
) -> None:
    make_user("rita", regions=("Midden-Nederland",))
    runner.invoke(args=["notify", "subscribe", "rita", "rita@veiligheidsregio.nl"])
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = 1

    failed = runner.invoke(args=["notify", "digest"])
    app.config["SMTP_PORT"] = port
    sent = runner.invoke(args=["notify", "digest"])

    assert failed.exit_code == 1
    assert "Traceback" not in failed.output
    assert sent.exit_code == 0, sent.output
    assert len(smtp.messages) == 1
    cursor = db_session.exec(select(DigestCursor)).one()
    assert cursor.last_alert_id == two_regions["there"].id


def test_without_smtp_settings_the_digest_says_what_to_set(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["notify", "digest"])

    assert result.exit_code == 1
    assert "KRUISPUNT_SMTP_HOST" in result.output


def test_weak_alerts_wait_for_the_coordinators_visit() -> None:
    def grade(strength: str | None) -> bool:
        return worth_a_digest(SimpleNamespace(strength=strength))  # type: ignore[arg-type]

    assert [grade(s) for s in ("strong", "medium", "weak", None)] == [True, True, False, True]


class Receiver(BaseHTTPRequestHandler):
    """An agency's endpoint: answers with the next planned status, keeps every call."""

    calls: list[tuple[dict[str, str], bytes]]
    answers: list[int]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.calls.append((dict(self.headers.items()), body))
        self.send_response(self.answers.pop(0) if self.answers else 204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[type[Receiver]]:
    handler = type("Endpoint", (Receiver,), {"calls": [], "answers": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/kruispunt"  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


def test_a_release_calls_the_agencys_webhook_signed_and_retried_until_taken(
    app: Any,
    runner: FlaskCliRunner,
    receiver: type[Receiver],
    two_regions: dict[str, Any],
    db_session: Session,
) -> None:
    app.config["PUBLIC_URL"] = PUBLIC_URL
    added = runner.invoke(args=["webhook", "add", "Gemeente Utrecht", receiver.url])  # type: ignore[attr-defined]
    secret = added.stdout.strip()
    receiver.answers = [503]
    alert_id = two_regions["here"].id
    record_approvals(db_session, alert_id)
    alerts.release_alert(db_session, alert_id=alert_id, actor="test")
    db_session.commit()

    first = runner.invoke(args=["webhook", "deliver"])
    with (
        app.app_context(),
        Session(app.extensions["matcher.engine"]) as session,
        httpx.Client() as http,
    ):
        too_soon = webhooks.deliver(session, http=http, public_url=PUBLIC_URL)
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)
        retried = webhooks.deliver(session, http=http, public_url=PUBLIC_URL, now=later)
        session.commit()
    listed = runner.invoke(args=["webhook", "list"])

    assert added.exit_code == 0, added.output
    assert "Queued 1; delivered 0, failed 1" in first.output
    assert (too_soon.delivered, retried.delivered) == (0, 1)
    assert len(receiver.calls) == 2
    (headers, first_body), (retry_headers, retry_body) = receiver.calls
    assert first_body == retry_body
    assert json.loads(retry_body) == {
        "alert": alert_id,
        "strength": two_regions["here"].strength,
        "link": f"{PUBLIC_URL}/my/alerts/{alert_id}",
    }
    assert headers["X-Kruispunt-Delivery"] == retry_headers["X-Kruispunt-Delivery"]
    timestamp = int(retry_headers["X-Kruispunt-Timestamp"])
    assert webhooks.verify(secret, timestamp, retry_body, retry_headers["X-Kruispunt-Signature"])
    assert not webhooks.verify(
        "another secret", timestamp, retry_body, retry_headers["X-Kruispunt-Signature"]
    )
    assert secret not in listed.output
    assert "Gemeente Utrecht" in listed.output and "0 pending" in listed.output


def test_only_agencies_with_a_webhook_and_only_later_releases_are_announced(
    app: Any,
    runner: FlaskCliRunner,
    receiver: type[Receiver],
    two_regions: dict[str, Any],
    db_session: Session,
) -> None:
    app.config["PUBLIC_URL"] = PUBLIC_URL
    record_approvals(db_session, two_regions["here"].id)
    alerts.release_alert(db_session, alert_id=two_regions["here"].id, actor="test")
    db_session.commit()
    runner.invoke(args=["webhook", "add", "Gemeente Utrecht", receiver.url])  # type: ignore[attr-defined]

    delivered = runner.invoke(args=["webhook", "deliver"])

    assert "Queued 0" in delivered.output
    assert receiver.calls == []
    assert db_session.exec(select(WebhookDelivery)).all() == []


@pytest.mark.parametrize("url", ["http://agency.example.nl/hook", "ftp://x", "not a url"])
def test_a_webhook_must_be_https(
    runner: FlaskCliRunner, url: str, two_regions: dict[str, Any]
) -> None:
    result = runner.invoke(args=["webhook", "add", "Gemeente Utrecht", url])

    assert result.exit_code == 1
    assert "https://" in result.output
