"""Shared fixtures: a real database per test (SQLite file or PostgreSQL), the real app, and
factories for people, communities and threads.

CHAUPAL_TEST_DATABASE=postgres runs everything on the local PostgreSQL server instead of
SQLite (a fresh database per run, dropped afterwards)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from forum import accounts, communities, db, security, threads
from forum.models import Community, Thread, User
from forum.settings import Settings
from server import create_app

SECRET = "test-secret-key"
ORIGIN = "http://testserver"
PASSWORD = "correct horse battery"
PG_ADMIN_URL = os.environ.get("CHAUPAL_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def using_postgres() -> bool:
    return os.environ.get("CHAUPAL_TEST_DATABASE", "sqlite") == "postgres"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _migrate(url: str) -> None:
    await db.open_database(url, migrate=True)
    await db.close_database()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Migrates one database for the whole run: a SQLite file copied per test, or a PostgreSQL
    database emptied between tests."""
    if using_postgres():
        name = f"chaupal_test_{uuid.uuid4().hex[:12]}"
        try:
            asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        except OSError as exc:  # no server: fail loudly, never skip
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}")
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        asyncio.run(_migrate(url))
        yield url
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        asyncio.run(_migrate(f"sqlite://{path}"))
        yield path


TABLES = (
    "community_invites",
    "community_removals",
    "community_suspensions",
    "marathon_team_members",
    "marathon_teams",
    "marathon_challenges",
    "event_reminders",
    "event_rsvps",
    "events",
    "event_policies",
    "calendar_keys",
    "point_entries",
    "points_targets",
    "thread_courses",
    "community_courses",
    "community_competencies",
    "user_competencies",
    "course_competencies",
    "courses",
    "competencies",
    "live_events",
    "reactions",
    "bookmarks",
    "subscriptions",
    "notifications",
    "flags",
    "review_items",
    "audit_log",
    "search_outbox",
    "post_revisions",
    "posts",
    "thread_tags",
    "threads",
    "memberships",
    "communities",
    "api_tokens",
    "sessions",
    "users",
)


@pytest.fixture
def database_url(database_template: Any, tmp_path: Path) -> str:
    if using_postgres():
        return str(database_template)
    target = tmp_path / "chaupal.sqlite3"
    shutil.copyfile(database_template, target)
    return f"sqlite://{target}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        secret_key=SECRET,
        migrate_on_start=False,
        rate_limits_enabled=False,  # tests of the limits turn them on
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        if using_postgres():
            from tortoise import connections

            # Emptying small tables row by row is much faster than TRUNCATE between tests.
            await connections.get("default").execute_script(
                "; ".join(f"DELETE FROM {table}" for table in TABLES)
            )
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as c:
        yield c


ClientFactory = Callable[[], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def new_client(app: Any) -> AsyncIterator[ClientFactory]:
    """Extra browsers (each with its own cookie jar) on the same app."""
    async with contextlib.AsyncExitStack() as stack:

        async def make() -> httpx.AsyncClient:
            return await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN)
            )

        yield make


# Factories


@pytest.fixture
def make_user() -> Callable[..., Awaitable[User]]:
    counter = iter(range(1, 10_000))

    async def make(**overrides: Any) -> User:
        n = next(counter)
        username = overrides.pop("username", f"officer{n}")
        fields = {
            "email": f"{username}@example.org",
            "password": PASSWORD,
            "display_name": f"Officer {n}",
            "role": "Section Officer",
            "sector": "Finance",
        }
        is_admin = overrides.pop("is_admin", False)
        fields.update(overrides)
        return await accounts.register(username, is_admin=is_admin, **fields)

    return make


@pytest.fixture
async def admin(make_user: Callable[..., Awaitable[User]]) -> User:
    return await make_user(username="admin", is_admin=True)


@pytest.fixture
def make_community(admin: User) -> Callable[..., Awaitable[Community]]:
    counter = iter(range(1, 10_000))

    async def make(
        *, members: tuple[User, ...] = (), moderators: tuple[User, ...] = (), **overrides: Any
    ) -> Community:
        n = next(counter)
        fields = {
            "slug": f"community-{n}",
            "name": f"Community {n}",
            "description": "Officers comparing notes.",
            "kind": "role",
            "visibility": "public",
        }
        fields.update(overrides)
        community = await communities.create(admin, **fields)
        for user in members:
            await communities.set_member_status(admin, community, user.username, "member")
        for user in moderators:
            await communities.set_member_status(admin, community, user.username, "moderator")
        return community

    return make


@pytest.fixture
def make_thread() -> Callable[..., Awaitable[Thread]]:
    async def make(author: User, community: Community, **overrides: Any) -> Thread:
        fields = {
            "title": "How do you clear e-office backlogs?",
            "body": "We have 400 files pending.",
            "tags": [],
        }
        fields.update(overrides)
        thread, _ = await threads.start(author, community, **fields)
        return await threads.get(author, thread.id)

    return make


async def bearer(user: User) -> dict[str, str]:
    token, _ = await accounts.create_token(user)
    return {"Authorization": f"Bearer {token}"}


async def sign_in(client: httpx.AsyncClient, user: User) -> str:
    """Gives the client a session cookie for the user; returns the matching CSRF token."""
    token = await accounts.start_session(user, 1)
    client.cookies.set("chaupal_session", token)
    return security.csrf_token(SECRET, token)
