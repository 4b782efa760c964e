"""Every query the hot pages run uses an index, so adding threads, posts or people does not
slow them: the pages are requested by each kind of reader while every SQL statement is
recorded, then each statement's plan is read from the database itself.

- SQLite (EXPLAIN QUERY PLAN): no full scan of a table that grows with use, and no temporary
  sort for a query that returns a page (ORDER BY ... LIMIT), which would read every row first.
- PostgreSQL (EXPLAIN with sequential scans and sorts disabled, so that only an index can
  avoid them, whatever the size of the test data): the same two rules (an incremental sort,
  which orders ties within an index's order and stops as early, is allowed).

A missing index fails this test on both databases."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from forum import notifications, posts, reads, social, threads
from forum.models import Community, User
from moderation import actions
from tests.conftest import ORIGIN, bearer, sign_in, using_postgres

# Tables that grow with use (the others hold tens of rows: communities, competencies...).
GROWING = frozenset(
    {
        "threads",
        "posts",
        "users",
        "sessions",
        "api_tokens",
        "memberships",
        "notifications",
        "reactions",
        "bookmarks",
        "subscriptions",
        "review_items",
        "events",
        "event_rsvps",
        "thread_tags",
        "thread_courses",
        "live_events",
        "flags",
        "point_entries",
        "post_revisions",
        "community_suspensions",
        "audit_log",
    }
)
PAGES = (
    "/",
    "/communities",
    "/c/{slug}",
    "/c/{slug}?tag=land",
    "/t/{thread}",
    "/notifications",
    "/api/v1/threads/{thread}",
    "/api/v1/communities/{slug}/threads",
)


class Recorder:
    """Every SELECT run on the database while `on`: sql -> the values of its first run."""

    def __init__(self) -> None:
        self.on = False
        self.seen: dict[str, list[Any]] = {}


@pytest.fixture
async def recorder(app: Any) -> AsyncIterator[Recorder]:
    kind = type(connections.get("default"))
    names = ("execute_query", "execute_query_dict")
    originals = {name: getattr(kind, name) for name in names}
    found = Recorder()

    def wrap(original: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def recording(self: Any, query: str, values: list[Any] | None = None) -> Any:
            if found.on and query.lstrip().upper().startswith("SELECT"):
                found.seen.setdefault(query, list(values or []))
            return await original(self, query, values)

        return recording

    for name, original in originals.items():
        setattr(kind, name, wrap(original))
    # On SQLite the fast reads (forum/reads.py `query`) use a connection of their own, beside
    # the driver's: their SQL is recorded where they are asked for. (On PostgreSQL they go
    # through the driver, and are recorded there with its placeholders.)
    fast_query = reads.query
    if not using_postgres():

        async def recording_query(sql: str, *params: Any) -> list[dict[str, Any]]:
            if found.on:
                found.seen.setdefault(sql, list(params))
            return await fast_query(sql, *params)

        reads.query = recording_query  # type: ignore[assignment]
    try:
        yield found
    finally:
        for name, original in originals.items():
            setattr(kind, name, original)
        reads.query = fast_query  # type: ignore[assignment]


@pytest.fixture
async def hot_world(
    make_user: Callable[..., Awaitable[User]],
    make_community: Callable[..., Awaitable[Community]],
    admin: User,
) -> dict[str, Any]:
    author = await make_user(username="asker", display_name="Asha Asker")
    member = await make_user(username="member", display_name="Mira Member")
    moderator = await make_user(username="modest", display_name="Mona Moderator")
    community = await make_community(
        members=(author, member), moderators=(moderator,), name="Revenue Officers"
    )
    thread, first = await threads.start(
        author, community, title="Mutation backlogs", body="How do you clear them?", tags="land"
    )
    loaded = await threads.get(member, thread.id)
    reply = await posts.reply(member, loaded, body="Weekly camps, @asker.")
    await social.react(author, await posts.get(author, reply.id), "helpful")
    await social.bookmark(member, loaded, on=True)
    await notifications.notify(member.id, "reply", thread_id=thread.id, post_id=reply.id)
    # A notification about a thread since merged: its list reads the thread it joined too.
    merged, _ = await threads.start(author, community, title="Backlog camps", body="Same here?")
    await actions.merge_threads(
        admin, await threads.get(admin, merged.id), await threads.get(admin, thread.id)
    )
    await notifications.notify(member.id, "reply", thread_id=merged.id, post_id=reply.id)
    return {
        "slug": community.slug,
        "thread": thread.id,
        "readers": {"member": member, "author": author, "moderator": moderator, "admin": admin},
    }


async def _visit(app: Any, world: dict[str, Any]) -> None:
    """Each page as each reader: anonymous, then signed in (pages by cookie, JSON by token)."""
    paths = [p.format(slug=world["slug"], thread=world["thread"]) for p in PAGES]
    readers: list[User | None] = [None, *world["readers"].values()]
    for user in readers:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=ORIGIN
        ) as client:
            headers: dict[str, str] = {}
            if user is not None:
                await sign_in(client, user)
                headers = await bearer(user)
            for path in paths:
                api = path.startswith("/api/")
                response = await client.get(path, headers=headers if api else None)
                wanted = (303,) if user is None and path == "/notifications" else (200,)
                assert response.status_code in wanted, (path, response.status_code)


# A table named in FROM or JOIN, and the alias it goes by, if any.
_NAMED = re.compile(r'\b(?:FROM|JOIN)\s+"?(\w+)"?(?:\s+(?:AS\s+)?"?(\w+)"?)?', re.I)
_NOT_ALIASES = frozenset(
    "where join left right inner outer cross natural on using order group limit union"
    " having window as set values".split()
)


def _tables(sql: str) -> dict[str, str]:
    """What each name a SQLite plan may use stands for: the tables, and their aliases (plans
    name a table by its alias: "SCAN n" is a scan of notifications n)."""
    found: dict[str, str] = {}
    for table, alias in _NAMED.findall(sql):
        found[table] = table
        if alias and alias.lower() not in _NOT_ALIASES:
            found[alias] = table
    return found


async def _sqlite_problems(
    sql: str, values: list[Any], tables: dict[str, str] | None = None
) -> list[str]:
    """`tables`: what the names in the plan stand for (aliases: see `_tables`)."""
    conn = connections.get("default")
    plan = await conn.execute_query_dict(f"EXPLAIN QUERY PLAN {sql}", values)
    problems = []
    tables = tables or {}
    for step in plan:
        detail = str(step["detail"])
        scanned = re.match(r"SCAN (\w+)", detail)
        if scanned and tables.get(scanned.group(1), scanned.group(1)) in GROWING:
            problems.append(detail)
        if "TEMP B-TREE FOR ORDER BY" in detail and re.search(r"\bLIMIT\b", sql, re.I):
            problems.append(detail)
    return problems


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = [node]
    for child in node.get("Plans", []):
        found += _nodes(child)
    return found


async def _postgres_problems(sql: str, values: list[Any]) -> list[str]:
    async with in_transaction() as conn:
        await conn.execute_script("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off")
        rows = await conn.execute_query_dict(f"EXPLAIN (FORMAT JSON) {sql}", values)
    raw = rows[0]["QUERY PLAN"]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    problems = []
    paged = bool(re.search(r"\bLIMIT\b", sql, re.I))
    for node in _nodes(plan):
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in GROWING:
            problems.append(f"Seq Scan on {node['Relation Name']}")
        # (An Incremental Sort only orders ties within an index's order: it stops early too.)
        if node["Node Type"] == "Sort" and paged:
            problems.append(f"{node['Node Type']} by {node.get('Sort Key')}")
    return problems


async def test_every_query_of_the_hot_pages_uses_an_index(
    app: Any, hot_world: dict[str, Any], recorder: Recorder
) -> None:
    recorder.on = True
    await _visit(app, hot_world)
    recorder.on = False
    assert len(recorder.seen) >= 10  # the pages did run their queries through the recorder
    explain = _postgres_problems if using_postgres() else _sqlite_problems
    failures = {}
    for sql, values in recorder.seen.items():
        found = await explain(sql, values)
        if found:
            failures[" ".join(sql.split())[:300]] = found
    assert not failures, json.dumps(failures, indent=1)


async def test_the_notification_list_reads_by_index(
    app: Any, hot_world: dict[str, Any], recorder: Recorder
) -> None:
    """The notification list's own SQL (and the thread states forum/live_gate.py reads for
    it), with its aliases resolved: SQLite's plans name a table by its alias ("SCAN n")."""
    member = hot_world["readers"]["member"]
    recorder.on = True
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as c:
        await sign_in(c, member)
        assert (await c.get("/notifications")).status_code == 200
        listed = await c.get("/api/v1/notifications", headers=await bearer(member))
        assert listed.status_code == 200
    recorder.on = False
    ours = {
        sql: values
        for sql, values in recorder.seen.items()
        if "FROM notifications n" in sql or "FROM threads t JOIN communities c" in sql
    }
    assert len(ours) == 2, list(ours)
    failures = {}
    for sql, values in ours.items():
        if using_postgres():
            found = await _postgres_problems(sql, values)
        else:
            found = await _sqlite_problems(sql, values, _tables(sql))
        if found:
            failures[" ".join(sql.split())[:300]] = found
    assert not failures, json.dumps(failures, indent=1)


async def test_aliases_are_resolved_to_their_tables() -> None:
    sql = "SELECT n.id FROM notifications n LEFT JOIN threads AS t ON t.id = n.id JOIN users u"
    assert _tables(sql) == {
        "notifications": "notifications",
        "n": "notifications",
        "threads": "threads",
        "t": "threads",
        "users": "users",
        "u": "users",
    }
    assert _tables("SELECT id FROM notifications WHERE user_id = ?") == {
        "notifications": "notifications"
    }


async def test_the_plan_check_sees_a_missing_index(app: Any, hot_world: dict[str, Any]) -> None:
    """Without its index, the community list's query is reported (so the check can fail)."""
    conn = connections.get("default")
    sql = (
        "SELECT t.id FROM threads t WHERE t.community_id = ? AND t.status = 'published'"
        " AND t.author_id = ? ORDER BY t.created_at DESC LIMIT 20"
    )
    explain = _postgres_problems if using_postgres() else _sqlite_problems
    assert await explain(_placeholders(sql), [1, 1])  # created_at: no index gives this order
    indexed = (
        "SELECT t.id FROM threads t WHERE t.community_id = ? AND t.pinned = ?"
        " ORDER BY t.last_activity_at DESC, t.id DESC LIMIT 20"
    )
    assert not await explain(_placeholders(indexed), [1, False])
    assert conn is not None


def _placeholders(sql: str) -> str:
    """'?' placeholders, or PostgreSQL's $1, $2..."""
    if not using_postgres():
        return sql
    parts = sql.split("?")
    return parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))
