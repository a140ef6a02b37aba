"""The coordinators' digest: one e-mail per subscriber listing new alerts in their regions.

The cursor (the newest alert id covered) advances only when every message was handed to the
SMTP server; a failed run is retried whole by the next one. Each line names an alert's id,
strength and link, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

from sqlmodel import Session, col, select

from matcher.models import Alert, UserAccount, utcnow
from matcher.notifications.records import DigestCursor, DigestSubscription
from matcher.notifications.selection import Mention, mention, worth_a_digest
from matcher.services.alert_detail import visible_to
from matcher.services.users import viewer_regions

ALERT_PAGE = "/alerts/{id}"
#: most alerts one digest lists; a longer run says how many more there are
MOST_LISTED = 50


@dataclass(frozen=True)
class Digest:
    """One subscriber's e-mail before it is sent."""

    email: str
    mentions: list[Mention]
    more: int


def _cursor(session: Session) -> DigestCursor:
    cursor = session.exec(
        select(DigestCursor).where(DigestCursor.id == 1).with_for_update()
    ).first()
    if cursor is None:
        cursor = DigestCursor(id=1, last_alert_id=0)
        session.add(cursor)
        session.flush()
    return cursor


def collect(session: Session, *, public_url: str) -> tuple[list[Digest], int]:
    """Return the digests due, and the newest alert id they cover."""
    cursor = _cursor(session)
    newest = session.exec(select(col(Alert.id)).order_by(col(Alert.id).desc()).limit(1)).first()
    if newest is None or newest <= cursor.last_alert_id:
        return [], cursor.last_alert_id
    digests: list[Digest] = []
    subscribers = session.exec(
        select(DigestSubscription, UserAccount)
        .join(UserAccount, col(UserAccount.id) == col(DigestSubscription.user_id))
        .where(col(UserAccount.active), col(UserAccount.role).in_(("coordinator", "admin")))
        .order_by(col(DigestSubscription.user_id))
    ).all()
    for subscription, user in subscribers:
        query = select(Alert).where(col(Alert.id) > cursor.last_alert_id, col(Alert.id) <= newest)
        regions = viewer_regions(user)
        if regions is not None:
            query = query.where(visible_to(regions))
        alerts = [a for a in session.exec(query.order_by(col(Alert.id))) if worth_a_digest(a)]
        if alerts:
            mentions = [mention(a, public_url=public_url, path=ALERT_PAGE) for a in alerts]
            digests.append(
                Digest(
                    email=subscription.email,
                    mentions=mentions[:MOST_LISTED],
                    more=max(0, len(mentions) - MOST_LISTED),
                )
            )
    return digests, newest


def message(digest: Digest) -> EmailMessage:
    """Write one digest as a plain-text e-mail, in Dutch and English."""
    count = len(digest.mentions) + digest.more
    result = EmailMessage()
    result["To"] = digest.email
    result["Subject"] = f"Kruispunt: {count} nieuwe signalering(en) / new alert(s)"
    lines = [
        "Nieuwe signaleringen in uw regio's / New alerts in your regions:",
        "",
    ]
    for item in digest.mentions:
        lines.append(f"#{item.alert_id}  {item.strength or '-':<7}  {item.link}")
    if digest.more:
        lines.append(f"... en nog {digest.more} / and {digest.more} more")
    lines += [
        "",
        "Meld u aan om ze te bekijken. / Sign in to review them.",
    ]
    result.set_content("\n".join(lines) + "\n")
    return result


def advance(session: Session, newest: int) -> None:
    """Record that alerts up to newest have been covered."""
    cursor = _cursor(session)
    cursor.last_alert_id = max(cursor.last_alert_id, newest)
    cursor.sent_at = utcnow()
    session.add(cursor)
