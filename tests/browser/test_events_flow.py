"""Events in a real browser: an organiser creates a meetup with the form, a member answers
that they are going and downloads the calendar file, which parses back."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from icalendar import Calendar
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer

PASSWORD = "a long browser-test passphrase"


def _api_person(api: httpx.Client, prefix: str) -> str:
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
    return username


def _sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome back")


def test_organiser_creates_a_meetup_and_a_member_answers_and_downloads_it(
    page: Page, browser: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    admin = {"Authorization": f"Bearer {live_server.admin_token}"}
    slug = f"alumni-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=live_server.url, timeout=10.0, trust_env=False) as api:
        organiser = _api_person(api, "lucia_organiser")
        member = _api_person(api, "meera_member")
        r = api.post(
            "/api/v1/communities",
            headers=admin,
            json={
                "slug": slug,
                "name": "Academy Alumni 2025",
                "description": "The 2025 cohort keeps learning together.",
                "kind": "alumni",
                "visibility": "public",
            },
        )
        assert r.status_code == 201, r.text
        for username, status in ((organiser, "moderator"), (member, "member")):
            r = api.post(
                f"/api/v1/communities/{slug}/members/{username}",
                headers=admin,
                json={"status": status},
            )
            assert r.status_code == 200, r.text

    # The organiser publishes a meetup with the form.
    day = (datetime.now(ZoneInfo("Asia/Kolkata")) + timedelta(days=14)).date()
    _sign_in(page, organiser)
    page.goto(f"/c/{slug}/events")
    page.get_by_role("link", name="Organise an event").first.click()
    expect(page).to_have_url(re.compile(rf"/c/{slug}/events/new$"))
    page.get_by_label("Title", exact=True).fill("Alumni meetup: a year after the academy")
    page.get_by_label("Kind", exact=True).select_option("meetup")
    page.get_by_label("Starts", exact=True).fill(f"{day.isoformat()}T18:00")
    page.get_by_label("Ends", exact=True).fill(f"{day.isoformat()}T20:30")
    expect(page.get_by_label("Time zone of these times")).to_have_value("Asia/Kolkata")
    page.get_by_label("Place", exact=True).fill("Academy library, first floor")
    page.get_by_label("Online link", exact=True).fill("https://meet.example.org/alumni-meetup")
    page.get_by_label("Places", exact=True).fill("25")
    page.get_by_label("Description", exact=True).fill("Bring one story from the field.")
    page.get_by_role("button", name="Publish the event").click()

    expect(page).to_have_url(re.compile(r"/events/\d+$"))
    expect(page.get_by_role("status")).to_contain_text("Your event is published")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Alumni meetup: a year after the academy"
    )
    expect(page.locator(".event-facts")).to_contain_text(f"{day:%d-%m-%Y} 18:00 – 20:30 IST")
    event_url = page.url

    # A member answers and downloads the calendar file.
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(15_000)
    try:
        tab = context.new_page()
        _sign_in(tab, member)
        tab.goto(event_url)
        expect(tab.get_by_text("The online link is shown to those going.")).to_be_visible()
        tab.get_by_role("button", name="I am going").click()
        expect(tab.get_by_role("status")).to_contain_text("You are going")
        expect(tab.locator(".rsvp")).to_contain_text("You are going.")
        expect(tab.get_by_role("link", name="Join online")).to_have_attribute(
            "href", "https://meet.example.org/alumni-meetup"
        )
        with tab.expect_download() as info:
            tab.get_by_role("link", name="Add to calendar (.ics)").click()
        download = info.value
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
    finally:
        context.close()

    assert saved.name.endswith(".ics")
    calendar = Calendar.from_ical(saved.read_bytes())
    (item,) = calendar.walk("VEVENT")
    assert str(item["SUMMARY"]) == "Alumni meetup: a year after the academy"
    start = item.decoded("DTSTART")
    assert start == datetime(day.year, day.month, day.day, 18, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert "meet.example.org/alumni-meetup" in str(item["DESCRIPTION"])
    assert str(item["LOCATION"]) == "Academy library, first floor"
