"""Index documents built from the database. Only what every reader of the community could see
is indexed (forum/permissions.py's search mask: published threads and their published replies);
everything else is removed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.expressions import Q

from forum import markup, permissions
from forum.models import Post, Thread
from search.whoosh_format import day_number
from search.whoosh_index import to_datetime


def thread_doc_id(thread_id: int) -> str:
    return f"t:{thread_id}"


def post_doc_id(post_id: int) -> str:
    return f"p:{post_id}"


def _stamp(post: Post) -> str:
    return (post.edited_at or post.created_at).isoformat()


def _created(at: datetime) -> dict[str, Any]:
    created = to_datetime(at)
    assert created is not None
    return {"created": created, "day": day_number(created)}


def _base(thread: Thread) -> dict[str, Any]:
    return {
        "thread_id": str(thread.id),
        "community_id": str(thread.community_id),  # type: ignore[attr-defined]
        "community": thread.community.slug,
        "thread_title": thread.title,
        "tags": ",".join(thread.tags),
    }


def thread_doc(thread: Thread, first: Post) -> dict[str, Any]:
    """The thread's title and tags, with its opening post's words unless that was removed."""
    body = markup.plain_text(first.body_html) if permissions.indexed_post(first.status) else ""
    return {
        **_base(thread),
        "doc_id": thread_doc_id(thread.id),
        "kind": "thread",
        "post_id": first.id,
        "title": thread.title,
        "body": body,
        "author": thread.author.username,
        **_created(thread.created_at),
        "stamp": f"{thread.title}|{','.join(thread.tags)}|{thread.community_id}|{_stamp(first)}",  # type: ignore[attr-defined]
    }


def post_doc(thread: Thread, post: Post) -> dict[str, Any]:
    body = markup.plain_text(post.body_html)
    return {
        **_base(thread),
        "doc_id": post_doc_id(post.id),
        "kind": "post",
        "post_id": post.id,
        "body": body,
        "author": post.author.username,
        **_created(post.created_at),
        "stamp": f"{thread.community_id}|{_stamp(post)}",  # type: ignore[attr-defined]
    }


def indexable(thread: Thread) -> bool:
    return permissions.indexed_thread(thread.status)


async def for_threads(thread_ids: set[int]) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Documents for whole threads (title, opening post and every reply), or their removal."""
    upserts: list[dict[str, Any]] = []
    deletes: list[tuple[str, str]] = []
    if not thread_ids:
        return upserts, deletes
    found = {
        t.id: t
        for t in await Thread.filter(id__in=thread_ids).select_related("community", "author")
    }
    for thread_id in thread_ids:
        thread = found.get(thread_id)
        deletes.append(("thread_id", str(thread_id)))
        if thread is None or not indexable(thread):
            continue
        rows = (
            await Post.filter(permissions.indexed_post_q() | Q(number=1), thread_id=thread_id)
            .order_by("number")
            .select_related("author")
        )
        for post in rows:
            if post.number == 1:
                upserts.append(thread_doc(thread, post))
            else:
                upserts.append(post_doc(thread, post))
    return upserts, deletes


async def for_posts(
    post_ids: set[int],
) -> tuple[list[dict[str, Any]], list[tuple[str, str]], set[int]]:
    """Documents for single replies; opening posts are returned as threads to rebuild."""
    upserts: list[dict[str, Any]] = []
    deletes: list[tuple[str, str]] = []
    threads_to_rebuild: set[int] = set()
    if not post_ids:
        return upserts, deletes, threads_to_rebuild
    rows = {
        p.id: p
        for p in await Post.filter(id__in=post_ids).select_related(
            "author", "thread", "thread__community", "thread__author"
        )
    }
    for post_id in post_ids:
        post = rows.get(post_id)
        if post is None:
            deletes.append(("doc_id", post_doc_id(post_id)))
            continue
        if post.number == 1:
            threads_to_rebuild.add(post.thread.id)
            continue
        if permissions.indexed_post(post.status) and indexable(post.thread):
            upserts.append(post_doc(post.thread, post))
        else:
            deletes.append(("doc_id", post_doc_id(post_id)))
    return upserts, deletes, threads_to_rebuild


async def changes(
    outbox: list[tuple[str, int]],
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """What the index must do for a batch of outbox entries (kind, object id)."""
    thread_ids = {oid for kind, oid in outbox if kind == "thread"}
    post_ids = {oid for kind, oid in outbox if kind == "post"}
    upserts, deletes, more_threads = await for_posts(post_ids)
    thread_ids |= more_threads
    t_upserts, t_deletes = await for_threads(thread_ids)
    # A rebuilt thread's documents supersede single-post updates in the same batch.
    rebuilt = {str(t) for t in thread_ids}
    upserts = [d for d in upserts if d["thread_id"] not in rebuilt] + t_upserts
    return upserts, deletes + t_deletes
