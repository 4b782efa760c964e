"""Moderator and admin actions: each calls a forum service and writes one audit entry,
in one transaction."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from forum import communities, threads
from forum.models import Community, Thread, User
from moderation import audit


async def create_community(actor: User | None, **fields: object) -> Community:
    async with in_transaction():
        community = await communities.create(actor, **fields)
        await audit.record(
            actor, "community.create", f"community:{community.slug}", community=community
        )
    return community


async def set_member_status(
    actor: User | None, community: Community, username: str, status: object, note: str = ""
) -> str:
    async with in_transaction():
        old, new = await communities.set_member_status(actor, community, username, status)
        if old != new:
            action = {
                ("pending", "member"): "member.approve",
                ("pending", "removed"): "member.decline",
            }
            name = action.get((old or "", new), f"member.{new}")
            await audit.record(
                actor, name, f"user:{username.strip().lower()}", community=community, note=note
            )
    return new


async def pin_thread(
    actor: User | None, thread: Thread, pinned: bool = True, note: str = ""
) -> bool:
    async with in_transaction():
        changed = await threads.set_pinned(actor, thread, pinned)
        if changed:
            name = "thread.pin" if pinned else "thread.unpin"
            await audit.record(
                actor, name, f"thread:{thread.id}", community=thread.community, note=note
            )
    return changed


async def lock_thread(
    actor: User | None, thread: Thread, locked: bool = True, note: str = ""
) -> bool:
    async with in_transaction():
        changed = await threads.set_locked(actor, thread, locked)
        if changed:
            name = "thread.lock" if locked else "thread.unlock"
            await audit.record(
                actor, name, f"thread:{thread.id}", community=thread.community, note=note
            )
    return changed
