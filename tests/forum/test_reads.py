"""The fast read paths (forum/reads.py) and the anonymous page cache (forum/web/page_cache.py):
the same content as the ORM would load (the oracles below say it with ORM queries), the same
permission answers, and a cache that never serves what a visitor may not see, never serves stale
versions, and never serves signed-in people."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from tortoise.expressions import Q, Subquery

from forum import accounts, permissions, posts, reads, security, serialize, threads
from forum.errors import NotFound
from forum.models import Community, Post, Thread, ThreadTag, User
from forum.web import page_cache
from forum.web.page_cache import PageCache
from tests.conftest import ORIGIN, SECRET, bearer

# httpx files cookies of the host "testserver" under "testserver.local" (see test_pages.py).
COOKIE_DOMAIN = "testserver.local"

Browser = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture(autouse=True)
async def _app_first(client: httpx.AsyncClient) -> None:
    """The app (and its database) starts before any factory fixture of these tests runs."""


@pytest.fixture
async def browser(app: Any) -> AsyncIterator[Browser]:
    """More browsers on the same app, each with its own cookies; signed in when given a user."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(user: User | None = None) -> httpx.AsyncClient:
            c = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN)
            )
            if user is not None:
                token = await accounts.start_session(user, 1)
                c.cookies.set("chaupal_session", token, domain=COOKIE_DOMAIN)
            return c

        yield make


def _cache(app: Any) -> PageCache:
    return app.state.page_cache if hasattr(app.state, "page_cache") else _new_cache(app)


def _new_cache(app: Any, **options: Any) -> PageCache:
    app.state.page_cache = PageCache(**options)
    return app.state.page_cache


@dataclass
class World:
    community: Community
    thread: Thread
    author: User
    replier: User
    other: User
    moderator: User
    admin: User
    posts: dict[str, Post]


async def _post(actor: User, thread_id: int, body: str, reply_to: int | None = None) -> Post:
    thread = await threads.get(actor, thread_id)
    return await posts.reply(actor, thread, body=body, reply_to=reply_to)


async def _set_status(post: Post, status: str, moderator: User) -> None:
    loaded = await posts.get(moderator, post.id)
    await posts.change_status(loaded, status, note=f"moderator set {status}")


@pytest.fixture
async def world(make_user, make_community, make_thread, admin) -> World:
    """A thread with replies, a reply to a reply, and a removed, a held and a hidden post."""
    author = await make_user(username="asker", display_name="Asha Asker", role="Collector")
    replier = await make_user(username="replier", display_name="Ravi Replier", role="")
    other = await make_user(username="other", display_name="Omar Other")
    moderator = await make_user(username="modest", display_name="Mona Moderator")
    community = await make_community(
        members=(author, replier, other), moderators=(moderator,), name="Revenue Officers"
    )
    thread = await make_thread(
        author, community, title="How do you clear mutation backlogs?", tags=["land", "revenue"]
    )
    second = await _post(replier, thread.id, "We hold **weekly** camps.")
    third = await _post(author, thread.id, "Which day works best?", reply_to=second.id)
    removed = await _post(other, thread.id, "Secret removed words.")
    held = await _post(replier, thread.id, "Held words awaiting review.")
    hidden = await _post(other, thread.id, "Hidden words after flags.")
    fine = await _post(other, thread.id, "Fridays work for us.", reply_to=third.id)
    await posts.delete(other, await posts.get(other, removed.id))
    await _set_status(held, "pending", admin)
    await _set_status(hidden, "hidden", admin)
    return World(
        community=community,
        thread=await threads.get(author, thread.id),
        author=author,
        replier=replier,
        other=other,
        moderator=moderator,
        admin=admin,
        posts={
            "second": second,
            "third": third,
            "removed": removed,
            "held": held,
            "hidden": hidden,
            "fine": fine,
        },
    )


def _actors(world: World) -> list[tuple[str, User | None]]:
    return [
        ("anonymous", None),
        ("author", world.author),
        ("replier", world.replier),
        ("other", world.other),
        ("moderator", world.moderator),
        ("admin", world.admin),
    ]


async def _fresh(user: User | None) -> User | None:
    """A new actor object per read, as each request has (memberships are cached per object)."""
    return None if user is None else await User.get(id=user.id)


# ORM oracles: what the raw SQL of forum/reads.py must agree with, said with the ORM.


@dataclass
class OrmPostPage:
    posts: list[Post]
    parents: dict[int, reads.ParentRef]
    hidden_bodies: set[int]
    more: bool


async def _orm_post_page(
    actor: User | None,
    thread: Thread,
    *,
    from_number: int = 1,
    to_number: int | None = None,
    after_id: int | None = None,
    limit: int = 20,
) -> OrmPostPage:
    moderator = await permissions.can_moderate(actor, thread.community)
    visible = Q(thread_id=thread.id)
    if not moderator:
        listed = Q(status__in=("published", "deleted"))
        if actor is not None:
            listed = listed | Q(author_id=actor.id, status__in=("pending", "hidden"))
        visible = visible & listed
    query = Post.filter(visible)
    if after_id is not None:
        anchor = await Post.get(id=after_id, thread_id=thread.id).values_list("number", flat=True)
        query = query.filter(number__gt=anchor)
    else:
        query = query.filter(number__gte=from_number)
    if to_number is not None:
        query = query.filter(number__lte=to_number)
    rows = await query.order_by("number").limit(limit + 1).select_related("author")
    more = len(rows) > limit
    rows = rows[:limit]
    hidden = {
        p.id
        for p in rows
        if p.status != "published"
        and not (
            moderator or (actor is not None and p.author.id == actor.id and p.status != "deleted")
        )
    }
    parents: dict[int, reads.ParentRef] = {}
    parent_ids = {p.reply_to_id for p in rows if p.reply_to_id}
    if parent_ids:
        for pid, number, username, display in await Post.filter(id__in=parent_ids).values_list(
            "id", "number", "author__username", "author__display_name"
        ):
            parents[pid] = reads.ParentRef(pid, number, username, display)
    return OrmPostPage(posts=rows, parents=parents, hidden_bodies=hidden, more=more)


def _orm_cursor(thread: Thread) -> str:
    return f"{int(thread.last_activity_at.timestamp() * 1_000_000)}.{thread.id}"


async def _orm_thread_list(
    actor: User | None,
    community: Community,
    *,
    cursor: str | None = None,
    limit: int = 25,
    tag: str | None = None,
    pinned: bool | None = None,
) -> tuple[list[Thread], str | None]:
    query = Thread.filter(community_id=community.id)
    if await permissions.can_moderate(actor, community):
        query = query.filter(status__in=("published", "pending", "hidden"))
    elif actor is not None:
        query = query.filter(Q(status="published") | Q(status="pending", author_id=actor.id))
    else:
        query = query.filter(status="published")
    if pinned is not None:
        query = query.filter(pinned=pinned)
    if tag:
        query = query.filter(
            id__in=Subquery(ThreadTag.filter(tag=tag.lower()[:30]).values("thread_id"))
        )
    if cursor:
        when, ident = reads.decode_cursor(cursor)
        query = query.filter(Q(last_activity_at__lt=when) | Q(last_activity_at=when, id__lt=ident))
    rows = (
        await query.order_by("-last_activity_at", "-id")
        .limit(limit + 1)
        .select_related("author", "last_poster")
    )
    for row in rows:
        row.community = community
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (_orm_cursor(rows[-1]) if more and rows else None)


# The fast reads agree with the ORM


async def test_thread_read_matches_threads_get_for_every_kind_of_reader(world):
    for name, actor in _actors(world):
        orm = await threads.get(await _fresh(actor), world.thread.id)
        view = await reads.thread(await _fresh(actor), world.thread.id)
        assert reads.thread_json(view) == serialize.thread(orm), name
        assert view.created_at == orm.created_at and view.last_activity_at == orm.last_activity_at
        assert view.version == orm.version and view.last_number == orm.last_number
        assert (view.author.id, view.author.username, view.author.display_name) == (
            orm.author.id,
            orm.author.username,
            orm.author.display_name,
        )
        assert view.last_poster is not None and orm.last_poster is not None
        assert view.last_poster.display_name == orm.last_poster.display_name
        assert (view.community.slug, view.community.name, view.community.visibility) == (
            orm.community.slug,
            orm.community.name,
            orm.community.visibility,
        )


def _page_shape(page: Any, json_of: Callable[..., dict]) -> dict:
    return {
        "posts": [json_of(p, show_body=p.id not in page.hidden_bodies) for p in page.posts],
        "parents": page.parents,
        "hidden": page.hidden_bodies,
        "more": page.more,
    }


@pytest.mark.parametrize(
    "window",
    [
        {"from_number": 1, "to_number": 20, "limit": 20},
        {"from_number": 3, "to_number": 5, "limit": 3},
        {"from_number": 1, "limit": 2},
        {"after_id": None, "limit": 50},
    ],
)
async def test_post_page_matches_the_orm_for_every_kind_of_reader(world, window):
    window = dict(window)
    if "after_id" in window:
        window["after_id"] = world.posts["second"].id
    for name, actor in _actors(world):
        orm_actor, fast_actor = await _fresh(actor), await _fresh(actor)
        orm = await _orm_post_page(
            orm_actor, await threads.get(orm_actor, world.thread.id), **window
        )
        fast = await reads.post_page(
            fast_actor, await reads.thread(fast_actor, world.thread.id), **window
        )
        assert _page_shape(fast, reads.post_json) == _page_shape(orm, serialize.post), name


async def test_who_sees_which_post_bodies(world):
    p = world.posts
    expectations = {
        # reader: (posts listed, bodies withheld)
        "anonymous": ({"removed"}, {"removed"}),
        "author": ({"removed"}, {"removed"}),
        "replier": ({"removed", "held"}, {"removed"}),  # the held post is the replier's own
        "other": ({"removed", "hidden"}, {"removed"}),  # and the hidden one is other's own
        "moderator": ({"removed", "held", "hidden"}, set()),
        "admin": ({"removed", "held", "hidden"}, set()),
    }
    unusual = {"removed", "held", "hidden"}
    for name, actor in _actors(world):
        view = await reads.thread(actor, world.thread.id)
        page = await reads.post_page(actor, view, limit=20)
        listed = {k for k in unusual if any(q.id == p[k].id for q in page.posts)}
        withheld = {k for k in unusual if p[k].id in page.hidden_bodies}
        assert (listed, withheld) == expectations[name], name


async def test_replies_carry_the_post_they_answer_in_the_same_query(world):
    page = await reads.post_page(None, await reads.thread(None, world.thread.id), limit=20)
    second, third = world.posts["second"], world.posts["third"]
    assert page.parents[second.id] == reads.ParentRef(second.id, 2, "replier", "Ravi Replier")
    assert page.parents[third.id] == reads.ParentRef(third.id, 3, "asker", "Asha Asker")
    assert set(page.parents) == {second.id, third.id}


async def test_thread_lists_match_the_orm(world, make_thread):
    community = world.community
    await make_thread(world.other, community, title="Second thread here", tags=["land"])
    pinned = await make_thread(world.replier, community, title="Pinned rules of the road")
    await threads.set_pinned(world.moderator, await threads.get(world.moderator, pinned.id), True)
    held = await make_thread(world.other, community, title="A held thread for review")
    opening = await Post.get(thread_id=held.id, number=1)
    await _set_status(opening, "pending", world.admin)
    for extra in range(3):
        await make_thread(world.author, community, title=f"Filler thread number {extra}")
    for name, actor in _actors(world):
        for kwargs in (
            {"limit": 25},
            {"limit": 2},
            {"limit": 10, "pinned": True},
            {"limit": 25, "pinned": False},
            {"limit": 25, "tag": "LAND"},
        ):
            orm_actor, fast_actor = await _fresh(actor), await _fresh(actor)
            orm_rows, orm_next = await _orm_thread_list(orm_actor, community, **kwargs)
            view = await reads.community(fast_actor, community.slug)
            rows, next_cursor = await reads.threads_in(fast_actor, view, **kwargs)
            assert [reads.thread_json(t) for t in rows] == [serialize.thread(t) for t in orm_rows]
            assert [t.last_poster.display_name if t.last_poster else None for t in rows] == [
                t.last_poster.display_name if t.last_poster else None for t in orm_rows
            ], (name, kwargs)
            assert next_cursor == orm_next, (name, kwargs)
            if next_cursor:  # and the next page too
                orm_rows, _ = await _orm_thread_list(
                    orm_actor, community, cursor=orm_next, **kwargs
                )
                rows, _ = await reads.threads_in(fast_actor, view, cursor=next_cursor, **kwargs)
                assert [t.id for t in rows] == [t.id for t in orm_rows], (name, kwargs)


async def test_reads_never_load_password_hashes_or_emails(world):
    view = await reads.thread(world.moderator, world.thread.id)
    page = await reads.post_page(world.moderator, view, limit=20)
    people = [view.author, view.last_poster, *(p.author for p in page.posts)]
    for person in people:
        assert not hasattr(person, "email") and not hasattr(person, "password_hash")


async def test_private_community_reads_are_not_found_to_outsiders(make_user, make_community):
    insider, outsider = await make_user(), await make_user()
    closed = await make_community(visibility="private", members=(insider,))
    thread, _ = await threads.start(insider, closed, title="Private matters here", body="Hush.")
    for actor in (None, outsider):
        with pytest.raises(NotFound):
            await reads.thread(actor, thread.id)
        with pytest.raises(NotFound):
            await reads.community(actor, closed.slug)
    assert (await reads.thread(insider, thread.id)).title == "Private matters here"


# The pages and the JSON on the fast paths


async def test_anonymous_thread_page_shows_replies_parents_and_removed_posts(client, world):
    r = await client.get(f"/t/{world.thread.id}")
    assert r.status_code == 200
    html = r.text
    assert "How do you clear mutation backlogs?" in html
    assert "We hold <strong>weekly</strong> camps." in html
    second, third = world.posts["second"].id, world.posts["third"].id
    assert f'In reply to <a href="/p/{second}">Ravi Replier (post 2)</a>' in html
    assert f'In reply to <a href="/p/{third}">Asha Asker (post 3)</a>' in html
    assert "This post was removed." in html and "Secret removed words." not in html
    assert "Held words" not in html and "Hidden words" not in html
    assert "Collector" in html  # the author's role
    assert "Sign in to reply" in html


async def test_moderator_and_authors_see_what_is_theirs_to_see(world, browser):
    for user, shown, withheld in (
        (world.moderator, ["Secret removed words.", "Held words", "Hidden words"], []),
        (world.replier, ["Held words"], ["Secret removed words.", "Hidden words"]),
        (world.other, ["Hidden words"], ["Secret removed words.", "Held words"]),
    ):
        c = await browser(user)
        html = (await c.get(f"/t/{world.thread.id}")).text
        for text in shown:
            assert text in html, (user.username, text)
        for text in withheld:
            assert text not in html, (user.username, text)


async def test_thread_json_for_anonymous_callers(client, world):
    r = await client.get(f"/api/v1/threads/{world.thread.id}")
    assert r.status_code == 200
    body = r.json()
    by_id = {p["id"]: p for p in body["posts"]}
    removed = by_id[world.posts["removed"].id]
    assert removed["status"] == "deleted" and removed["body"] == "" and removed["body_html"] == ""
    assert world.posts["held"].id not in by_id and world.posts["hidden"].id not in by_id
    assert by_id[world.posts["third"].id]["reply_to"] == world.posts["second"].id
    assert body["tags"] == ["land", "revenue"] and body["author"] == "asker"
    assert body["created_at"].endswith("+00:00")
    paged = await client.get(
        f"/api/v1/threads/{world.thread.id}", params={"limit": 2, "after": world.posts["second"].id}
    )
    assert [p["number"] for p in paged.json()["posts"]] == [3, 4]
    assert paged.json()["next"] == str(paged.json()["posts"][-1]["id"])


async def test_community_page_and_thread_list_json(client, world):
    html = (await client.get(f"/c/{world.community.slug}")).text
    assert "How do you clear mutation backlogs?" in html and "Revenue Officers" in html
    assert "Sign in to join" in html
    items = (await client.get(f"/api/v1/communities/{world.community.slug}/threads")).json()
    assert [i["id"] for i in items["items"]] == [world.thread.id]
    assert items["items"][0]["reply_count"] == world.thread.post_count - 1


# The anonymous cache


async def test_anonymous_pages_are_served_again_from_the_cache_byte_for_byte(app, client, world):
    cache = _cache(app)
    first = await client.get(f"/t/{world.thread.id}")
    assert len(cache) == 1
    second = await client.get(f"/t/{world.thread.id}")
    assert second.status_code == 200 and second.content == first.content
    assert second.headers.get("content-type") == first.headers.get("content-type")
    assert "set-cookie" not in first.headers and "set-cookie" not in second.headers
    assert "cache-control" not in second.headers  # nothing a shared cache could keep
    json_first = await client.get(f"/api/v1/threads/{world.thread.id}")
    json_second = await client.get(f"/api/v1/threads/{world.thread.id}")
    assert json_first.content == json_second.content and len(cache) == 2
    assert json_second.headers["content-type"] == "application/json"


async def test_a_new_reply_or_an_edit_shows_on_the_next_anonymous_request(client, world):
    url, api = f"/t/{world.thread.id}", f"/api/v1/threads/{world.thread.id}"
    assert "Tuesdays are better." not in (await client.get(url)).text
    assert "Tuesdays are better." not in (await client.get(api)).text
    reply = await _post(world.replier, world.thread.id, "Tuesdays are better.")
    assert "Tuesdays are better." in (await client.get(url)).text
    assert "Tuesdays are better." in (await client.get(api)).text
    loaded = await posts.get(world.replier, reply.id)
    await posts.edit(world.replier, loaded, body="Wednesdays, on reflection.")
    html = (await client.get(url)).text
    assert "Wednesdays, on reflection." in html and "Tuesdays are better." not in html
    assert "Wednesdays, on reflection." in (await client.get(api)).text
    await posts.delete(world.replier, loaded)
    html = (await client.get(url)).text
    assert "Wednesdays, on reflection." not in html
    assert "Wednesdays, on reflection." not in (await client.get(api)).text


async def test_private_community_is_404_to_anonymous_visitors_even_on_a_cache_hit(
    app, client, world, browser
):
    url, api = f"/t/{world.thread.id}", f"/api/v1/threads/{world.thread.id}"
    assert (await client.get(url)).status_code == 200
    assert (await client.get(api)).status_code == 200
    assert len(_cache(app)) == 2
    # The community turns private: no thread version changes, yet the next hit is refused.
    await Community.filter(id=world.community.id).update(visibility="private")
    member = await browser(world.author)
    assert (await member.get(url)).status_code == 200  # a member viewed it meanwhile
    assert (await client.get(url)).status_code == 404
    assert (await client.get(api)).status_code == 404
    assert "mutation backlogs" not in (await client.get(url)).text
    await Community.filter(id=world.community.id).update(visibility="public")
    assert (await client.get(url)).status_code == 200


async def test_a_thread_taken_out_of_view_is_404_on_the_next_anonymous_request(client, world):
    url, api = f"/t/{world.thread.id}", f"/api/v1/threads/{world.thread.id}"
    assert (await client.get(url)).status_code == 200
    assert (await client.get(api)).status_code == 200
    # Even a change that forgets to bump the version is seen: the status is checked per hit.
    await Thread.filter(id=world.thread.id).update(status="hidden")
    assert (await client.get(url)).status_code == 404
    assert (await client.get(api)).status_code == 404


async def test_signed_in_pages_never_come_from_or_go_into_the_anonymous_cache(
    app, client, world, browser
):
    cache = _cache(app)
    url, api = f"/t/{world.thread.id}", f"/api/v1/threads/{world.thread.id}"
    c = await browser(world.replier)
    signed_in_first = await c.get(url)
    assert len(cache) == 0
    await client.get(url)
    await client.get(api)
    assert len(cache) == 2
    signed_in = await c.get(url)
    assert "Ravi Replier" in signed_in.text.split("</header>")[0]  # the account menu
    assert "Your reply" in signed_in.text and "Held words" in signed_in.text
    assert signed_in.headers["cache-control"] == "private, no-store"
    assert signed_in_first.text.count("Held words") == signed_in.text.count("Held words")
    assert "Held words" in (await c.get(api)).text
    assert len(cache) == 2
    # A bearer token is never answered from the anonymous JSON either.
    token_answer = await client.get(api, headers=await bearer(world.replier))
    assert "Held words" in token_answer.text
    # A stale session cookie is treated as anonymous, but not cached or served from the cache.
    stale = await browser()
    stale.cookies.set("chaupal_session", "not-a-session", domain=COOKIE_DOMAIN)
    r = await stale.get(url)
    assert r.status_code == 200 and "Sign in to reply" in r.text
    assert len(cache) == 2


async def test_requests_with_a_flash_message_or_other_parameters_bypass_the_cache(
    app, client, world, browser
):
    cache = _cache(app)
    url = f"/t/{world.thread.id}"
    await client.get(url)
    assert len(cache) == 1
    flashed = await browser()
    flashed.cookies.set("chaupal_flash", "garbage", domain=COOKIE_DOMAIN)
    r = await flashed.get(url)
    assert r.status_code == 200
    assert "chaupal_flash" in r.headers.get("set-cookie", "")  # deleted, as render() does
    assert (await client.get(url, params={"utm_source": "mail"})).status_code == 200
    assert (await client.get(url, params={"page": "01"})).status_code == 200
    assert len(cache) == 1
    assert (await client.get(url, params={"page": "9"})).status_code == 400
    assert len(cache) == 1


async def test_cached_pages_expire_so_profile_changes_show_up_soon(app, client, world):
    now = [1000.0]
    _new_cache(app, clock=lambda: now[0])
    url = f"/t/{world.thread.id}"
    assert "Ravi Replier" in (await client.get(url)).text
    await accounts.update_profile(
        world.replier, world.replier, display_name="Ravi R. Kumar", role="", sector="", bio=""
    )
    assert "Ravi Replier" in (await client.get(url)).text  # the version did not change
    now[0] += page_cache.MAX_AGE_SECONDS + 1
    html = (await client.get(url)).text
    assert "Ravi R. Kumar" in html and "Ravi Replier" not in html


# The anonymous CSRF cookie only where there is a form


async def test_pages_without_forms_set_no_cookie_and_form_pages_do(client, world):
    for path in (f"/t/{world.thread.id}", f"/c/{world.community.slug}", "/communities"):
        r = await client.get(path)
        assert r.status_code == 200 and "chaupal_anon" not in r.cookies, path
    login = await client.get("/login")
    assert "chaupal_anon" in login.cookies
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert token and token.group(1)


async def test_signed_in_forms_still_carry_the_session_bound_token(world, browser):
    c = await browser(world.author)
    expected = security.csrf_token(SECRET, c.cookies["chaupal_session"])
    r = await c.get(f"/t/{world.thread.id}")
    assert f'name="csrf_token" value="{expected}"' in r.text
    assert "chaupal_anon" not in r.cookies


# PageCache itself


def test_page_cache_is_bounded_by_entries_and_bytes_and_least_recently_used_goes_first():
    cache = PageCache(max_entries=3, max_bytes=1000)
    for n in range(3):
        cache.put(n, b"x" * 100)
    assert cache.get(0) is not None  # 0 is now the most recently used
    cache.put(3, b"x" * 100)
    assert cache.get(1) is None and all(cache.get(n) is not None for n in (0, 2, 3))
    cache.put(4, b"y" * 200)  # larger than max_bytes // 8: not kept at all
    assert cache.get(4) is None
    cache = PageCache(max_entries=100, max_bytes=800)
    for n in range(10):
        cache.put(n, b"z" * 100)
    assert cache.size <= 800 and len(cache) == 8 and cache.get(0) is None


def test_page_cache_entries_expire():
    now = [0.0]
    cache = PageCache(max_age=30, clock=lambda: now[0])
    cache.put("k", b"page")
    now[0] = 30
    assert cache.get("k") == b"page"
    now[0] = 30.5
    assert cache.get("k") is None and len(cache) == 0 and cache.size == 0
