"""Email digests of unread notifications, for people who opted in, sent over SMTP when
CHAUPAL_SMTP_URL is set (smtp://host:port, smtp+starttls://..., smtps://...; user:password@
optional). Each person is claimed with a compare-and-set on digest_sent_at, so several workers
never send the same digest twice."""

from __future__ import annotations

import asyncio
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from forum import notifications
from forum.models import Notification, User

MAX_ITEMS = 30


def describe(n: Notification, site_url: str) -> str:
    d = n.data
    if d.get("withheld"):
        return f"A notification about a thread you can no longer read: {site_url}/notifications"
    link = f"{site_url}/p/{d['post_id']}" if d.get("post_id") else f"{site_url}/notifications"
    if n.kind in ("reply", "watching"):
        return f"@{d.get('by')} replied in “{d.get('title')}”: {link}"
    if n.kind == "mention":
        return f"@{d.get('by')} mentioned you in “{d.get('title')}”: {link}"
    if d.get("event_id"):
        return f"{d.get('message')}: {site_url}/events/{d['event_id']}"
    if d.get("invite_closed"):
        return f"An invitation that is no longer open: {site_url}/notifications"
    if n.kind == "invite":
        return f"@{d.get('by')} invites you to join {d.get('name')}: {site_url}/notifications"
    if n.kind == "join_approved":
        return f"You are now a member of {d.get('name')}: {site_url}/c/{d.get('community')}"
    return f"{d.get('message') or n.kind}: {link}"


def compose(user: User, items: list[Notification], *, site_url: str, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = user.email
    count = len(items)
    message["Subject"] = f"Chaupal: {count} new notification{'s' if count != 1 else ''}"
    lines = [f"Namaste {user.display_name},", "", "Since your last digest:", ""]
    lines += [f"- {describe(n, site_url)}" for n in items]
    lines += [
        "",
        f"All notifications: {site_url}/notifications",
        f"Stop these emails: {site_url}/settings",
    ]
    message.set_content("\n".join(lines))
    return message


def deliver(smtp_url: str, message: EmailMessage) -> None:
    """Blocking SMTP send; run it in a thread."""
    parts = urlsplit(smtp_url)
    host, port = parts.hostname or "localhost", parts.port
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port or 465, timeout=30)
    else:
        client = smtplib.SMTP(host, port or 25, timeout=30)
    with client:
        if parts.scheme == "smtp+starttls":
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


async def send_due(smtp_url: str, *, site_url: str, sender: str) -> int:
    """Sends one digest to each opted-in person with unread notifications since their last
    digest; returns how many were sent."""
    sent = 0
    for user in await User.filter(email_digest=True):
        since = user.digest_sent_at
        query = Notification.filter(user_id=user.id, read_at__isnull=True)
        if since is not None:
            query = query.filter(created_at__gt=since)
        items = await query.order_by("-id").limit(MAX_ITEMS)
        await notifications.withhold_unreadable(user, items)
        if not items:
            continue
        now = datetime.now(UTC)
        claimed = await User.filter(id=user.id, digest_sent_at=since).update(digest_sent_at=now)
        if not claimed:
            continue  # another worker is sending this one
        try:
            await asyncio.to_thread(
                deliver, smtp_url, compose(user, items, site_url=site_url, sender=sender)
            )
        except (OSError, smtplib.SMTPException):
            await User.filter(id=user.id, digest_sent_at=now).update(digest_sent_at=since)
            raise
        sent += 1
    return sent
