"""Moving and merging a thread from its page: the moderator picks the community (those they
moderate; every other one for administrators) or the thread from a list, and a wrong or
missing choice is said on the form again, never a 404 page."""

from __future__ import annotations

import html
import re

import pytest

from forum.models import Thread
from tests.moderation import helpers as h


def options(page: str, name: str) -> list[str]:
    """The values a <select name=...> offers (without its empty prompt)."""
    found = re.search(rf'<select id="[^"]*" name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert found, f"no select named {name}"
    return [v for v in re.findall(r'<option value="([^"]*)"', found.group(1)) if v]


async def community_of(thread_id: int) -> int:
    return (await Thread.get(id=thread_id)).community_id  # type: ignore[attr-defined]


async def test_thread_page_links_moderators_to_the_move_page(client, world, browser):
    c, _ = await browser(world.moderator)
    page = await c.get(f"/t/{world.thread.id}")
    assert f'href="/t/{world.thread.id}/move"' in page.text
    assert "Move to community (address)" not in page.text
    member, _ = await browser(world.member)
    assert (
        f'href="/t/{world.thread.id}/move"' not in (await member.get(f"/t/{world.thread.id}")).text
    )


@pytest.mark.parametrize(
    ("role", "offered"),
    [
        ("moderator", ["dest-community"]),
        ("admin", ["dest-community", "other-community"]),
    ],
)
async def test_move_page_offers_the_communities_they_may_move_it_to(world, browser, role, offered):
    c, _ = await browser(world.person(role))
    page = await c.get(f"/t/{world.thread.id}/move")
    assert page.status_code == 200
    assert options(page.text, "community") == offered  # by name: Destination, Other Community


@pytest.mark.parametrize("role", ["member", "other_moderator"])
async def test_move_page_is_for_the_threads_moderators(world, browser, role):
    c, _ = await browser(world.person(role))
    page = await c.get(f"/t/{world.thread.id}/move")
    assert page.status_code == 403


async def test_moving_with_the_picker_moves_the_thread(world, browser):
    c, csrf = await browser(world.moderator)
    r = await h.post_form(
        c,
        f"/t/{world.thread.id}/move",
        {"action": "move", "community": world.dest.slug, "note": "Belongs there."},
        csrf,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/t/{world.thread.id}"
    assert await community_of(world.thread.id) == world.dest.id


@pytest.mark.parametrize(
    ("chosen", "says"),
    [
        ("", "Community is required"),
        ("no-such-place", "Community must be one you moderate, from the list"),
        ("other-community", "Community must be one you moderate, from the list"),
        ("this-community", "Community must be one you moderate, from the list"),
    ],
)
@pytest.mark.parametrize("path", ["move", "curate"])  # older thread pages posted to /curate
async def test_a_wrong_community_is_said_on_the_form(world, browser, chosen, says, path):
    c, csrf = await browser(world.moderator)
    r = await h.post_form(
        c, f"/t/{world.thread.id}/{path}", {"action": "move", "community": chosen}, csrf
    )
    assert r.status_code == 422
    text = html.unescape(r.text)
    assert says in text and 'aria-invalid="true"' in text
    assert options(text, "community") == ["dest-community"]  # the picker is there again
    assert await community_of(world.thread.id) == world.community.id


async def test_merge_picker_lists_threads_of_the_community(world, browser, make_thread):
    other = await make_thread(world.member, world.community, title="The same backlog question")
    c, csrf = await browser(world.moderator)
    page = await c.get(f"/t/{world.thread.id}/move")
    assert options(page.text, "into") == [str(other.id)]
    r = await h.post_form(
        c, f"/t/{world.thread.id}/move", {"action": "merge", "into": str(other.id)}, csrf
    )
    assert r.status_code == 303 and r.headers["location"] == f"/t/{other.id}"
    assert (await Thread.get(id=world.thread.id)).status == "merged"


async def test_merge_into_a_thread_elsewhere_by_its_address(world, browser, make_thread):
    elsewhere = await make_thread(world.moderator, world.dest, title="Backlogs in the directorate")
    c, csrf = await browser(world.moderator)
    r = await h.post_form(
        c,
        f"/t/{world.thread.id}/move",
        {"action": "merge", "into_other": f"https://chaupal.example/t/{elsewhere.id}?page=1"},
        csrf,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/t/{elsewhere.id}"


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({}, "Thread is required"),
        ({"into_other": "soon"}, "must be a thread number or address"),
        ({"into_other": "999999"}, "is not a thread you can open"),
        ({"into_other": "{other}"}, "is in a community you do not moderate"),
        ({"into": "{self}"}, "is this thread"),
    ],
)
async def test_a_wrong_merge_target_is_said_on_the_form(world, browser, make_thread, form, says):
    other = await make_thread(world.other_moderator, world.other, title="Elsewhere")
    filled = {k: v.format(other=other.id, self=world.thread.id) for k, v in form.items()}
    c, csrf = await browser(world.moderator)
    r = await h.post_form(c, f"/t/{world.thread.id}/move", {"action": "merge", **filled}, csrf)
    assert r.status_code == 422
    assert says in html.unescape(r.text)
    assert (await Thread.get(id=world.thread.id)).status == "published"
