"""How pages look in a real browser: the Devanagari font is fetched for Hindi writing and not
for English pages, and on a phone the header is one compact bar whose menu opens, with and
without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer
from tests.live.conftest import PASSWORD, unique

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1366, "height": 900}
HEADER_MAX_PX = 100
DEVANAGARI_FILE = "noto-sans-devanagari-devanagari-"
HINDI_TITLE = "वित्तीय वर्ष के अंतिम महीने में व्यय की भीड़ से कैसे बचें?"
HINDI_BODY = "हर साल मार्च में बिल एक साथ आते हैं। आप तिमाही लक्ष्य कैसे तय करते हैं?"


@dataclass(frozen=True)
class HindiThread:
    id: int
    auth: dict[str, str]


@pytest.fixture(scope="module")
def hindi_thread(live_server: LiveServer) -> HindiThread:
    """A thread written in Hindi, by someone registered through the API for it."""
    username = unique("hindi")
    with httpx.Client(base_url=live_server.url, timeout=10.0, trust_env=False) as api:
        r = api.post(
            "/api/v1/auth/register",
            json={
                "username": username,
                "email": f"{username}@example.org",
                "password": PASSWORD,
                "display_name": "सुनीता वर्मा",
                "role": "Accounts Officer",
                "sector": "Finance",
            },
        )
        assert r.status_code == 201, r.text
        r = api.post(
            "/api/v1/auth/token", json={"username": username, "password": PASSWORD, "name": "t"}
        )
        auth = {"Authorization": f"Bearer {r.json()['token']}"}
        slug = live_server.community_slug
        assert api.post(f"/api/v1/communities/{slug}/join", headers=auth).status_code == 200
        r = api.post(
            f"/api/v1/communities/{slug}/threads",
            headers=auth,
            json={"title": HINDI_TITLE, "body": HINDI_BODY},
        )
        assert r.status_code == 201, r.text
        return HindiThread(id=int(r.json()["id"]), auth=auth)


def fonts_fetched(page: Page, path: str) -> list[str]:
    """Opens `path` and returns the font files the page downloaded once its fonts are ready."""
    fetched: list[str] = []
    page.on("response", lambda r: fetched.append(r.url) if ".woff2" in r.url else None)
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    page.evaluate("document.fonts.ready.then(() => true)")
    return fetched


def loaded_families(page: Page) -> list[str]:
    return list(
        page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
    )


def test_a_hindi_thread_loads_the_devanagari_font_from_the_site(
    page: Page, live_server: LiveServer, hindi_thread: HindiThread
) -> None:
    fetched = fonts_fetched(page, f"/t/{hindi_thread.id}")
    expect(page.locator("h1")).to_have_attribute("lang", "hi")
    expect(page.locator(".post-content").first).to_have_attribute("lang", "hi")
    devanagari = [url for url in fetched if DEVANAGARI_FILE in url]
    assert devanagari, f"no Devanagari font was fetched: {fetched}"
    assert all(url.startswith(f"{live_server.url}/static/fonts/") for url in fetched), fetched
    assert any("Noto Sans Devanagari" in family for family in loaded_families(page))
    # The heading is drawn in it: the browser has the face for these very characters.
    assert page.evaluate(
        f"document.fonts.check('700 28px \"Noto Sans Devanagari\"', '{HINDI_TITLE}')"
    )


def test_a_hindi_reply_arriving_live_is_marked_hindi(
    page: Page, live_server: LiveServer, hindi_thread: HindiThread
) -> None:
    page.goto(f"/t/{hindi_thread.id}")
    reply = "हमने मार्च से पहले ही दो बार समीक्षा बैठक रखी, इससे बिल समय पर निपट गए।"
    with httpx.Client(base_url=live_server.url, timeout=10.0, trust_env=False) as api:
        r = api.post(
            f"/api/v1/threads/{hindi_thread.id}/posts",
            headers=hindi_thread.auth,
            json={"body": reply},
        )
        assert r.status_code == 201 and r.json()["lang"] == "hi", r.text
    # The page's socket replays what came after the page was drawn, so no race with it.
    live = page.locator(".post-content", has_text=reply)
    expect(live).to_have_count(1, timeout=5_000)
    expect(live).to_have_attribute("lang", "hi")


def test_an_english_page_fetches_no_indian_script_font(page: Page) -> None:
    fetched = fonts_fetched(page, "/login")
    assert fetched, "the page fetched no font at all"
    assert all("/static/fonts/noto-sans-latin" in url for url in fetched), fetched


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Any]:
    """A phone-sized page, with JavaScript on or (parametrised) off."""
    contexts: list[Any] = []

    def make(javascript: bool = True) -> Page:
        context = browser.new_context(
            base_url=live_server.url, viewport=PHONE, java_script_enabled=javascript
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_on_a_phone_the_header_is_one_compact_bar_whose_menu_opens(
    phone: Any, javascript: bool
) -> None:
    page = phone(javascript)
    page.goto("/communities")
    header = page.locator("header.site-header").bounding_box()
    assert header is not None and header["height"] <= HEADER_MAX_PX, header
    search = page.get_by_role("searchbox", name="Search Chaupal")
    expect(search).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]

    page.locator("summary", has_text="Menu").click()
    expect(nav.get_by_role("link", name="Events")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    # The panel opens over the page: the header itself does not grow.
    again = page.locator("header.site-header").bounding_box()
    assert again is not None and again["height"] <= HEADER_MAX_PX, again
    nav.get_by_role("link", name="Events").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upcoming events")


def test_on_a_phone_escape_and_a_tap_outside_close_the_menu(phone: Any) -> None:
    page = phone()
    page.goto("/communities")
    menu_button = page.locator("summary", has_text="Menu")
    nav = page.get_by_role("navigation", name="Main")
    menu_button.click()
    expect(nav).to_be_visible()
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(menu_button).to_be_focused()
    menu_button.click()
    expect(nav).to_be_visible()
    page.mouse.click(PHONE["width"] / 2, PHONE["height"] - 20)  # below the open panel
    expect(nav).to_be_hidden()


def test_on_a_wide_screen_the_links_show_without_a_menu_button(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(base_url=live_server.url, viewport=WIDE)
    try:
        page = context.new_page()
        page.goto("/communities")
        expect(
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Events")
        ).to_be_visible()
        expect(page.get_by_role("link", name="Sign in")).to_be_visible()
        expect(page.locator("summary", has_text="Menu")).to_be_hidden()
    finally:
        context.close()
