"""Live replies in a real browser: two signed-in members read the same thread page; one replies
through the form; the other sees the reply appear without reloading (static/live.js over /ws).

Uses the `browser` fixture of tests/browser/conftest.py (Debian's /usr/bin/chromium; skipped
without it, failed under CI=true) and its own server, started like tests/browser/conftest.py
does (a subprocess with its own data directory), with people and the thread made through the
JSON API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.live.conftest import PASSWORD, unique

LIVE_TIMEOUT_MS = 5_000  # how long to wait for something pushed over the websocket


@dataclass(frozen=True)
class ThreadScene:
    url: str
    thread_id: int
    usernames: tuple[str, str]
    display_names: tuple[str, str]


@pytest.fixture(scope="module")
def scene(live_server: LiveServer) -> ThreadScene:
    """A community of its own on the browser tests' server, two members and a thread."""
    token = live_server.admin_token
    with httpx.Client(base_url=live_server.url, timeout=10.0, trust_env=False) as api:

        def ok(r: httpx.Response, status: int = 201) -> Any:
            assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.text}"
            return r.json()

        slug = unique("budget").replace("_", "-")
        ok(
            api.post(
                "/api/v1/communities",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "slug": slug,
                    "name": "Budget Officers Live",
                    "description": "Finance officers comparing notes on the annual cycle.",
                    "kind": "role",
                    "visibility": "public",
                },
            )
        )
        names: list[str] = []
        displays: list[str] = []
        bearer: list[dict[str, str]] = []
        for who in ("Meera Asker", "Ravi Reader"):
            username = unique(who.split()[0].lower())
            ok(
                api.post(
                    "/api/v1/auth/register",
                    json={
                        "username": username,
                        "email": f"{username}@example.org",
                        "password": PASSWORD,
                        "display_name": who,
                        "role": "Finance Officer",
                        "sector": "Finance",
                    },
                )
            )
            tok = ok(
                api.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            )["token"]
            headers = {"Authorization": f"Bearer {tok}"}
            ok(api.post(f"/api/v1/communities/{slug}/join", headers=headers), 200)
            names.append(username)
            displays.append(who)
            bearer.append(headers)
        thread = ok(
            api.post(
                f"/api/v1/communities/{slug}/threads",
                headers=bearer[0],
                json={
                    "title": "How do you phase supplementary demands?",
                    "body": "Our department files three batches a year. Is one enough?",
                },
            )
        )
    return ThreadScene(
        url=live_server.url,
        thread_id=int(thread["id"]),
        usernames=(names[0], names[1]),
        display_names=(displays[0], displays[1]),
    )


@pytest.fixture
def two_members(browser: Any, scene: ThreadScene) -> Iterator[tuple[Page, Page]]:
    """Two browser profiles, each signed in as one member through the sign-in form."""
    contexts = []
    pages: list[Page] = []
    try:
        for username in scene.usernames:
            context = browser.new_context(
                base_url=scene.url, viewport={"width": 1280, "height": 800}
            )
            context.set_default_timeout(15_000)
            contexts.append(context)
            page = context.new_page()
            page.goto("/login")
            page.get_by_label("Username", exact=True).fill(username)
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page).not_to_have_url(re.compile(r"/login"))
            pages.append(page)
        yield pages[0], pages[1]
    finally:
        for context in contexts:
            context.close()


def test_reply_posted_by_one_member_appears_live_on_the_other_members_open_thread_page(
    two_members: tuple[Page, Page], scene: ThreadScene
) -> None:
    writer, reader = two_members
    answer = "We moved to two batches, monsoon and winter session, and finance agreed."
    path = f"/t/{scene.thread_id}"

    reader.goto(path)
    writer.goto(path)
    posts = reader.locator("ol.post-stream > li.post")
    expect(posts).to_have_count(1)
    # Both sockets are up and on the thread: the reader's page says one other person is here.
    expect(reader.locator(".live-presence")).to_have_text(
        "1 other person is reading now", timeout=LIVE_TIMEOUT_MS
    )
    reader.evaluate("window.__sameDocument = true")  # gone if the page reloads

    writer.get_by_label("Reply", exact=True).fill(answer)
    writer.get_by_role("button", name="Post reply").click()
    expect(writer).to_have_url(re.compile(rf"/t/{scene.thread_id}\?page=1#post-2$"))

    reader.wait_for_selector(
        f"ol.post-stream > li.post:has-text({answer!r})", timeout=LIVE_TIMEOUT_MS
    )
    assert reader.evaluate("window.__sameDocument === true"), "the reader's page was reloaded"
    expect(reader).to_have_url(re.compile(rf"{re.escape(path)}$"))
    expect(posts).to_have_count(2)
    live_post = posts.nth(1)
    expect(live_post).to_have_attribute("id", "post-2")
    expect(live_post.locator(".author-name")).to_have_text(scene.display_names[0])
    expect(live_post.locator(".post-content")).to_contain_text(answer)
    expect(reader.locator(".live-banner")).to_have_count(0)  # short thread: appended, no banner
