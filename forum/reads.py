"""Fast reads for the hot pages: fixed SQL through Tortoise's connection, small value classes.

The thread page, the community thread list and their JSON twins are read far more often than
anything is written. Building ORM queries and model objects dominated their cost, so these
functions select just the columns shown (never a password hash or an email), join the authors
and the posts answered in the same query, and return plain dataclasses whose attribute names are
the models' own, so templates and forum/serialize.py read them unchanged. Who may see what is
still decided by forum/permissions.py, on the values loaded here. These are the only read paths
of those screens (page, API and error page alike); writes, and the other readers, use the ORM
services in forum/threads.py and forum/posts.py.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient

from forum import permissions, serialize, validation
from forum.errors import BadRequest, NotFound
from forum.models import User

PAGE_MAX = 100  # the most threads or posts one read returns


class Memo(Protocol):
    """Where read results may be kept between requests (forum/web/page_cache.py's Memo)."""

    def get(self, key: Hashable) -> object | None: ...

    def put(self, key: Hashable, value: object) -> None: ...


# Values


@dataclass(frozen=True, slots=True)
class Author:
    """What a page shows of a person."""

    id: int
    username: str
    display_name: str
    role: str


@dataclass(frozen=True, slots=True)
class CommunityView:
    id: int
    slug: str
    name: str
    description: str
    kind: str
    visibility: str
    member_count: int
    thread_count: int


@dataclass(slots=True)
class ThreadView:
    id: int
    title: str
    tags: list[str]
    status: str
    pinned: bool
    locked: bool
    featured: bool
    version: int
    accepted_post_id: int | None
    merged_into_id: int | None
    post_count: int
    last_number: int
    participant_count: int
    created_at: datetime
    last_activity_at: datetime
    community_id: int
    author_id: int
    last_poster_id: int | None
    community: CommunityView
    author: Author
    last_poster: Author | None


@dataclass(frozen=True, slots=True)
class PostView:
    id: int
    thread_id: int
    number: int
    body: str
    body_html: str
    status: str
    reply_to_id: int | None
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    moderation_note: str
    author_id: int
    author: Author


@dataclass(frozen=True)
class ParentRef:
    """What a reply shows of the post it answers."""

    id: int
    number: int
    username: str
    display_name: str


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """The post a reply form answers, and its text to quote."""

    id: int
    body: str
    author: Author


@dataclass
class PostPageView:
    """One page of a thread's posts, as this reader may see them."""

    posts: list[PostView]
    parents: dict[int, ParentRef]
    hidden_bodies: set[int]  # posts shown only as "removed" or "awaiting review" to this actor
    more: bool


@dataclass(frozen=True, slots=True)
class ThreadStamp:
    """The little a cached page needs checked on every hit: which version, and who may see it."""

    id: int
    version: int
    status: str
    author_id: int
    community_id: int
    visibility: str
    merged_into_id: int | None


# SQL plumbing

_POSTGRES_SQL: dict[str, str] = {}


def _for_postgres(sql: str) -> str:
    """'?' placeholders become asyncpg's $1, $2... (the SQL here has no '?' in literals)."""
    found = _POSTGRES_SQL.get(sql)
    if found is None:
        parts = sql.split("?")
        found = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))
        _POSTGRES_SQL[sql] = found
    return found


async def query(sql: str, *params: Any) -> list[dict[str, Any]]:
    """Runs fixed SQL written with '?' placeholders on the default connection (or the current
    transaction's), on SQLite and PostgreSQL alike.

    On SQLite, outside a transaction, it is read on a connection of its own, at once, on the
    event loop's thread: these are small indexed reads (tests/forum/test_query_plans.py) that
    take some 15 µs, where handing each to the driver's thread and back cost some 200 µs. In
    WAL mode that connection sees every committed write, and never blocks a writer."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        sql = _for_postgres(sql)
    elif not isinstance(conn, TransactionalDBClient):
        reader = _sqlite_reader(conn)
        if reader is not None:
            try:
                return [dict(row) for row in reader.execute(sql, params).fetchall()]
            except sqlite3.Error:
                pass  # the driver answers (and reports) it as before
    rows: list[dict[str, Any]] = await conn.execute_query_dict(sql, list(params))
    return rows


def _sqlite_reader(conn: Any) -> sqlite3.Connection | None:
    """The read connection beside a Tortoise SQLite client, opened on first use (and closed
    with it, see `close_reader`)."""
    reader: sqlite3.Connection | None = getattr(conn, "_chaupal_reader", None)
    if reader is None:
        filename = getattr(conn, "filename", None)
        if not filename or filename == ":memory:":
            return None
        reader = sqlite3.connect(
            f"file:{filename}?mode=ro",
            uri=True,
            isolation_level=None,
            timeout=5.0,
            check_same_thread=False,  # only ever used from the event loop's thread
        )
        reader.row_factory = sqlite3.Row
        conn._chaupal_reader = reader
    return reader


def close_reader() -> None:
    """Closes the read connection of the default SQLite client, if one was opened."""
    try:
        conn = connections.get("default")
    except Exception:  # noqa: BLE001 - no connection configured: nothing to close
        return
    reader = getattr(conn, "_chaupal_reader", None)
    if reader is not None:
        reader.close()
        conn._chaupal_reader = None


def _when(value: Any) -> datetime:
    """SQLite hands back ISO text, asyncpg aware datetimes; both become aware UTC datetimes, as
    the ORM makes them (naive values are taken as UTC, the configured time zone)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    when: datetime = value
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _maybe_when(value: Any) -> datetime | None:
    return None if value is None else _when(value)


def _tags(value: Any) -> list[str]:
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return list(value or [])


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


# Who is signed in

# The person behind a session cookie or an API token, their row read afresh on every request
# (with users.state_version, see forum/web/personal.py), in one indexed lookup; a session's
# lookup also counts the unread notifications the header shows.
_SESSION_USER_SQL = """
SELECT u.*, s.expires_at AS chaupal_expires_at,
    (SELECT COUNT(*) FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL)
        AS chaupal_unread,
    (SELECT communities_version FROM site_state WHERE id = 1) AS chaupal_site_version
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = ?"""
_BEARER_USER_SQL = """
SELECT u.*, k.id AS chaupal_token_id, k.last_used_at AS chaupal_last_used_at
FROM api_tokens k JOIN users u ON u.id = k.user_id
WHERE k.token_hash = ?"""


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: User
    expires_at: datetime | None  # a session's end
    unread: int  # a session's unread notifications
    site_version: int | None  # and site_state.communities_version (see `site_version`)
    token_id: int | None  # an API token's row
    last_used_at: datetime | None  # and when it was last used


# Users made from rows lately, by the row's values: a request gets a copy of one (making a
# model from a row is the costliest part of signing a request in). Their fields are all plain
# values (no lists or dicts), so a copy shares nothing that could change under another.
_MADE_USERS: dict[tuple[Any, ...], User] = {}
_MADE_USERS_MAX = 4_096


def _user_from(row: dict[str, Any]) -> User:
    key = tuple(value for name, value in row.items() if not name.startswith("chaupal_"))
    made = _MADE_USERS.get(key)
    if made is None:
        made = User._init_from_db(**row)
        if len(_MADE_USERS) >= _MADE_USERS_MAX:
            _MADE_USERS.clear()
        _MADE_USERS[key] = made
    user = User.__new__(User)
    user.__dict__.update(made.__dict__)
    user._await_when_save = {}
    return user


async def session_user(token_hash: str) -> SignedIn | None:
    rows = await query(_SESSION_USER_SQL, token_hash)
    if not rows:
        return None
    row = rows[0]
    return SignedIn(
        _user_from(row),
        _when(row["chaupal_expires_at"]),
        int(row["chaupal_unread"]),
        _int_or_none(row["chaupal_site_version"]),
        None,
        None,
    )


async def token_user(token_hash: str) -> SignedIn | None:
    rows = await query(_BEARER_USER_SQL, token_hash)
    if not rows:
        return None
    row = rows[0]
    return SignedIn(
        _user_from(row),
        None,
        0,
        None,
        int(row["chaupal_token_id"]),
        _maybe_when(row["chaupal_last_used_at"]),
    )


# Communities, all of them

_SITE_VERSION_SQL = "SELECT communities_version FROM site_state WHERE id = 1"
_ALL_COMMUNITIES_SQL = """
SELECT id, slug, name, description, kind, visibility, member_count, thread_count
FROM communities ORDER BY name, id"""


async def site_version() -> int:
    """Bumped by the database whenever a community is created, renamed, described, made
    private or public, or deleted, or its competencies change (migration 0008's triggers):
    what pages keep of the communities themselves is keyed by it. Their counts are not."""
    rows = await query(_SITE_VERSION_SQL)
    return int(rows[0]["communities_version"]) if rows else 0


async def all_communities() -> list[CommunityView]:
    """Every community, by name (callers decide who may see which)."""
    return [_community_from(row) for row in await query(_ALL_COMMUNITIES_SQL)]


# Threads

_THREAD_COLUMNS = """
    t.id, t.title, t.tags, t.status, t.pinned, t.locked, t.featured, t.version,
    t.accepted_post_id, t.merged_into_id, t.post_count, t.last_number, t.participant_count,
    t.created_at, t.last_activity_at, t.community_id, t.author_id, t.last_poster_id,
    a.username AS a_username, a.display_name AS a_display_name, a.role AS a_role,
    lp.username AS lp_username, lp.display_name AS lp_display_name, lp.role AS lp_role"""

_THREAD_JOINS = """
    JOIN users a ON a.id = t.author_id
    LEFT JOIN users lp ON lp.id = t.last_poster_id"""

# Built once from the constant fragments above; every value is a parameter.
_THREAD_SQL = f"""
SELECT {_THREAD_COLUMNS},
    c.slug AS c_slug, c.name AS c_name, c.description AS c_description, c.kind AS c_kind,
    c.visibility AS c_visibility, c.member_count AS c_member_count,
    c.thread_count AS c_thread_count
FROM threads t
    JOIN communities c ON c.id = t.community_id {_THREAD_JOINS}
WHERE t.id = ?"""  # noqa: S608

_STAMP_SQL = """
SELECT t.version, t.status, t.author_id, t.community_id, t.merged_into_id, c.visibility
FROM threads t JOIN communities c ON c.id = t.community_id
WHERE t.id = ?"""

_COMMUNITY_SQL = """
SELECT id, slug, name, description, kind, visibility, member_count, thread_count
FROM communities WHERE slug = ?"""


def community_from(row: dict[str, Any]) -> CommunityView:
    """A community view of a row that also holds its community's columns, named as
    _THREAD_SQL names them (c_slug, c_name...; its id as community_id)."""
    return _community_from(row, "c_")


def parse_time(value: Any) -> datetime:
    """A time as a row holds it (SQLite's text or asyncpg's datetime), aware, in UTC."""
    return _when(value)


def _community_from(row: dict[str, Any], prefix: str = "") -> CommunityView:
    return CommunityView(
        id=int(row["community_id" if prefix else "id"]),
        slug=row[prefix + "slug"],
        name=row[prefix + "name"],
        description=row[prefix + "description"],
        kind=row[prefix + "kind"],
        visibility=row[prefix + "visibility"],
        member_count=int(row[prefix + "member_count"]),
        thread_count=int(row[prefix + "thread_count"]),
    )


def _thread_from(row: dict[str, Any], community: CommunityView) -> ThreadView:
    last_poster_id = _int_or_none(row["last_poster_id"])
    author_id = int(row["author_id"])
    return ThreadView(
        id=int(row["id"]),
        title=row["title"],
        tags=_tags(row["tags"]),
        status=row["status"],
        pinned=bool(row["pinned"]),
        locked=bool(row["locked"]),
        featured=bool(row["featured"]),
        version=int(row["version"]),
        accepted_post_id=_int_or_none(row["accepted_post_id"]),
        merged_into_id=_int_or_none(row["merged_into_id"]),
        post_count=int(row["post_count"]),
        last_number=int(row["last_number"]),
        participant_count=int(row["participant_count"]),
        created_at=_when(row["created_at"]),
        last_activity_at=_when(row["last_activity_at"]),
        community_id=int(row["community_id"]),
        author_id=author_id,
        last_poster_id=last_poster_id,
        community=community,
        author=Author(author_id, row["a_username"], row["a_display_name"], row["a_role"]),
        last_poster=(
            Author(last_poster_id, row["lp_username"], row["lp_display_name"], row["lp_role"])
            if last_poster_id is not None and row["lp_username"] is not None
            else None
        ),
    )


async def thread(actor: User | None, thread_id: int, *, cache: Memo | None = None) -> ThreadView:
    """threads.get: the thread with its community, author and last poster, if the actor may
    see it (NotFound otherwise). With a cache, its view is kept by version and its
    community's visibility, and only its stamp (one indexed row) is read when kept."""
    if cache is not None:
        stamp = await thread_stamp(thread_id)
        if stamp is None:
            raise NotFound("No such thread.")
        if not await can_see(actor, stamp):
            raise NotFound("No such thread.")
        kept = cache.get(("thread", thread_id, stamp.version, stamp.visibility))
        if isinstance(kept, ThreadView):
            return kept
    rows = await query(_THREAD_SQL, thread_id)
    if not rows:
        raise NotFound("No such thread.")
    row = rows[0]
    view = _thread_from(row, _community_from(row, "c_"))
    if not await can_see(actor, view):
        raise NotFound("No such thread.")
    if cache is not None:
        cache.put(("thread", thread_id, view.version, view.community.visibility), view)
    return view


async def can_see(actor: User | None, view: ThreadView | ThreadStamp) -> bool:
    visibility = view.community.visibility if isinstance(view, ThreadView) else view.visibility
    return await permissions.can_see_thread_in(
        actor,
        status=view.status,
        author_id=view.author_id,
        community_id=view.community_id,
        visibility=visibility,
        merged_into_id=view.merged_into_id,
    )


async def thread_stamp(thread_id: int) -> ThreadStamp | None:
    """One indexed row: what a page cache hit checks."""
    rows = await query(_STAMP_SQL, thread_id)
    if not rows:
        return None
    row = rows[0]
    return ThreadStamp(
        id=thread_id,
        version=int(row["version"]),
        status=row["status"],
        author_id=int(row["author_id"]),
        community_id=int(row["community_id"]),
        visibility=row["visibility"],
        merged_into_id=_int_or_none(row["merged_into_id"]),
    )


def page_count(thread: ThreadView, per_page: int) -> int:
    return max(1, (thread.last_number + per_page - 1) // per_page)


# Communities and their thread lists


async def community(actor: User | None, slug: str) -> CommunityView:
    """communities.get: the community, if the actor may read it (NotFound otherwise)."""
    rows = await query(_COMMUNITY_SQL, slug[:40])
    if not rows:
        raise NotFound("No such community.")
    view = _community_from(rows[0])
    if not await permissions.can_read_in(actor, view.id, view.visibility):
        raise NotFound("No such community.")
    return view


async def threads_in(
    actor: User | None,
    community: CommunityView,
    *,
    cursor: str | None = None,
    limit: int = 25,
    tag: str | None = None,
    pinned: bool | None = None,
    cache: Memo | None = None,
) -> tuple[list[ThreadView], str | None]:
    """A community's threads by newest activity, one page, and the next page's cursor."""
    who = await permissions.reader(actor)
    if not permissions.reads_community(who, community.id, community.visibility):
        raise NotFound("No such community.")
    limit = max(1, min(limit, PAGE_MAX))
    where = ["t.community_id = ?"]
    params: list[Any] = [community.id]
    # Which threads the list shows: forum/permissions.py's rule, as SQL.
    listed, listed_params = permissions.threads_listed_sql(who, community.id, alias="t")
    if listed:
        where.append(listed)
        params += listed_params
    if pinned is not None:
        where.append("t.pinned = ?")
        params.append(pinned)
    if tag:
        where.append("t.id IN (SELECT thread_id FROM thread_tags WHERE tag = ?)")
        params.append(tag.lower()[:30])
    if cursor:
        when, ident = decode_cursor(cursor)
        where.append("(t.last_activity_at < ? OR (t.last_activity_at = ? AND t.id < ?))")
        params += [when, when, ident]
    # Only the constant fragments above are joined here; every value is a parameter. The
    # list's order and the facts the rules need come from the threads' index alone; the
    # rows themselves are kept by version (`_views_of`), so mostly none is read again.
    sql = (
        f"SELECT {_STAMP_COLUMNS} FROM threads t WHERE {' AND '.join(where)}"  # noqa: S608
        " ORDER BY t.last_activity_at DESC, t.id DESC LIMIT ?"
    )
    stamps = [
        row
        for row in await query(sql, *params, limit + 1)
        # The SQL above already agrees; permissions.py has the last word.
        if permissions.thread_listed(who, _stamp_facts(row, community.visibility))
    ]
    more = len(stamps) > limit
    stamps = stamps[:limit]
    found = await _views_of(stamps, community, cache)
    rows = [
        view
        for view, stamp in ((found.get(int(stamp["id"])), stamp) for stamp in stamps)
        # A row read after its stamp (a later version) is checked again.
        if view is not None
        and (
            view.version == int(stamp["version"])
            or (
                view.community_id == community.id
                and permissions.thread_listed(
                    who, permissions.view_facts(view, community.visibility)
                )
            )
        )
    ]
    return rows, (encode_cursor(rows[-1]) if more and rows else None)


_STAMP_COLUMNS = (
    "t.id, t.version, t.status, t.author_id, t.community_id, t.locked, t.merged_into_id"
)


def _stamp_facts(row: dict[str, Any], visibility: str) -> permissions.ThreadFacts:
    return permissions.ThreadFacts(
        status=row["status"],
        author_id=int(row["author_id"]),
        community_id=int(row["community_id"]),
        visibility=visibility,
        locked=bool(row["locked"]),
        merged_into_id=_int_or_none(row["merged_into_id"]),
    )


async def _views_of(
    stamps: list[dict[str, Any]], community: CommunityView, cache: Memo | None
) -> dict[int, ThreadView]:
    """The views of these threads (id and version each), by id: kept ones by version, the
    others read in one query (a thread deleted in between is missing)."""
    found: dict[int, ThreadView] = {}
    if cache is not None:
        for stamp in stamps:
            view = cache.get(("view", int(stamp["id"]), int(stamp["version"]), community))
            if isinstance(view, ThreadView):
                found[view.id] = view
    missing = [int(stamp["id"]) for stamp in stamps if int(stamp["id"]) not in found]
    if missing:
        marks = ", ".join("?" * len(missing))
        sql = f"SELECT {_THREAD_COLUMNS} FROM threads t {_THREAD_JOINS} WHERE t.id IN ({marks})"  # noqa: S608
        for row in await query(sql, *missing):
            view = _thread_from(row, community)
            found[view.id] = view
            if cache is not None:
                cache.put(("view", view.id, view.version, community), view)
    return found


_FEED_COLUMNS = f"""{_THREAD_COLUMNS},
    c.slug AS c_slug, c.name AS c_name, c.description AS c_description, c.kind AS c_kind,
    c.visibility AS c_visibility, c.member_count AS c_member_count,
    c.thread_count AS c_thread_count"""
# The feed's order and the facts the rules need, from the threads' index and the community.
_FEED_STAMPS_SQL = f"""
SELECT {_STAMP_COLUMNS}, c.visibility AS c_visibility
FROM threads t JOIN communities c ON c.id = t.community_id
WHERE {{where}}
ORDER BY t.last_activity_at DESC, t.id DESC LIMIT ?"""  # noqa: S608


async def feed(
    actor: User | None, *, mine_only: bool, limit: int = 20, cache: Memo | None = None
) -> list[ThreadView]:
    """Recent activity across communities for the home page, newest first: in the actor's
    communities, or in every community they may read. Walks the last-activity index and stops
    after `limit` rows, whatever the number of threads."""
    who = await permissions.reader(actor)
    where = [permissions.feed_threads_sql(alias="t")]
    params: list[Any] = []
    if mine_only:
        ids = permissions.member_community_ids(who)
        where.append(f"t.community_id IN ({', '.join('?' * len(ids)) or 'NULL'})")
        params += ids
    else:
        readable, readable_params = permissions.readable_communities_sql(who, alias="c")
        if readable:
            where.append(readable)
            params += readable_params
    sql = _FEED_STAMPS_SQL.format(where=" AND ".join(w for w in where if w))
    stamps = [
        row
        for row in await query(sql, *params, max(1, min(limit, PAGE_MAX)))
        # The SQL above already agrees; permissions.py has the last word.
        if permissions.feed_listed(who, _stamp_facts(row, row["c_visibility"]))
    ]
    # Views are kept by the thread's version and its community's visibility (as now read).
    found: dict[int, ThreadView] = {}
    for stamp in stamps:
        key = ("feed", int(stamp["id"]), int(stamp["version"]), stamp["c_visibility"])
        view = cache.get(key) if cache is not None else None
        if isinstance(view, ThreadView):
            found[view.id] = view
    missing = [int(stamp["id"]) for stamp in stamps if int(stamp["id"]) not in found]
    if missing:
        marks = ", ".join("?" * len(missing))
        rows = await query(
            f"SELECT {_FEED_COLUMNS} FROM threads t JOIN communities c ON c.id = t.community_id"  # noqa: S608
            f" {_THREAD_JOINS} WHERE t.id IN ({marks})",
            *missing,
        )
        for row in rows:
            view = _thread_from(row, _community_from(row, "c_"))
            found[view.id] = view
            if cache is not None:
                cache.put(("feed", view.id, view.version, view.community.visibility), view)
    # A row read after its stamp (a later version) is checked again.
    return [
        view
        for view, stamp in ((found.get(int(stamp["id"])), stamp) for stamp in stamps)
        if view is not None
        and (
            (view.version == int(stamp["version"]))
            or permissions.feed_listed(who, permissions.view_facts(view, view.community.visibility))
        )
    ]


async def communities_by_id(ids: list[int]) -> list[CommunityView]:
    """These communities, by name (callers have decided the reader may see them)."""
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    sql = f"SELECT id, slug, name, description, kind, visibility, member_count, thread_count FROM communities WHERE id IN ({marks}) ORDER BY name"  # noqa: S608
    return [_community_from(row) for row in await query(sql, *ids)]


def encode_cursor(view: ThreadView) -> str:
    stamp = int(view.last_activity_at.timestamp() * 1_000_000)
    return f"{stamp}.{view.id}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        stamp, _, ident = cursor.partition(".")
        when = datetime.fromtimestamp(int(stamp) / 1_000_000, UTC)
        found = validation.object_id(ident)
        if found is None or not stamp.isascii():
            raise ValueError(cursor)
        return when, found
    except (ValueError, OverflowError, OSError):
        raise BadRequest("That page cursor is not valid.", code="bad_cursor") from None


# Posts

_POSTS_SQL = """
SELECT p.id, p.number, p.body, p.body_html, p.status, p.reply_to_id, p.created_at,
    p.edited_at, p.deleted_at, p.moderation_note, p.author_id,
    u.username, u.display_name, u.role,
    rp.number AS parent_number, ru.username AS parent_username,
    ru.display_name AS parent_display_name
FROM posts p
    JOIN users u ON u.id = p.author_id
    LEFT JOIN posts rp ON rp.id = p.reply_to_id
    LEFT JOIN users ru ON ru.id = rp.author_id
WHERE p.thread_id = ? AND p.number >= ? AND p.number <= ? {listed}
ORDER BY p.number LIMIT ?"""
# The posts SQL for each of forum/permissions.py's listing predicates (a handful of texts).
_POSTS_BY_PREDICATE: dict[str, str] = {}


def _posts_sql(predicate: str) -> str:
    found = _POSTS_BY_PREDICATE.get(predicate)
    if found is None:
        found = _POSTS_SQL.format(listed=f"AND {predicate}" if predicate else "")
        _POSTS_BY_PREDICATE[predicate] = found
    return found


_ANCHOR_SQL = "SELECT number FROM posts WHERE id = ? AND thread_id = ?"
# A reply answers a post permissions.py says may be answered.
_REPLY_TARGET_SQL = f"""
SELECT p.id, p.body, p.author_id, u.username, u.display_name, u.role
FROM posts p JOIN users u ON u.id = p.author_id
WHERE p.id = ? AND p.thread_id = ? AND {permissions.answerable_sql(alias="p")}"""  # noqa: S608
_NO_END = 2**31 - 1


async def post_page(
    actor: User | None,
    thread: ThreadView,
    *,
    from_number: int = 1,
    to_number: int | None = None,
    after_id: int | None = None,
    limit: int = 20,
    cache: Memo | None = None,
) -> PostPageView:
    """One page of a thread's posts in order (numbers from..to, or the ones after a post id),
    with the posts they answer, in one query."""
    limit = max(1, min(limit, PAGE_MAX))
    if after_id is not None:
        anchor = await query(_ANCHOR_SQL, after_id, thread.id)
        if not anchor:
            raise BadRequest("That page cursor is not a post of this thread.", code="bad_cursor")
        from_number = int(anchor[0]["number"]) + 1
    who = await permissions.reader(actor)
    moderator = permissions.moderates(who, thread.community_id)
    params: list[Any] = [thread.id, from_number, _NO_END if to_number is None else to_number]
    predicate, predicate_params = permissions.posts_listed_sql(who, thread.community_id)
    sql = _posts_sql(predicate)
    all_params = (*params, *predicate_params, limit + 1)
    # The same SQL and values at the same thread version select the same rows (every change
    # to a thread's posts bumps its version), so readers of one kind share them, made views.
    key = (thread.id, thread.version, sql, all_params)
    found = None if cache is None or after_id is not None else cache.get(key)
    if not isinstance(found, _PostRows):
        found = _post_rows(thread.id, await query(sql, *all_params), limit)
        if cache is not None and after_id is None:
            cache.put(key, found)
    listed: list[PostView] = []
    parents: dict[int, ParentRef] = {}
    hidden: set[int] = set()
    for post in found.posts:
        status, author_id = post.status, post.author_id
        if not permissions.post_listed(
            who, status=status, author_id=author_id, moderator=moderator
        ):
            continue  # the SQL above already agrees; permissions.py has the last word
        listed.append(post)
        if not permissions.post_body_shown(
            who, status=status, author_id=author_id, moderator=moderator
        ):
            hidden.add(post.id)
        parent = found.parents.get(post.id)
        if parent is not None:
            parents[parent.id] = parent
    more = found.more
    return PostPageView(posts=listed, parents=parents, hidden_bodies=hidden, more=more)


@dataclass(frozen=True, slots=True)
class _PostRows:
    """A page's posts as read (before the reader's filter), with the posts they answer (by
    the replying post's id) and whether more follow."""

    posts: tuple[PostView, ...]
    parents: Mapping[int, ParentRef]
    more: bool
    memo_size: int  # what forum/web/page_cache.py's memos count it as


def _post_rows(thread_id: int, rows: list[dict[str, Any]], limit: int) -> _PostRows:
    posts: list[PostView] = []
    parents: dict[int, ParentRef] = {}
    for row in rows[:limit]:
        author_id = int(row["author_id"])
        post = PostView(
            id=int(row["id"]),
            thread_id=thread_id,
            number=int(row["number"]),
            body=row["body"],
            body_html=row["body_html"],
            status=row["status"],
            reply_to_id=_int_or_none(row["reply_to_id"]),
            created_at=_when(row["created_at"]),
            edited_at=_maybe_when(row["edited_at"]),
            deleted_at=_maybe_when(row["deleted_at"]),
            moderation_note=row["moderation_note"],
            author_id=author_id,
            author=Author(author_id, row["username"], row["display_name"], row["role"]),
        )
        posts.append(post)
        if post.reply_to_id is not None and row["parent_number"] is not None:
            parents[post.id] = ParentRef(
                post.reply_to_id,
                int(row["parent_number"]),
                row["parent_username"],
                row["parent_display_name"],
            )
    size = 256 * len(posts) + sum(len(p.body) + len(p.body_html) for p in posts)
    return _PostRows(tuple(posts), parents, len(rows) > limit, size)


async def reply_target(thread: ThreadView, post_id: int) -> ReplyTarget | None:
    """The published post of this thread a reply form answers (None if there is none)."""
    rows = await query(_REPLY_TARGET_SQL, post_id, thread.id)
    if not rows:
        return None
    row = rows[0]
    author = Author(int(row["author_id"]), row["username"], row["display_name"], row["role"])
    return ReplyTarget(int(row["id"]), row["body"], author)


# JSON: the API contract's shapes, from forum/serialize.py (which reads only the attributes the
# views above share with the models).


def thread_json(view: ThreadView) -> dict[str, Any]:
    return serialize.thread(view)


def post_json(view: PostView, *, show_body: bool = True) -> dict[str, Any]:
    return serialize.post(view, show_body=show_body)
