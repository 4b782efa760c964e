"""What each live subscriber may receive, decided when it is sent.

Live events are rows written with the change they describe, and they are kept for two days so
clients can resume. What a row says was true when it was written: a post since deleted, hidden
or held, or a thread since moved or merged into a private community, must not be sent to
someone who may no longer read it. So every delivery, live or replayed, asks forum/permissions.py
about the current state of what the event concerns: the rows of one delivery round share one
`Snapshot` of that state (a few queries per round, not per subscriber), and each subscriber's
`Reader` (who they are and their memberships) is kept with their connection and refreshed when
their memberships change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from forum import permissions, reads, validation
from forum.models import Community, LiveEvent, Post
from forum.permissions import Reader

# Events that carry a post's words; a reader who may not see the post gets its removal instead.
POST_BODY_EVENTS = frozenset({"post.created", "post.edited"})
# Events about a post that say nothing to someone who may not see it.
POST_DETAIL_EVENTS = frozenset({"post.reacted"})


class Verdict(Enum):
    SEND = "send"  # the event as it was recorded
    REMOVED = "removed"  # the post it is about, as removed: no words
    REDACTED = "redacted"  # a notification about something no longer readable: no title
    SKIP = "skip"  # nothing for this reader
    FORBIDDEN = "forbidden"  # the reader may no longer read the topic at all


@dataclass(frozen=True, slots=True)
class ThreadState:
    status: str
    author_id: int
    community_id: int
    visibility: str
    merged_into: int | None


@dataclass(frozen=True, slots=True)
class PostState:
    status: str
    author_id: int


@dataclass(slots=True)
class Snapshot:
    threads: dict[int, ThreadState] = field(default_factory=dict)
    communities: dict[str, tuple[int, str]] = field(default_factory=dict)  # slug -> id, visibility
    posts: dict[int, PostState] = field(default_factory=dict)

    def thread_readable(self, who: Reader, thread_id: int, depth: int = 0) -> bool:
        state = self.threads.get(thread_id)
        if state is None:
            return False
        if not permissions.sees_thread(
            who,
            status=state.status,
            author_id=state.author_id,
            community_id=state.community_id,
            visibility=state.visibility,
        ):
            return False
        if state.merged_into is not None:  # its posts live there now: so does its audience
            return depth < 5 and self.thread_readable(who, state.merged_into, depth + 1)
        return True

    def topic_readable(self, who: Reader, topic: str) -> bool:
        kind, _, key = topic.partition(":")
        if kind == "thread":
            thread_id = validation.object_id(key)
            return thread_id is not None and self.thread_readable(who, thread_id)
        if kind == "community":
            found = self.communities.get(key)
            return found is not None and permissions.reads_community(who, *found)
        if kind == "user":
            return who.user_id is not None and key == str(who.user_id)
        return False


def _int(value: object) -> int | None:
    return validation.object_id(value) if value is not None else None


def thread_state(row: Mapping[str, Any]) -> ThreadState:
    """A thread's state from a row of its columns (status, author_id, community_id,
    merged_into_id) and its community's visibility, read now by the caller's own query."""
    merged = row["merged_into_id"]
    return ThreadState(
        str(row["status"]),
        int(row["author_id"]),
        int(row["community_id"]),
        str(row["visibility"]),
        None if merged is None else int(merged),
    )


async def snapshot(
    rows: Iterable[LiveEvent] = (),
    topics: Iterable[str] = (),
    threads: Iterable[int] = (),
    known: Mapping[int, ThreadState] | None = None,
) -> Snapshot:
    """The current state of every thread, community and post that these events, topics and
    thread ids concern, in a few queries. `known`: states of some of those threads that the
    caller read in this same request (they are not read again)."""
    thread_ids: set[int] = set(threads)
    slugs: set[str] = set()
    post_ids: set[int] = set()

    def add_topic(topic: str) -> None:
        kind, _, key = topic.partition(":")
        if kind == "thread" and (found := _int(key)) is not None:
            thread_ids.add(found)
        elif kind == "community":
            slugs.add(key)

    for topic in topics:
        add_topic(topic)
    for row in rows:
        add_topic(row.topic)
        data = row.data if isinstance(row.data, dict) else {}
        if row.type in POST_BODY_EVENTS or row.type in POST_DETAIL_EVENTS:
            if (found := _int(data.get("id"))) is not None:
                post_ids.add(found)
        elif row.type == "thread.updated":
            if (found := _int(data.get("id"))) is not None:
                thread_ids.add(found)
        elif row.type == "notification":
            if (found := _int(data.get("thread_id"))) is not None:
                thread_ids.add(found)
    snap = Snapshot()
    if known:
        snap.threads.update(known)
        thread_ids |= {s.merged_into for s in known.values() if s.merged_into is not None}
    await _load_threads(snap, thread_ids)
    if slugs:
        for cid, slug, visibility in await Community.filter(slug__in=sorted(slugs)).values_list(
            "id", "slug", "visibility"
        ):
            snap.communities[str(slug)] = (int(str(cid)), str(visibility))
    if post_ids:
        for pid, status, author_id in await Post.filter(id__in=sorted(post_ids)).values_list(
            "id", "status", "author_id"
        ):
            snap.posts[int(str(pid))] = PostState(str(status), int(str(author_id)))
    return snap


# The state of some threads and their communities: fixed SQL (forum/reads.py), by primary key.
_THREAD_STATES_SQL = """
SELECT t.id, t.status, t.author_id, t.community_id, c.visibility, t.merged_into_id
FROM threads t JOIN communities c ON c.id = t.community_id
WHERE t.id IN ({marks})"""
_CHUNK = 100


async def _load_threads(snap: Snapshot, ids: set[int]) -> None:
    for _ in range(5):  # merged threads lead to the thread they joined, rarely more than once
        wanted = sorted(ids - snap.threads.keys())
        if not wanted:
            return
        ids = set()
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), _CHUNK):  # a bounded set of SQL texts
            part = wanted[start : start + _CHUNK]
            sql = _THREAD_STATES_SQL.format(marks=", ".join("?" * len(part)))
            found += await reads.query(sql, *part)
        for row in found:
            state = snap.threads[int(row["id"])] = thread_state(row)
            if state.merged_into is not None:
                ids.add(state.merged_into)


def decide(who: Reader, row: LiveEvent, snap: Snapshot) -> Verdict:
    """What this reader receives of this event, given the state now."""
    if not snap.topic_readable(who, row.topic):
        return Verdict.FORBIDDEN
    data: dict[str, Any] = row.data if isinstance(row.data, dict) else {}
    kind = row.topic.partition(":")[0]
    if row.type in POST_BODY_EVENTS or row.type in POST_DETAIL_EVENTS:
        post = snap.posts.get(_int(data.get("id")) or 0)
        thread = snap.threads.get(_int(row.topic.partition(":")[2]) or 0)
        shown = (
            post is not None
            and thread is not None
            and permissions.sees_post_body(
                who, status=post.status, author_id=post.author_id, community_id=thread.community_id
            )
        )
        if shown:
            return Verdict.SEND
        return Verdict.REMOVED if row.type in POST_BODY_EVENTS else Verdict.SKIP
    if row.type == "thread.updated" and kind == "community":
        thread_id = _int(data.get("id"))
        return (
            Verdict.SEND
            if thread_id is not None and snap.thread_readable(who, thread_id)
            else Verdict.SKIP
        )
    if row.type == "notification" and "thread_id" in data:
        thread_id = _int(data.get("thread_id"))
        readable = thread_id is not None and snap.thread_readable(who, thread_id)
        return Verdict.SEND if readable else Verdict.REDACTED
    return Verdict.SEND


def message(row: LiveEvent, verdict: Verdict) -> str:
    """The JSON text a verdict sends (not for SKIP or FORBIDDEN)."""
    data: dict[str, Any] = row.data if isinstance(row.data, dict) else {}
    if verdict is Verdict.REMOVED:
        data = {
            "id": data.get("id"),
            "thread_id": data.get("thread_id"),
            "number": data.get("number"),
            "status": "removed",
        }
        return _event(row.id, "post.deleted", row.topic, data)
    if verdict is Verdict.REDACTED:
        return _event(row.id, row.type, row.topic, {"id": data.get("id"), "kind": data.get("kind")})
    return _event(row.id, row.type, row.topic, data)


def forbidden(topic: str) -> str:
    return json.dumps({"type": "error", "code": "forbidden", "topic": topic})


def _event(event_id: int, type_: str, topic: str, data: dict[str, Any]) -> str:
    return json.dumps(
        {"id": event_id, "type": type_, "topic": topic, "data": data}, ensure_ascii=False
    )
