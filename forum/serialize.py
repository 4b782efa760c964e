"""JSON shapes of the API contract (see API.md).

Threads and posts come either as models (from the services) or as the fast read paths' views
(forum/reads.py); the serializers ask only for the attributes both have, spelled out as the
Protocols below."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from forum.language import language_of
from forum.models import (
    ApiToken,
    Community,
    CommunitySuspension,
    Competency,
    Course,
    Membership,
    PostRevision,
    User,
)
from forum.points import Entry as PointsEntryView
from search.port import Hit

if TYPE_CHECKING:
    from forum.posts import PendingEdit


class Person(Protocol):
    """What a thread or post shows of its author."""

    @property
    def username(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def role(self) -> str: ...


class CommunityRef(Protocol):
    @property
    def slug(self) -> str: ...


class ThreadLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def community(self) -> CommunityRef: ...
    @property
    def title(self) -> str: ...
    @property
    def author(self) -> Person: ...
    @property
    def tags(self) -> Sequence[str]: ...
    @property
    def status(self) -> str: ...
    @property
    def pinned(self) -> bool: ...
    @property
    def locked(self) -> bool: ...
    @property
    def featured(self) -> bool: ...
    @property
    def post_count(self) -> int: ...
    @property
    def participant_count(self) -> int: ...
    @property
    def accepted_post_id(self) -> int | None: ...
    @property
    def merged_into_id(self) -> int | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def last_activity_at(self) -> datetime: ...


class PostLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def thread_id(self) -> int: ...
    @property
    def number(self) -> int: ...
    @property
    def author(self) -> Person: ...
    @property
    def body(self) -> str: ...
    @property
    def body_html(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def reply_to_id(self) -> int | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def edited_at(self) -> datetime | None: ...


def when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def listing(items: list[dict[str, Any]], next_cursor: str | None = None) -> dict[str, Any]:
    """The contract's shape of a list: {"items": [...], "next": cursor or null}."""
    return {"items": items, "next": next_cursor}


def user(u: User) -> dict[str, Any]:
    return {
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "role": u.role,
        "sector": u.sector,
        "is_admin": u.is_admin,
        "created_at": when(u.created_at),
    }


def me(u: User) -> dict[str, Any]:
    return {**user(u), "email": u.email, "bio": u.bio}


def community(c: Community, my_status: str | None = None) -> dict[str, Any]:
    return {
        "slug": c.slug,
        "name": c.name,
        "description": c.description,
        "kind": c.kind,
        "visibility": c.visibility,
        "member_count": c.member_count,
        "thread_count": c.thread_count,
        "my_status": my_status,
    }


def member(m: Membership) -> dict[str, Any]:
    return {
        "user": user(m.user),
        "username": m.user.username,
        "status": m.status,
        "since": when(m.created_at),
    }


def thread(t: ThreadLike) -> dict[str, Any]:
    return {
        "id": t.id,
        "community": t.community.slug,
        "title": t.title,
        "author": t.author.username,
        "author_name": t.author.display_name,
        "tags": list(t.tags),
        "status": t.status,
        "pinned": t.pinned,
        "locked": t.locked,
        "post_count": t.post_count,
        "reply_count": max(0, t.post_count - 1),
        "participant_count": t.participant_count,
        "created_at": when(t.created_at),
        "last_activity_at": when(t.last_activity_at),
        "featured": t.featured,
        "accepted_post_id": t.accepted_post_id,
        "merged_into": t.merged_into_id,
        "url": f"/t/{t.id}",
        "lang": language_of(t.title),
    }


def post(p: PostLike, *, show_body: bool = True) -> dict[str, Any]:
    return {
        "id": p.id,
        "thread_id": p.thread_id,
        "number": p.number,
        "author": p.author.username,
        "author_name": p.author.display_name,
        "author_role": p.author.role,
        "body": p.body if show_body else "",
        "body_html": p.body_html if show_body else "",
        # "hi", "ta"... when the body is mostly in one Indian script, else null.
        "lang": language_of(p.body) if show_body else None,
        "status": p.status,
        "reply_to": p.reply_to_id,
        "created_at": when(p.created_at),
        "edited_at": when(p.edited_at),
    }


def pending_edit(e: PendingEdit | None) -> dict[str, Any] | None:
    """A post's edit waiting for review, for its author and moderators."""
    if e is None:
        return None
    return {"body": e.body, "reasons": e.reasons, "note": e.note, "created_at": when(e.created_at)}


def revision(r: PostRevision) -> dict[str, Any]:
    return {
        "id": r.id,
        "body": r.body,
        "editor": r.editor.username,
        "replaced_at": when(r.created_at),
    }


def token(t: ApiToken) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "created_at": when(t.created_at),
        "last_used_at": when(t.last_used_at),
    }


def hit(h: Hit) -> dict[str, Any]:
    return {
        "thread_id": h.thread_id,
        "post_id": h.post_id,
        "kind": h.kind,
        "title": h.title,
        "community": h.community,
        "author": h.author,
        "snippet_html": h.snippet_html,
        "title_html": h.title_html,
        "score": round(h.score, 4),
        "url": f"/p/{h.post_id}",
    }


def policy(c: Community) -> dict[str, Any]:
    """The community's own policy values; null means the site default applies."""
    return {
        "premoderation": c.premoderation or None,
        "new_user_link_limit": c.new_user_link_limit,
        "new_user_posts": c.new_user_posts,
        "word_filters": list(c.word_filters or []),
        "flag_hide_score": c.flag_hide_score,
    }


def suspension(u: User) -> dict[str, Any]:
    return {
        "username": u.username,
        "community": None,
        "suspended_until": when(u.suspended_until),
        "reason": u.suspension_reason,
    }


def community_suspension(
    u: User, c: Community, s: CommunitySuspension | None = None
) -> dict[str, Any]:
    """A suspension from one community (s None: none in force)."""
    return {
        "username": u.username,
        "community": c.slug,
        "suspended_until": when(s.until) if s else None,
        "reason": s.reason if s else "",
    }


# Courses and learning points


def competency(c: Competency) -> dict[str, Any]:
    return {"slug": c.slug, "name": c.name, "kind": c.kind, "theme": c.theme}


def course(
    c: Course, competencies: list[Competency] | None = None, discussion_count: int | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": c.code,
        "title": c.title,
        "provider": c.provider,
        "url": c.url,
        "description": c.description,
        "duration_minutes": c.duration_minutes,
        "language": c.language,
        "competencies": [competency(x) for x in competencies or []],
        "updated_at": when(c.updated_at),
        "page_url": f"/courses/{c.code}",
    }
    if discussion_count is not None:
        body["discussion_count"] = discussion_count
    return body


def points_entry(e: PointsEntryView) -> dict[str, Any]:
    return {
        "id": e.entry.id,
        "points": e.entry.points,
        "reason": e.entry.reason,
        "label": e.label,
        "note": e.entry.note,
        "thread_id": e.thread_id,
        "thread_title": e.thread_title,
        "post_id": e.post_id,
        "created_at": when(e.entry.created_at),
    }
