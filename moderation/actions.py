"""Moderator and admin actions: each calls a forum service and writes one audit entry,
in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from forum import (
    accounts,
    communities,
    invites,
    notifications,
    permissions,
    points,
    threads,
    validation,
)
from forum.models import Community, CommunityInvite, CommunitySuspension, PointEntry, Thread, User
from moderation import audit, items, policies, queue


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
            target = await accounts.get_by_username(username)
            await audit.record(
                actor,
                name,
                f"user:{target.username}",
                community=community,
                note=note,
                changes={"status": (old, new)},
            )
            if old == "pending":  # bookkeeping: the request's review item is decided here
                await items.close_open(
                    "join_request", community=community, user=target, resolution=name, actor=actor
                )
                if permissions.counts_as_member(new):
                    await notifications.notify(
                        target.id, "join_approved", community=community.slug, name=community.name
                    )
    return new


def _invite_note(invite: CommunityInvite) -> str:
    limits = []
    if invite.max_uses is not None:
        limits.append(f"{invite.max_uses} use{'s' if invite.max_uses != 1 else ''}")
    if invite.expires_at is not None:
        limits.append(f"until {invite.expires_at.strftime('%d %b %Y %H:%M UTC')}")
    return ", ".join(limits) or "no expiry, unlimited uses"


async def create_invite_link(
    actor: User | None, community: Community, *, expires_in_days: object, max_uses: object
) -> tuple[CommunityInvite, str]:
    """A new invitation link, audited; returns it and its token (shown once)."""
    async with in_transaction():
        invite, token = await invites.create_link(
            actor, community, expires_in_days=expires_in_days, max_uses=max_uses
        )
        await audit.record(
            actor,
            "invite.create",
            f"invite:{invite.id}",
            community=community,
            note=f"link, {_invite_note(invite)}",
        )
    return invite, token


async def invite_person(
    actor: User | None,
    community: Community,
    *,
    username: object = None,
    email: object = None,
    mail: invites.Mail,
) -> CommunityInvite:
    """Invites one person by username (notified) or by email (a link emailed to them, sent
    once the invitation is committed), audited. A failed email revokes the invitation again."""
    token = None
    async with in_transaction():
        if email not in (None, ""):
            invite, token = await invites.invite_email(actor, community, email, mail=mail)
            to = invite.email
        else:
            invite = await invites.invite_username(actor, community, username)
            to = invites.shown_to(invite)
        await audit.record(
            actor, "invite.create", f"invite:{invite.id}", community=community, note=f"to {to}"
        )
    if token is not None:
        assert actor is not None  # allowed: signed in
        try:
            await invites.send_email(invite, token, community, actor, mail=mail)
        except invites.MailFailed:
            await revoke_invite(actor, community, invite.id, note="the email could not be sent")
            raise
    return invite


async def revoke_invite(
    actor: User | None, community: Community, invite_id: int, note: str = ""
) -> bool:
    """Revokes an invitation, audited; returns whether it was still open."""
    async with in_transaction():
        invite = await invites.get_for_moderator(actor, community, invite_id)
        changed = await invites.close(invite)
        if changed:
            await audit.record(
                actor, "invite.revoke", f"invite:{invite.id}", community=community, note=note
            )
    return changed


SWITCHED = {"pin": "pinned", "lock": "locked", "feature": "featured"}  # verb -> its field


async def _switch(
    actor: User | None, thread: Thread, change: Any, on: bool, verbs: tuple[str, str], note: str
) -> bool:
    """A moderator switch (pin, lock, feature) and its audit entry, in one transaction."""
    async with in_transaction():
        changed: bool = await change(actor, thread, on)
        if changed:
            name = f"thread.{verbs[0] if on else verbs[1]}"
            await audit.record(
                actor,
                name,
                f"thread:{thread.id}",
                community=thread.community,
                note=note,
                changes={SWITCHED[verbs[0]]: (not on, on)},
            )
    return changed


async def pin_thread(
    actor: User | None, thread: Thread, pinned: bool = True, note: str = ""
) -> bool:
    return await _switch(actor, thread, threads.set_pinned, pinned, ("pin", "unpin"), note)


async def lock_thread(
    actor: User | None, thread: Thread, locked: bool = True, note: str = ""
) -> bool:
    return await _switch(actor, thread, threads.set_locked, locked, ("lock", "unlock"), note)


async def feature_thread(
    actor: User | None, thread: Thread, featured: bool = True, note: str = ""
) -> bool:
    return await _switch(
        actor, thread, threads.set_featured, featured, ("feature", "unfeature"), note
    )


async def retag_thread(actor: User | None, thread: Thread, tags: object, note: str = "") -> bool:
    async with in_transaction():
        was = list(thread.tags)
        before = ",".join(was)
        changed = await threads.set_tags(actor, thread, tags)
        if changed:
            text = f"{before or '(none)'} -> {','.join(thread.tags) or '(none)'}. {note}".strip()
            await audit.record(
                actor,
                "thread.tags",
                f"thread:{thread.id}",
                community=thread.community,
                note=text,
                changes={"tags": (was, list(thread.tags))},
            )
    return changed


async def accept_answer(
    actor: User | None, thread: Thread, post_id: int | None, note: str = ""
) -> bool:
    async with in_transaction():
        was = thread.accepted_post_id
        changed = await threads.accept_answer(actor, thread, post_id)
        if changed:
            target = f"post:{post_id}" if post_id else f"thread:{thread.id}"
            name = "thread.accept" if post_id else "thread.unaccept"
            await audit.record(
                actor,
                name,
                target,
                community=thread.community,
                note=note,
                changes={"accepted_post": (was, post_id)},
            )
    return changed


async def move_thread(
    actor: User | None, thread: Thread, target: Community, note: str = ""
) -> bool:
    source = thread.community
    async with in_transaction():
        changed = await threads.move(actor, thread, target)
        if changed:
            text = f"from {source.slug} to {target.slug}. {note}".strip()
            await audit.record(
                actor,
                "thread.move",
                f"thread:{thread.id}",
                community=target,
                note=text,
                changes={"community": (source.slug, target.slug)},
            )
    return changed


async def move_destinations(actor: User | None, thread: Thread) -> list[Community]:
    """Where its moderator may move this thread: the other communities they moderate (every
    other one, for administrators), by name."""
    await permissions.require_moderate(actor, thread.community)
    who = await permissions.reader(actor)
    return [
        c
        for c in await Community.all().order_by("name")
        if c.id != thread.community.id and permissions.moderates(who, c.id)
    ]


async def merge_candidates(actor: User | None, thread: Thread, limit: int = 30) -> list[Thread]:
    """Threads of the same community this one may be merged into, most recently active first
    (a thread elsewhere is given by its number)."""
    await permissions.require_moderate(actor, thread.community)
    source = permissions.thread_facts(thread)
    rows = (
        await Thread.filter(community_id=thread.community.id)
        .exclude(id=thread.id)
        .order_by("-last_activity_at")
        .limit(limit * 2)
        .select_related("community")
    )
    return [t for t in rows if permissions.can_merge(source, permissions.thread_facts(t))][:limit]


async def merge_threads(actor: User | None, source: Thread, target: Thread, note: str = "") -> int:
    async with in_transaction():
        moved = await threads.merge(actor, source, target)
        text = f"into thread {target.id} ({moved} posts). {note}".strip()
        await audit.record(
            actor,
            "thread.merge",
            f"thread:{source.id}",
            community=target.community,
            note=text,
            changes={"thread": (source.id, target.id)},
        )
    return moved


async def update_policy(
    actor: User | None, community: Community, data: dict[str, object]
) -> list[str]:
    await permissions.require_moderate(actor, community)
    data = dict(data)
    requested = data.pop("visibility", None)
    async with in_transaction():
        changed = []
        was = community.visibility
        if requested is not None and await communities.set_visibility(actor, community, requested):
            await audit.record(
                actor,
                "community.visibility",
                f"community:{community.slug}",
                community=community,
                note=f"now {community.visibility}",
                changes={"visibility": (was, community.visibility)},
            )
            changed.append("visibility")
        before = {name: getattr(community, name) for name in policies.SETTINGS}
        settings = await policies.update(community, data)
        changed += settings
        if settings:
            await audit.record(
                actor,
                "community.policy",
                f"community:{community.slug}",
                community=community,
                note=", ".join(changed),
                changes={name: (before[name], getattr(community, name)) for name in settings},
            )
    return changed


async def suspend_user(
    actor: User | None,
    target: User,
    days: object,
    reason: object,
    *,
    community: Community | None = None,
) -> datetime:
    """Suspends someone from posting in a community (its moderators: only its members), or
    everywhere (administrators, with community=None). Returns when it ends."""
    user = await permissions.require_suspend(actor, target, community)
    length = queue.days_of(days)
    text = validation.text(reason, "reason", max_len=1000)
    async with in_transaction():
        return await queue.suspend(user, target, length, text, community=community)


async def lift_suspension(
    actor: User | None, target: User, note: str = "", *, community: Community | None = None
) -> bool:
    """Ends a suspension from a community (its moderators) or a site-wide one (administrators).
    Returns whether one was in force."""
    user = await permissions.require_lift_suspension(actor, community)
    async with in_transaction():
        if community is None:
            if target.suspended_until is None:
                return False
            await accounts.suspend(target, None, "")
        elif not await communities.lift_suspension(community, target):
            return False
        await audit.record(
            user, "user.unsuspend", f"user:{target.username}", community=community, note=note
        )
    return True


@dataclass(frozen=True)
class SuspensionChoices:
    """What a profile page offers its viewer about the person: where they may suspend them
    (site_wide: everywhere), and the person's suspensions the viewer may see, with whether the
    viewer may lift each."""

    site_wide: bool
    communities: list[Community]
    current: list[tuple[CommunitySuspension, bool]]


async def suspension_choices(actor: User | None, target: User) -> SuspensionChoices:
    if actor is None:
        return SuspensionChoices(False, [], [])
    current = [
        (row, await permissions.can_lift_suspension(actor, row.community))
        for row in await communities.suspensions_of(target)
        if await permissions.may_see_suspension(actor, target, row.community.id)
    ]
    candidates = await communities.mine(target)
    return SuspensionChoices(
        site_wide=await permissions.can_suspend(actor, target, None),
        communities=[c for c in candidates if await permissions.can_suspend(actor, target, c)],
        current=current,
    )


async def adjust_points(
    actor: User | None, person: User, amount: object, reason: object
) -> PointEntry:
    """An administrator adds or removes learning points with a reason, audited."""
    async with in_transaction():
        entry = await points.adjust(actor, person, amount, reason)
        await audit.record(
            actor,
            "points.adjust",
            f"user:{person.username}",
            note=f"{entry.points:+d}: {entry.note}",
        )
    return entry


async def set_points_target(actor: User | None, year: object, target: object) -> tuple[int, int]:
    """An administrator sets a year's learning points target, audited; returns (year, target)."""
    async with in_transaction():
        when, value = await points.set_target(actor, year, target)
        await audit.record(actor, "points.target", f"year:{when}", note=f"target {value}")
    return when, value
