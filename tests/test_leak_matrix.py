"""The leak matrix: actors x read paths x content states, generated from the tables below.

Adding a read path is adding a row to PATHS: a name, a probe (given the world, an actor and
a secret, is the secret visible?) and, only where that path shows less than the rules allow,
a narrowing with its reason. Adding a content state or an actor is adding a column to the
world (tests/leak_world.py) and a line to MAY_SEE.

Each cell asserts exactly the allowed visibility, in both directions: those allowed DO see
the secret there, everyone else does NOT. Cell ids read path-state-actor, e.g.
`search-api-totals-held-nonmember`. The world is built once for the module (SQLite, or
PostgreSQL with CHAUPAL_TEST_DATABASE=postgres); cells only read it.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio

from tests.leak_world import (
    ACTORS,
    EVENT_STATES,
    LATER,
    POST_STATES,
    SIGNED_IN,
    STATES,
    THREAD_STATES,
    Fetched,
    Secret,
    World,
    community_marker,
    course_code,
    event_link,
    misspelt,
    running_world,
    slug,
)

# Who may see what

EVERYONE = frozenset(ACTORS)
NOBODY: frozenset[str] = frozenset()
MODERATORS = frozenset({"moderator", "admin"})
AUTHOR_AND_MODERATORS = MODERATORS | {"author"}
READERS = frozenset({"member", "suspended", "author", "moderator", "admin"})  # of a private one

# The rules: who may see each state's secret now (issue 9, API.md). A deleted post shows as
# "removed" to everyone but moderators; held and hidden things are for their author and
# moderators; a thread moved or merged into a private community is as private as it.
MAY_SEE: dict[str, frozenset[str]] = {
    "public": EVERYONE,
    "private": READERS,
    "deleted": MODERATORS,
    "hidden": AUTHOR_AND_MODERATORS,
    "held": AUTHOR_AND_MODERATORS,
    "deleted_thread": MODERATORS,
    "hidden_thread": AUTHOR_AND_MODERATORS,
    "held_thread": AUTHOR_AND_MODERATORS,
    "moved": READERS,
    "merged": READERS,
}
# Who may read the community holding it now: for paths that show communities' names.
COMMUNITY_SEEN_BY: dict[str, frozenset[str]] = {
    state: READERS if state in ("private", "moved", "merged") else EVERYONE for state in STATES
}

# Narrowings shared by several paths. Each only takes people away from what the rules allow,
# so none can hide a leak.
PUBLISHED_THREADS_ONLY = {
    "held_thread": NOBODY,
    "hidden_thread": NOBODY,
    "deleted_thread": NOBODY,
    "merged": NOBODY,  # a merged thread is listed nowhere; its posts live on in the target
}
THREAD_LISTS = {  # a community's list: moderators see held and hidden threads, authors held
    "hidden_thread": MODERATORS,
    "deleted_thread": NOBODY,
    "merged": NOBODY,
}
INDEXED_ONLY = {  # only published posts of published threads are indexed
    **{state: NOBODY for state in POST_STATES},
    "held_thread": NOBODY,
    "hidden_thread": NOBODY,
    "deleted_thread": NOBODY,
}
# A held reply was never announced, so no backlog holds its words. (A deleted or hidden one is
# replayed as its removal to whoever may not read it now, with its words to whoever may: the
# rules above, as on every other path.)
NEVER_ANNOUNCED = {"held": NOBODY}
NOT_WHEN_DELETED = {"deleted": NOBODY, "deleted_thread": NOBODY}

# The same audience and narrowing, with the reason, for rows of one kind.
SEARCHED: dict[str, Any] = {
    "narrowed": INDEXED_ONLY,
    "why": "only published posts of published threads are indexed",
}
BOOKMARKED: dict[str, Any] = {
    "audience": SIGNED_IN,
    "why": "bookmarked by everyone signed in who could read it then",
}
NOTIFIED: dict[str, Any] = {
    "audience": SIGNED_IN,
    "why": "watched by everyone signed in who could read it then, and told of a reply",
}

# Probes: is the secret visible to this actor on this path?

Probe = Callable[[World, str, Secret], Awaitable[bool]]


def shows(fetched: Fetched, word: str) -> bool:
    return fetched.status == 200 and word in fetched.text


def api(url: str) -> Probe:
    async def probe(w: World, actor: str, s: Secret) -> bool:
        return shows(await w.api_get(actor, url.format(s=s)), s.marker)

    return probe


def page(url: str) -> Probe:
    async def probe(w: World, actor: str, s: Secret) -> bool:
        return shows(await w.page(actor, url.format(s=s)), s.marker)

    return probe


Read = Callable[[World, str, str], Awaitable[Fetched]]


def in_communities(read: Read, url: str) -> Probe:
    """A per-community URL, read for where the secret was written and where it is now."""

    async def probe(w: World, actor: str, s: Secret) -> bool:
        for key in dict.fromkeys((s.origin, s.home)):
            if shows(await read(w, actor, url.format(slug=slug(key))), s.marker):
                return True
        return False

    return probe


def community_name(read: Read, url: str) -> Probe:
    async def probe(w: World, actor: str, s: Secret) -> bool:
        return shows(await read(w, actor, url.format(slug=slug(s.home))), community_marker(s.home))

    return probe


async def read_api(w: World, actor: str, url: str) -> Fetched:
    return await w.api_get(actor, url)


async def read_page(w: World, actor: str, url: str) -> Fetched:
    return await w.page(actor, url)


# What the search probes ask for: the secret's marker, one letter off ("did you mean"), or
# with a word nothing has (the any-word fallback).
QUERIES: dict[str, Callable[[str], str]] = {
    "marker": lambda marker: marker,
    "misspelt": misspelt,
    "fallback": lambda marker: f"{marker}+qzunfoundwordqz",
}


def search_api(check: Callable[[dict[str, Any], Secret], bool], **params: str) -> Probe:
    async def probe(w: World, actor: str, s: Secret) -> bool:
        q = QUERIES[params.get("q", "marker")](s.marker)
        extra = "".join(f"&{k}={v}" for k, v in params.items() if k != "q")
        r = await w.api_get(actor, f"/api/v1/search?q={q}{extra}")
        assert r.status == 200, r.text
        return check(r.json(), s)

    return probe


def search_page(
    check: Callable[[str, Secret], bool], misspelt_query: bool = False, query: str = "marker"
) -> Probe:
    async def probe(w: World, actor: str, s: Secret) -> bool:
        q = misspelt(s.marker) if misspelt_query else QUERIES[query](s.marker)
        r = await w.page(actor, f"/search?q={q}")
        assert r.status == 200, r.text[:300]
        return check(r.text, s)

    return probe


def results_block(html: str) -> str:
    found = re.search(r'<ol class="search-results.*?</ol>', html, re.S)
    return found.group(0) if found else ""


def facets_block(html: str) -> str:
    found = re.search(r'<aside[^>]*aria-label="Narrow the results".*?</aside>', html, re.S)
    return found.group(0) if found else ""


def page_total(html: str, s: Secret) -> bool:
    found = re.search(r"(\d+) results? for", html)
    return bool(found and int(found.group(1)) > 0)


def suggestion_in_page(html: str, s: Secret) -> bool:
    found = re.search(r"Did you mean <a[^>]*>([^<]*)</a>", html)
    return bool(found and s.marker in found.group(1))


async def similar(w: World, actor: str, s: Secret) -> bool:
    r = await w.api_get(actor, f"/api/v1/search/similar?title={s.marker}")
    return r.status == 200 and bool(r.json()["items"])


async def queue_api(w: World, actor: str, s: Secret) -> bool:
    for url in ("/api/v1/moderation/queue", "/api/v1/moderation/queue?status=resolved"):
        r = await w.api_get(actor, url)
        if r.status == 200:
            for item in r.json()["items"]:
                target = item.get("target") or {}
                if target.get("post_id") == s.post_id or s.marker in json_text(item):
                    return True
    return False


async def queue_page(w: World, actor: str, s: Secret) -> bool:
    for url in ("/moderation", "/moderation?status=resolved"):
        r = await w.page(actor, url)
        if r.status == 200 and (s.marker in r.text or f'href="/p/{s.post_id}"' in r.text):
            return True
    return False


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def mentions_target(text: str, s: Secret) -> bool:
    """An audit entry about the secret's thread or post (the log holds no bodies)."""
    return bool(re.search(rf"\b(thread:{s.thread_id}|post:{s.post_id})\b", text)) or (
        s.marker in text
    )


async def log_api(w: World, actor: str, s: Secret) -> bool:
    r = await w.api_get(actor, "/api/v1/moderation/log?limit=200")
    return r.status == 200 and mentions_target(r.text, s)


async def log_page(w: World, actor: str, s: Secret) -> bool:
    """The page names targets by title, linked: a link to the thread or post counts too."""
    r = await w.page(actor, "/moderation/log")
    links = rf'href="/(t/{s.thread_id}|p/{s.post_id})"'
    return r.status == 200 and (mentions_target(r.text, s) or bool(re.search(links, r.text)))


def topic(s: Secret) -> str:
    return f"thread:{s.thread_id}"


async def ws_subscribe_thread(w: World, actor: str, s: Secret) -> bool:
    answer = (await w.answers(actor))[topic(s)]
    assert answer in ("subscribed", "forbidden"), answer
    return answer == "subscribed"


async def ws_subscribe_community(w: World, actor: str, s: Secret) -> bool:
    answer = (await w.answers(actor))[f"community:{slug(s.home)}"]
    assert answer in ("subscribed", "forbidden"), answer
    return answer == "subscribed"


def backlog_probe(topic_of: Callable[[World, str, Secret], str]) -> Probe:
    async def probe(w: World, actor: str, s: Secret) -> bool:
        wanted = topic_of(w, actor, s)
        return any(
            m.get("topic") == wanted and m.get("type") != "subscribed" and s.marker in json_text(m)
            for m in await w.backlog(actor)
        )

    return probe


def user_topic(w: World, actor: str, s: Secret) -> str:
    return f"user:{w.users[actor].id}" if actor in w.users else "user:me"


async def ws_open_subscription(w: World, actor: str, s: Secret) -> bool:
    """The socket subscribed before the change: still subscribed (and, where a reply came
    later, given it), or ended with "forbidden" and given nothing more."""
    sock = w.live[actor]
    main = topic(s)
    forbidden = {
        m.get("topic")
        for m in sock.seen
        if m.get("type") == "error" and m.get("code") == "forbidden"
    }
    got_later = any(
        m.get("type") in ("post.created", "post.edited")
        and LATER in json_text(m.get("data"))
        and s.marker in json_text(m.get("data"))
        for m in sock.seen
    )
    alive = main not in forbidden
    if got_later or not alive or not s.later:
        return got_later or alive
    # Still subscribed to where the later reply went, yet it never came: a lost delivery.
    later_topic = f"thread:{s.target_id or s.thread_id}"
    assert later_topic in forbidden, f"{actor} kept {main} but missed the later reply: {sock.seen}"
    return alive


def event_link_on(read: Read, url: str) -> Probe:
    """The online link (not only the title) on an event's page or JSON."""

    async def probe(w: World, actor: str, s: Secret) -> bool:
        fetched = await read(w, actor, url.format(s=s))
        text = fetched.text.replace("\r\n ", "")  # calendar files fold long lines
        return fetched.status == 200 and event_link(s.marker) in text

    return probe


def with_key(url: str) -> Probe:
    """A calendar feed fetched with the actor's secret key (made while all was readable)."""

    async def probe(w: World, actor: str, s: Secret) -> bool:
        key = w.calendar_keys[actor]
        for community_key in dict.fromkeys((s.origin, s.home)):
            target = url.format(slug=slug(community_key), key=key)
            if shows(await w.api_get("anonymous", target), s.marker):
                return True
        return False

    return probe


async def course_count(w: World, actor: str, s: Secret) -> bool:
    """How many discussions of the course the reader may read: the catalogue's count."""
    r = await w.api_get(actor, f"/api/v1/courses?q={course_code(s.state)}")
    assert r.status == 200, r.text
    counts = {c["code"]: c["discussion_count"] for c in r.json()["items"]}
    return counts.get(course_code(s.state), 0) > 0


# The read paths


@dataclass(frozen=True)
class ReadPath:
    name: str
    probe: Probe
    states: frozenset[str] = frozenset(STATES)  # where this path can show the secret at all
    actors: tuple[str, ...] = ACTORS  # who can take this path at all
    community_rule: bool = False  # shows the holding community's name, not the secret
    audience: frozenset[str] = EVERYONE  # whom the path serves at all
    narrowed: dict[str, frozenset[str]] = field(default_factory=dict)  # state -> at most these
    why: str = ""  # the reason for `audience`/`narrowed`

    def __repr__(self) -> str:
        return self.name

    def expected(self, state: str) -> frozenset[str]:
        rule = COMMUNITY_SEEN_BY if self.community_rule else MAY_SEE
        return rule[state] & self.audience & self.narrowed.get(state, EVERYONE)


THREADS = frozenset(THREAD_STATES)
EVENTS = frozenset(EVENT_STATES)
# Answered going while a member (member, author; removed was removed since), and the managers.
GOING_AND_MANAGERS = frozenset({"member", "author", "moderator", "admin"})
BELONG = frozenset({"member", "author", "moderator", "suspended"})
NOTIFIABLE = THREADS - {"held_thread"}  # nobody else could watch a held thread
ALL = frozenset(STATES)

PATHS: tuple[ReadPath, ...] = (
    # Threads and posts
    ReadPath("thread-page", page("/t/{s.thread_id}")),
    ReadPath("thread-json", api("/api/v1/threads/{s.thread_id}")),
    ReadPath("post-json", api("/api/v1/posts/{s.post_id}")),
    ReadPath("history-api", api("/api/v1/posts/{s.post_id}/history")),
    ReadPath("history-page", page("/p/{s.post_id}/history")),
    ReadPath(
        "edit-form",
        page("/p/{s.post_id}/edit"),
        narrowed=NOT_WHEN_DELETED,
        audience=AUTHOR_AND_MODERATORS,
        why="the author and moderators edit a post, unless it was deleted",
    ),
    ReadPath(
        "flag-form",
        page("/p/{s.post_id}/flag"),
        audience=SIGNED_IN - {"suspended", "author"},
        narrowed={state: NOBODY for state in ("deleted", "deleted_thread", "held", "held_thread")},
        why="shown only to those who may report the post: signed in, not suspended, not its "
        "author; only published and hidden posts can be reported",
    ),
    # Lists of threads
    ReadPath(
        "community-page",
        in_communities(read_page, "/c/{slug}"),
        states=THREADS,
        narrowed=THREAD_LISTS,
        why="lists show held threads to authors and moderators, hidden ones to moderators",
    ),
    ReadPath(
        "community-threads-api",
        in_communities(read_api, "/api/v1/communities/{slug}/threads"),
        states=THREADS,
        narrowed=THREAD_LISTS,
        why="lists show held threads to authors and moderators, hidden ones to moderators",
    ),
    ReadPath(
        "best-of",
        in_communities(read_page, "/c/{slug}/best"),
        states=THREADS,
        narrowed=PUBLISHED_THREADS_ONLY,
        why="published threads only",
    ),
    ReadPath(
        "home",
        page("/"),
        states=THREADS,
        narrowed={**PUBLISHED_THREADS_ONLY, "public": EVERYONE - {"othermod"}},
        why="published threads only; whoever belongs to a community sees the latest in theirs",
    ),
    ReadPath(
        "profile-page",
        page("/u/lm_author"),
        states=THREADS,
        narrowed=PUBLISHED_THREADS_ONLY,
        why="published threads only",
    ),
    ReadPath(
        "profile-api",
        api("/api/v1/users/lm_author"),
        states=THREADS,
        audience=NOBODY,
        why="the API profile lists no threads (yet)",
    ),
    # Things kept for a person while it was readable
    ReadPath(
        "bookmarks-page",
        page("/bookmarks"),
        states=THREADS,
        **BOOKMARKED,
    ),
    ReadPath(
        "bookmarks-api",
        api("/api/v1/me/bookmarks"),
        states=THREADS,
        **BOOKMARKED,
    ),
    ReadPath(
        "notifications-page",
        page("/notifications"),
        states=NOTIFIABLE,
        **NOTIFIED,
    ),
    ReadPath(
        "notifications-api",
        api("/api/v1/notifications"),
        states=NOTIFIABLE,
        **NOTIFIED,
    ),
    # Moderation
    ReadPath("queue-api", queue_api, audience=MODERATORS, why="moderators' queue"),
    ReadPath("queue-page", queue_page, audience=MODERATORS, why="moderators' queue"),
    ReadPath("log-api", log_api, audience=MODERATORS, why="moderators' log"),
    ReadPath("log-page", log_page, audience=MODERATORS, why="moderators' log"),
    ReadPath(
        "move-page",
        page("/t/{s.thread_id}/move"),
        states=THREADS,
        audience=MODERATORS,
        why="the page that moves or merges a thread is for its community's moderators",
    ),
    # Search
    ReadPath(
        "search-api-results",
        search_api(lambda body, s: bool(body["items"])),
        **SEARCHED,
    ),
    ReadPath(
        "search-api-totals",
        search_api(lambda body, s: body["total"] > 0),
        **SEARCHED,
    ),
    ReadPath(
        "search-api-every-post",
        search_api(lambda body, s: bool(body["items"]), group="post"),
        **SEARCHED,
    ),
    ReadPath(
        "search-api-fallback",
        search_api(lambda body, s: bool(body["items"]) or body["total"] > 0, q="fallback"),
        **SEARCHED,
    ),
    ReadPath(
        "search-api-facets",
        search_api(lambda body, s: any((body.get("facets") or {}).values()), facets="1"),
        **SEARCHED,
    ),
    ReadPath(
        "search-api-suggestion",
        search_api(lambda body, s: s.marker in (body.get("suggestion") or ""), q="misspelt"),
        **SEARCHED,
    ),
    ReadPath(
        "search-page-results",
        search_page(lambda html, s: s.marker in results_block(html)),
        **SEARCHED,
    ),
    ReadPath("search-page-totals", search_page(page_total), **SEARCHED),
    ReadPath(
        "search-page-fallback",
        search_page(lambda html, s: s.marker in results_block(html), query="fallback"),
        **SEARCHED,
    ),
    ReadPath(
        "search-page-facets",
        search_page(lambda html, s: "<li>" in facets_block(html)),
        **SEARCHED,
    ),
    ReadPath(
        "search-page-suggestion",
        search_page(suggestion_in_page, misspelt_query=True),
        **SEARCHED,
    ),
    ReadPath(
        "search-similar",
        similar,
        states=THREADS,
        narrowed={**INDEXED_ONLY, "merged": NOBODY},
        why="titles of indexed threads; a merged thread's title is no longer one",
    ),
    # Courses (each thread-level secret's thread is linked to a course of its own) and the
    # learning points its author earned when it went into the best of
    ReadPath(
        "course-page",
        page("/courses/LM-{s.state}"),
        states=THREADS,
        narrowed=THREAD_LISTS,
        why="a course lists its discussions as a community lists its threads",
    ),
    ReadPath(
        "course-api",
        api("/api/v1/courses/LM-{s.state}"),
        states=THREADS,
        narrowed=THREAD_LISTS,
        why="a course lists its discussions as a community lists its threads",
    ),
    ReadPath(
        "course-count-api",
        course_count,
        states=THREADS,
        narrowed=THREAD_LISTS,
        why="the catalogue counts a course's discussions as its page lists them",
    ),
    ReadPath(
        "points-history-api",
        api("/api/v1/users/lm_author/points"),
        states=THREADS,
        narrowed={"merged": NOBODY},
        why="an entry names the discussion as it is now: a merged thread's is the one it joined",
    ),
    ReadPath(
        "points-history-page",
        page("/u/lm_author/points"),
        states=THREADS,
        narrowed={"merged": NOBODY},
        why="an entry names the discussion as it is now: a merged thread's is the one it joined",
    ),
    # Communities (their names)
    ReadPath("directory-page", community_name(read_page, "/communities"), community_rule=True),
    ReadPath(
        "communities-api", community_name(read_api, "/api/v1/communities"), community_rule=True
    ),
    ReadPath(
        "community-api", community_name(read_api, "/api/v1/communities/{slug}"), community_rule=True
    ),
    ReadPath("sitemap", community_name(read_page, "/sitemap"), community_rule=True),
    # The anonymous page cache: primed as anonymous while readable, read as anonymous now
    ReadPath("cache-page", page("/t/{s.thread_id}"), actors=("anonymous",)),
    ReadPath("cache-json", api("/api/v1/threads/{s.thread_id}"), actors=("anonymous",)),
    # The live channel
    ReadPath("ws-subscribe-thread", ws_subscribe_thread, states=THREADS),
    ReadPath("ws-subscribe-community", ws_subscribe_community, community_rule=True),
    ReadPath(
        "ws-backlog-thread",
        backlog_probe(lambda w, a, s: topic(s)),
        narrowed=NEVER_ANNOUNCED,
        why="a held reply was never announced",
    ),
    ReadPath(
        "ws-backlog-community",
        backlog_probe(lambda w, a, s: f"community:{slug(s.origin)}"),
        states=THREADS - {"held_thread"},
        why="a held thread was never announced",
    ),
    ReadPath(
        "ws-backlog-notifications",
        backlog_probe(user_topic),
        states=NOTIFIABLE,
        **NOTIFIED,
    ),
    ReadPath("ws-open-subscription", ws_open_subscription, states=THREADS),
    # Events (issue 11): an event of the secret's community, its title carrying the marker
    ReadPath("event-page", page("/events/{s.event_id}"), states=EVENTS),
    ReadPath("event-json", api("/api/v1/events/{s.event_id}"), states=EVENTS),
    ReadPath("event-ics", api("/api/v1/events/{s.event_id}.ics"), states=EVENTS),
    ReadPath(
        "event-online-link-page",
        event_link_on(read_page, "/events/{s.event_id}"),
        states=EVENTS,
        audience=GOING_AND_MANAGERS,
        why="the online link is for those going (still members) and the event's managers",
    ),
    ReadPath(
        "event-online-link-json",
        event_link_on(read_api, "/api/v1/events/{s.event_id}"),
        states=EVENTS,
        audience=GOING_AND_MANAGERS,
        why="the online link is for those going (still members) and the event's managers",
    ),
    ReadPath(
        "event-online-link-ics",
        event_link_on(read_api, "/api/v1/events/{s.event_id}.ics"),
        states=EVENTS,
        audience=GOING_AND_MANAGERS,
        why="the online link is for those going (still members) and the event's managers",
    ),
    ReadPath("community-events-page", in_communities(read_page, "/c/{slug}/events"), states=EVENTS),
    ReadPath(
        "community-events-api",
        in_communities(read_api, "/api/v1/communities/{slug}/events"),
        states=EVENTS,
    ),
    ReadPath(
        "community-events-feed",
        in_communities(read_api, "/api/v1/communities/{slug}/events.ics"),
        states=EVENTS,
    ),
    ReadPath(
        "community-events-feed-key",
        with_key("/api/v1/communities/{slug}/events.ics?key={key}"),
        states=EVENTS,
        actors=tuple(sorted(SIGNED_IN)),
    ),
    ReadPath(
        "personal-events-feed",
        with_key("/api/v1/me/events.ics?key={key}"),
        states=EVENTS,
        actors=tuple(sorted(SIGNED_IN)),
        audience=BELONG,
        why="a person's own feed lists the events of the communities they belong to",
    ),
    ReadPath("events-page", page("/events?all=1"), states=EVENTS),
    ReadPath("events-api", api("/api/v1/events?all=true"), states=EVENTS),
)


def cells() -> list[Any]:
    return [
        pytest.param(path, state, actor, id=f"{path.name}-{state}-{actor}")
        for path in PATHS
        for state in STATES
        if state in path.states
        for actor in path.actors
    ]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(
    database_template: Any, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    async with running_world(database_template, tmp_path_factory.mktemp("leak-matrix")) as built:
        yield built


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("path", "state", "actor"), cells())
async def test_cell(world: World, path: ReadPath, state: str, actor: str) -> None:
    allowed = actor in path.expected(state)
    seen = await path.probe(world, actor, world.secrets[state])
    assert seen == allowed, (
        f"{path.name} as {actor}, {state}: the secret {world.secrets[state].marker!r} is "
        f"{'visible' if seen else 'not visible'}, but should {'' if allowed else 'not '}be"
        + (f" ({path.why})" if path.why else "")
    )


def test_the_tables_name_each_path_once_and_only_known_states_and_actors() -> None:
    names = [p.name for p in PATHS]
    assert len(names) == len(set(names))
    for p in PATHS:
        assert p.states <= ALL and set(p.narrowed) <= ALL, p.name
        assert set(p.actors) <= EVERYONE and p.audience <= EVERYONE, p.name
    assert set(MAY_SEE) == ALL
