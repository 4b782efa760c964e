"""Notifications: what a person should know about (replies, moderation outcomes, approved
requests). Rows are written in the same transaction as the change that causes them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from tortoise import connections

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
    rows = await reads.query(_UNREAD_SQL, user.id)
    return int(rows[0]["unread"]) if rows else 0


@dataclass(frozen=True, slots=True)
class NotificationView:
    """One notification as its reader is shown it: the model's names for what it says, read
    with fixed SQL (forum/reads.py) rather than built as a model. `data` is what it tells the
    reader now (its details withheld if need be; never changed in place, views may be kept);
    `stored` is the JSON text it was read as while `data` is what that text says, and None
    once withholding put something else in its place."""

    id: int
    kind: str
    data: dict[str, Any]
    read_at: datetime | None
    created_at: datetime
    stored: str | None


# A person's page of them, newest first, on the (user_id, id) index, each with the current
# state of the thread it names (by primary key): what withholding decides on. The thread named
# is found by the dialect's JSON operator; forum/live_gate.py reads any the join could not find
# (and the threads merged ones joined), so the join only saves a query, never decides.
_RECENT_SQL = """
SELECT n.id, n.kind, n.data, n.read_at, n.created_at,
    t.id AS t_id, t.status, t.author_id, t.community_id, t.merged_into_id, c.visibility
FROM notifications n
    LEFT JOIN threads t ON t.id = {thread_ref}
    LEFT JOIN communities c ON c.id = t.community_id
WHERE n.user_id = ? AND n.id < ? ORDER BY n.id DESC LIMIT ?"""
_THREAD_REF = {
    "sqlite": "json_extract(n.data, '$.thread_id')",
    "postgres": "(CASE WHEN n.data->>'thread_id' ~ '^[0-9]{1,9}$'"
    " THEN CAST(n.data->>'thread_id' AS INTEGER) END)",
}
_RECENT_SQL_OF = {name: _RECENT_SQL.format(thread_ref=ref) for name, ref in _THREAD_REF.items()}
_UNREAD_SQL = "SELECT COUNT(*) AS unread FROM notifications WHERE user_id = ? AND read_at IS NULL"


def _recent_sql() -> str:
    return _RECENT_SQL_OF[connections.get("default").capabilities.dialect]


def _view_of(row: dict[str, Any]) -> NotificationView:
    raw = row["data"]
    stored: str | None
    if isinstance(raw, str | bytes):
        stored = raw if isinstance(raw, str) else raw.decode()
        data = json.loads(stored)
    else:  # a driver that decodes JSON itself
        data = raw
        stored = json.dumps(raw, sort_keys=True, default=str)
    if not isinstance(data, dict):  # notify() only ever stores an object
        data, stored = {}, None
    return NotificationView(
        id=int(row["id"]),
        kind=row["kind"],
        data=data,
        read_at=None if row["read_at"] is None else reads.parse_time(row["read_at"]),
        created_at=reads.parse_time(row["created_at"]),
        stored=stored,
    )


def _views_of(
    user: User, found: list[dict[str, Any]], cache: reads.Memo | None
) -> list[NotificationView]:
    """The rows' views as stored (before withholding): kept by the rows' own values when a
    cache is given, since a view is made of nothing else."""
    if cache is None:
        return [_view_of(row) for row in found]
    key = (
        "stored",
        user.id,
        tuple(
            (row["id"], row["kind"], row["data"], row["read_at"], row["created_at"])
            for row in found
        ),
    )
    try:
        kept = cache.get(key)
    except TypeError:  # a driver's value that cannot be a key: nothing is kept
        return [_view_of(row) for row in found]
    if isinstance(kept, _Kept):
        return list(kept.views)
    views = [_view_of(row) for row in found]
    size = sum(400 + len(v.stored or "") for v in views)
    cache.put(key, _Kept(tuple(views), size))
    return views


@dataclass(frozen=True, slots=True)
class _Kept:
    views: tuple[NotificationView, ...]
    memo_size: int  # what a memo counts it as (forum/web/page_cache.py)


async def recent(
    user: User, *, before: int | None = None, limit: int = 30, cache: reads.Memo | None = None
) -> tuple[list[NotificationView], int | None]:
    """A page of the person's notifications, newest first, each as they are told it now, and
    the next page's `before` (None on the last page). `cache` keeps the rows' views as stored
    (what they are told is decided afresh on every call)."""
    limit = max(1, min(limit, PAGE_MAX))
    found = await reads.query(
        _recent_sql(), user.id, before if before is not None else 2**31 - 1, limit + 1
    )
    more = len(found) > limit
    found = found[:limit]
    views = _views_of(user, found, cache)
    known = {
        int(row["t_id"]): live_gate.thread_state(row) for row in found if row["t_id"] is not None
    }
    told = await _told(user, [v.data for v in views], known)
    rows = [
        v if now is None else replace(v, data=now, stored=None)
        for v, now in zip(views, told, strict=True)
    ]
    return rows, (rows[-1].id if more and rows else None)


def shown_as(n: NotificationView) -> tuple[object, ...]:
    """Everything a page shows of this notification, as one hashable value: two views with
    the same value read the same (a rendering may be kept by it)."""
    said = n.stored if n.stored is not None else json.dumps(n.data, sort_keys=True, default=str)
    return (n.id, n.kind, said, n.read_at, n.created_at)


WITHHELD = {"withheld": True}
INVITE_CLOSED = {"invite_closed": True}


class _Said(Protocol):
    data: dict[str, Any]


async def withhold_unreadable(user: User, rows: Sequence[_Said]) -> None:
    """A notification keeps the title of the thread it was about. If the reader may no longer
    read that thread (moved, merged or made private, removed, membership ended), its details
    are withheld, here, for every page, feed and email that shows notifications. So are an
    invitation's, once it is no longer open (revoked, expired, or gone with its community).
    For rows that are models (a digest's); `recent` decides the same for its views."""
    told = await _told(user, [n.data for n in rows])
    for n, now in zip(rows, told, strict=True):
        if now is not None:
            n.data = now


async def _told(
    user: User,
    said: Sequence[dict[str, Any]],
    known: Mapping[int, live_gate.ThreadState] | None = None,
) -> list[dict[str, Any] | None]:
    """What the reader is told instead of each of these notifications' data (None: as it
    says), decided by forum/permissions.py on the current state of each thread and invitation,
    read on every call (forum/live_gate.py's snapshot; `known`: thread states the caller read
    just now)."""
    told: list[dict[str, Any] | None] = [None] * len(said)
    await _close_invitations(user, said, told)
    now = [t if t is not None else d for t, d in zip(told, said, strict=True)]
    ids = {validation.object_id(d.get("thread_id")) for d in now if "thread_id" in d}
    ids.discard(None)
    if not ids:
        return told
    snap = await live_gate.snapshot(threads=[i for i in ids if i is not None], known=known)
    who = await permissions.reader(user)
    for at, d in enumerate(now):
        if "thread_id" in d:
            thread_id = validation.object_id(d.get("thread_id"))
            if thread_id is None or not snap.thread_readable(who, thread_id):
                told[at] = dict(WITHHELD)
    return told


async def _close_invitations(
    user: User, said: Sequence[dict[str, Any]], told: list[dict[str, Any] | None]
) -> None:
    """An invitation is offered (accept, decline) while open; once answered it says how."""
    wanted = {validation.object_id(d.get("invite_id")) for d in said if "invite_id" in d}
    wanted.discard(None)
    if not wanted:
        return
    now = datetime.now(UTC)
    found = await CommunityInvite.filter(id__in=list(wanted), invitee_id=user.id)
    states = {r.id: permissions.invite_state(permissions.invite_facts(r), now) for r in found}
    for at, d in enumerate(said):
        if "invite_id" not in d:
            continue
        state = states.get(validation.object_id(d.get("invite_id")) or 0)
        if state in permissions.INVITE_ANSWERS:
            told[at] = {**d, "answered": state}
        elif state != permissions.INVITE_OPEN:
            told[at] = dict(INVITE_CLOSED)


async def mark_read(user: User, ids: list[int] | None = None) -> int:
    """Marks the given notifications (or all of them) read; returns how many changed."""
    query = Notification.filter(user_id=user.id, read_at__isnull=True)
    if ids is not None:
        query = query.filter(id__in=ids)
    if hasattr(user, "_chaupal_unread"):
        del user._chaupal_unread
    return await query.update(read_at=datetime.now(UTC))
