"""Notifications: what a person should know about (replies, moderation outcomes, approved
requests). Rows are written in the same transaction as the change that causes them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from forum import live
from forum.models import Notification, User

KINDS = (
    "reply",
    "mention",
    "quote",
    "moderation",
    "join_approved",
    "event_reminder",
)
PAGE_MAX = 100


async def notify(user_id: int, kind: str, **data: Any) -> Notification:
    """Records a notification and its live event; call inside the causing transaction."""
    row = await Notification.create(user_id=user_id, kind=kind, data=data)
    await live.emit(f"user:{user_id}", "notification", id=row.id, kind=kind, **data)
    return row


async def unread_count(user: User) -> int:
    return await Notification.filter(user_id=user.id, read_at__isnull=True).count()


async def recent(
    user: User, *, before: int | None = None, limit: int = 30
) -> tuple[list[Notification], int | None]:
    limit = max(1, min(limit, PAGE_MAX))
    query = Notification.filter(user_id=user.id)
    if before is not None:
        query = query.filter(id__lt=before)
    rows = await query.order_by("-id").limit(limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


async def mark_read(user: User, ids: list[int] | None = None) -> int:
    """Marks the given notifications (or all of them) read; returns how many changed."""
    query = Notification.filter(user_id=user.id, read_at__isnull=True)
    if ids is not None:
        query = query.filter(id__in=ids)
    return await query.update(read_at=datetime.now(UTC))
