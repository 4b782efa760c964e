"""Communities of practice and their members."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from forum import live, permissions, validation
from forum.errors import Conflict, Invalid, NotFound
from forum.models import Community, CommunityRemoval, CommunitySuspension, Membership, User
from moderation import items

KINDS = ("role", "sector", "topic", "alumni")
KIND_LABELS = {"role": "Role", "sector": "Sector", "topic": "Topic", "alumni": "Alumni"}
VISIBILITIES = ("public", "private")
SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]")
MEMBER_LIST_STATUSES = ("member", "moderator", "pending")


async def create(
    actor: User | None,
    *,
    slug: object,
    name: object,
    description: object,
    kind: object,
    visibility: object,
) -> Community:
    permissions.require_admin(actor)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    checks: tuple[tuple[str, Callable[[], str]], ...] = (
        (
            "slug",
            lambda: validation.pattern(
                slug, "slug", SLUG_RE, "must be 3-40 lower-case letters, digits or dashes"
            ),
        ),
        ("name", lambda: validation.one_line(name, "name", min_len=3, max_len=80)),
        ("description", lambda: validation.text(description, "description", max_len=1000)),
        ("kind", lambda: validation.choice(kind, "kind", KINDS)),
        (
            "visibility",
            lambda: validation.choice(visibility or "public", "visibility", VISIBILITIES),
        ),
    )
    for field, check in checks:
        try:
            values[field] = check()
        except Invalid as exc:
            errors.update(exc.fields)
    if errors:
        raise Invalid("Some fields need attention.", fields=errors)
    if await Community.filter(slug=values["slug"]).exists():
        raise Conflict(
            "A community with that address exists.", code="slug_taken", fields={"slug": "is taken"}
        )
    try:
        community = await Community.create(**values)  # type: ignore[arg-type]
    except IntegrityError:
        raise Conflict("A community with that address exists.", code="slug_taken") from None
    return community


async def set_visibility(actor: User | None, community: Community, visibility: object) -> bool:
    """Makes a community public or private (administrators); returns whether it changed. Every
    live subscriber re-checks what it may still read, in the same transaction."""
    permissions.require_admin(actor)
    value = validation.choice(visibility, "visibility", VISIBILITIES)
    async with in_transaction():
        changed = (
            await Community.filter(id=community.id)
            .exclude(visibility=value)
            .update(visibility=value)
        )
        if changed:
            await live.access_changed(community=community.slug, visibility=value)
    community.visibility = value
    return changed > 0


async def _by_slug(slug: str) -> Community | None:
    """Only an address that could have been made is looked up (nothing else reaches SQL: a
    NUL or a lone surrogate, from a websocket topic say, would make the driver fail)."""
    return await Community.get_or_none(slug=slug) if SLUG_RE.fullmatch(slug) else None


async def get(actor: User | None, slug: str) -> Community:
    community = await _by_slug(slug)
    if community is None or not await permissions.can_read(actor, community):
        raise NotFound("No such community.")
    return community


async def find_for_membership(actor: User | None, slug: str) -> Community:
    """The community someone asks to join or leave. A private community cannot be read by
    outsiders, but whoever was given its address may ask to join it."""
    permissions.require_signed_in(actor, "join communities")
    community = await _by_slug(slug)
    if community is None:
        raise NotFound("No such community.")
    return community


async def list_visible(actor: User | None, kind: str | None = None) -> list[Community]:
    query = Community.filter(permissions.readable_communities_q(await permissions.reader(actor)))
    if kind is not None:
        query = query.filter(kind=validation.choice(kind, "kind", KINDS))
    return await query.order_by("name")


@dataclass(frozen=True)
class Directory:
    suggested: list[Any]  # communities: models, or forum/reads.py's views
    by_kind: list[tuple[str, list[Any]]]
    caps: dict[int, permissions.CommunityCaps]
    # community id -> what of the reader's it matches: "role", "sector" or "role and sector".
    reasons: dict[int, str]


def _matches(community: Community, phrases: list[tuple[str, str]]) -> str:
    """Which of the reader's (what, phrase) pairs the community's name or description names."""
    haystack = f"{community.name} {community.description}".lower()
    return " and ".join(what for what, phrase in phrases if phrase in haystack)


async def directory(actor: User | None, every: Sequence[Any] | None = None) -> Directory:
    """Every readable community grouped by kind; those matching the actor's role and sector
    first. `every`: all communities by name, when the caller has them (forum/reads.py's views)."""
    who = await permissions.reader(actor)
    communities: list[Any]
    if every is None:
        communities = await list_visible(actor)
    else:
        communities = [c for c in every if permissions.reads_community(who, c.id, c.visibility)]
    caps = permissions.communities_caps(who, ((c.id, c.visibility) for c in communities))
    mine = (("role", actor.role), ("sector", actor.sector)) if actor else ()
    phrases = [(what, p.lower()) for what, p in mine if p and len(p) >= 3]
    reasons = {c.id: _matches(c, phrases) for c in communities if phrases and caps[c.id].can_join}
    suggested = [c for c in communities if reasons.get(c.id)]
    by_kind = [(k, [c for c in communities if c.kind == k]) for k in KINDS]
    return Directory(
        suggested=suggested,
        by_kind=[g for g in by_kind if g[1]],
        caps=caps,
        reasons={cid: why for cid, why in reasons.items() if why},
    )


async def mine(actor: User | None, every: Sequence[Any] | None = None) -> list[Any]:
    """The communities the actor belongs to, by name (from `every`, all of them by name, when
    the caller has them)."""
    if actor is None:
        return []
    ids = permissions.member_community_ids(await permissions.reader(actor))
    if every is not None:
        wanted = set(ids)
        return [c for c in every if c.id in wanted]
    return await Community.filter(id__in=ids).order_by("name") if ids else []


async def _changed(user_id: int, community: Community) -> None:
    """Live connections of this person re-check what they may still read."""
    await live.emit(f"user:{user_id}", "membership.changed", community=community.slug)


async def _recount(community: Community) -> None:
    count = await Membership.filter(
        community_id=community.id, status__in=permissions.MEMBER_STATUSES
    ).count()
    await Community.filter(id=community.id).update(member_count=count)
    community.member_count = count


async def join(actor: User | None, community: Community) -> str:
    """Joins a public community at once; asks to join a private one. Returns the status."""
    user = permissions.require_active(actor, "join communities")
    current = await permissions.status_in(user, community)
    if current is not None:
        return current
    at_once = permissions.joins_at_once(await permissions.reader(user), community.visibility)
    status = permissions.MEMBER if at_once else permissions.ASKED
    try:
        async with in_transaction():
            await Membership.create(community=community, user=user, status=status)
            if at_once:
                await _recount(community)
            else:
                await items.open_item(
                    "join_request", community=community, user=user, reasons=["join"]
                )
    except IntegrityError:
        pass  # a concurrent request joined first
    permissions.forget_memberships(user)
    return await permissions.status_in(user, community) or status


async def leave(actor: User | None, community: Community) -> bool:
    user = permissions.require_signed_in(actor, "leave communities")
    async with in_transaction():
        removed = await Membership.filter(community_id=community.id, user_id=user.id).delete()
        if removed:
            await _recount(community)
            await _changed(user.id, community)
    permissions.forget_memberships(user)
    return removed > 0


async def members(
    actor: User | None, community: Community, status: str | None = None
) -> list[Membership]:
    """Members and moderators for readers; pending requests only for moderators."""
    asked_for = validation.choice(status, "status", MEMBER_LIST_STATUSES) if status else None
    wanted = await permissions.require_member_list(actor, community, asked_for)
    return (
        await Membership.filter(community_id=community.id, status__in=wanted)
        .select_related("user")
        .order_by("-status", "user__username")
    )


async def set_member_status(
    actor: User | None, community: Community, username: str, status: object
) -> tuple[str | None, str]:
    """Approve a request (member), name a moderator (admins only) or remove someone.

    Returns (old status, new status); "removed" means the membership is gone."""
    await permissions.require_moderate(actor, community)
    assert actor is not None
    new = validation.choice(status, "status", ("member", "moderator", "removed"))
    target = await User.get_or_none(username=username.strip().lower()[:30])
    if target is None:
        raise NotFound("No such user.")
    row = await Membership.get_or_none(community_id=community.id, user_id=target.id)
    old = row.status if row else None
    who = await permissions.reader(actor)
    permissions.allow_member_status(who, community.id, target_id=target.id, old=old, new=new)
    stays = permissions.counts_as_member(new)  # or "removed"
    if not stays and row is None:
        raise NotFound("That person is not a member.")
    if old == new:
        return old, new
    async with in_transaction():
        if not stays:
            assert row is not None
            await row.delete()
        elif row is None:
            await Membership.create(community=community, user=target, status=new)
        else:
            await Membership.filter(id=row.id).update(status=new)
        if permissions.removes(old, new):
            await _mark_removed(target, community, by=actor)
        elif permissions.reinstates(new):
            await CommunityRemoval.filter(user_id=target.id, community_id=community.id).delete()
        await _recount(community)
        await _changed(target.id, community)
    permissions.forget_memberships(actor)
    return old, new


async def _mark_removed(user: User, community: Community, *, by: User | None) -> None:
    """Remembers a removal, so a shared invitation link does not let the person back in."""
    rows = CommunityRemoval.filter(user_id=user.id, community_id=community.id)
    if not await rows.update(removed_by_id=by.id if by else None):
        try:
            async with in_transaction():  # a savepoint: a racing removal must not abort ours
                await CommunityRemoval.create(user=user, community=community, removed_by=by)
        except IntegrityError:
            pass


async def was_removed(user: User, community: Community) -> bool:
    """Whether the community's moderators removed the person (and nobody reinstated them)."""
    return await CommunityRemoval.filter(user_id=user.id, community_id=community.id).exists()


async def admit_invited(user: User, community: Community, *, reinstate: bool) -> str:
    """Makes the person a member by an invitation (inside the caller's transaction): a request
    to join that was waiting is granted and its review item closed; `reinstate` forgets an
    earlier removal. Returns the status they have now."""
    row = await Membership.get_or_none(community_id=community.id, user_id=user.id)
    if row is not None and permissions.counts_as_member(row.status):
        return row.status
    if row is None:
        await Membership.create(community=community, user=user, status=permissions.MEMBER)
    else:
        await Membership.filter(id=row.id).update(status=permissions.MEMBER)
        await items.close_open(
            "join_request", community=community, user=user, resolution="invited", actor=None
        )
    if reinstate:
        await CommunityRemoval.filter(user_id=user.id, community_id=community.id).delete()
    await _recount(community)
    await _changed(user.id, community)
    permissions.forget_memberships(user)
    return permissions.MEMBER


async def bump_thread_count(community_id: int, delta: int) -> None:
    await Community.filter(id=community_id).update(thread_count=F("thread_count") + delta)


# Suspensions from one community (moderation decides who, why and for how long; see
# forum/permissions.py for who may and what they bar).


async def suspend_member(
    community: Community, user: User, until: datetime, reason: str, *, by: User | None
) -> CommunitySuspension:
    """Bars the person from writing in the community until then (replacing an earlier
    suspension there)."""
    values: dict[str, Any] = {
        "until": until,
        "reason": reason[:1000],
        "suspended_by_id": by.id if by else None,
    }
    rows = CommunitySuspension.filter(user_id=user.id, community_id=community.id)
    # Writing first (no read before it): see forum/posts.py edit.
    if not await rows.update(**values):
        try:
            async with in_transaction():  # a savepoint: a racing suspension must not abort ours
                await CommunitySuspension.create(user=user, community=community, **values)
        except IntegrityError:  # the same person suspended there at the same moment
            await rows.update(**values)
    permissions.forget_suspensions(user)
    return await rows.get()


async def lift_suspension(community: Community, user: User) -> bool:
    """Ends the person's suspension from the community; returns whether one was in force."""
    rows = CommunitySuspension.filter(user_id=user.id, community_id=community.id)
    current = await rows.filter(until__gt=datetime.now(UTC)).delete()
    await rows.delete()  # an ended one too
    permissions.forget_suspensions(user)
    return current > 0


async def suspensions_of(user: User) -> list[CommunitySuspension]:
    """The person's suspensions in force, soonest ending first, with their communities."""
    return (
        await CommunitySuspension.filter(user_id=user.id, until__gt=datetime.now(UTC))
        .select_related("community")
        .order_by("until")
    )
