"""Forms people write in keep what was typed when the server refuses it (a duplicate, a body
too large, too many posts too fast), with the reason inline; the API's JSON errors stay as they
are. Joining from a thread's reply box comes back to the thread."""

from __future__ import annotations

import re

import httpx
import pytest

from forum.models import Membership
from tests.conftest import ORIGIN, sign_in
from tests.forum.test_pages import OFF_SITE_TARGETS, browser_would_leave_site

SAME_ORIGIN = {"Origin": ORIGIN}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
async def _app_first(client: httpx.AsyncClient) -> None:
    """The app (and its database) starts before any factory fixture of these tests runs."""


# Joining from a thread


async def test_joining_from_a_threads_reply_box_comes_back_to_the_thread(
    make_user, make_community, make_thread, new_client
):
    asker, visitor = await make_user(), await make_user()
    community = await make_community(members=(asker,))
    thread = await make_thread(asker, community)
    browser = await new_client()
    await sign_in(browser, visitor)

    page = await browser.get(f"/t/{thread.id}")
    box = page.text[page.text.index('id="reply"') :]
    assert f'action="/c/{community.slug}/join"' in box
    assert f'name="next" value="/t/{thread.id}#reply"' in box
    csrf = CSRF_RE.search(box)
    assert csrf is not None
    r = await browser.post(
        f"/c/{community.slug}/join",
        data={"csrf_token": csrf.group(1), "next": f"/t/{thread.id}#reply"},
        headers=SAME_ORIGIN,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/t/{thread.id}#reply"
    assert await Membership.exists(user_id=visitor.id, community_id=community.id)
    after = await browser.get(f"/t/{thread.id}")
    assert f"Welcome to {community.name}." in after.text and "Post reply" in after.text


async def test_joining_without_a_next_still_goes_to_the_community(
    make_user, make_community, new_client
):
    visitor = await make_user()
    community = await make_community()
    browser = await new_client()
    csrf = await sign_in(browser, visitor)
    r = await browser.post(
        f"/c/{community.slug}/join", data={"csrf_token": csrf}, headers=SAME_ORIGIN
    )
    assert r.status_code == 303 and r.headers["location"] == f"/c/{community.slug}"


@pytest.mark.parametrize("target", OFF_SITE_TARGETS)
async def test_joining_never_follows_a_next_off_the_site(
    make_user, make_community, new_client, target
):
    visitor = await make_user()
    community = await make_community()
    browser = await new_client()
    csrf = await sign_in(browser, visitor)
    r = await browser.post(
        f"/c/{community.slug}/join", data={"csrf_token": csrf, "next": target}, headers=SAME_ORIGIN
    )
    assert r.status_code == 303
    assert not browser_would_leave_site(r.headers["location"], ORIGIN + f"/c/{community.slug}")
    assert r.headers["location"] == f"/c/{community.slug}"


async def test_asking_to_join_a_private_community_from_a_link_with_next_waits_for_approval(
    make_user, make_community, new_client
):
    visitor = await make_user()
    community = await make_community(visibility="private")
    browser = await new_client()
    csrf = await sign_in(browser, visitor)
    r = await browser.post(
        f"/c/{community.slug}/join",
        data={"csrf_token": csrf, "next": "/t/1#reply"},
        headers=SAME_ORIGIN,
    )
    assert r.status_code == 303 and r.headers["location"] == "/communities"
    membership = await Membership.get(user_id=visitor.id, community_id=community.id)
    assert membership.status == "pending"  # nothing to read there until a moderator agrees
