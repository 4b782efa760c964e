"""A learner reading a thread follows a course linked to it and starts a discussion of that
course, in a real browser."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer

PASSWORD = "a long and memorable passphrase"
COURSE = {
    "code": "GFR-IN-PRACTICE",
    "title": "Financial rules in practice: sanctions and year-end spending",
    "provider": "National Institute of Financial Management",
    "url": "https://courses.chaupal.example/gfr",
    "description": "Sanction powers, advances and planning expenditure through the year.",
    "duration": "4h",
    "language": "English",
    "competencies": ["functional:Finance/Financial management"],
}


def _setup(live_server: LiveServer) -> int:
    """The course, a learner who belongs to the community, and a thread linked to the course."""
    admin = {"Authorization": f"Bearer {live_server.admin_token}"}
    with httpx.Client(base_url=live_server.url, timeout=10.0, trust_env=False) as api:
        r = api.post("/api/v1/courses", json=COURSE, headers=admin)
        assert r.status_code == 201, r.text
        for name in ("learner_kiran", "asker_rohit"):
            r = api.post(
                "/api/v1/auth/register",
                json={"username": name, "email": f"{name}@example.org", "password": PASSWORD},
            )
            assert r.status_code == 201, r.text
            token = api.post(
                "/api/v1/auth/token", json={"username": name, "password": PASSWORD}
            ).json()["token"]
            mine = {"Authorization": f"Bearer {token}"}
            r = api.post(f"/api/v1/communities/{live_server.community_slug}/join", headers=mine)
            assert r.status_code == 200, r.text
        r = api.post(
            f"/api/v1/communities/{live_server.community_slug}/threads",
            json={
                "title": "March rush: how do you avoid year-end spending?",
                "body": "Half our budget is spent in the last month every year.",
            },
            headers=mine,
        )
        assert r.status_code == 201, r.text
        thread_id: int = r.json()["id"]
        r = api.post(
            f"/api/v1/threads/{thread_id}/courses", json={"code": COURSE["code"]}, headers=mine
        )
        assert r.status_code == 201, r.text
    return thread_id


def test_a_learner_follows_a_linked_course_and_starts_a_discussion_of_it(
    page: Page, live_server: LiveServer
) -> None:
    thread_id = _setup(live_server)
    page.goto("/login")
    page.get_by_label("Username", exact=True).fill("learner_kiran")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome back")

    page.goto(f"/t/{thread_id}")
    courses = page.get_by_role("complementary", name="Related courses")
    expect(courses).to_be_visible()
    courses.get_by_role("link", name=COURSE["title"]).click()

    expect(page).to_have_url(re.compile(rf"/courses/{COURSE['code']}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE["title"])
    discussions = page.locator(".thread-list")
    expect(discussions.get_by_role("link", name="March rush")).to_be_visible()
    page.get_by_role("link", name="Discuss this course").first.click()

    expect(page).to_have_url(re.compile(rf"/courses/{COURSE['code']}/discuss$"))
    page.get_by_role("link", name=f"Start a thread in {live_server.community_name}").click()
    expect(page).to_have_url(re.compile(rf"/c/{live_server.community_slug}/new\?course="))
    chosen = page.get_by_role("checkbox", name=re.compile("Financial rules in practice"))
    expect(chosen).to_be_checked()
    page.get_by_label("Title", exact=True).fill(
        "Did the financial rules course help with advances?"
    )
    page.get_by_label("Details", exact=True).fill(
        "I took it last month. The part on adjusting advances was new to me. Anyone else?"
    )
    page.get_by_role("button", name="Post thread").click()

    expect(page).to_have_url(re.compile(r"/t/\d+$"))
    expect(page.get_by_role("status")).to_contain_text("Your thread is up.")
    linked = page.get_by_role("complementary", name="Related courses")
    expect(linked.get_by_role("link", name=COURSE["title"])).to_be_visible()

    page.goto(f"/courses/{COURSE['code']}")
    expect(page.locator(".thread-list .thread-title")).to_have_count(2)
