"""Notifications: what a person should know about (replies, moderation outcomes, approved
requests). Rows are written in the same transaction as the change that causes them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from forum import live, live_gate, permissions, reads, validation
from forum.models import CommunityInvite, Notification, User

KINDS = (
    "reply",
    "mention",
    "quote",
    "moderation",
    "join_approved",
    "event_reminder",
    "invite",
)
PAGE_MAX = 100


async def notify(user_id: int, kind: str, **data: Any) -> Notification:
    """Records a notification and its live event; call inside the causing transaction."""
    row = await Notification.create(user_id=user_id, kind=kind, data=data)
    await live.emit(f"user:{user_id}", "notification", id=row.id, kind=kind, **data)
    return row


def remember_unread(user: User, count: int) -> None:
    """The unread count read with the person's row when their session was resolved (one query
    for both, see forum/reads.py); marking notifications read drops it."""
    user._chaupal_unread = count


async def unread_count(user: User) -> int:
    known: int | None = getattr(user, "_chaupal_unread", None)
    if known is not None:
        return known
    return await Notification.filter(user_id=user.id, read_at__isnull=True).count()


async def recent(
    user: User, *, before: int | None = None, limit: int = 30
) -> tuple[list[Notification], int | None]:
    limit = max(1, min(limit, PAGE_MAX))
    # Fixed SQL on the (user_id, id) index: a person's page of them, newest first.
    sql = "SELECT * FROM notifications WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?"
    found = await reads.query(sql, user.id, before if before is not None else 2**31 - 1, limit + 1)
    rows = [Notification._init_from_db(**row) for row in found]
    more = len(rows) > limit
    rows = rows[:limit]
    await withhold_unreadable(user, rows)
    return rows, (rows[-1].id if more and rows else None)


WITHHELD = {"withheld": True}


async def withhold_unreadable(user: User, rows: list[Notification]) -> None:
    """A notification keeps the title of the thread it was about. If the reader may no longer
    read that thread (moved, merged or made private, removed, membership ended), its details
    are withheld, here, for every page, feed and email that shows notifications. So are an
    invitation's, once it is no longer open (revoked, expired, or gone with its community)."""
    await _close_invitations(user, rows)
    ids = {validation.object_id(n.data.get("thread_id")) for n in rows if "thread_id" in n.data}
    ids.discard(None)
    if not ids:
        return
    snap = await live_gate.snapshot(threads=[i for i in ids if i is not None])
    who = await permissions.reader(user)
    for n in rows:
        if "thread_id" in n.data:
            thread_id = validation.object_id(n.data.get("thread_id"))
            if thread_id is None or not snap.thread_readable(who, thread_id):
                n.data = dict(WITHHELD)


INVITE_CLOSED = {"invite_closed": True}


async def _close_invitations(user: User, rows: list[Notification]) -> None:
    """An invitation is offered (accept, decline) while open; once answered it says how."""
    wanted = {validation.object_id(n.data.get("invite_id")) for n in rows if "invite_id" in n.data}
    wanted.discard(None)
    if not wanted:
        return
    now = datetime.now(UTC)
    found = await CommunityInvite.filter(id__in=list(wanted), invitee_id=user.id)
    states = {r.id: permissions.invite_state(permissions.invite_facts(r), now) for r in found}
    for n in rows:
        if "invite_id" not in n.data:
            continue
        state = states.get(validation.object_id(n.data.get("invite_id")) or 0)
        if state in permissions.INVITE_ANSWERS:
            n.data = {**n.data, "answered": state}
        elif state != permissions.INVITE_OPEN:
            n.data = dict(INVITE_CLOSED)


async def mark_read(user: User, ids: list[int] | None = None) -> int:
    """Marks the given notifications (or all of them) read; returns how many changed."""
    query = Notification.filter(user_id=user.id, read_at__isnull=True)
    if ids is not None:
        query = query.filter(id__in=ids)
    if hasattr(user, "_chaupal_unread"):
        del user._chaupal_unread
    return await query.update(read_at=datetime.now(UTC))
