"""Reactions to posts, bookmarks, and watching or muting threads and communities."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Protocol

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from forum import live, permissions, points, reads, validation
from forum.models import Bookmark, Community, Post, Reaction, Subscription, Thread, User

REACTIONS = ("helpful", "insightful", "thanks")
LEVELS = ("watching", "normal", "muted")


class Identified(Protocol):
    """A thread or community, as a model or as a view of forum/reads.py."""

    @property
    def id(self) -> int: ...


async def counts(post_ids: list[int], viewer: User | None) -> dict[int, dict[str, object]]:
    """post id -> {"counts": {kind: n}, "mine": [kinds]} for a page of posts, in one query."""
    result: dict[int, dict[str, object]] = {}
    if not post_ids:
        return result
    tally: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(REACTIONS, 0))
    mine: dict[int, list[str]] = defaultdict(list)
    for post_id, user_id, kind in await Reaction.filter(post_id__in=post_ids).values_list(
        "post_id", "user_id", "kind"
    ):
        tally[int(str(post_id))][str(kind)] += 1
        if viewer is not None and user_id == viewer.id:  # bookkeeping: marks the viewer's own
            mine[int(str(post_id))].append(str(kind))
    for post_id in post_ids:
        result[post_id] = {"counts": dict(tally[post_id]), "mine": mine.get(post_id, [])}
    return result


async def tallies(post_ids: list[int]) -> dict[int, dict[str, int]]:
    """post id -> {kind: n} for a page of posts, the same for every reader (a reaction bumps
    its thread's version, so callers may keep this by that version)."""
    tally: dict[int, dict[str, int]] = {pid: dict.fromkeys(REACTIONS, 0) for pid in post_ids}
    if not post_ids:
        return tally
    marks = ", ".join("?" * len(post_ids))
    sql = f"SELECT post_id, kind, COUNT(*) AS n FROM reactions WHERE post_id IN ({marks}) GROUP BY post_id, kind"  # noqa: S608
    for row in await reads.query(sql, *post_ids):
        tally[int(row["post_id"])][str(row["kind"])] = int(row["n"])
    return tally


@dataclass(frozen=True, slots=True)
class ThreadState:
    """One reader's own marks on a page of a thread: their reactions, bookmark and watching."""

    mine: dict[int, tuple[str, ...]]  # post id -> the kinds they reacted with
    bookmarked: bool = False
    level: str = "normal"


NOBODY_STATE = ThreadState({})


async def thread_state(user: User | None, thread: Identified, post_ids: list[int]) -> ThreadState:
    """All of it in one query."""
    if user is None:
        return NOBODY_STATE
    marks = ", ".join("?" * len(post_ids)) or "NULL"
    sql = (
        "SELECT 'r' AS what, post_id AS ref, kind AS value FROM reactions"  # noqa: S608
        f" WHERE user_id = ? AND post_id IN ({marks})"
        " UNION ALL SELECT 'b', thread_id, '' FROM bookmarks WHERE user_id = ? AND thread_id = ?"
        " UNION ALL SELECT 's', thread_id, level FROM subscriptions"
        " WHERE user_id = ? AND thread_id = ?"
    )
    rows = await reads.query(sql, user.id, *post_ids, user.id, thread.id, user.id, thread.id)
    mine: dict[int, list[str]] = defaultdict(list)
    bookmarked, level = False, "normal"
    for row in rows:
        if row["what"] == "r":
            mine[int(row["ref"])].append(str(row["value"]))
        elif row["what"] == "b":
            bookmarked = True
        else:
            level = str(row["value"])
    return ThreadState(
        {pid: tuple(sorted(kinds)) for pid, kinds in mine.items()}, bookmarked, level
    )


async def toggle(actor: User | None, post: Post, kind: object) -> dict[str, object]:
    """Adds the actor's reaction of this kind, or takes it back if they had given it."""
    user = permissions.require_signed_in(actor, "react")
    what = validation.choice(kind, "kind", REACTIONS)
    had = await Reaction.filter(post_id=post.id, user_id=user.id, kind=what).exists()
    return await react(actor, post, what, on=not had)


async def react(actor: User | None, post: Post, kind: object, on: bool = True) -> dict[str, object]:
    """Adds (or with on=False removes) a reaction; returns the post's counts and the actor's."""
    user = await permissions.require_react(actor, post)
    thread = post.thread
    what = validation.choice(kind, "kind", REACTIONS)
    async with in_transaction():
        if on and not await Reaction.filter(post_id=post.id, user_id=user.id, kind=what).exists():
            try:
                async with in_transaction():  # a savepoint: a racing duplicate must not abort ours
                    await Reaction.create(post=post, user=user, kind=what)
            except IntegrityError:
                pass  # the same reaction arrived twice at once
            else:
                await points.reaction_received(post, user)
        elif not on:
            await Reaction.filter(post_id=post.id, user_id=user.id, kind=what).delete()
        await Thread.filter(id=thread.id).update(
            version=F("version") + 1
        )  # cached pages show counts
        state = (await counts([post.id], user))[post.id]
        await live.emit(
            f"thread:{thread.id}",
            "post.reacted",
            id=post.id,
            number=post.number,
            counts=state["counts"],
        )
    return state


async def bookmark(actor: User | None, thread: Thread, on: bool = True) -> bool:
    user = permissions.require_signed_in(actor, "bookmark threads")
    if on:
        if await Bookmark.filter(user_id=user.id, thread_id=thread.id).exists():
            return False
        try:
            await Bookmark.create(user=user, thread=thread)
        except IntegrityError:
            return False  # bookmarked twice at once
        return True
    return await Bookmark.filter(user_id=user.id, thread_id=thread.id).delete() > 0


async def is_bookmarked(user: User | None, thread: Identified) -> bool:
    return user is not None and await Bookmark.filter(user_id=user.id, thread_id=thread.id).exists()


async def bookmarks(actor: User | None, limit: int = 100) -> list[Thread]:
    """The actor's bookmarked threads they can still read, newest bookmark first."""
    user = permissions.require_signed_in(actor, "see bookmarks")
    ids = (
        await Bookmark.filter(user_id=user.id)
        .order_by("-id")
        .limit(limit)
        .values_list("thread_id", flat=True)
    )
    rows = {
        t.id: t
        for t in await Thread.filter(id__in=list(ids)).select_related(
            "community", "author", "last_poster"
        )
    }
    visible = []
    for thread_id in ids:
        thread = rows.get(int(str(thread_id)))
        if thread is not None and await permissions.can_see_thread(user, thread, thread.community):
            visible.append(thread)
    return visible


async def set_level(
    actor: User | None,
    level: object,
    *,
    thread: Thread | None = None,
    community: Community | None = None,
) -> str:
    """Watch (notified of every new post), normal, or mute (no notifications) a thread or community."""
    user = permissions.require_signed_in(actor, "watch or mute")
    chosen = validation.choice(level, "level", LEVELS)
    target = {"thread_id": thread.id} if thread is not None else {"community_id": community.id}  # type: ignore[union-attr]
    async with in_transaction():
        await Subscription.filter(user_id=user.id, **target).delete()
        if chosen != "normal":
            await Subscription.create(user_id=user.id, level=chosen, **target)
    return chosen


async def level_of(
    user: User | None, *, thread: Identified | None = None, community: Identified | None = None
) -> str:
    if user is None:
        return "normal"
    target = {"thread_id": thread.id} if thread is not None else {"community_id": community.id}  # type: ignore[union-attr]
    row = await Subscription.get_or_none(user_id=user.id, **target)
    return row.level if row else "normal"


async def audience(thread: Thread) -> tuple[set[int], set[int]]:
    """(watchers, muters) of a thread, its community's watchers included; a thread-level
    choice wins over the community's."""
    rows = await Subscription.filter(thread_id=thread.id).values_list("user_id", "level")
    community_rows = await Subscription.filter(
        community_id=thread.community_id  # type: ignore[attr-defined]
    ).values_list("user_id", "level")
    levels: dict[int, str] = {int(str(u)): str(lv) for u, lv in community_rows}
    levels.update({int(str(u)): str(lv) for u, lv in rows})
    watchers = {u for u, lv in levels.items() if lv == "watching"}
    muters = {u for u, lv in levels.items() if lv == "muted"}
    return watchers, muters
