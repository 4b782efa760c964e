"""The one authority on who may read, post and moderate where.

Every read path (pages, API, search, live topics, feeds) asks here. Anything a caller may not
read is reported as NotFound, so a private community's existence does not leak.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from forum.errors import Invalid, NotFound, NotSignedIn, PermissionDenied
from forum.models import Community, CommunitySuspension, Membership, Post, Thread, User

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


def shown_to_readers(status: str) -> bool:
    """Whether every reader of its thread sees a post's text: what an edit changes at once for
    them, so a held edit waits while they keep the approved text."""
    return status == "published"


def pending_edit_shown(actor: User | Reader | None, *, author_id: int, moderator: bool) -> bool:
    """An edit waiting for review is shown to the post's author and the community's moderators
    (readers see the approved text)."""
    actor_id = actor.user_id if isinstance(actor, Reader) else actor.id if actor else None
    return moderator or (actor_id is not None and actor_id == author_id)


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


def _suspension_text(start: str, until: datetime, reason: str) -> str:
    when = until.strftime("%d %b %Y %H:%M UTC")
    return f"{start} until {when}." + (f" Reason: {reason}" if reason else "")


def site_suspension_notice(user: User | None) -> str | None:
    """What a person suspended site-wide is told, or None."""
    if user is None or not suspended(user):
        return None
    assert user.suspended_until is not None
    return _suspension_text(
        "Your account is suspended", user.suspended_until, user.suspension_reason
    )


def require_active(actor: User | None, doing: str = "do that") -> User:
    """Signed in and not suspended site-wide: needed to post, edit, flag, react and join."""
    user = require_signed_in(actor, doing)
    notice = site_suspension_notice(user)
    if notice is not None:
        raise PermissionDenied(notice, code="suspended")
    return user


def administers(actor: User | None) -> bool:
    """Site administrators: everything, everywhere."""
    return actor is not None and actor.is_admin


# Suspensions from one community: its moderators bar a member from writing there (posting,
# replying, editing, deleting, reacting, flagging) until a date. Reading is unaffected.


async def community_suspensions(actor: User | None) -> dict[int, CommunitySuspension]:
    """community id -> the actor's current suspension there, loaded once per actor object."""
    if actor is None:
        return {}
    cached: dict[int, CommunitySuspension] | None = getattr(actor, "_chaupal_suspensions", None)
    if cached is None:
        rows = await CommunitySuspension.filter(user_id=actor.id, until__gt=datetime.now(UTC))
        cached = {int(row.community_id): row for row in rows}  # type: ignore[attr-defined]
        actor._chaupal_suspensions = cached
    return cached


def forget_suspensions(user: User | None) -> None:
    """Called by services that suspend someone or lift a suspension."""
    if user is not None and hasattr(user, "_chaupal_suspensions"):
        del user._chaupal_suspensions


async def suspension_in(actor: User | None, community_id: int) -> CommunitySuspension | None:
    found = (await community_suspensions(actor)).get(community_id)
    return found if found is not None and found.until > datetime.now(UTC) else None


async def suspended_in(actor: User | None, community_id: int) -> bool:
    return await suspension_in(actor, community_id) is not None


class NamedCommunity(Protocol):
    """A community row or a read path's view of one."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...


async def suspension_notice(actor: User | None, community: NamedCommunity) -> str | None:
    """Why the actor may not write in this community for now (a suspension there or site-wide),
    or None: what its pages show them."""
    site = site_suspension_notice(actor)
    if site is not None:
        return site
    found = await suspension_in(actor, community.id)
    if found is None:
        return None
    return _suspension_text(
        f"You are suspended from posting in {community.name}", found.until, found.reason
    )


async def require_active_in(
    actor: User | None, community: NamedCommunity, doing: str = "do that"
) -> User:
    """require_active, and not suspended from this community. Callers have checked that the
    actor may read the community (the refusal names it)."""
    user = require_active(actor, doing)
    notice = await suspension_notice(user, community)
    if notice is not None:
        raise PermissionDenied(notice, code="suspended")
    return user


async def _suspend_refusal(
    actor: User, target: User, community: Community | None
) -> PermissionDenied | Invalid | None:
    """The one rule on who may suspend whom. Site-wide: administrators only. From a community:
    its moderators may suspend its plain members (not its moderators, nor anyone elsewhere);
    administrators anyone. Nobody suspends an administrator or themselves."""
    if target.is_admin:
        return PermissionDenied("Administrators cannot be suspended.")
    if target.id == actor.id:
        return PermissionDenied("You cannot suspend yourself.")
    if community is None:
        if actor.is_admin:
            return None
        if await moderated_community_ids(actor):
            return Invalid(
                "Name the community you moderate to suspend someone from it; only site "
                "administrators suspend people everywhere.",
                code="community_required",
                fields={"community": "is required: a community you moderate"},
            )
        return PermissionDenied("Only moderators and administrators may suspend people.")
    if actor.is_admin:
        return None
    if not await can_moderate(actor, community):
        return PermissionDenied("You can suspend people only from communities you moderate.")
    status = await status_of(target, community.id)
    if status == "moderator":
        return PermissionDenied("Only site administrators may suspend a community's moderators.")
    if status not in MEMBER_STATUSES:
        return PermissionDenied("You can suspend only members of communities you moderate.")
    return None


async def can_suspend(actor: User | None, target: User, community: Community | None) -> bool:
    return actor is not None and await _suspend_refusal(actor, target, community) is None


async def require_suspend(actor: User | None, target: User, community: Community | None) -> User:
    user = require_signed_in(actor, "suspend people")
    refusal = await _suspend_refusal(user, target, community)
    if refusal is not None:
        raise refusal
    return user


async def require_lift_suspension(actor: User | None, community: Community | None) -> User:
    """Administrators lift any suspension; a community's moderators lift those from it."""
    if community is None:
        return require_admin(actor)
    await require_moderate(actor, community)
    return require_signed_in(actor)


async def can_lift_suspension(actor: User | None, community: Community | None) -> bool:
    if actor is None:
        return False
    return actor.is_admin if community is None else await can_moderate(actor, community)


async def moderated_community_ids(actor: User | None) -> list[int] | None:
    """Communities the actor moderates; None means all of them (administrators)."""
    if actor is not None and actor.is_admin:
        return None
    return sorted(c for c, s in (await memberships(actor)).items() if s == "moderator")


async def may_see_suspension(actor: User | None, person: User, community_id: int) -> bool:
    """A community suspension is shown to the person and to that community's moderators."""
    if actor is None:
        return False
    return actor.id == person.id or await can_moderate_in(actor, community_id)


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
    await require_active_in(user, community, "post")
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
    await require_active_in(user, community, "edit posts")  # suspended: no edits nor deletes
    if await can_moderate(user, community):
        return user
    if user.id != post.author_id:  # type: ignore[attr-defined]
        raise PermissionDenied("You can only change your own posts.")
    if thread.locked:
        raise PermissionDenied("This thread is locked.", code="thread_locked")
    return user
