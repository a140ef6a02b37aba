"""Tables of the notifications: digest subscribers and progress, webhooks, their deliveries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class DigestSubscription(SQLModel, table=True):
    """A coordinator's address for the digest of new alerts in their regions."""

    __tablename__ = "digest_subscription"

    user_id: int = Field(primary_key=True, foreign_key="user_account.id")
    email: str = Field(max_length=254)
    created_at: dt.datetime = Field(default_factory=_utcnow)


class DigestCursor(SQLModel, table=True):
    """The newest alert id a digest has covered: the next digest starts after it."""

    __tablename__ = "digest_cursor"

    id: int = Field(default=1, primary_key=True)
    last_alert_id: int = 0
    sent_at: dt.datetime | None = None


class Webhook(SQLModel, table=True):
    """An agency's endpoint, called when an alert is released to that agency.

    The secret signs each call. It is stored, because signing needs it; a thief of the database
    could forge calls, but a call carries nothing and the receiver fetches the alert itself.
    """

    __tablename__ = "webhook"

    agency_id: int = Field(primary_key=True, foreign_key="agency.id")
    url: str = Field(max_length=500)
    secret: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=_utcnow)


class WebhookDelivery(SQLModel, table=True):
    """One release to announce to one agency; retried with growing pauses until it is taken."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (UniqueConstraint("alert_id", "agency_id"),)

    id: int | None = Field(default=None, primary_key=True)
    #: the alert announced, by id only
    alert_id: int = Field(index=True)
    agency_id: int = Field(foreign_key="agency.id")
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(default_factory=_utcnow, index=True)
    delivered_at: dt.datetime | None = None
    given_up_at: dt.datetime | None = None
    #: the last failure as a status code or exception type, never a response body
    last_error: str | None = Field(default=None, max_length=80)
