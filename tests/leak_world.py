"""The world the leak matrix (tests/test_leak_matrix.py) reads: one database holding every
content state at once, each with its own marker word, and the people who read it.

It is built once per test module, through the JSON API as people would build it, in three
steps: everything is written while it is still readable (bookmarks, watches and their
notifications, flags, edits, featured threads, the anonymous page cache primed, websockets
subscribed); then the changes are made (removal, suspension, deletion, hiding, a move and a
merge) and later replies posted; then the cells only read. HTTP goes to the app in-process;
websockets go to a real uvicorn server serving the same app (and so the same database, live
hub and page cache), started once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from argon2 import PasswordHasher

from forum import accounts, security
from forum.models import User
from forum.settings import Settings
from server import WEBSOCKETS, create_app
from tests.conftest import ORIGIN, SECRET, TABLES, using_postgres
from tests.live.conftest import POLL_SECONDS, STARTUP_SECONDS, LiveSocket, free_port, ws_connect

# The cast. `helper` is not an actor: a member everywhere who replies, flags and starts the
# threads others are merged into, so that no actor's own activity decides what they see.
ACTORS = (
    "anonymous",
    "nonmember",
    "pending",  # asked to join each private community, not yet approved
    "removed",  # was a member everywhere (bookmarked, watched, subscribed), then removed
    "suspended",  # a member everywhere, suspended site-wide
    "member",
    "author",  # a member everywhere who wrote every secret
    "othermod",  # moderates another community only
    "moderator",  # moderates every community the secrets live in
    "admin",
)
SIGNED_IN = frozenset(ACTORS) - {"anonymous"}

# Content states. The first four and the *_thread ones concern a whole thread (the marker is
# in its title, tags and opening post, and in a reply); deleted, hidden and held concern one
# reply (the marker is in its body) in a public thread that stays readable.
STATES = (
    "public",
    "private",
    "deleted",
    "hidden",
    "held",
    "deleted_thread",
    "hidden_thread",
    "held_thread",
    "moved",
    "merged",
)
POST_STATES = frozenset({"deleted", "hidden", "held"})
# States that also have an event in their community (its title and online link carry the
# marker); member, author and removed answer going before removed is removed.
EVENT_STATES = frozenset({"public", "private"})
EVENT_GOING = ("member", "author", "removed")
THREAD_STATES = frozenset(STATES) - POST_STATES

# Community key -> (slug, visibility). Names carry their own marker words.
COMMUNITIES = {
    "open": ("lm-open", "public"),
    "priv": ("lm-private", "private"),
    "vault": ("lm-vault", "private"),  # where the moved thread goes
    "annex": ("lm-annex", "private"),  # holds the thread the merged one joins
    "elsewhere": ("lm-elsewhere", "public"),  # othermod's
}
PRIVATE = ("priv", "vault", "annex")
EVERY_MEMBER_OF = ("open", *PRIVATE)
HOLD_WORD = "qzholdwordvk"  # open's word filter holds posts containing it
LATER = "qzlatervk"  # in replies posted after the changes
PASSWORD = "leak matrix passphrase"


def marker(state: str) -> str:
    """A made-up word no analyzer changes, unique to the state and no part of another."""
    return "qz" + state.replace("_", "") + "vk"


def event_link(word: str) -> str:
    """An event's online link, shown only to those going and its organisers."""
    return f"https://meet.example.org/{word}/join"


def misspelt(word: str) -> str:
    """One letter off: what a "did you mean" should (or must not) correct to `word`."""
    return word[:-1] + "x"


def community_marker(key: str) -> str:
    return f"qc{key}vk"


def slug(key: str) -> str:
    return COMMUNITIES[key][0]


def course_code(state: str) -> str:
    """The catalogue course linked to a thread-level secret's thread."""
    return f"LM-{state}".upper()


@dataclass
class Secret:
    state: str
    marker: str
    thread_id: int  # the thread whose page shows it (for a reply: the thread it is in)
    post_id: int  # the post carrying it (a thread's opening post, or the reply)
    origin: str  # community key it was written in
    home: str  # community key holding it now
    target_id: int | None = None  # merged: the thread it joined
    later: bool = False  # a reply carrying LATER was posted after the change
    event_id: int | None = None  # public, private: an event of its community, marker in title

    @property
    def thread_level(self) -> bool:
        return self.state in THREAD_STATES


@dataclass
class Fetched:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


@dataclass
class World:
    app: Any
    ws_url: str
    api: httpx.AsyncClient  # no cookies: anonymous, or a bearer token per request
    pages: dict[str, httpx.AsyncClient]  # per actor, signed in with a session cookie
    users: dict[str, User]
    tokens: dict[str, str]
    secrets: dict[str, Secret]
    sentinel_id: int = 0
    calendar_keys: dict[str, str] = field(default_factory=dict)  # actor -> secret feed key
    live: dict[str, LiveSocket] = field(default_factory=dict)  # opened before the changes
    _fetched: dict[tuple[str, str, str], Fetched] = field(default_factory=dict)
    _answers: dict[str, dict[str, str]] = field(default_factory=dict)
    _backlog: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _sockets: list[LiveSocket] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"World({len(self.secrets)} secrets)"

    def auth(self, actor: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[actor]}"} if actor in self.tokens else {}

    # Reading over HTTP, each URL once per actor (the world no longer changes)

    async def api_get(self, actor: str, url: str) -> Fetched:
        key = (actor, "api", url)
        if key not in self._fetched:
            r = await self.api.get(url, headers=self.auth(actor))
            assert r.status_code < 500, f"GET {url} as {actor}: {r.status_code} {r.text[:300]}"
            self._fetched[key] = Fetched(r.status_code, r.text)
        return self._fetched[key]

    async def page(self, actor: str, url: str) -> Fetched:
        key = (actor, "page", url)
        if key not in self._fetched:
            r = await self.pages[actor].get(url, follow_redirects=True)
            assert r.status_code < 500, f"GET {url} as {actor}: {r.status_code} {r.text[:300]}"
            self._fetched[key] = Fetched(r.status_code, r.text)
        return self._fetched[key]

    # Reading over the websocket

    def topics(self) -> list[str]:
        """Every topic a cell asks about: each secret's thread and communities."""
        found: dict[str, None] = {}
        for s in self.secrets.values():
            found[f"thread:{s.thread_id}"] = None
            found[f"community:{slug(s.origin)}"] = None
            found[f"community:{slug(s.home)}"] = None
        return list(found)

    async def _socket(self, actor: str) -> LiveSocket:
        token = self.tokens.get(actor)
        sock = LiveSocket(await ws_connect(self.ws_url, token=token))
        self._sockets.append(sock)
        return sock

    async def answers(self, actor: str) -> dict[str, str]:
        """topic -> what subscribing to it now answers ("subscribed" or an error code)."""
        if actor not in self._answers:
            sock = await self._socket(actor)
            found = {}
            for topic in self.topics():
                answer = await sock.subscribe(topic)
                found[topic] = str(answer.get("code") or answer.get("type"))
            self._answers[actor] = found
        return self._answers[actor]

    async def backlog(self, actor: str) -> list[dict[str, Any]]:
        """Everything a fresh socket receives after subscribing to every topic (and user:me)
        with "since": 0, up to the answer to a ping sent after the last subscription."""
        if actor not in self._backlog:
            sock = await self._socket(actor)
            for topic in [*self.topics(), "user:me"]:
                await sock.send({"subscribe": topic, "since": 0})
            await sock.send({"type": "ping"})
            await sock.expect(lambda m: m.get("type") == "pong", "pong")
            self._backlog[actor] = list(sock.seen)
        return self._backlog[actor]

    async def close(self) -> None:
        sockets = [*self._sockets, *self.live.values()]
        await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)


# Building it


class _Server(uvicorn.Server):
    """uvicorn in this event loop, leaving the test runner's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.contextmanager
def cheap_password_hashing() -> Iterator[None]:
    """Passwords are not under test here."""
    original = security._hasher
    security._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    try:
        yield
    finally:
        security._hasher = original


async def _empty_postgres() -> None:
    from tortoise import connections

    await connections.get("default").execute_script(
        "; ".join(f"DELETE FROM {table}" for table in TABLES)
    )


@contextlib.asynccontextmanager
async def running_world(database_template: Any, data_dir: Path) -> AsyncIterator[World]:
    """The app, a real server for websockets, and the world built in it."""
    if using_postgres():
        database_url = str(database_template)
    else:
        shutil.copyfile(database_template, data_dir / "chaupal.sqlite3")
        database_url = f"sqlite://{data_dir / 'chaupal.sqlite3'}?synchronous=OFF"
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=SECRET,
        migrate_on_start=False,
        rate_limits_enabled=False,
    )
    app = create_app(settings)
    with cheap_password_hashing():
        async with app.router.lifespan_context(app):
            if using_postgres():
                await _empty_postgres()
            port = free_port()
            server = _Server(
                uvicorn.Config(
                    app,
                    host="127.0.0.1",
                    port=port,
                    lifespan="off",
                    log_level="warning",
                    **WEBSOCKETS,
                )
            )
            serving = asyncio.create_task(server.serve())
            async with asyncio.timeout(STARTUP_SECONDS):
                while not server.started:  # uvicorn offers a flag, not an event
                    if serving.done():
                        serving.result()  # raises what stopped it
                        raise RuntimeError("uvicorn stopped before it started")
                    await asyncio.sleep(POLL_SECONDS)
            transport = httpx.ASGITransport(app=app)
            async with contextlib.AsyncExitStack() as stack:
                api = await stack.enter_async_context(
                    httpx.AsyncClient(transport=transport, base_url=ORIGIN)
                )

                async def page_client() -> httpx.AsyncClient:
                    return await stack.enter_async_context(
                        httpx.AsyncClient(transport=transport, base_url=ORIGIN)
                    )

                world = World(
                    app=app,
                    ws_url=f"ws://127.0.0.1:{port}/ws",
                    api=api,
                    pages={},
                    users={},
                    tokens={},
                    secrets={},
                )
                try:
                    await _Builder(world, page_client).build()
                    yield world
                finally:
                    await world.close()
                    server.should_exit = True
                    await serving


class _Builder:
    def __init__(self, world: World, page_client: Any) -> None:
        self.w = world
        self.page_client = page_client
        self.items: dict[str, int] = {}  # state -> the review item opened by a report

    async def call(
        self, method: str, url: str, actor: str, expect: int | tuple[int, ...] = 200, **kw: Any
    ) -> Any:
        r = await self.w.api.request(method, url, headers=self.w.auth(actor), **kw)
        wanted = expect if isinstance(expect, tuple) else (expect,)
        assert r.status_code in wanted, f"{method} {url} as {actor}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    async def build(self) -> None:
        await self.people()
        await self.communities()
        await self.write_secrets()
        await self.write_events()
        await self.while_readable()
        await self.change()
        await self.settle()

    async def people(self) -> None:
        for actor in [*ACTORS[1:], "helper"]:
            user = await accounts.register(
                f"lm_{actor}",
                f"lm_{actor}@example.org",
                PASSWORD,
                f"Officer {actor.capitalize()}",
                "Section Officer",
                "Finance",
                is_admin=actor == "admin",
            )
            self.w.users[actor] = user
            self.w.tokens[actor], _ = await accounts.create_token(user)
        for actor in ACTORS:
            client = await self.page_client()
            if actor != "anonymous":
                client.cookies.set(
                    "chaupal_session", await accounts.start_session(self.w.users[actor], 1)
                )
            self.w.pages[actor] = client

    async def communities(self) -> None:
        for key, (community_slug, visibility) in COMMUNITIES.items():
            await self.call(
                "POST",
                "/api/v1/communities",
                "admin",
                201,
                json={
                    "slug": community_slug,
                    "name": f"{key.capitalize()} hall {community_marker(key)}",
                    "description": "Officers comparing notes.",
                    "kind": "topic",
                    "visibility": visibility,
                },
            )
        cast = {
            "moderator": "moderator",
            "member": "member",
            "author": "member",
            "suspended": "member",
            "removed": "member",
            "helper": "member",
        }
        for key in EVERY_MEMBER_OF:
            for actor, status in cast.items():
                await self.set_status(key, actor, status)
        await self.set_status("elsewhere", "othermod", "moderator")
        for key in PRIVATE:
            r = await self.call("POST", f"/api/v1/communities/{slug(key)}/join", "pending")
            assert r["status"] == "pending", r
        await self.call(
            "PATCH",
            f"/api/v1/communities/{slug('open')}",
            "moderator",
            json={"word_filters": [{"word": HOLD_WORD, "action": "hold"}]},
        )

    async def set_status(self, key: str, actor: str, status: str) -> None:
        await self.call(
            "POST",
            f"/api/v1/communities/{slug(key)}/members/lm_{actor}",
            "admin",
            json={"status": status},
        )

    async def start(self, key: str, actor: str, title: str, body: str, tags: list[str]) -> Any:
        return await self.call(
            "POST",
            f"/api/v1/communities/{slug(key)}/threads",
            actor,
            201,
            json={"title": title, "body": body, "tags": tags},
        )

    async def reply(self, thread_id: int, actor: str, body: str) -> Any:
        return await self.call(
            "POST", f"/api/v1/threads/{thread_id}/posts", actor, 201, json={"body": body}
        )

    async def write_secrets(self) -> None:
        for state in STATES:
            word = marker(state)
            origin = "priv" if state == "private" else "open"
            held = " " + HOLD_WORD if state in ("held", "held_thread") else ""
            if state in THREAD_STATES:
                thread = await self.start(
                    origin,
                    "author",
                    f"Clearing file backlogs {word}",
                    f"Our section tried {word} for pending files.{held}",
                    [word],
                )
                expected = "pending" if state == "held_thread" else "published"
                assert thread["status"] == expected, thread
                secret = Secret(state, word, thread["id"], thread["posts"][0]["id"], origin, origin)
            else:
                host = await self.start(
                    origin,
                    "helper",
                    f"Pension paperwork ({state} reply inside)",
                    f"How long does pension paperwork take in your office ({state})?",
                    [],
                )
                post = await self.reply(host["id"], "author", f"In ours {word} took a week.{held}")
                assert post["status"] == ("pending" if state == "held" else "published"), post
                secret = Secret(state, word, host["id"], post["id"], origin, origin)
            self.w.secrets[state] = secret
        target = await self.start(
            "annex", "helper", "Annual leave rules, all in one place", "Collecting answers.", []
        )
        self.w.secrets["merged"].target_id = target["id"]
        sentinel = await self.start(
            "open", "helper", "Sentinel thread for the live checks", "Nothing to see.", []
        )
        self.w.sentinel_id = sentinel["id"]

    async def write_events(self) -> None:
        """An event in the community of each EVENT_STATES secret, answered and changed (which
        tells those going) while readable; and a secret calendar key for everyone signed in."""
        for state in sorted(EVENT_STATES):
            s = self.w.secrets[state]
            starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=10)
            event = await self.call(
                "POST",
                f"/api/v1/communities/{slug(s.origin)}/events",
                "moderator",
                201,
                json={
                    "title": f"Cohort meetup {s.marker}",
                    "kind": "meetup",
                    "description": "Officers meeting up.",
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + timedelta(hours=2)).isoformat(),
                    "location": "Academy hall",
                    "online_url": event_link(s.marker),
                },
            )
            s.event_id = event["id"]
            for actor in EVENT_GOING:
                r = await self.call(
                    "POST", f"/api/v1/events/{s.event_id}/rsvp", actor, json={"status": "going"}
                )
                assert r["status"] == "going", r
            later = starts + timedelta(hours=1)
            await self.call(
                "PATCH",
                f"/api/v1/events/{s.event_id}",
                "moderator",
                json={
                    "starts_at": later.isoformat(),
                    "ends_at": (later + timedelta(hours=2)).isoformat(),
                },
            )
        for actor in SIGNED_IN:
            made = await self.call("POST", "/api/v1/me/calendar-key", actor, 201)
            self.w.calendar_keys[actor] = made["key"]

    async def while_readable(self) -> None:
        """What people do with the secrets while they can still read them."""
        secrets = list(self.w.secrets.values())
        for s in secrets:
            # A moderator's edit leaves the marker in the edit history.
            await self.call(
                "PATCH",
                f"/api/v1/posts/{s.post_id}",
                "moderator",
                json={"body": f"Edited by a moderator: {s.marker} (details trimmed)."},
            )
            # A report opens a review item (held posts have theirs already).
            if s.state not in ("held", "held_thread"):
                flag = await self.call(
                    "POST",
                    f"/api/v1/posts/{s.post_id}/flags",
                    "helper",
                    201,
                    json={"reason": "spam"},
                )
                self.items[s.state] = flag["item_id"]
            # Featured: the best-of page lists it, and the moderation log records it.
            await self.call(
                "PATCH", f"/api/v1/threads/{s.thread_id}", "moderator", json={"featured": True}
            )
        for s in secrets:
            if s.thread_level:
                # A course its author linked the thread to: the course lists the discussion.
                code = course_code(s.state)
                course = {"code": code, "title": f"Course {code.lower()}", "competencies": []}
                await self.call("POST", "/api/v1/courses", "admin", 201, json=course)
                await self.call(
                    "POST",
                    f"/api/v1/threads/{s.thread_id}/courses",
                    "author",
                    201,
                    json={"code": code},
                )
        for s in secrets:
            if not s.thread_level:
                continue
            for actor in SIGNED_IN:
                # Whoever can read the thread now bookmarks and watches it.
                r = await self.w.api.put(
                    f"/api/v1/threads/{s.thread_id}/bookmark", headers=self.w.auth(actor)
                )
                if r.status_code == 404:
                    continue
                assert r.status_code == 200, (actor, s.state, r.text)
                await self.call(
                    "PUT",
                    f"/api/v1/threads/{s.thread_id}/subscription",
                    actor,
                    json={"level": "watching"},
                )
        for s in secrets:
            if s.thread_level and s.state != "held_thread":
                # Notifies the watchers and the author, with the title.
                await self.reply(s.thread_id, "helper", f"Seconding {s.marker}: it worked for us.")
        for s in secrets:
            # The anonymous page cache, primed while the thread was readable.
            for url in (f"/t/{s.thread_id}", f"/api/v1/threads/{s.thread_id}"):
                r = await self.w.pages["anonymous"].get(url)
                readable = s.state not in ("private", "held_thread")
                assert (r.status_code == 200) == readable, (url, r.status_code)
        assert len(self.w.app.state.page_cache) >= 2 * 8, "anonymous pages were not cached"
        await self.open_live_sockets()

    async def open_live_sockets(self) -> None:
        topics = [f"thread:{s.thread_id}" for s in self.w.secrets.values() if s.thread_level]
        topics += [f"thread:{self.w.secrets['merged'].target_id}", f"thread:{self.w.sentinel_id}"]
        for actor in ACTORS:
            sock = LiveSocket(await ws_connect(self.w.ws_url, token=self.w.tokens.get(actor)))
            self.w.live[actor] = sock
            for topic in topics:
                await sock.subscribe(topic)

    async def change(self) -> None:
        # People first, so that the membership re-check (which exists) cannot hide a missing
        # re-check after a content change.
        for key in EVERY_MEMBER_OF:
            await self.set_status(key, "removed", "removed")
        # The hub re-checks the removed member's socket now, so that no later change is
        # judged by that re-check.
        await self.barrier("removals")
        await self.call(
            "POST",
            "/api/v1/users/lm_suspended/suspension",
            "admin",
            json={"days": 3, "reason": "Leak matrix."},
        )
        s = self.w.secrets
        await self.call("DELETE", f"/api/v1/posts/{s['deleted'].post_id}", "author")
        for state in ("hidden", "hidden_thread"):
            await self.call(
                "POST",
                f"/api/v1/moderation/queue/{self.items[state]}",
                "moderator",
                json={"action": "hide", "note": "Off topic."},
            )
        gone = s["deleted_thread"]
        replies = await self.call("GET", f"/api/v1/threads/{gone.thread_id}", "helper")
        for post in replies["posts"]:
            if post["author"] == "lm_helper":
                await self.call("DELETE", f"/api/v1/posts/{post['id']}", "helper")
        await self.call("DELETE", f"/api/v1/posts/{gone.post_id}", "author")
        status = await self.call("GET", f"/api/v1/threads/{gone.thread_id}", "moderator")
        assert status["status"] == "deleted", status
        await self.call(
            "POST",
            f"/api/v1/threads/{s['moved'].thread_id}/move",
            "moderator",
            json={"community": slug("vault")},
        )
        s["moved"].home = "vault"
        await self.call(
            "POST",
            f"/api/v1/threads/{s['merged'].thread_id}/merge",
            "moderator",
            json={"into": s["merged"].target_id},
        )
        s["merged"].home = "annex"
        for state in ("public", "private", "moved", "merged"):
            where = s[state].target_id or s[state].thread_id  # a merged thread's posts moved on
            await self.reply(where, "helper", f"Later, {LATER} {s[state].marker} again.")
            s[state].later = True

    async def barrier(self, label: str) -> None:
        """Returns once every event so far has reached every socket opened before the changes:
        the hub sends events in order, so a reply in the sentinel thread arrives last."""
        body = f"Sentinel reply: {label} done."
        await self.reply(self.w.sentinel_id, "helper", body)
        topic = f"thread:{self.w.sentinel_id}"
        for actor, sock in self.w.live.items():
            await sock.expect(
                lambda m: (
                    m.get("type") == "post.created"
                    and m.get("topic") == topic
                    and m["data"]["body"] == body
                ),
                f"the sentinel reply after {label} on {actor}'s socket",
            )

    async def settle(self) -> None:
        """Every live event has reached the sockets, and search has caught up."""
        await self.barrier("the changes")
        await self.w.app.state.search_writer.drain()
