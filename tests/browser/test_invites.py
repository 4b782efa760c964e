"""A moderator makes an invitation link for a private community on its members page; a newcomer
opens it, creates an account from there, comes back to it and joins at once, in a real browser."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer

PASSWORD = "a long and memorable passphrase"
SLUG, NAME = "district-cell", "District Planning Cell"


def _setup(live_server: LiveServer) -> None:
    """The private community and its moderator."""
    admin = {"Authorization": f"Bearer {live_server.admin_token}"}
    with httpx.Client(base_url=live_server.url, timeout=10.0, trust_env=False) as api:
        r = api.post(
            "/api/v1/communities",
            json={
                "slug": SLUG,
                "name": NAME,
                "description": "Planning officers of the district secretariat.",
                "kind": "topic",
                "visibility": "private",
            },
            headers=admin,
        )
        assert r.status_code == 201, r.text
        r = api.post(
            "/api/v1/auth/register",
            json={"username": "cell_moderator", "email": "cm@example.org", "password": PASSWORD},
        )
        assert r.status_code == 201, r.text
        r = api.post(
            f"/api/v1/communities/{SLUG}/members/cell_moderator",
            json={"status": "moderator"},
            headers=admin,
        )
        assert r.status_code == 200, r.text


def _sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome back")


def test_a_newcomer_joins_a_private_community_by_its_invitation_link(
    page: Page, browser: Any, live_server: LiveServer
) -> None:
    _setup(live_server)
    _sign_in(page, "cell_moderator")
    page.goto(f"/c/{SLUG}/members")
    invitations = page.get_by_role("region", name="Invitations")
    invitations.get_by_label("Number of uses").fill("3")
    invitations.get_by_role("button", name="Create a link").click()
    link = page.locator("code.invite-link").inner_text()
    path = re.sub(r"^https?://[^/]+", "", link)
    assert re.fullmatch(rf"/c/{SLUG}/invite/[A-Za-z0-9_-]{{43}}", path), link

    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    newcomer = context.new_page()
    try:
        newcomer.goto(path)
        expect(newcomer.get_by_role("heading", level=1)).to_have_text("You have an invitation")
        expect(newcomer.locator("main")).not_to_contain_text(NAME)
        newcomer.locator("main").get_by_role("link", name="Create an account").click()
        newcomer.get_by_label("Username", exact=True).fill("new_planner")
        newcomer.get_by_label("Work email").fill("planner@example.org")
        newcomer.get_by_label("Password", exact=True).fill(PASSWORD)
        newcomer.get_by_role("button", name="Create account").click()

        expect(newcomer).to_have_url(re.compile(re.escape(path) + "$"))
        expect(newcomer.get_by_role("heading", level=1)).to_have_text(f"Join {NAME}")
        newcomer.get_by_role("button", name="Join", exact=True).click()
        expect(newcomer).to_have_url(re.compile(rf"/c/{SLUG}$"))
        expect(newcomer.get_by_role("status")).to_contain_text(f"Welcome to {NAME}")
    finally:
        context.close()

    page.goto(f"/c/{SLUG}/members")
    rows = page.get_by_role("region", name="Invitations").locator("tbody tr")
    expect(rows.first).to_contain_text("1 of 3")
    expect(page.locator("main")).to_contain_text("2 members")
