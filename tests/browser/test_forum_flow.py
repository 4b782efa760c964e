"""A newcomer's first visit in a real browser: register, join, ask, answer; and the keyboard
path into the page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer


def test_newcomer_registers_joins_starts_a_thread_and_replies(
    page: Page, live_server: LiveServer
) -> None:
    title = "How do you phase supplementary demands for grants?"
    body = "Our department files three batches a year. Is one consolidated batch accepted?"
    answer = "We moved to two batches: monsoon and winter session. The finance ministry agreed."

    page.goto("/")
    page.get_by_role("link", name="Join Chaupal").first.click()
    expect(page).to_have_url(re.compile(r"/register$"))
    page.get_by_label("Username", exact=True).fill("newcomer_asha")
    page.get_by_label("Your name", exact=True).fill("Asha Newcomer")
    page.get_by_label("Work email", exact=True).fill("asha.newcomer@example.org")
    page.get_by_label("Password", exact=True).fill("a long and memorable passphrase")
    page.get_by_label("Job role", exact=True).fill("Finance Officer")
    page.get_by_label("Sector", exact=True).fill("Finance")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(re.compile(r"/communities$"))
    expect(page.get_by_role("status")).to_contain_text("Welcome to Chaupal, Asha Newcomer")
    expect(page.get_by_role("link", name="Asha Newcomer")).to_be_visible()

    page.get_by_role("link", name=live_server.community_name).first.click()
    expect(page).to_have_url(re.compile(rf"/c/{live_server.community_slug}$"))
    page.get_by_role("button", name="Join", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"Welcome to {live_server.community_name}.")
    expect(page.get_by_role("button", name="Leave")).to_be_visible()

    page.get_by_role("link", name="Start a thread").first.click()
    expect(page).to_have_url(re.compile(rf"/c/{live_server.community_slug}/new$"))
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Details", exact=True).fill(body)
    page.get_by_label("Tags", exact=True).fill("budget, supplementary-demands")
    page.get_by_role("button", name="Post thread").click()

    expect(page).to_have_url(re.compile(r"/t/\d+$"))
    expect(page.get_by_role("status")).to_contain_text("Your thread is up.")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".thread-header a.tag")).to_have_text(["budget", "supplementary-demands"])

    page.get_by_label("Reply", exact=True).fill(answer)
    page.get_by_role("button", name="Post reply").click()

    expect(page).to_have_url(re.compile(r"/t/\d+\?page=1#post-2$"))
    posts = page.locator("ol.post-stream > li.post")
    expect(posts).to_have_count(2)
    expect(posts.nth(0)).to_contain_text(body)
    expect(posts.nth(1)).to_contain_text(answer)
    expect(posts.nth(1).locator(".author-name")).to_have_text("Asha Newcomer")

    # The community now lists the thread with its one reply.
    page.get_by_role("link", name=live_server.community_name).first.click()
    row = page.locator(".thread-row", has_text=title)
    expect(row).to_have_count(1)
    expect(row.locator(".stat").first).to_contain_text("1 reply")


def test_skip_link_is_the_first_tab_stop_and_visible_when_focused(page: Page) -> None:
    page.goto("/communities")
    skip = page.locator("a.skip-link")
    expect(skip).to_have_count(1)
    box = skip.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 0, f"skip link shows before focus: {box}"

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("Skip to main content")
    page.wait_for_function(
        """() => {
            const r = document.querySelector("a.skip-link").getBoundingClientRect();
            return r.top >= 0 && r.left >= 0 && r.height > 0 && r.width > 0
                && r.bottom <= window.innerHeight && r.right <= window.innerWidth;
        }"""
    )
    top = page.evaluate(
        """() => {
            const r = document.querySelector("a.skip-link").getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return hit !== null && hit.closest("a.skip-link") !== null;
        }"""
    )
    assert top, "the focused skip link is covered by something else"

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("main#main")).to_be_focused()
