"""Screenshots of the pages officers and moderators use most, at a laptop's width (1366) and a
phone's (390), taken on a server loaded with the demo: home, a thread, search, the review queue
and the audit log, seen by a community moderator.

Each page must answer 200 and show its heading and its first item; on the phone nothing may
scroll sideways and the first post or result must be on the first screen (844 px). The checks
look at structure and text the demo wrote, not at pixels or class names, so they keep holding
while the pages change. The PNGs go to $CHAUPAL_SCREENSHOTS_DIR when it is set (created if
missing), else to a temporary directory of the run: one of the first screen and one of the
whole page per page and width, named like `thread-390.png` and `thread-390-full.png`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from forum.demo import DEMO_PASSWORD
from forum.language import language_of
from tests.live.conftest import REPO, server_env, start_server

SCREENSHOTS_ENV = "CHAUPAL_SCREENSHOTS_DIR"
WIDTHS = (1366, 390)
PHONE_WIDTH = 390
FIRST_SCREEN = 844
MODERATOR = "anita_rao"  # moderates District Collectors in the demo
FLAGGER = "meera_iyer"
COMMUNITY = "district-collectors"
QUERY = "budget"
INDEX_SECONDS = 20.0
# Pages whose filters still push the first item below a phone's first screen, and why. Every
# other check of these pages holds; delete an entry once its page is fixed.
TALL_ON_A_PHONE: dict[str, str] = {}  # pages whose first item is known not to fit yet: none


@dataclass(frozen=True)
class DemoSite:
    url: str
    thread_id: int
    thread_title: str
    opening_words: str
    first_hit_title: str


def token(api: httpx.Client, username: str) -> dict[str, str]:
    r = api.post(
        "/api/v1/auth/token",
        json={"username": username, "password": DEMO_PASSWORD, "name": "screenshots"},
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def first_words(markdown: str, count: int = 6) -> str:
    """The opening words of a post as the page shows them (its first line, plain)."""
    line = markdown.strip().splitlines()[0]
    return " ".join(re.sub(r"[*_`#>\[\]]", "", line).split()[:count])


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    """A real server with the demo loaded, one flag waiting in District Collectors' queue and
    one decided (so the audit log has an entry by the moderator)."""
    data_dir = tmp_path_factory.mktemp("screenshots-data")
    env = {**server_env(data_dir), "CHAUPAL_DEMO_PASSWORD": DEMO_PASSWORD}
    seeded = subprocess.run(
        [sys.executable, "server.py", "seed-demo"],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert seeded.returncode == 0, f"seed-demo failed:\n{seeded.stdout}\n{seeded.stderr}"
    server = start_server(env, data_dir / "server.log")
    try:
        with httpx.Client(base_url=server.url, timeout=10.0, trust_env=False) as api:
            moderator, flagger = token(api, MODERATOR), token(api, FLAGGER)
            listed = api.get(f"/api/v1/communities/{COMMUNITY}/threads", headers=moderator)
            assert listed.status_code == 200, listed.text
            # A thread written in Hindi: the page that needs the shipped Devanagari font.
            thread = next(t for t in listed.json()["items"] if language_of(t["title"]) == "hi")
            detail = api.get(f"/api/v1/threads/{thread['id']}", headers=moderator).json()
            replies = [p for p in detail["posts"] if p["number"] > 1]
            assert len(replies) >= 2, "the demo thread needs two replies to flag"
            for post in replies[:2]:
                r = api.post(
                    f"/api/v1/posts/{post['id']}/flags",
                    headers=flagger,
                    json={"reason": "off_topic", "note": "Screenshot test flag."},
                )
                assert r.status_code == 201, r.text
            queue = api.get("/api/v1/moderation/queue", headers=moderator).json()["items"]
            decided = api.post(
                f"/api/v1/moderation/queue/{queue[-1]['id']}",
                headers=moderator,
                json={"action": "approve", "note": "Kept: on topic after all."},
            )
            assert decided.status_code == 200, decided.text
            yield DemoSite(
                url=server.url,
                thread_id=int(thread["id"]),
                thread_title=str(thread["title"]),
                opening_words=first_words(detail["posts"][0]["body"]),
                first_hit_title=first_search_hit(api, moderator),
            )
    finally:
        server.stop()


def first_search_hit(api: httpx.Client, auth: dict[str, str]) -> str:
    """The title of the first result for QUERY, once the index has the demo."""
    deadline = time.monotonic() + INDEX_SECONDS
    while True:
        r = api.get("/api/v1/search", params={"q": QUERY}, headers=auth)
        assert r.status_code == 200, r.text
        items = r.json()["items"]
        if items:
            return str(items[0]["title"])
        assert time.monotonic() < deadline, f"no result for {QUERY!r} after {INDEX_SECONDS}s"
        time.sleep(0.2)  # polling the index with a deadline, not waiting a fixed time


@pytest.fixture(scope="module")
def screenshots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get(SCREENSHOTS_ENV, "").strip()
    where = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def moderator_page(
    request: pytest.FixtureRequest, browser: Browser, demo_site: DemoSite
) -> Iterator[Page]:
    """The moderator, signed in through the form, in a window of the given width."""
    width = int(request.param)
    context = browser.new_context(
        base_url=demo_site.url,
        viewport={"width": width, "height": FIRST_SCREEN if width == PHONE_WIDTH else 900},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/login")
        page.get_by_label("Username", exact=True).fill(MODERATOR)
        page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).not_to_have_url(re.compile(r"/login"))
        yield page
    finally:
        context.close()


def visit(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, (
        f"{path}: {response and response.status}"
    )
    expect(page.locator("main h1").first).to_be_visible()
    page.evaluate("document.fonts.ready.then(() => true)")


def shoot(page: Page, where: Path, name: str) -> None:
    width = viewport_width(page)
    for path, full_page in (
        (where / f"{name}-{width}.png", False),
        (where / f"{name}-{width}-full.png", True),
    ):
        page.screenshot(path=path, full_page=full_page)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path


def viewport_width(page: Page) -> int:
    size = page.viewport_size
    assert size is not None
    return int(size["width"])


def check_layout(page: Page, first_item: Locator, what: str) -> None:
    """The first item shows; on a phone it is on the first screen and nothing scrolls sideways."""
    expect(first_item).to_be_visible()
    if viewport_width(page) == PHONE_WIDTH:
        scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
        assert scroll_width <= PHONE_WIDTH, f"{what}: the page scrolls sideways ({scroll_width} px)"
        box = first_item.bounding_box()
        assert box is not None, f"{what}: the first item has no box"
        if box["y"] >= FIRST_SCREEN and what in TALL_ON_A_PHONE:
            pytest.xfail(f"{what}: first item at {box['y']:.0f} px: {TALL_ON_A_PHONE[what]}")
        assert box["y"] < FIRST_SCREEN, f"{what}: the first item is below the first screen: {box}"


def test_home_screenshot(moderator_page: Page, demo_site: DemoSite, screenshots_dir: Path) -> None:
    page = moderator_page
    visit(page, "/")
    shoot(page, screenshots_dir, "home")
    check_layout(page, page.locator('main a[href^="/t/"]').first, "home")


def test_thread_screenshot(
    moderator_page: Page, demo_site: DemoSite, screenshots_dir: Path
) -> None:
    page = moderator_page
    visit(page, f"/t/{demo_site.thread_id}")
    expect(page.locator("main h1").first).to_have_text(demo_site.thread_title)
    shoot(page, screenshots_dir, "thread")
    check_layout(page, page.get_by_text(demo_site.opening_words).first, "thread")


def test_search_screenshot(
    moderator_page: Page, demo_site: DemoSite, screenshots_dir: Path
) -> None:
    page = moderator_page
    visit(page, f"/search?q={QUERY}")
    hit = page.locator("main").get_by_role("link", name=demo_site.first_hit_title).first
    shoot(page, screenshots_dir, "search")
    # One page of results: no pager with nowhere to go.
    expect(page.locator("nav.pager:visible:not(:has(a))")).to_have_count(0)
    check_layout(page, hit, "search")


def test_review_queue_screenshot(
    moderator_page: Page, demo_site: DemoSite, screenshots_dir: Path
) -> None:
    page = moderator_page
    visit(page, "/moderation")
    waiting = page.locator("main").get_by_role("link", name=demo_site.thread_title).first
    shoot(page, screenshots_dir, "review-queue")
    check_layout(page, waiting, "review queue")


def test_audit_log_screenshot(
    moderator_page: Page, demo_site: DemoSite, screenshots_dir: Path
) -> None:
    page = moderator_page
    visit(page, "/moderation/log")
    entry = page.locator("main").get_by_text("Kept: on topic after all.").first
    shoot(page, screenshots_dir, "audit-log")
    check_layout(page, entry, "audit log")
