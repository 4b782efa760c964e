"""Forms past a rate limit (429) come back with what was typed and, in words, when to try
again (from Retry-After); the API keeps its JSON answer. Its own app, with low limits."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html import unescape
from typing import Any

import httpx
import pytest

from forum.models import Post
from server import create_app
from tests.conftest import ORIGIN, TABLES, bearer, sign_in, using_postgres

SAME_ORIGIN = {"Origin": ORIGIN}
LIMITS = {"CHAUPAL_RATE_POST_USER": "1/minute", "CHAUPAL_RATE_FLAG_USER": "1/minute"}
TRY_AGAIN = re.compile(r"Try again in (\d+) seconds\.")


@pytest.fixture
async def app(settings) -> AsyncIterator[Any]:
    """The package's app, with rate limits on (overrides tests/conftest.py's)."""
    application = create_app(settings.with_(rate_limits_enabled=True, rate_limits=LIMITS))
    async with application.router.lifespan_context(application):
        if using_postgres():
            from tortoise import connections

            await connections.get("default").execute_script(
                "; ".join(f"DELETE FROM {table}" for table in TABLES)
            )
        yield application


@pytest.fixture(autouse=True)
async def _app_first(client: httpx.AsyncClient) -> None:
    """The app (and its database) starts before any factory fixture of these tests runs."""


def assert_try_again(r: httpx.Response) -> None:
    assert r.status_code == 429, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    retry = r.headers["retry-after"]
    found = TRY_AGAIN.search(r.text)
    assert found, "the page does not say when to try again"
    assert found.group(1) == retry  # the same wait as Retry-After, in words


def textarea_text(html: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no textarea {name}"
    return unescape(match.group(1))


async def test_a_reply_too_fast_comes_back_with_the_text_and_when_to_try_again(
    make_user, make_community, make_thread, new_client
):
    author = await make_user()
    community = await make_community(members=(author,))
    thread = await make_thread(author, community)  # the service counts no limit
    browser = await new_client()
    csrf = await sign_in(browser, author)
    first = {"csrf_token": csrf, "body": "The first reply goes through."}
    assert (
        await browser.post(f"/t/{thread.id}/reply", data=first, headers=SAME_ORIGIN)
    ).status_code == 303

    text = "A second reply, written with care, sent too soon after the first."
    r = await browser.post(
        f"/t/{thread.id}/reply", data={"csrf_token": csrf, "body": text}, headers=SAME_ORIGIN
    )
    assert_try_again(r)
    assert textarea_text(r.text, "body") == text
    assert "was not sent yet" in r.text
    assert await Post.filter(thread_id=thread.id).count() == 2


async def test_a_new_thread_too_fast_keeps_title_and_body(
    make_user, make_community, make_thread, new_client
):
    author = await make_user()
    community = await make_community(members=(author,))
    thread = await make_thread(author, community)
    browser = await new_client()
    csrf = await sign_in(browser, author)
    await browser.post(
        f"/t/{thread.id}/reply",
        data={"csrf_token": csrf, "body": "Using up the one post a minute."},
        headers=SAME_ORIGIN,
    )
    r = await browser.post(
        f"/c/{community.slug}/new",
        data={"csrf_token": csrf, "title": "Leave rules for contract staff", "body": "Details."},
        headers=SAME_ORIGIN,
    )
    assert_try_again(r)
    assert 'value="Leave rules for contract staff"' in r.text
    assert textarea_text(r.text, "body") == "Details."


async def test_a_flag_note_too_fast_is_kept(make_user, make_community, make_thread, new_client):
    author, reader = await make_user(), await make_user()
    community = await make_community(members=(author, reader))
    first = await make_thread(author, community)
    second = await make_thread(author, community, title="Another question about leave")
    browser = await new_client()
    csrf = await sign_in(browser, reader)
    posts = [(await Post.get(thread_id=t.id, number=1)).id for t in (first, second)]
    form = {"csrf_token": csrf, "reason": "other", "note": "Copied from a vendor brochure."}
    assert (
        await browser.post(f"/p/{posts[0]}/flag", data=form, headers=SAME_ORIGIN)
    ).status_code == 303
    r = await browser.post(f"/p/{posts[1]}/flag", data=form, headers=SAME_ORIGIN)
    assert_try_again(r)
    assert textarea_text(r.text, "note") == "Copied from a vendor brochure."
    assert 'value="other" checked' in r.text


async def test_the_api_keeps_its_json_429(make_user, make_community, make_thread, client):
    author = await make_user()
    thread = await make_thread(author, await make_community(members=(author,)))
    headers = await bearer(author)
    for n, expected in ((1, 201), (2, 429)):
        r = await client.post(
            f"/api/v1/threads/{thread.id}/posts",
            json={"body": f"Reply number {n} through the API."},
            headers=headers,
        )
        assert r.status_code == expected
    error = r.json()["error"]
    assert error["code"] == "too_many_requests"
    assert error["message"] == (
        f"Too many attempts. Please wait {r.headers['retry-after']} seconds and try again."
    )


async def test_an_event_form_too_fast_keeps_what_was_typed(
    admin, make_community, make_thread, new_client
):
    community = await make_community()
    thread = await make_thread(admin, community)
    browser = await new_client()
    csrf = await sign_in(browser, admin)
    await browser.post(
        f"/t/{thread.id}/reply",
        data={"csrf_token": csrf, "body": "Using up the one post a minute."},
        headers=SAME_ORIGIN,
    )
    r = await browser.post(
        f"/c/{community.slug}/events/new",
        data={
            "csrf_token": csrf,
            "title": "GeM portal walk-through",
            "kind": "webinar",
            "description": "Bring one purchase you found hard.",
        },
        headers=SAME_ORIGIN,
    )
    assert_try_again(r)
    assert 'value="GeM portal walk-through"' in r.text
    assert textarea_text(r.text, "description") == "Bring one purchase you found hard."
