"""Sending e-mail over SMTP with the matcher's settings (STARTTLS or TLS in production)."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from matcher.config_errors import ConfigurationError

SECURITY_MODES = ("starttls", "tls", "none")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand mail over; the password comes from a file, never the command line."""

    host: str
    port: int
    sender: str
    security: str = "starttls"
    username: str = ""
    password_file: str = ""
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config: Any) -> SmtpSettings:
        """Read the SMTP_* settings; refuse an incomplete set in one line."""
        if not config.get("SMTP_HOST") or not config.get("SMTP_FROM"):
            raise ConfigurationError(
                "e-mail is not configured: set KRUISPUNT_SMTP_HOST and KRUISPUNT_SMTP_FROM"
            )
        security = str(config.get("SMTP_SECURITY", "starttls")).lower()
        if security not in SECURITY_MODES:
            raise ConfigurationError(
                f"KRUISPUNT_SMTP_SECURITY must be one of {', '.join(SECURITY_MODES)}"
            )
        return cls(
            host=str(config["SMTP_HOST"]),
            port=int(config.get("SMTP_PORT", 587)),
            sender=str(config["SMTP_FROM"]),
            security=security,
            username=str(config.get("SMTP_USER", "")),
            password_file=str(config.get("SMTP_PASSWORD_FILE", "")),
        )

    def password(self) -> str:
        if not self.password_file:
            return ""
        try:
            return Path(self.password_file).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ConfigurationError(
                f"the SMTP password file {self.password_file} cannot be read ({error.strerror})"
            ) from None


def send(settings: SmtpSettings, messages: list[EmailMessage]) -> None:
    """Hand every message to the SMTP server in one connection."""
    if not messages:
        return
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.security == "tls":
        smtp = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with smtp:
        if settings.security == "starttls":
            smtp.starttls(context=context)
        if settings.username:
            smtp.login(settings.username, settings.password())
        for message in messages:
            message["From"] = settings.sender
            smtp.send_message(message)
