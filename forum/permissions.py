"""The one authority on who may read, post and moderate where.

Every read path (pages, API, search, live topics, feeds) asks here. Anything a caller may not
read is reported as NotFound, so a private community's existence does not leak.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from forum.errors import NotFound, NotSignedIn, PermissionDenied
from forum.models import Community, Membership, Post, Thread, User

MEMBER_STATUSES = ("member", "moderator")


async def memberships(actor: User | None) -> dict[int, str]:
    """community id -> membership status, loaded once per actor object."""
    if actor is None:
        return {}
    cached: dict[int, str] | None = getattr(actor, "_chaupal_memberships", None)
    if cached is None:
        rows = await Membership.filter(user_id=actor.id).values_list("community_id", "status")
        cached = {int(cid): str(status) for cid, status in rows}
        actor._chaupal_memberships = cached
    return cached


def forget_memberships(actor: User | None) -> None:
    """Called by services that change the actor's memberships."""
    if actor is not None and hasattr(actor, "_chaupal_memberships"):
        del actor._chaupal_memberships


@dataclass(frozen=True, slots=True)
class Reader:
    """Who is asking, as plain values: everything the rules below need to decide. The live
    channel keeps one per connection; the async checks build one per call."""

    user_id: int | None = None
    is_admin: bool = False
    memberships: Mapping[int, str] = field(default_factory=dict)

    def status(self, community_id: int) -> str | None:
        return self.memberships.get(community_id)


ANONYMOUS = Reader()


async def reader(actor: User | None) -> Reader:
    if actor is None:
        return ANONYMOUS
    return Reader(actor.id, actor.is_admin, await memberships(actor))


# The rules, each written once, on plain values. Everything else in this module (the checks
# that raise, the async booleans taking models, the query filters) is derived from these.


def reads_community(who: Reader, community_id: int, visibility: str) -> bool:
    if visibility == "public":
        return True
    if who.user_id is None:
        return False
    return who.is_admin or who.status(community_id) in MEMBER_STATUSES


def moderates(who: Reader, community_id: int) -> bool:
    if who.user_id is None:
        return False
    return who.is_admin or who.status(community_id) == "moderator"


def sees_thread(
    who: Reader, *, status: str, author_id: int, community_id: int, visibility: str
) -> bool:
    if not reads_community(who, community_id, visibility):
        return False
    if status in ("published", "merged"):  # a merged thread's address leads to where it went
        return True
    if status == "deleted":
        return moderates(who, community_id)
    return who.user_id == author_id or moderates(who, community_id)


def sees_post_body(who: Reader, *, status: str, author_id: int, community_id: int) -> bool:
    """Given that the reader sees the thread: published posts are read by all its readers;
    pending and hidden ones by their author and moderators; deleted ones show as removed
    (moderators still see the body)."""
    return post_body_shown(
        who, status=status, author_id=author_id, moderator=moderates(who, community_id)
    )


async def status_in(actor: User | None, community: Community) -> str | None:
    return await status_of(actor, community.id)


async def is_member(actor: User | None, community: Community) -> bool:
    return await is_member_of(actor, community.id)


async def can_read(actor: User | None, community: Community) -> bool:
    return await can_read_in(actor, community.id, community.visibility)


async def status_of(actor: User | None, community_id: int) -> str | None:
    return (await memberships(actor)).get(community_id)


async def is_member_of(actor: User | None, community_id: int) -> bool:
    return await status_of(actor, community_id) in MEMBER_STATUSES


async def can_read_in(actor: User | None, community_id: int, visibility: str) -> bool:
    return reads_community(await reader(actor), community_id, visibility)


async def can_moderate_in(actor: User | None, community_id: int) -> bool:
    return moderates(await reader(actor), community_id)


MERGE_CHAIN_MAX = 5  # as forum/live_gate.py


async def can_see_thread_in(
    actor: User | None,
    *,
    status: str,
    author_id: int,
    community_id: int,
    visibility: str,
    merged_into_id: int | None = None,
) -> bool:
    who = await reader(actor)
    if not sees_thread(
        who, status=status, author_id=author_id, community_id=community_id, visibility=visibility
    ):
        return False
    if status == "merged":
        return await _sees_merge_target(who, merged_into_id)
    return True


async def _sees_merge_target(who: Reader, thread_id: int | None) -> bool:
    """A merged thread's address leads to where it went, so it is exactly as visible as the
    thread it joined (which may be in a private community, or merged on in turn). The live
    channel's snapshot (forum/live_gate.py) follows merges the same way."""
    for _ in range(MERGE_CHAIN_MAX):
        if thread_id is None:
            return False
        rows = await Thread.filter(id=thread_id).values_list(
            "status", "author_id", "community_id", "community__visibility", "merged_into_id"
        )
        if not rows:
            return False
        status, author_id, community_id, visibility, into = rows[0]
        if not sees_thread(
            who,
            status=str(status),
            author_id=int(str(author_id)),
            community_id=int(str(community_id)),
            visibility=str(visibility),
        ):
            return False
        if status != "merged":
            return True
        thread_id = int(str(into)) if into is not None else None
    return False


def author_sees_own(actor: User | Reader | None, *, status: str, author_id: int) -> bool:
    """Pending and hidden posts are shown to their author."""
    actor_id = actor.user_id if isinstance(actor, Reader) else actor.id if actor else None
    return status in ("pending", "hidden") and actor_id is not None and actor_id == author_id


def post_body_shown(
    actor: User | Reader | None, *, status: str, author_id: int, moderator: bool
) -> bool:
    """can_see_post_body, given whether the actor moderates the post's community."""
    return (
        status == "published"
        or author_sees_own(actor, status=status, author_id=author_id)
        or moderator
    )


def post_listed(
    actor: User | Reader | None, *, status: str, author_id: int, moderator: bool
) -> bool:
    """Whether a post appears in a thread's pages at all: deleted ones do, shown as removed."""
    return status == "deleted" or post_body_shown(
        actor, status=status, author_id=author_id, moderator=moderator
    )


async def require_read(actor: User | None, community: Community) -> None:
    if not await can_read(actor, community):
        raise NotFound("No such community.")


async def can_moderate(actor: User | None, community: Community) -> bool:
    return await can_moderate_in(actor, community.id)


async def require_moderate(actor: User | None, community: Community) -> None:
    await require_read(actor, community)
    if actor is None:
        raise NotSignedIn("Sign in to moderate.")
    if not await can_moderate(actor, community):
        raise PermissionDenied("Only this community's moderators may do that.")


def require_signed_in(actor: User | None, doing: str = "do that") -> User:
    if actor is None:
        raise NotSignedIn(f"Sign in to {doing}.")
    return actor


def suspended(user: User | None) -> bool:
    until = user.suspended_until if user is not None else None
    return until is not None and until > datetime.now(UTC)


def require_active(actor: User | None, doing: str = "do that") -> User:
    """Signed in and not suspended: needed to post, flag, react and join."""
    user = require_signed_in(actor, doing)
    if suspended(user):
        assert user.suspended_until is not None
        until = user.suspended_until.strftime("%d %b %Y %H:%M UTC")
        reason = f" Reason: {user.suspension_reason}" if user.suspension_reason else ""
        raise PermissionDenied(
            f"Your account is suspended until {until}.{reason}", code="suspended"
        )
    return user


def administers(actor: User | None) -> bool:
    """Site administrators: everything, everywhere."""
    return actor is not None and actor.is_admin


def require_admin(actor: User | None) -> User:
    user = require_signed_in(actor)
    if not user.is_admin:
        raise PermissionDenied("Only site administrators may do that.")
    return user


async def readable_community_ids(actor: User | None) -> list[int] | None:
    """Ids of every community the actor may read, or None meaning "all of them" (admins)."""
    if actor is not None and actor.is_admin:
        return None
    public = await Community.filter(visibility="public").values_list("id", flat=True)
    member_of = [cid for cid, s in (await memberships(actor)).items() if s in MEMBER_STATUSES]
    return sorted({int(str(c)) for c in public} | set(member_of))


async def reader_ids(community: Community) -> set[int] | None:
    """Everyone who may read a private community (members, its moderators, administrators);
    None for a public one, which anyone may read. For telling people about new posts."""
    if community.visibility == "public":
        return None
    members = await Membership.filter(
        community_id=community.id, status__in=MEMBER_STATUSES
    ).values_list("user_id", flat=True)
    admins = await User.filter(is_admin=True).values_list("id", flat=True)
    return {int(str(u)) for u in (*members, *admins)}


async def can_see_thread(actor: User | None, thread: Thread, community: Community) -> bool:
    return await can_see_thread_in(
        actor,
        status=thread.status,
        author_id=thread.author_id,  # type: ignore[attr-defined]
        community_id=community.id,
        visibility=community.visibility,
        merged_into_id=thread.merged_into_id,
    )


async def require_see_thread(actor: User | None, thread: Thread, community: Community) -> None:
    if not await can_see_thread(actor, thread, community):
        raise NotFound("No such thread.")


async def can_see_post_body(actor: User | None, post: Post, community: Community) -> bool:
    """Readers of the thread see published posts; pending and hidden ones only their author and
    moderators; deleted ones show as removed (moderators still see the body)."""
    if post.status == "published":
        return True
    if author_sees_own(actor, status=post.status, author_id=post.author_id):  # type: ignore[attr-defined]
        return True
    return await can_moderate(actor, community)


async def require_post_in(actor: User | None, community: Community) -> User:
    user = require_active(actor, "post")
    await require_read(user, community)
    if not (user.is_admin or await is_member(user, community)):
        raise PermissionDenied("Join this community to post in it.", code="not_a_member")
    return user


async def require_reply(actor: User | None, thread: Thread, community: Community) -> User:
    await require_see_thread(actor, thread, community)
    user = await require_post_in(actor, community)
    if thread.status != "published":
        raise PermissionDenied("This thread is not open for replies.", code="thread_closed")
    if thread.locked and not await can_moderate(user, community):
        raise PermissionDenied("This thread is locked.", code="thread_locked")
    return user


async def require_edit_post(
    actor: User | None, post: Post, thread: Thread, community: Community
) -> User:
    await require_see_thread(actor, thread, community)
    user = require_signed_in(actor, "edit posts")
    if post.status == "deleted":
        raise NotFound("No such post.")
    if await can_moderate(user, community):
        return user
    if user.id != post.author_id:  # type: ignore[attr-defined]
        raise PermissionDenied("You can only change your own posts.")
    if thread.locked:
        raise PermissionDenied("This thread is locked.", code="thread_locked")
    return user
