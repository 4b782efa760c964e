"""The search page in a real browser: on a phone the filters fold away so the first result is
on the first screen (390 x 844), on a wide screen they are open; a thread is listed once with
its other matches; similar threads under a new title name their community."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer

PASSWORD = "a long and memorable passphrase"
WORD = "kharifmandi"  # in no other test's content
FINDABLE_SECONDS = 10.0


@pytest.fixture(scope="module")
def content(live_server: LiveServer) -> None:
    """A member, and a thread whose title and two replies hold WORD."""
    with httpx.Client(base_url=live_server.url, timeout=10.0, trust_env=False) as api:
        r = api.post(
            "/api/v1/auth/register",
            json={"username": "searcher_uma", "email": "uma@example.org", "password": PASSWORD},
        )
        assert r.status_code == 201, r.text
        token = api.post(
            "/api/v1/auth/token", json={"username": "searcher_uma", "password": PASSWORD}
        ).json()["token"]
        mine = {"Authorization": f"Bearer {token}"}
        r = api.post(f"/api/v1/communities/{live_server.community_slug}/join", headers=mine)
        assert r.status_code == 200, r.text
        r = api.post(
            f"/api/v1/communities/{live_server.community_slug}/threads",
            json={"title": f"Budgeting the {WORD} arrivals", "body": "Estimates for the season."},
            headers=mine,
        )
        assert r.status_code == 201, r.text
        thread_id = r.json()["id"]
        for text in (f"Our {WORD} estimate is ready.", f"The {WORD} figures came in late."):
            r = api.post(f"/api/v1/threads/{thread_id}/posts", json={"body": text}, headers=mine)
            assert r.status_code == 201, r.text
        # Posts are findable within seconds of being written: ask until they are (each answer
        # paces the next question), so the tests below see them.
        deadline = time.monotonic() + FINDABLE_SECONDS
        while api.get("/api/v1/search", params={"q": WORD}).json()["total"] == 0:
            assert time.monotonic() < deadline, f"not findable in {FINDABLE_SECONDS:.0f}s"


def test_on_a_phone_the_filters_fold_away_and_the_first_result_is_on_screen(
    browser: Browser, live_server: LiveServer, content: None
) -> None:
    phone = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    try:
        page = phone.new_page()
        page.goto(f"/search?q={WORD}")

        hits = page.locator(".search-hit")
        expect(hits).to_have_count(1)
        box = hits.first.bounding_box()
        assert box is not None and box["y"] < 844, f"first result below the first screen: {box}"
        expect(hits.first).to_contain_text("3 matching posts in this thread")
        community = page.get_by_label("Community")
        expect(community).to_be_hidden()
        page.get_by_text("Filters and search tips").click()
        expect(community).to_be_visible()

        hits.first.get_by_role("link", name="3 matching posts in this thread").click()
        expect(page).to_have_url(re.compile(r"thread=\d+&group=post"))
        expect(page.locator(".search-hit")).to_have_count(3)
    finally:
        phone.close()


def test_on_a_wide_screen_the_filters_are_open(page: Page, live_server: LiveServer) -> None:
    page.goto("/search?q=anything")
    expect(page.get_by_label("Community")).to_be_visible()


def test_similar_threads_under_a_new_title_name_their_community(
    page: Page, live_server: LiveServer, content: None
) -> None:
    page.goto("/login")
    page.get_by_label("Username", exact=True).fill("searcher_uma")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome back")

    page.goto(f"/c/{live_server.community_slug}/new")
    page.get_by_label("Title", exact=True).fill(f"More on {WORD} budgeting")
    similar = page.locator("#similar-threads")
    expect(similar).to_be_visible()
    expect(similar).to_contain_text(f"in {live_server.community_name}")
    expect(similar).not_to_contain_text(f"in {live_server.community_slug}")
