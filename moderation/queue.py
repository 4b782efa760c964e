"""One review queue: flagged posts, posts held for approval, held edits of published posts,
join requests and flagged people.

Flags are weighted by the flagger's standing; enough weight hides a post until a moderator
decides. A decision is one transaction: a compare-and-set on the item (so two moderators
cannot both apply one), the change through forum services, one audit entry, and a
notification to the author."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from forum import accounts, communities, notifications, permissions, posts, validation
from forum.errors import Conflict, Invalid, NotFound, PermissionDenied
from forum.models import Community, Flag, Membership, Post, ReviewItem, User
from moderation import audit, items, policies

REASONS = ("spam", "abuse", "off_topic", "other")
KINDS = ("flagged_post", "queued_post", "queued_edit", "join_request", "user")
STATUSES = ("open", "resolved")
ACTIONS = ("approve", "reject", "hide", "delete", "suspend_author", "dismiss")
UPHOLDING = {"reject", "hide", "delete", "suspend_author"}
ALLOWED = {
    "flagged_post": {"approve", "dismiss", "reject", "hide", "delete", "suspend_author"},
    "queued_post": {"approve", "reject", "delete", "suspend_author"},
    "queued_edit": {"approve", "reject", "suspend_author"},
    "join_request": {"approve", "reject"},
    "user": {"dismiss", "suspend_author"},
}
POST_KINDS = ("flagged_post", "queued_post", "queued_edit")
# How much a flag counts by who files it (permissions.standing_role); members by their record.
ROLE_WEIGHTS = {"admin": 3.0, "moderator": 2.0}
DEFAULT_SUSPENSION_DAYS = 7
MAX_SUSPENSION_DAYS = 365


# Flagging


async def standing(flagger: User, community: Community | None) -> float:
    """How much a flag counts: admins 3, the community's moderators 2, members by the share
    of their past flags that moderators upheld (1 for someone new, between 0.2 and 2)."""
    role = permissions.standing_role(
        await permissions.reader(flagger), community.id if community is not None else None
    )
    fixed = ROLE_WEIGHTS.get(role)
    if fixed is not None:
        return fixed
    upheld = await Flag.filter(flagger_id=flagger.id, outcome="upheld").count()
    declined = await Flag.filter(flagger_id=flagger.id, outcome="declined").count()
    return max(0.2, 2.0 * (upheld + 1) / (upheld + declined + 2))


def _reason(value: object) -> str:
    return validation.choice(value, "reason", REASONS)


async def require_flaggable(actor: User | None, post: Post) -> User:
    """Who may report this post: asked before the report form shows its words, and again when
    the report is filed. A removed post cannot be reported (nor its words shown)."""
    return await permissions.require_flag_post(actor, post)


async def flag_post(actor: User | None, post: Post, reason: object, note: object = "") -> Flag:
    user = await require_flaggable(actor, post)
    community = post.thread.community
    why = _reason(reason)
    text = validation.text(note, "note", max_len=1000)
    if why == "other" and not text:
        raise Invalid("Say what is wrong.", fields={"note": "is required for 'other'"})
    if await Flag.filter(flagger_id=user.id, post_id=post.id).exists():
        raise Conflict("You already flagged this post.", code="already_flagged")
    weight = await standing(user, community)
    try:
        async with in_transaction():
            # Lock the post so simultaneous flags share one review item (PostgreSQL; SQLite
            # serialises writers anyway).
            await Post.select_for_update().filter(id=post.id).first()
            item = await items.open_item(
                "flagged_post", community=community, post=post, reasons=[why], score=weight
            )
            flag = await Flag.create(
                item=item, flagger=user, post_id=post.id, reason=why, note=text, weight=weight
            )
            threshold = policies.effective(community).flag_hide_score
            if item.score >= threshold and permissions.shown_to_readers(post.status):
                await posts.change_status(
                    post,
                    "hidden",
                    "Hidden after reports from members until a moderator reviews it.",
                )
    except IntegrityError:  # the same person's second, simultaneous submission
        raise Conflict("You already flagged this post.", code="already_flagged") from None
    return flag


async def flag_user(actor: User | None, target: User, reason: object, note: object = "") -> Flag:
    user = permissions.require_active(actor, "flag people")
    if target.id == user.id:
        raise PermissionDenied("You cannot flag yourself.", code="own_account")
    why = _reason(reason)
    text = validation.text(note, "note", max_len=1000)
    if await Flag.filter(flagger_id=user.id, target_user_id=target.id).exists():
        raise Conflict("You already flagged this person.", code="already_flagged")
    weight = await standing(user, None)
    try:
        async with in_transaction():
            await User.select_for_update().filter(id=target.id).first()
            item = await items.open_item(
                "user", community=None, user=target, reasons=[why], score=weight
            )
            return await Flag.create(
                item=item,
                flagger=user,
                target_user_id=target.id,
                reason=why,
                note=text,
                weight=weight,
            )
    except IntegrityError:
        raise Conflict("You already flagged this person.", code="already_flagged") from None


# Listing


# Who sees the queue, and which communities' items: forum/permissions.py.
moderated_ids = permissions.moderated_community_ids
require_moderator_somewhere = permissions.require_moderator_somewhere


@dataclass
class QueueFilter:
    community: str | None = None
    kind: str | None = None
    status: str = "open"
    reason: str | None = None
    older_than_hours: int | None = None


async def list_items(
    actor: User | None, wanted: QueueFilter, *, limit: int = 50
) -> list[ReviewItem]:
    user = await require_moderator_somewhere(actor)
    query = ReviewItem.all()
    ids = await moderated_ids(user)
    if ids is not None:
        query = query.filter(community_id__in=ids)  # people flags (no community) are for admins
    if wanted.community:
        community = await communities.get(user, wanted.community)
        await permissions.require_moderate(user, community)
        query = query.filter(community_id=community.id)
    if wanted.kind:
        query = query.filter(kind=validation.choice(wanted.kind, "kind", KINDS))
    status = validation.choice(wanted.status or "open", "status", STATUSES)
    waiting = status == "open"  # bookkeeping: the queue's own filter, waiting or decided
    query = query.filter(status="open") if waiting else query.exclude(status="open")
    if wanted.reason:
        reason = validation.choice(wanted.reason, "reason", REASONS)
        query = query.filter(id__in=Subquery(Flag.filter(reason=reason).values("item_id")))
    if wanted.older_than_hours:
        query = query.filter(
            created_at__lte=datetime.now(UTC) - timedelta(hours=wanted.older_than_hours)
        )
    order = ("-score", "created_at") if waiting else ("-resolved_at",)
    return (
        await query.order_by(*order)
        .limit(max(1, min(limit, 200)))
        .select_related("community", "post", "post__author", "post__thread", "user", "resolved_by")
    )


async def reports_of(rows: list[ReviewItem]) -> dict[int, list[Flag]]:
    """The reports filed on each of these items (already shown to a moderator), oldest first,
    with who filed them."""
    found: dict[int, list[Flag]] = {row.id: [] for row in rows}
    if found:
        filed = (
            await Flag.filter(item_id__in=list(found))
            .order_by("created_at", "id")
            .select_related("flagger")
        )
        for flag in filed:
            found[flag.item_id].append(flag)  # type: ignore[attr-defined]
    return found


def reporters_note(reports: list[Flag]) -> str:
    """What the reporters wrote, one line each (those who wrote something)."""
    return "\n".join(flag.note for flag in reports if flag.note)


async def get_item(actor: User | None, item_id: int) -> ReviewItem:
    user = await require_moderator_somewhere(actor)
    item = await ReviewItem.get_or_none(id=item_id).select_related(
        "community", "post", "post__author", "post__thread", "post__thread__community", "user"
    )
    if item is None:
        raise NotFound("No such review item.")
    ids = await moderated_ids(user)
    if ids is not None and item.community_id not in ids:  # type: ignore[attr-defined]
        raise NotFound("No such review item.")
    return item


# Deciding


def days_of(value: object) -> int:
    if value is None or value == "":
        return DEFAULT_SUSPENSION_DAYS
    found = validation.object_id(value if isinstance(value, int | str) else None)
    if found is None or found > MAX_SUSPENSION_DAYS:
        raise Invalid(
            f"Days must be 1 to {MAX_SUSPENSION_DAYS}.",
            fields={"days": f"must be 1 to {MAX_SUSPENSION_DAYS}"},
        )
    return found


async def decide(
    actor: User | None, item: ReviewItem, action: object, note: object = "", days: object = None
) -> ReviewItem:
    user = await require_moderator_somewhere(actor)
    verb = validation.choice(action, "action", ACTIONS)
    if verb not in ALLOWED[item.kind]:
        raise Invalid(
            f"'{verb}' does not apply to a {item.kind.replace('_', ' ')}.",
            fields={"action": "must be one of " + ", ".join(sorted(ALLOWED[item.kind]))},
        )
    text = validation.text(note, "note", max_len=2000)
    if verb == "reject" and item.kind in POST_KINDS and not text:
        raise Invalid("Give the author a reason.", fields={"note": "is required when rejecting"})
    length = days_of(days) if verb == "suspend_author" else 0
    if item.kind == "user":
        permissions.allow_decide_about_people(await permissions.reader(user))
    when = datetime.now(UTC)
    async with in_transaction():
        claimed = await ReviewItem.filter(id=item.id, status="open").update(
            status="resolved", resolution=verb, resolved_at=when, resolved_by_id=user.id, note=text
        )
        if not claimed:
            raise Conflict("Another moderator already decided this.", code="already_decided")
        was = item.post.status if item.post is not None else None
        await _apply(user, item, verb, text, length)
        outcome = "upheld" if verb in UPHOLDING else "declined"
        await Flag.filter(item_id=item.id).update(outcome=outcome)
        await audit.record(
            user,
            f"queue.{verb}",
            _target(item),
            community=item.community,
            note=text,
            changes=_changed(item, verb, was),
        )
    item.status, item.resolution, item.resolved_at, item.note = "resolved", verb, when, text
    item.resolved_by = user
    return item


def _changed(
    item: ReviewItem, verb: str, was: str | None
) -> dict[str, tuple[object, object]] | None:
    """What a decision changed, for its audit entry: the post's status, or the request's."""
    if item.post is not None:
        now = item.post.status
        return {"post_status": (was, now)} if now != was else None  # bookkeeping: the log's record
    if item.kind == "join_request":
        return {"status": ("pending", "member" if verb == "approve" else "removed")}
    return None


def _target(item: ReviewItem) -> str:
    if item.post_id is not None:  # type: ignore[attr-defined]
        return f"post:{item.post_id}"  # type: ignore[attr-defined]
    return f"user:{item.user.username}" if item.user else f"item:{item.id}"


async def _apply(actor: User, item: ReviewItem, verb: str, note: str, days: int) -> None:
    if item.kind == "queued_edit":
        post = item.post  # loaded with its thread and community by get_item
        assert post is not None
        await _decide_edit(actor, item, post, verb, note, days)
    elif item.kind in ("flagged_post", "queued_post"):
        post = item.post
        assert post is not None
        await _decide_post(actor, item, post, verb, note, days)
    elif item.kind == "join_request":
        assert item.user is not None and item.community is not None
        await _decide_join(actor, item.community, item.user, verb)
    elif item.kind == "user" and verb == "suspend_author":
        assert item.user is not None
        await suspend(actor, item.user, days, note, record=False)


async def _decide_post(
    actor: User, item: ReviewItem, post: Post, verb: str, note: str, days: int
) -> None:
    author_id: int = post.author_id  # type: ignore[attr-defined]
    thread = post.thread
    message = None
    if verb in ("approve", "dismiss"):
        was = post.status
        if permissions.held(was):
            await posts.change_status(post, "published")
            if was == "pending":  # bookkeeping: a held post is news now
                await posts.announce_approved(post)
            message = (
                "Your post was approved and is now visible." if item.kind == "queued_post" else None
            )
    elif verb in ("reject", "hide"):
        reason = note or "A moderator hid it."
        await posts.change_status(post, "hidden", f"Removed by a moderator: {reason}")
        message = f"A moderator removed your post: {reason}"
    elif verb == "delete":
        await posts.change_status(post, "deleted", note)
        message = "A moderator deleted your post." + (f" Reason: {note}" if note else "")
    elif verb == "suspend_author":
        await posts.change_status(
            post, "hidden", f"Removed by a moderator: {note or 'account suspended'}"
        )
        author = await User.get(id=author_id)
        await suspend(actor, author, days, note, community=thread.community, record=False)
    if message:
        await notifications.notify(
            author_id,
            "moderation",
            thread_id=thread.id,
            post_id=post.id,
            title=thread.title,
            message=message,
        )


async def _decide_edit(
    actor: User, item: ReviewItem, post: Post, verb: str, note: str, days: int
) -> None:
    """A held edit: approving puts the new text in place (history, index, live readers);
    rejecting or suspending the author discards it, and the approved text stays."""
    author_id: int = post.author_id  # type: ignore[attr-defined]
    thread = post.thread
    if verb == "approve":
        if permissions.editable(post.status):  # a deleted post takes no new text
            editor = item.user or await User.get(id=author_id)
            await posts.apply_edit(post, editor, item.body)
        message = "Your edit was approved and is now visible."
    else:
        message = "A moderator declined your edit; the earlier text stays." + (
            f" Reason: {note}" if note else ""
        )
        if verb == "suspend_author":
            author = await User.get(id=author_id)
            await suspend(actor, author, days, note, community=thread.community, record=False)
    await notifications.notify(
        author_id,
        "moderation",
        thread_id=thread.id,
        post_id=post.id,
        title=thread.title,
        message=message,
    )


async def _decide_join(actor: User, community: Community, applicant: User, verb: str) -> None:
    row = await Membership.get_or_none(
        community_id=community.id, user_id=applicant.id, status="pending"
    )
    if row is None:
        return
    if verb == "approve":
        await communities.set_member_status(actor, community, applicant.username, "member")
        await notifications.notify(
            applicant.id, "join_approved", community=community.slug, name=community.name
        )
    else:
        await row.delete()


async def suspend(
    actor: User,
    target: User,
    days: int,
    reason: str,
    *,
    community: Community | None = None,
    record: bool = True,
) -> datetime:
    """Suspends someone from posting in one community, or (community=None, administrators only)
    everywhere; tells them why and until when. Returns when it ends."""
    await permissions.require_suspend(actor, target, community)
    until = datetime.now(UTC) + timedelta(days=days)
    if community is None:
        earlier = target.suspended_until
    else:
        current = await permissions.suspension_in(target, community.id)
        earlier = current.until if current is not None else None
    if community is None:
        await accounts.suspend(target, until, reason)
        message = f"Your account is suspended until {until:%d %b %Y}. {reason}".strip()
        extra: dict[str, object] = {}
    else:
        await communities.suspend_member(community, target, until, reason, by=actor)
        message = (
            f"You are suspended from posting in {community.name} until {until:%d %b %Y}. {reason}"
        ).strip()
        extra = {"community": community.slug, "name": community.name}
    if record:  # a queue decision writes its own entry
        await audit.record(
            actor,
            "user.suspend",
            f"user:{target.username}",
            community=community,
            note=f"{days} days. {reason}".strip(),
            changes={"suspended_until": (earlier, until)},
        )
    await notifications.notify(target.id, "moderation", message=message, **extra)
    return until
