"""Threads: starting them, listing them, pinning and locking them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from forum import communities, live, markup, mentions, permissions, points, validation
from forum.errors import Invalid, NotFound
from forum.models import Community, Post, ReviewItem, SearchOutbox, Thread, ThreadTag, User
from moderation import items, policies

TITLE_MIN, TITLE_MAX = 5, 150
BODY_MAX = 20_000


def now() -> datetime:
    return datetime.now(UTC)


def counted(status: str) -> bool:
    """What the counts (a thread's post_count, a community's thread_count) include."""
    return status == "published"  # bookkeeping: the counts count published rows


def title_of(value: object) -> str:
    return validation.one_line(value, "title", min_len=TITLE_MIN, max_len=TITLE_MAX)


def body_of(value: object) -> str:
    return validation.text(value, "body", min_len=1, max_len=BODY_MAX)


async def render(body: str) -> str:
    """Markdown is rendered once, on write, off the event loop for long bodies."""
    if len(body) < 2000:
        return markup.render(body)
    return await asyncio.to_thread(markup.render, body)


async def start(
    actor: User | None, community: Community, *, title: object, body: object, tags: object = None
) -> tuple[Thread, Post]:
    user = await permissions.require_post_in(actor, community)
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    for field, check, raw in (
        ("title", title_of, title),
        ("body", body_of, body),
        ("tags", validation.tags, tags),
    ):
        try:
            values[field] = check(raw)
        except Invalid as exc:
            errors.update(exc.fields)
    if errors:
        raise Invalid("Some fields need attention.", fields=errors)
    tag_list: list[str] = values["tags"]  # type: ignore[assignment]
    moderator = await permissions.can_moderate(user, community)
    screening = await policies.screen(user, community, str(values["body"]), moderator=moderator)
    body_text, status, held = screening.body, screening.status, screening.held
    html = await render(body_text)
    when = now()
    async with in_transaction():
        thread = await Thread.create(
            community=community,
            author=user,
            title=values["title"],
            tags=tag_list,
            status=status,
            post_count=0 if held else 1,
            last_number=1,
            participant_count=1,
            last_poster=user,
            last_activity_at=when,
        )
        if tag_list:
            await ThreadTag.bulk_create([ThreadTag(thread=thread, tag=t) for t in tag_list])
        post = await Post.create(
            thread=thread,
            author=user,
            number=1,
            body=body_text,
            body_html=html,
            status=status,
            body_hash=policies.body_hash(str(values["body"])),
            moderation_note=screening.note() if held else "",
        )
        if held:
            await items.open_item(
                "queued_post", community=community, post=post, reasons=screening.reasons
            )
        else:
            await SearchOutbox.bulk_create(
                [
                    SearchOutbox(kind="thread", object_id=thread.id),
                    SearchOutbox(kind="post", object_id=post.id),
                ]
            )
            await communities.bump_thread_count(community.id, 1)
            await live.emit(
                f"community:{community.slug}",
                "thread.updated",
                id=thread.id,
                title=thread.title,
                created=True,
            )
            thread.community = community
            await mentions.tell(post, thread, user)
    thread.community = community
    thread.author = user
    thread.last_poster = user
    return thread, post


async def get(actor: User | None, thread_id: int) -> Thread:
    """The thread with its community and author, if the actor may see it."""
    thread = await Thread.get_or_none(id=thread_id).select_related(
        "community", "author", "last_poster"
    )
    if thread is None:
        raise NotFound("No such thread.")
    await permissions.require_see_thread(actor, thread, thread.community)
    return thread


async def latest(actor: User | None, *, mine_only: bool, limit: int = 20) -> list[Thread]:
    """Recent activity for the home page: in the actor's communities, or everywhere readable."""
    ids: list[int] | None = (
        permissions.member_community_ids(await permissions.reader(actor))
        if mine_only
        else await permissions.readable_community_ids(actor)
    )
    query = Thread.filter(permissions.feed_threads_q(ids))
    return (
        await query.order_by("-last_activity_at", "-id")
        .limit(limit)
        .select_related("community", "author", "last_poster")
    )


async def touch(thread_id: int) -> None:
    """Marks the thread changed (see Thread.version)."""
    await Thread.filter(id=thread_id).update(version=F("version") + 1)


async def announce(thread: Thread, **changes: object) -> None:
    """Tells live readers of the thread (and its community) what changed about it."""
    data = {"id": thread.id, "title": thread.title, **changes}
    await live.emit(f"thread:{thread.id}", "thread.updated", **data)
    await live.emit(f"community:{thread.community.slug}", "thread.updated", **data)


async def started_by(actor: User | None, author: User, limit: int = 10) -> list[Thread]:
    """An author's recent threads, in communities the actor may read."""
    ids = await permissions.readable_community_ids(actor)
    query = Thread.filter(permissions.feed_threads_q(ids), author_id=author.id)
    return (
        await query.order_by("-created_at")
        .limit(limit)
        .select_related("community", "author", "last_poster")
    )


async def _set_flag(actor: User | None, thread: Thread, name: str, value: bool) -> bool:
    """Sets one of the moderator switches (pinned, locked, featured); returns whether it changed."""
    await permissions.require_moderate(actor, thread.community)
    if getattr(thread, name) == value:
        return False
    async with in_transaction():
        await Thread.filter(id=thread.id).update(**{name: value}, version=F("version") + 1)
        setattr(thread, name, value)
        await announce(thread, **{name: value})
    return True


async def set_pinned(actor: User | None, thread: Thread, pinned: bool) -> bool:
    """Pins to the top of the community, or unpins."""
    return await _set_flag(actor, thread, "pinned", pinned)


async def set_locked(actor: User | None, thread: Thread, locked: bool) -> bool:
    """Locks (no more replies but from moderators) or unlocks."""
    return await _set_flag(actor, thread, "locked", locked)


async def set_featured(actor: User | None, thread: Thread, featured: bool) -> bool:
    """Adds the thread to (or takes it out of) its community's "best of" collection; its author
    earns learning points the first time."""
    async with in_transaction():
        changed = await _set_flag(actor, thread, "featured", featured)
        if changed and featured and actor is not None:
            await points.thread_featured(thread, actor)
    return changed


async def set_tags(actor: User | None, thread: Thread, tags: object) -> bool:
    """The thread's author or a moderator edits its tags; returns whether they changed."""
    await permissions.require_edit_tags(actor, thread)
    new = validation.tags(tags)
    if new == list(thread.tags):
        return False
    async with in_transaction():
        await ThreadTag.filter(thread_id=thread.id).delete()
        if new:
            await ThreadTag.bulk_create([ThreadTag(thread_id=thread.id, tag=t) for t in new])
        await Thread.filter(id=thread.id).update(tags=new, version=F("version") + 1)
        await SearchOutbox.create(kind="thread", object_id=thread.id)
        thread.tags = new
        await announce(thread, tags=new)
    return True


async def accept_answer(actor: User | None, thread: Thread, post_id: int | None) -> bool:
    """The asker or a moderator marks a reply as the accepted answer (None clears it)."""
    user = await permissions.require_accept_answer(actor, thread)
    if post_id is not None:
        ok = await Post.filter(
            permissions.answerable_q(), id=post_id, thread_id=thread.id, number__gt=1
        ).exists()
        if not ok:
            raise Invalid(
                "Accept a published reply of this thread.",
                fields={"post_id": "is not a reply here"},
            )
    if thread.accepted_post_id == post_id:
        return False
    async with in_transaction():
        await Thread.filter(id=thread.id).update(accepted_post_id=post_id, version=F("version") + 1)
        if post_id is not None:
            await points.answer_accepted(thread, post_id, user)
        thread.accepted_post_id = post_id
        await announce(thread, accepted_post_id=post_id)
    return True


async def move(actor: User | None, thread: Thread, target: Community) -> bool:
    """Moves a thread to another community; needs moderating both."""
    await permissions.require_moderate(actor, thread.community)
    await permissions.require_moderate(actor, target)
    source = thread.community
    if source.id == target.id:
        return False
    async with in_transaction():
        await Thread.filter(id=thread.id).update(community_id=target.id, version=F("version") + 1)
        await _items_follow(thread.id, target.id)
        if counted(thread.status):
            await communities.bump_thread_count(source.id, -1)
            await communities.bump_thread_count(target.id, 1)
        await SearchOutbox.create(kind="thread", object_id=thread.id)
        # Its live readers re-check, at once, whether they may follow it there.
        thread.community = target
        await announce(thread, community=target.slug, moved=True)
        await live.emit(
            f"community:{source.slug}", "thread.updated", id=thread.id, community=target.slug
        )
    return True


async def merge(actor: User | None, source: Thread, target: Thread) -> int:
    """Moves every post of `source` to the end of `target` (in their order) and leaves `source`
    pointing at `target`. Needs moderating both communities. Returns the posts moved."""
    await permissions.require_merge(actor, source, target)
    async with in_transaction():
        moving = await Post.filter(thread_id=source.id).order_by("number")
        base = (await Thread.filter(id=target.id).values_list("last_number", flat=True))[0]
        start = int(str(base))
        # Two steps so (thread, number) stays unique while numbers change.
        for offset, post in enumerate(moving, start=1):
            await Post.filter(id=post.id).update(thread_id=target.id, number=-(start + offset))
        await Post.filter(thread_id=target.id, number__lt=0).update(number=-F("number"))
        published = [p for p in moving if counted(p.status)]
        authors = (
            await Post.filter(thread_id=target.id, status="published")
            .distinct()
            .values_list("author_id", flat=True)
        )
        newest = max((p.created_at for p in published), default=target.last_activity_at)
        await Thread.filter(id=target.id).update(
            last_number=start + len(moving),
            post_count=F("post_count") + len(published),
            participant_count=len(set(authors)),
            last_activity_at=max(newest, target.last_activity_at),
            version=F("version") + 1,
        )
        await _items_follow(target.id, target.community.id)
        await Thread.filter(id=source.id).update(
            status="merged", merged_into_id=target.id, post_count=0, version=F("version") + 1
        )
        if counted(source.status):
            await communities.bump_thread_count(source.community.id, -1)
        # The source's live readers follow it into the target, if they may read it.
        await live.emit(
            f"thread:{source.id}", "thread.updated", id=source.id, merged_into=target.id
        )
        await SearchOutbox.bulk_create(
            [
                SearchOutbox(kind="thread", object_id=source.id),
                SearchOutbox(kind="thread", object_id=target.id),
            ]
        )
    source.status, source.merged_into_id = "merged", target.id
    return len(moving)


async def _items_follow(thread_id: int, community_id: int) -> None:
    """Open review items about a thread's posts go wherever the thread goes."""
    post_ids = await Post.filter(thread_id=thread_id).values_list("id", flat=True)
    if post_ids:
        await ReviewItem.filter(post_id__in=list(post_ids), status="open").update(
            community_id=community_id
        )


async def featured_in(actor: User | None, community: Community, limit: int = 10) -> list[Thread]:
    await permissions.require_read(actor, community)
    return (
        await Thread.filter(permissions.feed_threads_q([community.id]), featured=True)
        .order_by("-last_activity_at")
        .limit(limit)
        .select_related("author", "last_poster", "community")
    )
