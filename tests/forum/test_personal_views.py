"""Signed-in pages share what is the same for everyone (forum/web/page_cache.py memos: a
thread's rows, its rendered post stream, thread list rows, the communities) and never one
person's view with another: each reader's own reactions, bookmarks, buttons, CSRF tokens,
unread count and memberships are theirs, whatever was served before, and a change to what
they may read shows on their very next request."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from forum import communities, notifications, posts, social, threads
from forum.models import Community, User
from tests.conftest import ORIGIN, sign_in

Browser = Callable[[User], Awaitable[tuple[httpx.AsyncClient, str]]]


@pytest.fixture
async def browser(app: Any) -> AsyncIterator[Browser]:
    """A browser signed in as the user, and the CSRF token its forms must carry."""
    opened: list[httpx.AsyncClient] = []

    async def make(user: User) -> tuple[httpx.AsyncClient, str]:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN)
        opened.append(client)
        return client, await sign_in(client, user)

    yield make
    for client in opened:
        await client.aclose()


@pytest.fixture
async def scene(
    make_user: Callable[..., Awaitable[User]],
    make_community: Callable[..., Awaitable[Community]],
    admin: User,
) -> dict[str, Any]:
    asker = await make_user(username="asker", display_name="Asha Asker")
    ravi = await make_user(username="ravi", display_name="Ravi Rao")
    sita = await make_user(username="sita", display_name="Sita Sen")
    mona = await make_user(username="mona", display_name="Mona Moderator")
    community = await make_community(
        members=(asker, ravi, sita), moderators=(mona,), name="Revenue Officers"
    )
    thread, first = await threads.start(
        asker, community, title="Mutation backlogs", body="How do you clear them?", tags=[]
    )
    loaded = await threads.get(ravi, thread.id)
    ravis = await posts.reply(ravi, loaded, body="We hold weekly camps.")
    await social.react(ravi, await posts.get(ravi, first.id), "insightful")
    await social.bookmark(sita, await threads.get(sita, thread.id), on=True)
    await notifications.notify(sita.id, "reply", thread_id=thread.id, post_id=ravis.id)
    return {
        "thread": thread,
        "first": first,
        "ravis": ravis,
        "community": community,
        "people": {"asker": asker, "ravi": ravi, "sita": sita, "mona": mona, "admin": admin},
    }


def _csrf_values(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', html))


def _post_html(html: str, number: int) -> str:
    start = html.index(f'id="post-{number}"')
    end = html.find('<li class="post', start + 10)
    return html[start : end if end != -1 else len(html)]


async def test_each_reader_gets_their_own_marks_buttons_and_tokens(
    browser: Browser, scene: dict[str, Any]
) -> None:
    people = scene["people"]
    url = f"/t/{scene['thread'].id}"
    pages: dict[str, str] = {}
    # Twice round, so every page after the first is served from shared parts.
    for _ in range(2):
        for name in ("ravi", "sita", "asker", "mona", "ravi", "admin"):
            client, token = await browser(people[name])
            response = await client.get(url)
            assert response.status_code == 200
            html = response.text
            assert "\x00" not in html
            assert _csrf_values(html) == {token}, name  # every form: this session's token only
            pages[name] = html

    first_by_ravi = _post_html(pages["ravi"], 1)
    assert re.search(r'value="insightful" aria-pressed="true"', first_by_ravi)
    for name in ("sita", "asker", "mona", "admin"):
        assert not re.search(r'aria-pressed="true"', _post_html(pages[name], 1)), name
    # The count is everyone's.
    assert re.search(r'data-kind="insightful">1<', _post_html(pages["sita"], 1))

    # Edit buttons: on one's own posts, and on all of them for moderators.
    edit = re.compile(r'href="/p/(\d+)/edit"')
    assert set(edit.findall(pages["ravi"])) == {str(scene["ravis"].id)}
    assert set(edit.findall(pages["asker"])) == {str(scene["first"].id)}
    assert not edit.findall(pages["sita"])
    both = {str(scene["first"].id), str(scene["ravis"].id)}
    assert set(edit.findall(pages["mona"])) == both
    assert set(edit.findall(pages["admin"])) == both
    assert "Move or merge" in pages["mona"] and "Move or merge" not in pages["sita"]

    # Bookmarks and the header's unread count are the reader's own.
    assert 'aria-pressed="true">Bookmarked' in pages["sita"]
    assert 'aria-pressed="false">Bookmark' in pages["ravi"]
    assert re.search(r'class="[^"]*unread[^"]*"[^>]*>\s*1\s*<', pages["sita"]) or (
        "1 unread" in pages["sita"]
    )


async def test_a_reaction_shows_at_once_for_its_reader_only(
    browser: Browser,
    scene: dict[str, Any],
    make_user: Callable[..., Awaitable[User]],
) -> None:
    """Sita and Tara are alike here (members with no post in the thread), so they share the
    rendering of the posts; Sita's own reaction must still be hers alone."""
    people = scene["people"]
    tara_user = await make_user(username="tara", display_name="Tara Tomar")
    await communities.set_member_status(people["admin"], scene["community"], "tara", "member")
    url = f"/t/{scene['thread'].id}"
    sita, token = await browser(people["sita"])
    tara, _ = await browser(tara_user)
    react = {"csrf_token": token, "toggle": "helpful"}
    done = await sita.post(f"/p/{scene['ravis'].id}/react", data=react, headers={"origin": ORIGIN})
    assert done.status_code == 303
    mine = _post_html((await sita.get(url)).text, 2)  # rendered for Sita first
    theirs = _post_html((await tara.get(url)).text, 2)
    assert re.search(r'value="helpful" aria-pressed="true"', mine)
    assert not re.search(r'aria-pressed="true"', theirs)
    assert 'data-kind="helpful">1<' in theirs
    # Toggling again takes it back.
    await sita.post(f"/p/{scene['ravis'].id}/react", data=react, headers={"origin": ORIGIN})
    assert not re.search(r'aria-pressed="true"', _post_html((await sita.get(url)).text, 2))
    # And the other way round: Tara's page first, then Sita's after she reacts again.
    await sita.post(f"/p/{scene['ravis'].id}/react", data=react, headers={"origin": ORIGIN})
    assert not re.search(r'aria-pressed="true"', _post_html((await tara.get(url)).text, 2))
    assert re.search(r'aria-pressed="true"', _post_html((await sita.get(url)).text, 2))


async def test_losing_a_private_community_shows_on_the_next_request(
    browser: Browser,
    scene: dict[str, Any],
    make_user: Callable[..., Awaitable[User]],
    make_community: Callable[..., Awaitable[Community]],
) -> None:
    people = scene["people"]
    insider = await make_user(username="insider", display_name="Ila Insider")
    secret = await make_community(
        members=(insider,), name="Cadre Review Board", visibility="private"
    )
    thread, _ = await threads.start(
        insider, secret, title="Confidential cadre numbers", body="Only for us.", tags=[]
    )
    client, _ = await browser(insider)
    # Served once, so its rows, stream, feed and communities are all kept.
    assert (await client.get(f"/t/{thread.id}")).status_code == 200
    assert "Confidential cadre numbers" in (await client.get("/")).text
    assert "Cadre Review Board" in (await client.get("/communities")).text
    await communities.set_member_status(people["admin"], secret, "insider", "removed")
    assert (await client.get(f"/t/{thread.id}")).status_code == 404
    assert "Confidential cadre numbers" not in (await client.get("/")).text
    assert "Cadre Review Board" not in (await client.get("/communities")).text
    assert (await client.get(f"/c/{secret.slug}")).status_code == 404


async def test_a_community_made_private_leaves_outsiders_pages_at_once(
    browser: Browser, scene: dict[str, Any], make_user: Callable[..., Awaitable[User]]
) -> None:
    outsider = await make_user(username="outsider", display_name="Om Outsider")
    client, _ = await browser(outsider)
    title = scene["thread"].title
    assert title in (await client.get("/")).text
    assert "Revenue Officers" in (await client.get("/communities")).text
    community = scene["community"]
    await communities.set_visibility(scene["people"]["admin"], community, "private")
    assert title not in (await client.get("/")).text
    assert "Revenue Officers" not in (await client.get("/communities")).text
    assert (await client.get(f"/t/{scene['thread'].id}")).status_code == 404
