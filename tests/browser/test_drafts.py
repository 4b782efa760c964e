"""Drafts in a real browser: what is typed in a reply or a new thread survives a reload, a lost
connection and a body too large to send, and is forgotten once it is posted."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer

PASSWORD = "a long browser-test passphrase"


def _member_with_thread(live_server: LiveServer) -> tuple[str, int]:
    """A new member of the server's community, and a thread there someone else started."""
    with httpx.Client(base_url=live_server.url, timeout=10.0, trust_env=False) as api:
        names = []
        for prefix in ("draft_writer", "draft_asker"):
            username = f"{prefix}_{uuid.uuid4().hex[:8]}"
            r = api.post(
                "/api/v1/auth/register",
                json={
                    "username": username,
                    "email": f"{username}@example.org",
                    "password": PASSWORD,
                    "display_name": prefix.replace("_", " ").title(),
                },
            )
            assert r.status_code == 201, r.text
            token = api.post(
                "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
            ).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            r = api.post(f"/api/v1/communities/{live_server.community_slug}/join", headers=headers)
            assert r.status_code == 200, r.text
            names.append((username, headers))
        r = api.post(
            f"/api/v1/communities/{live_server.community_slug}/threads",
            headers=names[1][1],
            json={
                "title": f"Which register do you keep for advances? {uuid.uuid4().hex[:6]}",
                "body": "Our auditors asked for one register per scheme.",
            },
        )
        assert r.status_code == 201, r.text
        return names[0][0], int(r.json()["id"])


def _sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome back")


def _stored_drafts(page: Page) -> list[str]:
    # drafts.js is deferred: it has run once the page has loaded (a heading can show before).
    page.wait_for_load_state("load")
    keys: list[str] = page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('chaupal-draft:'))"
    )
    return keys


def test_a_reply_draft_survives_a_reload_and_is_forgotten_once_posted(
    page: Page, live_server: LiveServer
) -> None:
    username, thread_id = _member_with_thread(live_server)
    _sign_in(page, username)
    text = "We keep one advances register per scheme, reconciled monthly with the cash book."

    page.goto(f"/t/{thread_id}")
    reply = page.get_by_label("Reply", exact=True)
    reply.fill(text)
    page.reload()
    expect(page.get_by_label("Reply", exact=True)).to_have_value(text)
    expect(page.locator(".draft-note")).to_contain_text("Your unsent draft is back.")

    page.get_by_role("button", name="Post reply").click()
    expect(page).to_have_url(re.compile(rf"/t/{thread_id}\?page=1#post-2$"))
    expect(page.locator("ol.post-stream > li.post").nth(1)).to_contain_text(text)
    expect(page.get_by_label("Reply", exact=True)).to_have_value("")
    assert _stored_drafts(page) == []
    page.reload()
    expect(page.get_by_label("Reply", exact=True)).to_have_value("")
    expect(page.locator(".draft-note")).to_have_count(0)


def test_a_new_thread_draft_survives_a_lost_connection(page: Page, live_server: LiveServer) -> None:
    username, _ = _member_with_thread(live_server)
    _sign_in(page, username)
    title = f"Pension papers for staff on deputation {uuid.uuid4().hex[:6]}"
    body = "Who prepares them: the lending or the borrowing department?"
    new_thread = f"/c/{live_server.community_slug}/new"

    page.goto(new_thread)
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Details", exact=True).fill(body)
    page.context.set_offline(True)
    try:
        page.get_by_role("button", name="Post thread").click()
        page.wait_for_load_state()
    except PlaywrightError:
        pass  # the send failed, as it does when the connection drops
    finally:
        page.context.set_offline(False)

    page.goto(new_thread)
    expect(page.get_by_label("Title", exact=True)).to_have_value(title)
    expect(page.get_by_label("Details", exact=True)).to_have_value(body)
    page.get_by_role("button", name="Post thread").click()
    expect(page).to_have_url(re.compile(r"/t/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    assert _stored_drafts(page) == []
    page.goto(new_thread)
    expect(page.get_by_label("Title", exact=True)).to_have_value("")
    expect(page.get_by_label("Details", exact=True)).to_have_value("")


def test_a_reply_too_large_to_send_comes_back_from_the_browser_draft(
    page: Page, live_server: LiveServer
) -> None:
    username, thread_id = _member_with_thread(live_server)
    _sign_in(page, username)
    page.goto(f"/t/{thread_id}")
    # More than the site accepts (256 KiB), which the box's maxlength would stop a person typing.
    page.locator("#reply-body").evaluate(
        "(box) => { box.removeAttribute('maxlength'); box.value = 'ऑ'.repeat(100000);"
        " box.dispatchEvent(new Event('input', { bubbles: true })); }"
    )
    page.get_by_role("button", name="Post reply").click()
    expect(page).to_have_url(re.compile(rf"/t/{thread_id}$"))
    expect(page.get_by_role("status").first).to_contain_text("larger than this site accepts")
    kept = page.locator("#reply-body").evaluate("(box) => box.value.length")
    assert kept == 100000
    expect(page.locator("ol.post-stream > li.post")).to_have_count(1)


def test_signing_out_forgets_the_drafts_kept_in_this_browser(
    page: Page, live_server: LiveServer
) -> None:
    username, thread_id = _member_with_thread(live_server)
    _sign_in(page, username)
    page.goto(f"/t/{thread_id}")
    page.get_by_label("Reply", exact=True).fill("Half a thought, not for the next person here.")
    assert len(_stored_drafts(page)) == 1
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
    assert _stored_drafts(page) == []
