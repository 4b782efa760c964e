"""Posts: replying, editing with history, soft deleting and moderators' status changes. Pages of a
thread's posts are read by forum/reads.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from forum import (
    communities,
    live,
    mentions,
    notifications,
    permissions,
    serialize,
    social,
    validation,
)
from forum.errors import Invalid, NotFound
from forum.models import Post, PostRevision, ReviewItem, SearchOutbox, Thread, User
from forum.threads import body_of, counted, now, render, touch
from moderation import items, policies


async def _parent(actor: User | None, thread: Thread, reply_to: object) -> Post | None:
    if reply_to is None or reply_to == "":
        return None
    parent_id = validation.integer(reply_to, "reply_to")
    parent = await Post.get_or_none(id=parent_id, thread_id=thread.id)
    if parent is None:
        raise Invalid(
            "You can only reply to a visible post of this thread.",
            fields={"reply_to": "is not a post of this thread"},
        )
    permissions.allow_answer(permissions.post_facts(parent))
    return parent


async def reply(
    actor: User | None, thread: Thread, *, body: object, reply_to: object = None
) -> Post:
    community = thread.community
    user = await permissions.require_reply(actor, thread, community)
    parent = await _parent(user, thread, reply_to)
    moderator = await permissions.can_moderate(user, community)
    submitted = body_of(body)
    screening = await policies.screen(user, community, submitted, moderator=moderator)
    text, status, held = screening.body, screening.status, screening.held
    html = await render(text)
    when = now()
    async with in_transaction():
        # The update takes the thread's row lock, so concurrent replies get distinct numbers.
        await Thread.filter(id=thread.id).update(
            last_number=F("last_number") + 1, version=F("version") + 1
        )
        number = int(
            str((await Thread.filter(id=thread.id).values_list("last_number", flat=True))[0])
        )
        first_time = not await Post.filter(
            thread_id=thread.id, author_id=user.id, status="published"
        ).exists()
        post = await Post.create(
            thread=thread,
            author=user,
            number=number,
            body=text,
            body_html=html,
            status=status,
            reply_to=parent,
            body_hash=policies.body_hash(submitted),
            moderation_note=screening.note() if held else "",
        )
        if held:
            await items.open_item(
                "queued_post", community=community, post=post, reasons=screening.reasons
            )
        else:
            await Thread.filter(id=thread.id).update(
                post_count=F("post_count") + 1,
                participant_count=F("participant_count") + (1 if first_time else 0),
                last_activity_at=when,
                last_poster_id=user.id,
            )
            await SearchOutbox.create(kind="post", object_id=post.id)
            post.author, post.thread = user, thread
            await live.emit(f"thread:{thread.id}", "post.created", **serialize.post(post))
            await _notify_reply(post, parent, thread, user)
    if not held:
        thread.post_count += 1
        thread.last_activity_at = when
    thread.last_number = number
    post.author = user
    post.thread = thread
    return post


async def announce_approved(post: Post) -> None:
    """Notifications for a post published after review, as if it had just been posted: for a
    reply, as reply() sends them; for an opening post, to the people it @mentions."""
    thread = post.thread
    author = await User.get(id=post.author_id)  # type: ignore[attr-defined]
    if post.number == 1:  # bookkeeping: the opening post is the thread's news, not a reply
        await mentions.tell(post, thread, author)
        return
    parent = await Post.get_or_none(id=post.reply_to_id) if post.reply_to_id else None
    await _notify_reply(post, parent, thread, author)


async def _notify_reply(post: Post, parent: Post | None, thread: Thread, author: User) -> None:
    """Tells who should know about a new reply: the author of the post answered, the asker,
    people @mentioned, and everyone watching the thread or its community, except those who
    muted it and the writer."""
    data = {
        "thread_id": thread.id,
        "post_id": post.id,
        "title": thread.title,
        "by": author.username,
    }
    watchers, muters = await social.audience(thread)
    told: set[int] = {author.id} | muters
    readers = await permissions.reader_ids(thread.community)

    async def tell(user_id: int, kind: str) -> None:
        if user_id in told or (readers is not None and user_id not in readers):
            return
        told.add(user_id)
        await notifications.notify(user_id, kind, **data)

    if parent is not None:
        await tell(parent.author_id, "reply")  # type: ignore[attr-defined]
    told |= await mentions.tell(post, thread, author, skip=told)
    await tell(thread.author_id, "reply")  # type: ignore[attr-defined]
    for watcher in sorted(watchers):
        await tell(watcher, "watching")


async def get(actor: User | None, post_id: int) -> Post:
    """A post with its thread, community and author, if the actor may see its thread."""
    post = await Post.get_or_none(id=post_id).select_related(
        "thread", "thread__community", "author"
    )
    if post is None:
        raise NotFound("No such post.")
    await permissions.require_see_post(actor, post)
    return post


SAVED, HELD, UNCHANGED = "saved", "held", "unchanged"


async def edit(actor: User | None, post: Post, *, body: object) -> str:
    """Changes the body after the same screening as a new post, keeping the old one as a
    revision. Returns SAVED, UNCHANGED, or HELD: the new text of a published post waits for a
    moderator (moderation queue, kind queued_edit) while readers keep seeing the approved text.
    A later edit by the author replaces a waiting one; the approved text again withdraws it."""
    thread = post.thread
    community = thread.community
    user = await permissions.require_edit_post(actor, post, thread, community)
    submitted = body_of(body)
    author_id: int = post.author_id  # type: ignore[attr-defined]
    by_author = user.id == author_id  # bookkeeping: the author's new text replaces their own
    waiting = await items.open_edit(post.id) if by_author else None
    if submitted == post.body and waiting is None:
        return UNCHANGED
    moderator = await permissions.can_moderate(user, community)
    screening = await policies.screen(user, community, submitted, moderator=moderator, editing=post)
    text = screening.body
    held = screening.held
    async with in_transaction():
        # Writing first takes the post's row lock (PostgreSQL), so concurrent edits keep one
        # waiting proposal, and makes this a write transaction from its start (SQLite: no read
        # snapshot another process could outdate before our first write).
        await Post.filter(id=post.id).update(body_hash=F("body_hash"))
        if held and permissions.shown_to_readers(post.status) and text != post.body:
            if waiting is not None and waiting.body == text:
                return HELD
            await items.hold_edit(
                community=community, post=post, editor=user, body=text, reasons=screening.reasons
            )
            return HELD
        if waiting is not None:  # the author's new text replaces the one waiting
            await items.withdraw_edit(post.id)
        if text == post.body:
            return UNCHANGED if waiting is None else SAVED
        if held and post.status == "pending":  # bookkeeping: its queued_post review covers it
            await items.open_item(
                "queued_post", community=community, post=post, reasons=screening.reasons
            )
        await apply_edit(post, user, text, submitted=submitted)
    return SAVED


async def apply_edit(post: Post, editor: User, text: str, *, submitted: str | None = None) -> None:
    """Puts new text in place: the old one kept as a revision, the index and live readers told.
    Callers have checked and screened (edit, or a moderator approving a held edit)."""
    thread = post.thread
    html = await render(text)
    async with in_transaction():
        await PostRevision.create(post=post, editor=editor, body=post.body)
        post.body, post.body_html, post.edited_at = text, html, now()
        post.body_hash = policies.body_hash(submitted or text)
        await post.save(update_fields=["body", "body_html", "edited_at", "body_hash"])
        await touch(thread.id)
        if permissions.shown_to_readers(post.status):  # others' words stay with them and moderators
            await live.emit(f"thread:{thread.id}", "post.edited", **serialize.post(post))
            await mentions.tell_after_edit(post, thread, editor)
        await SearchOutbox.create(kind="post", object_id=post.id)


@dataclass(frozen=True)
class PendingEdit:
    """An edit of a published post waiting for a moderator, as its author and moderators see
    it."""

    post_id: int
    body: str
    reasons: list[str]
    created_at: datetime

    @property
    def note(self) -> str:
        return policies.Screening("pending", self.body, self.reasons).note()


def _pending(item: ReviewItem) -> PendingEdit:
    return PendingEdit(
        post_id=int(item.post_id),  # type: ignore[attr-defined]
        body=item.body,
        reasons=list(item.reasons),
        created_at=item.created_at,
    )


async def pending_edit(actor: User | None, post: Post) -> PendingEdit | None:
    """The post's edit waiting for review, shown to its author and the community's moderators."""
    author_id: int = post.author_id  # type: ignore[attr-defined]
    pending = await pending_edits(actor, post.thread.community.id, {post.id: author_id})
    return pending.get(post.id)


async def pending_edits(
    actor: User | None, community_id: int, authors: Mapping[int, int]
) -> dict[int, PendingEdit]:
    """Edits waiting for review among the posts shown (post id -> author id), by post id: those
    the actor may see (permissions.pending_edit_shown). No query when there can be none."""
    if actor is None or not authors:
        return {}
    moderator = await permissions.can_moderate_in(actor, community_id)
    ids = [
        post_id
        for post_id, author_id in authors.items()
        if permissions.pending_edit_shown(actor, author_id=author_id, moderator=moderator)
    ]
    rows = await items.open_edits(ids)
    return {pending.post_id: pending for pending in map(_pending, rows)}


async def delete(actor: User | None, post: Post) -> bool:
    """Soft delete: the post stays in place, shown as removed. Deleting the opening post of a
    thread nobody answered deletes the thread."""
    thread = post.thread
    await permissions.require_edit_post(actor, post, thread, thread.community)
    was_published = counted(post.status)
    async with in_transaction():
        post.status, post.deleted_at = "deleted", now()
        await post.save(update_fields=["status", "deleted_at"])
        await items.withdraw_edit(post.id)
        await touch(thread.id)
        await live.emit(
            f"thread:{thread.id}", "post.deleted", id=post.id, number=post.number, status="deleted"
        )
        if was_published:
            await Thread.filter(id=thread.id).update(post_count=F("post_count") - 1)
            thread.post_count -= 1
        outbox = [SearchOutbox(kind="post", object_id=post.id)]
        if post.number == 1 and thread.post_count <= 0 and counted(thread.status):
            await Thread.filter(id=thread.id).update(status="deleted")
            thread.status = "deleted"
            await communities.bump_thread_count(thread.community_id, -1)  # type: ignore[attr-defined]
            outbox.append(SearchOutbox(kind="thread", object_id=thread.id))
        await SearchOutbox.bulk_create(outbox)
    return True


async def history(actor: User | None, post: Post) -> list[PostRevision]:
    """Earlier versions, newest first. Readers of a post may see how it changed."""
    await permissions.require_see_post_body(actor, post)
    return await PostRevision.filter(post_id=post.id).select_related("editor").order_by("-id")


def page_of(post: Post, per_page: int) -> int:
    """The page of the thread on which a post appears."""
    return (post.number - 1) // per_page + 1


async def change_status(post: Post, status: str, note: str = "") -> bool:
    """Moves a post between published, pending, hidden and deleted, keeping the thread's and
    community's counts right; the opening post carries its thread with it. Callers (moderation)
    check permissions. Returns whether anything changed."""
    old = post.status
    if old == status:  # bookkeeping: nothing to change
        return False
    thread = post.thread
    when = now()
    async with in_transaction():
        fields: dict[str, object] = {"status": status, "moderation_note": note[:2000]}
        if status == "deleted":  # bookkeeping: when it was deleted
            fields["deleted_at"] = when
            await items.withdraw_edit(post.id)
        await Post.filter(id=post.id).update(**fields)
        await touch(thread.id)
        # Live readers: a post every reader may now read arrives; one they no longer may leaves.
        if permissions.shown_to_readers(status):
            await live.emit(f"thread:{thread.id}", "post.created", **serialize.post(post))
        elif permissions.shown_to_readers(old):
            await live.emit(
                f"thread:{thread.id}", "post.deleted", id=post.id, number=post.number, status=status
            )
        post.status, post.moderation_note = status, note[:2000]
        was, is_now = counted(old), counted(status)
        first_shown = is_now and old == "pending"  # bookkeeping: activity moves when first shown
        if post.number == 1:
            thread_status = {
                "published": "published",
                "pending": "pending",
                "hidden": "hidden",
            }.get(status, "deleted")
            if status == "deleted" and thread.post_count > 1:  # bookkeeping: answered threads stay
                thread_status = thread.status  # and the question shows as removed
            changes: dict[str, object] = {"status": thread_status}
            if was != is_now:
                changes["post_count"] = F("post_count") + (1 if is_now else -1)
            if first_shown:
                changes["last_activity_at"] = when
            await Thread.filter(id=thread.id).update(**changes)
            counted_before = counted(thread.status)
            counted_after = counted(thread_status)
            if counted_before != counted_after:
                await communities.bump_thread_count(thread.community_id, 1 if counted_after else -1)  # type: ignore[attr-defined]
            thread.status = thread_status
        elif was != is_now:
            changes = {"post_count": F("post_count") + (1 if is_now else -1)}
            if first_shown:
                changes["last_activity_at"] = when
                author_id: int = post.author_id  # type: ignore[attr-defined]
                changes["last_poster_id"] = author_id
                first_time = (
                    not await Post.filter(
                        thread_id=thread.id, author_id=author_id, status="published"
                    )
                    .exclude(id=post.id)
                    .exists()
                )
                if first_time:
                    changes["participant_count"] = F("participant_count") + 1
            await Thread.filter(id=thread.id).update(**changes)
        await SearchOutbox.create(kind="post", object_id=post.id)
    return True
