"""Notification commands: the coordinators' e-mail digest and the agencies' webhooks (cron)."""

from __future__ import annotations

import smtplib

import click
import httpx
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import select

from matcher import audit
from matcher.cli.console import actor, reports_errors, transaction
from matcher.config_errors import ConfigurationError
from matcher.errors import NotFound
from matcher.models import UserAccount
from matcher.notifications import digest as digest_
from matcher.notifications import mail, webhooks
from matcher.notifications.records import DigestSubscription

notify = AppGroup("notify", help="The coordinators' e-mail digest of new alerts.")
webhook = AppGroup("webhook", help="Agencies' webhooks, called when an alert is released to them.")


def _public_url() -> str:
    url = str(current_app.config.get("PUBLIC_URL") or "")
    if not url:
        raise ConfigurationError(
            "set KRUISPUNT_PUBLIC_URL to the dashboard's address: notifications link to it"
        )
    return url


def _user(session: object, username: str) -> UserAccount:
    from sqlmodel import Session

    assert isinstance(session, Session)
    user = session.exec(select(UserAccount).where(UserAccount.username == username)).first()
    if user is None or user.id is None:
        raise NotFound(f"No user is called {username!r}; see `kruispunt-matcher user list`.")
    return user


@notify.command("subscribe")
@click.argument("username")
@click.argument("email")
@reports_errors
def subscribe(username: str, email: str) -> None:
    """Send USERNAME (a coordinator or admin) the digest at EMAIL."""
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise click.BadParameter("not an e-mail address", param_hint="EMAIL")
    with transaction() as session:
        user = _user(session, username)
        if user.role not in ("coordinator", "admin"):
            raise click.ClickException("Only coordinators and administrators get the digest.")
        existing = session.get(DigestSubscription, user.id)
        if existing is not None:
            session.delete(existing)
            session.flush()
        session.add(DigestSubscription(user_id=user.id or 0, email=email))
        audit.record(session, actor=actor(), action="digest.subscribe", subject=f"user:{user.id}")
    click.echo(f"{username} gets the digest of new alerts in their regions.")


@notify.command("unsubscribe")
@click.argument("username")
@reports_errors
def unsubscribe(username: str) -> None:
    """Stop sending USERNAME the digest."""
    with transaction() as session:
        user = _user(session, username)
        existing = session.get(DigestSubscription, user.id)
        if existing is None:
            raise click.ClickException(f"{username} does not get the digest.")
        session.delete(existing)
        audit.record(session, actor=actor(), action="digest.unsubscribe", subject=f"user:{user.id}")
    click.echo(f"{username} no longer gets the digest.")


@notify.command("digest")
@reports_errors
def send_digest() -> None:
    """E-mail each subscriber the new strong and medium alerts in their regions (from cron)."""
    settings = mail.SmtpSettings.from_config(current_app.config)
    public_url = _public_url()
    with transaction() as session:
        digests, newest = digest_.collect(session, public_url=public_url)
        try:
            mail.send(settings, [digest_.message(item) for item in digests])
        except (OSError, smtplib.SMTPException) as error:
            raise click.ClickException(
                f"cannot hand the digest to {settings.host}:{settings.port} "
                f"({type(error).__name__}); check KRUISPUNT_SMTP_*; the next run sends it"
            ) from None
        digest_.advance(session, newest)
    click.echo(f"Sent {len(digests)} digest(s); alerts covered up to #{newest}.")


@webhook.command("add")
@click.argument("agency")
@click.argument("url")
@reports_errors
def add(agency: str, url: str) -> None:
    """Call URL when an alert is released to AGENCY; print the shared secret once."""
    with transaction() as session:
        secret = webhooks.register(session, agency_name=agency, url=url, actor=actor())
    click.echo("Shared secret (shown once; hand it to the agency's integrator):", err=True)
    click.echo(secret)


@webhook.command("remove")
@click.argument("agency")
@reports_errors
def remove(agency: str) -> None:
    """Stop calling AGENCY's webhook."""
    with transaction() as session:
        webhooks.remove(session, agency_name=agency, actor=actor())
    click.echo(f"{agency}'s webhook removed.")


@webhook.command("list")
def list_webhooks() -> None:
    """List webhooks: agency, address, pending deliveries (secrets are never shown)."""
    with transaction() as session:
        for item in webhooks.registered(session):
            click.echo(f"{item.agency}\t{item.url}\t{item.pending} pending")


@webhook.command("deliver")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds to wait per call.")
@reports_errors
def deliver(timeout: float) -> None:
    """Queue new releases and call the webhooks that are due; failures retry later (cron)."""
    public_url = _public_url()
    with httpx.Client(timeout=timeout, follow_redirects=False) as http:
        with transaction() as session:
            queued = webhooks.queue_releases(session)
        with transaction() as session:
            result = webhooks.deliver(session, http=http, public_url=public_url)
    click.echo(
        f"Queued {queued}; delivered {result.delivered}, failed {result.failed} "
        f"(retried later), given up {result.given_up}."
    )
