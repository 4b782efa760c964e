"""Pages shared by readers of a kind (forum/web/page_cache.py render_shared): the rules look at
a reader only through permissions.reader_class and is_self, so readers of one class who wrote
nothing on a page are offered the same there; a shared rendering holds no one's name, id,
token or reactions, only slots that each request fills with its own reader's."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from jinja2 import DictLoader, Environment

from forum import permissions, posts, social, threads
from forum.models import Community, User
from forum.web import render
from tests.conftest import ORIGIN, sign_in

CID = 7
STATUSES = (None, permissions.MEMBER, permissions.MODERATOR, permissions.ASKED, "removed")
THREAD_STATUSES = (permissions.PUBLISHED, permissions.PENDING, permissions.HIDDEN)
POST_STATUSES = (
    permissions.PUBLISHED,
    permissions.PENDING,
    permissions.HIDDEN,
    permissions.DELETED,
)


def _offers(
    who: permissions.Reader, facts: permissions.ThreadFacts, post: permissions.PostFacts
) -> tuple[object, ...]:
    community = permissions.community_caps(who, CID, facts.visibility)
    caps = permissions.thread_caps(who, facts)
    return (
        community,
        caps,
        permissions.post_caps(who, facts, caps, post, has_note=True),
        permissions.links_courses(who, author_id=facts.author_id, community_id=CID),
        permissions.post_listed(
            who, status=post.status, author_id=post.author_id, moderator=caps.can_moderate
        ),
        permissions.post_body_shown(
            who, status=post.status, author_id=post.author_id, moderator=caps.can_moderate
        ),
    )


def _readers(user_id: int) -> list[permissions.Reader]:
    return [
        permissions.Reader(user_id, admin, {CID: status} if status else {})
        for admin in (False, True)
        for status in STATUSES
    ]


def _facts(
    me: int, visibility: str, t_status: str, locked: bool, p_status: str, authors: tuple[Any, Any]
) -> tuple[permissions.ThreadFacts, permissions.PostFacts]:
    t_author, p_author = (me if a == "self" else a for a in authors)
    thread = permissions.ThreadFacts(t_status, t_author, CID, visibility, locked)
    return thread, permissions.PostFacts(p_status, p_author, number=2)


def test_readers_of_one_class_are_offered_the_same() -> None:
    """Two people of one class, on threads and posts by a third, by one of them each, or
    both their own: every capability a thread page uses is the same for both."""
    checked = 0
    for left, right in zip(_readers(1), _readers(2), strict=True):
        assert permissions.reader_class(left, CID) == permissions.reader_class(right, CID)
        for visibility, t_status, locked, p_status, authors in itertools.product(
            (permissions.PUBLIC, permissions.PRIVATE),
            THREAD_STATUSES,
            (False, True),
            POST_STATUSES,
            ((3, 3), (3, "self"), ("self", 3), ("self", "self")),
        ):
            case = (visibility, t_status, locked, p_status, authors)
            assert _offers(left, *_facts(1, *case)) == _offers(right, *_facts(2, *case)), left
            checked += 1
    assert checked == 10 * 2 * 3 * 2 * 4 * 4


def test_the_class_tells_apart_what_the_rules_tell_apart() -> None:
    """Readers the rules treat differently are of different classes (else a shared page
    would serve one the other's buttons)."""
    readers = [permissions.ANONYMOUS, *_readers(1)]
    facts = permissions.ThreadFacts(permissions.PUBLISHED, 3, CID, permissions.PRIVATE)
    post = permissions.PostFacts(permissions.PUBLISHED, 3, number=2)
    by_class: dict[object, set[tuple[object, ...]]] = {}
    for who in readers:
        by_class.setdefault(permissions.reader_class(who, CID), set()).add(
            _offers(who, facts, post)
        )
    assert all(len(offers) == 1 for offers in by_class.values())
    assert len({next(iter(o)) for o in by_class.values()}) > 4


def test_a_shared_rendering_may_not_read_the_reader() -> None:
    env = Environment(loader=DictLoader({"p.html": "{{ user.id }} {{ user.email }}"}))
    with pytest.raises(RuntimeError, match="user.email"):
        env.get_template("p.html").render(user=render.SharedReader())
    env = Environment(
        loader=DictLoader({"p.html": "{% if user %}{{ user.display_name }}{% endif %}"})
    )
    assert render.skeleton(env.get_template("p.html").render(user=render.SharedReader())).others


@pytest.fixture
async def readers(
    app: Any,
    make_user: Callable[..., Awaitable[User]],
    make_community: Callable[..., Awaitable[Community]],
) -> AsyncIterator[dict[str, Any]]:
    asker = await make_user(username="asker", display_name="Asha Asker")
    ravi = await make_user(username="ravi", display_name="Ravi <b>Rao</b>")
    sita = await make_user(username="sita", display_name="Sita Sen")
    community = await make_community(members=(asker, ravi, sita), name="Revenue Officers")
    thread, first = await threads.start(
        asker, community, title="Mutation backlogs", body="How do you clear them?", tags=[]
    )
    reply = await posts.reply(asker, await threads.get(asker, thread.id), body="Camps help.")
    await social.react(sita, await posts.get(sita, first.id), "insightful")
    clients = []
    tokens = {}
    for user in (ravi, sita):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN)
        clients.append(client)
        tokens[user.username] = (client, await sign_in(client, user))
    yield {"thread": thread, "first": first, "reply": reply, "clients": tokens, "app": app}
    for client in clients:
        await client.aclose()


def _shared_entries(app: Any, template: str) -> int:
    kept = app.state.memos.get("pages")
    return sum(1 for key in kept._entries if key[1] == template) if kept else 0


async def test_two_members_share_one_rendering_and_get_their_own_parts(
    readers: dict[str, Any],
) -> None:
    thread, first = readers["thread"], readers["first"]
    pages = {}
    for name in ("ravi", "sita", "ravi"):
        client, _ = readers["clients"][name]
        response = await client.get(f"/t/{thread.id}")
        assert response.status_code == 200
        pages[name] = response.text
    # Neither wrote anything here: one rendering serves both.
    assert _shared_entries(readers["app"], "thread.html") == 1
    ravi, sita = pages["ravi"], pages["sita"]
    assert "Ravi &lt;b&gt;Rao&lt;/b&gt;" in ravi and "Sita Sen" not in ravi
    assert "Sita Sen" in sita and "Ravi" not in sita
    assert "\x00" not in ravi + sita
    tokens = {n: set(re.findall(r'name="csrf_token" value="([^"]+)"', p)) for n, p in pages.items()}
    assert tokens["ravi"] == {readers["clients"]["ravi"][1]}
    assert tokens["sita"] == {readers["clients"]["sita"][1]}
    # Sita's reaction is pressed on her page only.
    start = f'action="/p/{first.id}/react"'
    pressed = 'value="insightful" aria-pressed="true"'
    assert pressed in sita.split(start, 1)[1].split("</form>", 1)[0]
    assert pressed not in ravi.split(start, 1)[1].split("</form>", 1)[0]
    assert 'class="reaction is-mine"' in sita and "is-mine" not in ravi


async def test_a_post_of_ones_own_gets_a_rendering_of_its_own(readers: dict[str, Any]) -> None:
    thread = readers["thread"]
    client, _ = readers["clients"]["ravi"]
    before = (await client.get(f"/t/{thread.id}")).text
    assert "/edit" not in before
    mine = await posts.reply(
        await User.get(username="ravi"),
        await threads.get(await User.get(username="ravi"), thread.id),
        body="We hold weekly camps in every tehsil.",
    )
    after = (await client.get(f"/t/{thread.id}")).text
    assert f"/p/{mine.id}/edit" in after
    other, _ = readers["clients"]["sita"]
    assert f"/p/{mine.id}/edit" not in (await other.get(f"/t/{thread.id}")).text


async def test_directory_and_home_keep_each_readers_name_and_menu(
    readers: dict[str, Any],
) -> None:
    for path, template in (("/communities", "directory.html"), ("/", "home.html")):
        seen = {}
        for name in ("ravi", "sita"):
            client, _ = readers["clients"][name]
            response = await client.get(path)
            assert response.status_code == 200
            seen[name] = response.text
        assert '<a class="user-chip" href="/u/ravi">' in seen["ravi"]
        assert "/u/sita" not in seen["ravi"] and "/u/ravi" not in seen["sita"]
        assert _shared_entries(readers["app"], template) >= 1
