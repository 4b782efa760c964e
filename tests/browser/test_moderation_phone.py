"""The review queue and the audit log on a phone (390 px wide): cards, nothing to scroll
sideways, each audit entry's facts labelled."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.live.conftest import ADMIN_PASSWORD, ADMIN_USERNAME

PASSWORD = "a long and memorable passphrase"
PHONE = {"width": 390, "height": 844}
NOTE = (
    "This reply advertises a paid coaching service with a long link "
    "https://coaching.example/an-extremely-long-address-that-would-not-wrap-on-its-own-at-all"
)


def _setup(live_server: LiveServer) -> None:
    """A thread pinned, locked and moved by the admin (audit entries), and a reported reply."""
    admin = {"Authorization": f"Bearer {live_server.admin_token}"}
    with httpx.Client(base_url=live_server.url, timeout=10.0, trust_env=False) as api:
        tokens = {}
        for name in ("phone_author", "phone_reporter"):
            r = api.post(
                "/api/v1/auth/register",
                json={"username": name, "email": f"{name}@example.org", "password": PASSWORD},
            )
            assert r.status_code == 201, r.text
            tokens[name] = {
                "Authorization": "Bearer "
                + api.post(
                    "/api/v1/auth/token", json={"username": name, "password": PASSWORD}
                ).json()["token"]
            }
            r = api.post(
                f"/api/v1/communities/{live_server.community_slug}/join", headers=tokens[name]
            )
            assert r.status_code == 200, r.text
        r = api.post(
            f"/api/v1/communities/{live_server.community_slug}/threads",
            json={"title": "Reconciling treasury figures every month", "body": "How often?"},
            headers=tokens["phone_author"],
        )
        assert r.status_code == 201, r.text
        thread_id = r.json()["id"]
        r = api.post(
            f"/api/v1/threads/{thread_id}/posts",
            json={"body": "Weekly, with a shared sheet."},
            headers=tokens["phone_author"],
        )
        assert r.status_code == 201, r.text
        post_id = r.json()["id"]
        r = api.post(
            f"/api/v1/posts/{post_id}/flags",
            json={"reason": "spam", "note": NOTE},
            headers=tokens["phone_reporter"],
        )
        assert r.status_code == 201, r.text
        for change in ({"pinned": True}, {"locked": True, "note": "Settled; see the summary."}):
            r = api.patch(f"/api/v1/threads/{thread_id}", json=change, headers=admin)
            assert r.status_code == 200, r.text
        r = api.patch(
            f"/api/v1/communities/{live_server.community_slug}",
            json={"flag_hide_score": 4, "new_user_posts": 2},  # harmless to other tests
            headers=admin,
        )
        assert r.status_code == 200, r.text


@pytest.fixture
def phone(browser: Any, live_server: LiveServer) -> Any:
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.goto("/login")
    tab.get_by_label("Username", exact=True).fill(ADMIN_USERNAME)
    tab.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    tab.locator("main").get_by_role("button", name="Sign in").click()
    expect(tab.get_by_role("status")).to_contain_text("Welcome back")
    try:
        yield tab
    finally:
        context.close()


def sideways(page: Page) -> int:
    """How far the page, or any box on it, could scroll sideways (0: all fits the screen)."""
    return int(
        page.evaluate(
            """() => Math.max(0, document.documentElement.scrollWidth
                   - document.documentElement.clientWidth,
                 ...[...document.querySelectorAll("main *")]
                   .filter(e => ["auto", "scroll"].includes(getComputedStyle(e).overflowX))
                   .map(e => e.scrollWidth - e.clientWidth))"""
        )
    )


def test_audit_log_and_queue_are_cards_on_a_phone(phone: Page, live_server: LiveServer) -> None:
    _setup(live_server)

    phone.goto("/moderation/log")
    rows = phone.locator("table.audit-table tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 3
    assert sideways(phone) == 0
    first = rows.first
    assert first.evaluate("tr => getComputedStyle(tr).display") == "block"
    label = first.locator("td").first.evaluate(
        "td => getComputedStyle(td, '::before').getPropertyValue('content')"
    )
    assert label == '"When"'
    assert not phone.locator("table.audit-table thead").is_visible() or (
        phone.locator("table.audit-table thead").bounding_box()["width"] <= 1
    )
    expect(phone.get_by_text("Changed moderation settings")).to_be_visible()
    # Every card fits inside the screen.
    for i in range(rows.count()):
        box = rows.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    phone.goto("/moderation")
    card = phone.locator("li.review-item").first
    expect(card).to_be_visible()
    expect(card).to_contain_text("1 report")
    assert sideways(phone) == 0
    box = card.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    expect(card.get_by_role("button", name="Keep post")).to_be_visible()
