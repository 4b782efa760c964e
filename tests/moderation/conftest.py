"""Moderation tests share the app fixtures of tests/conftest.py. Passwords are hashed cheaply
here (these tests are about moderation, not password storage), the app starts before any
factory fixture, and `world` gives every test the same cast: a public community with its
moderator, members and a thread, a second community moderated by someone else, and a third
community the first moderator also moderates (a destination for moves)."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import pytest
from argon2 import PasswordHasher

from forum import posts, security
from forum.models import Community, Post, Thread, User
from tests.conftest import bearer, using_postgres
from tests.moderation.helpers import browser_session


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    monkeypatch.setattr(
        security, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture(autouse=True)
async def _app_first(client: httpx.AsyncClient) -> None:
    """The app (and its database) starts before any factory fixture of these tests runs."""


@dataclass
class World:
    community: Community  # "this" community
    other: Community  # moderated by other_moderator only
    dest: Community  # also moderated by `moderator`: where threads may be moved
    admin: User
    moderator: User
    other_moderator: User
    member: User  # a plain member of `community`
    author: User  # wrote `thread` and `reply`
    flagger: User  # another plain member, used to open review items
    thread: Thread
    opening: Post
    reply: Post
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def user(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)

    def person(self, role: str) -> User:
        """The user playing a signed-in role."""
        found: User = getattr(self, role)
        return found


ROLES = ("anonymous", "member", "moderator", "other_moderator", "admin")


async def build_world(make_user, make_community, make_thread, admin, *, visibility="public"):
    moderator = await make_user(username="mod_this")
    other_moderator = await make_user(username="mod_other")
    member = await make_user(username="plain_member")
    author = await make_user(username="author")
    flagger = await make_user(username="flagger")
    community = await make_community(
        slug="this-community",
        name="This Community",
        visibility=visibility,
        members=(member, author, flagger),
        moderators=(moderator,),
    )
    other = await make_community(
        slug="other-community", name="Other Community", moderators=(other_moderator,)
    )
    dest = await make_community(slug="dest-community", name="Destination", moderators=(moderator,))
    author = await User.get(id=author.id)
    thread = await make_thread(
        author,
        community,
        title="Clearing e-office file backlogs",
        body="We have 400 files pending in the section.",
    )
    reply = await posts.reply(
        author, thread, body="Update: we cleared half of them by batching approvals."
    )
    opening = await Post.get(thread_id=thread.id, number=1)
    world = World(
        community=community,
        other=other,
        dest=dest,
        admin=admin,
        moderator=await User.get(id=moderator.id),
        other_moderator=await User.get(id=other_moderator.id),
        member=await User.get(id=member.id),
        author=await User.get(id=author.id),
        flagger=await User.get(id=flagger.id),
        thread=await Thread.get(id=thread.id).select_related("community", "author"),
        opening=opening,
        reply=await Post.get(id=reply.id),
    )
    world.headers = {"anonymous": {}}
    for role in ROLES[1:]:
        world.headers[role] = await bearer(world.person(role))
    for extra in ("author", "flagger"):
        world.headers[extra] = await bearer(getattr(world, extra))
    return world


@pytest.fixture
async def world(make_user, make_community, make_thread, admin) -> World:
    return await build_world(make_user, make_community, make_thread, admin)


@pytest.fixture
async def private_world(make_user, make_community, make_thread, admin) -> World:
    return await build_world(make_user, make_community, make_thread, admin, visibility="private")


@pytest.fixture
def browser(new_client):
    """A fresh client signed in as the user (session cookie), and its CSRF token."""

    async def make(user: User) -> tuple[httpx.AsyncClient, str]:
        c = await new_client()
        return c, await browser_session(c, user)

    return make


@pytest.fixture
def database_url(database_url: str) -> str:
    """SQLite without waiting for the disk on every commit (durability is not under test)."""
    return database_url if using_postgres() else f"{database_url}?synchronous=OFF"
