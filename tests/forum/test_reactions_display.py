"""How a thread page shows reactions: a count only for the kinds someone chose, one React
control per post for those who may react, and the community named once per page."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from forum import posts, social, threads
from forum.models import Community, User
from tests.conftest import sign_in


def _post(html: str, number: int) -> str:
    start = html.index(f'id="post-{number}"')
    end = html.find('<li class="post', start + 10)
    return html[start : end if end != -1 else len(html)]


async def _scene(
    make_user: Callable[..., Awaitable[User]],
    make_community: Callable[..., Awaitable[Community]],
) -> dict[str, Any]:
    asker = await make_user(username="asker", display_name="Asha Asker")
    reader = await make_user(username="reader", display_name="Rita Reader")
    community = await make_community(members=(asker, reader), name="Forest Officers")
    thread, first = await threads.start(
        asker, community, title="Elephant corridors", body="Which maps do you use?", tags=[]
    )
    loaded = await threads.get(reader, thread.id)
    await posts.reply(reader, loaded, body="The state survey's.")
    await social.react(reader, await posts.get(reader, first.id), "thanks")
    return {"thread": thread, "asker": asker, "reader": reader}


async def test_counts_show_only_for_kinds_someone_chose(
    client: httpx.AsyncClient,
    make_user: Callable[..., Awaitable[User]],
    make_community: Callable[..., Awaitable[Community]],
) -> None:
    scene = await _scene(make_user, make_community)
    html = (await client.get(f"/t/{scene['thread'].id}")).text
    first = _post(html, 1)
    shown = re.findall(r'<span class="reaction">(\w+) <span', first)  # anonymous: no buttons
    assert shown == ["Thanks"]
    # Kinds nobody chose are there for live updates to fill, but hidden.
    chips = re.findall(
        r'class="reaction[^"]*"[^>]*?( hidden)?>\w+ <span class="reaction-count" data-kind="\w+">(\d+)<',
        html,
    )
    assert len(chips) == 6  # three kinds on each of the two posts
    assert all(bool(hidden) == (count == "0") for hidden, count in chips)
    assert "<form" not in first  # nobody signed in: nothing to press


async def test_one_react_control_per_post_for_those_who_may_react(
    client: httpx.AsyncClient,
    make_user: Callable[..., Awaitable[User]],
    make_community: Callable[..., Awaitable[Community]],
) -> None:
    scene = await _scene(make_user, make_community)
    await sign_in(client, scene["asker"])
    html = (await client.get(f"/t/{scene['thread'].id}")).text
    reply = _post(html, 2)
    assert reply.count('action="/p/') and reply.count('class="react-menu"') == 1
    assert reply.count("/react") == 1  # one form, a button per kind
    # The asker's own post offers no React control (one does not react to oneself).
    assert 'class="react-menu"' not in _post(html, 1)
    # The community is named in the thread's header, not on every post.
    assert html.count("Forest Officers") <= 3  # breadcrumbs, the header link, the title tag
    assert 'class="community-badge"' not in html
