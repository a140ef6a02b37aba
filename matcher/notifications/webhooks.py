"""Agencies' webhooks: a signed call when an alert is released to the agency, retried until taken.

The body is ``{"alert": ID, "strength": "strong"|"medium"|"weak"|null, "link": URL}``. Headers:
``X-Kruispunt-Delivery`` (an id that stays the same on retries), ``X-Kruispunt-Timestamp`` (Unix
seconds) and ``X-Kruispunt-Signature: sha256=<hex>``, the HMAC-SHA256 with the shared secret of
``timestamp + "." + body``. A receiver recomputes it, compares in constant time and refuses
timestamps older than a few minutes.

Deliveries are rows in ``webhook_delivery`` (one per alert and agency, a unique pair), queued
by :func:`queue_releases` from the alerts' release times and sent by :func:`deliver`; both run
from `kruispunt-matcher webhook deliver`, on any host, as often as cron calls it.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from matcher import audit
from matcher.errors import Conflict, InvalidRequest, NotFound
from matcher.models import Agency, Alert, AlertAgency, utcnow
from matcher.notifications.records import Webhook, WebhookDelivery
from matcher.notifications.selection import mention

log = logging.getLogger(__name__)

AGENCY_ALERT_PAGE = "/my/alerts/{id}"
#: pauses before the 2nd, 3rd, ... attempt; after the last one the delivery is given up
BACKOFF = tuple(dt.timedelta(minutes=minutes) for minutes in (1, 5, 15, 60, 180, 360, 720))
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the signature header's value for one call."""
    digest = hmac.new(secret.encode("ascii"), str(timestamp).encode() + b"." + body, "sha256")
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: int, body: bytes, signature: str) -> bool:
    """Return whether a call's signature is right (the receiver's check, in constant time)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def _checked_url(url: str) -> str:
    parts = urlsplit(url)
    local = parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS
    if not (parts.scheme == "https" or local) or not parts.hostname:
        raise InvalidRequest("A webhook address is an https:// URL.", code="invalid_webhook")
    if len(url) > 500:
        raise InvalidRequest("A webhook address has at most 500 characters.", code="too_long")
    return url


def _agency(session: Session, name: str) -> Agency:
    agency = session.exec(select(Agency).where(Agency.name == name)).first()
    if agency is None or agency.id is None:
        raise NotFound(f"No agency is called {name!r}; see `kruispunt-matcher agency list`.")
    return agency


def register(session: Session, *, agency_name: str, url: str, actor: str) -> str:
    """Register (or replace) an agency's webhook; return the new shared secret, shown once."""
    agency = _agency(session, agency_name)
    secret = secrets.token_urlsafe(32)
    existing = session.get(Webhook, agency.id)
    if existing is not None:
        session.delete(existing)
        session.flush()
    session.add(Webhook(agency_id=agency.id or 0, url=_checked_url(url), secret=secret))
    audit.record(
        session, actor=actor, action="webhook.register", subject=f"agency:{agency.id}", details={}
    )
    return secret


def remove(session: Session, *, agency_name: str, actor: str) -> None:
    """Stop calling an agency's webhook; pending deliveries are dropped."""
    agency = _agency(session, agency_name)
    webhook = session.get(Webhook, agency.id)
    if webhook is None:
        raise Conflict(f"{agency_name} has no webhook.", code="no_webhook")
    session.delete(webhook)
    for pending in session.exec(
        select(WebhookDelivery).where(
            WebhookDelivery.agency_id == agency.id, col(WebhookDelivery.delivered_at).is_(None)
        )
    ):
        session.delete(pending)
    audit.record(
        session, actor=actor, action="webhook.remove", subject=f"agency:{agency.id}", details={}
    )


@dataclass(frozen=True)
class Registered:
    agency: str
    url: str
    created_at: dt.datetime
    pending: int


def registered(session: Session) -> list[Registered]:
    """List the webhooks with their number of pending deliveries (never the secrets)."""
    rows = session.exec(
        select(Webhook, Agency)
        .join(Agency, col(Agency.id) == col(Webhook.agency_id))
        .order_by(col(Agency.name))
    ).all()
    result = []
    for webhook, agency in rows:
        pending = session.exec(
            select(WebhookDelivery).where(
                WebhookDelivery.agency_id == agency.id,
                col(WebhookDelivery.delivered_at).is_(None),
                col(WebhookDelivery.given_up_at).is_(None),
            )
        ).all()
        result.append(Registered(agency.name, webhook.url, webhook.created_at, len(pending)))
    return result


def queue_releases(session: Session) -> int:
    """Queue a delivery for every release to an agency with a webhook since it registered."""
    rows = session.exec(
        select(col(Alert.id), col(AlertAgency.agency_id))
        .join(AlertAgency, col(AlertAgency.alert_id) == col(Alert.id))
        .join(Webhook, col(Webhook.agency_id) == col(AlertAgency.agency_id))
        .where(
            col(Alert.released_at).is_not(None),
            col(Alert.released_at) >= col(Webhook.created_at),
            ~select(WebhookDelivery.id)
            .where(
                WebhookDelivery.alert_id == Alert.id,
                WebhookDelivery.agency_id == AlertAgency.agency_id,
            )
            .exists(),
        )
    ).all()
    queued = 0
    for alert_id, agency_id in rows:
        try:
            with session.begin_nested():
                session.add(WebhookDelivery(alert_id=alert_id or 0, agency_id=agency_id))
            queued += 1
        except IntegrityError:
            pass  # another host queued it at the same moment
    return queued


@dataclass
class DeliveryResult:
    delivered: int = 0
    failed: int = 0
    given_up: int = 0


def _call(
    http: httpx.Client, webhook: Webhook, delivery: WebhookDelivery, body: bytes, now: int
) -> str | None:
    """Call the webhook once; return None when it took the call, else the failure's name."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "kruispunt-matcher",
        "X-Kruispunt-Delivery": str(delivery.id),
        "X-Kruispunt-Timestamp": str(now),
        "X-Kruispunt-Signature": sign(webhook.secret, now, body),
    }
    try:
        response = http.post(webhook.url, content=body, headers=headers)
    except httpx.HTTPError as error:
        return type(error).__name__
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}"


def deliver(
    session: Session, *, http: httpx.Client, public_url: str, now: dt.datetime | None = None
) -> DeliveryResult:
    """Send every due delivery once; a failure waits for its next turn (BACKOFF)."""
    moment = now or utcnow()
    result = DeliveryResult()
    due = session.exec(
        select(WebhookDelivery, Webhook, Alert)
        .join(Webhook, col(Webhook.agency_id) == col(WebhookDelivery.agency_id))
        .join(Alert, col(Alert.id) == col(WebhookDelivery.alert_id))
        .where(
            col(WebhookDelivery.delivered_at).is_(None),
            col(WebhookDelivery.given_up_at).is_(None),
            col(WebhookDelivery.next_attempt_at) <= moment,
        )
        .order_by(col(WebhookDelivery.id))
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    ).all()
    for delivery, webhook, alert in due:
        item = mention(alert, public_url=public_url, path=AGENCY_ALERT_PAGE)
        payload = {"alert": item.alert_id, "strength": item.strength, "link": item.link}
        body = json.dumps(payload, separators=(",", ":")).encode()
        failure = _call(http, webhook, delivery, body, int(moment.timestamp()))
        delivery.attempts += 1
        if failure is None:
            delivery.delivered_at = moment
            delivery.last_error = None
            result.delivered += 1
        elif delivery.attempts > len(BACKOFF):
            delivery.given_up_at = moment
            delivery.last_error = failure
            result.given_up += 1
            log.error(
                "webhook delivery %s to agency %s given up after %d attempts (%s)",
                delivery.id, delivery.agency_id, delivery.attempts, failure,
            )  # fmt: skip
        else:
            delivery.next_attempt_at = moment + BACKOFF[delivery.attempts - 1]
            delivery.last_error = failure
            result.failed += 1
            log.warning(
                "webhook delivery %s to agency %s failed (%s); attempt %d of %d",
                delivery.id, delivery.agency_id, failure, delivery.attempts, len(BACKOFF) + 1,
            )  # fmt: skip
        session.add(delivery)
    return result
