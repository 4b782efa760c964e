"""The event pages, driven through httpx against the real app: organising with the form,
answering, what each reader sees (dates in their zone as DD-MM-YYYY, the online link only when
going), the organisers' pages, marathons, calendar links, and the private-community boundary."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
import pytest

from forum import accounts, security
from forum.events import organise, rsvp
from forum.models import CalendarKey, Event, EventRsvp, Notification, User
from tests.conftest import ORIGIN, SECRET, ClientFactory

COOKIE_DOMAIN = "testserver.local"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
IST = ZoneInfo("Asia/Kolkata")


@pytest.fixture(autouse=True)
async def _app_first(client: httpx.AsyncClient) -> None:
    """The app (and its database) starts before any factory fixture of these tests runs."""


@pytest.fixture
def browser_for(new_client: ClientFactory):
    async def make(user: User | None) -> httpx.AsyncClient:
        c = await new_client()
        if user is not None:
            token = await accounts.start_session(user, 1)
            c.cookies.set("chaupal_session", token, domain=COOKIE_DOMAIN)
            c.headers["x-test-csrf"] = security.csrf_token(SECRET, token)
        return c

    return make


async def post_form(c: httpx.AsyncClient, path: str, data: dict | list) -> httpx.Response:
    fields = list(data.items()) if isinstance(data, dict) else list(data)
    fields.append(("csrf_token", c.headers.get("x-test-csrf", "")))
    return await c.post(
        path,
        content=urlencode(fields),
        headers={"Origin": ORIGIN, "Content-Type": "application/x-www-form-urlencoded"},
    )


def flash_of(c: httpx.AsyncClient) -> str:
    return c.cookies.get("chaupal_flash") or ""


def no_inline_script(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


@pytest.fixture
def cohort(make_user, make_community):
    async def make(*, visibility: str = "public", members: int = 3):
        organiser = await make_user(display_name="Lucia Organiser")
        people = [await make_user() for _ in range(members)]
        community = await make_community(
            moderators=(organiser,), members=tuple(people), visibility=visibility, kind="alumni"
        )
        return community, organiser, people

    return make


async def make_event(organiser, community, *, days: float = 3, **overrides) -> Event:
    starts = (datetime.now(UTC) + timedelta(days=days)).replace(second=0, microsecond=0)
    data = {
        "title": "Batch meetup: one year on",
        "kind": "meetup",
        "description": "Stories from the field.",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "location": "Academy library",
        "online_url": "https://meet.example.org/batch",
        "capacity": 2,
    }
    data.update(overrides)
    event = await organise.create(organiser, community, data)
    return await Event.get(id=event.id).select_related("community", "organiser")


async def test_an_organiser_creates_a_meetup_with_the_form(browser_for, cohort):
    community, organiser, _ = await cohort()
    c = await browser_for(organiser)
    form = await c.get(f"/c/{community.slug}/events/new")
    assert form.status_code == 200
    assert 'name="starts_at"' in form.text and 'value="Asia/Kolkata" selected' in form.text
    no_inline_script(form.text)

    day = (datetime.now(IST) + timedelta(days=10)).date()
    r = await post_form(
        c,
        f"/c/{community.slug}/events/new",
        {
            "title": "Alumni meetup at the academy",
            "kind": "meetup",
            "starts_at": f"{day.isoformat()}T18:00",
            "ends_at": f"{day.isoformat()}T20:00",
            "timezone": "Asia/Kolkata",
            "location": "Academy library",
            "online_url": "",
            "capacity": "20",
            "description": "Bring one story.",
        },
    )
    assert r.status_code == 303, r.text
    event = await Event.get(title="Alumni meetup at the academy")
    assert r.headers["location"] == f"/events/{event.id}"
    assert event.starts_at == datetime(day.year, day.month, day.day, 12, 30, tzinfo=UTC)
    page = await c.get(f"/events/{event.id}")
    assert f"{day:%d-%m-%Y} 18:00 – 20:00 IST" in page.text
    assert f'href="/t/{event.thread_id}"' in page.text
    thread = await c.get(f"/t/{event.thread_id}")
    assert f'href="/events/{event.id}"' in thread.text


async def test_a_form_with_mistakes_keeps_what_was_typed(browser_for, cohort):
    community, organiser, _ = await cohort()
    c = await browser_for(organiser)
    r = await post_form(
        c,
        f"/c/{community.slug}/events/new",
        {
            "title": "Marathon on handovers",
            "kind": "marathon",
            "starts_at": "2031-05-02T10:00",
            "ends_at": "2031-05-02T09:00",
            "timezone": "Asia/Kolkata",
            "location": "",
            "online_url": "",
            "capacity": "0",
        },
    )
    assert r.status_code == 422
    assert 'value="Marathon on handovers"' in r.text
    assert "must be after the start" in r.text
    assert 'href="#f-capacity"' in r.text and 'href="#f-location"' in r.text
    assert not await Event.exists()


async def test_members_answer_and_see_the_link_once_going(browser_for, cohort):
    community, organiser, people = await cohort()
    event = await make_event(organiser, community, capacity=1)
    anonymous = await browser_for(None)
    page = await anonymous.get(f"/events/{event.id}")
    assert page.status_code == 200
    assert "meet.example.org" not in page.text and "Sign in to answer" in page.text
    no_inline_script(page.text)

    first = await browser_for(people[0])
    before = await first.get(f"/events/{event.id}")
    assert "meet.example.org" not in before.text and "I am going" in before.text
    r = await post_form(first, f"/events/{event.id}/rsvp", {"status": "going"})
    assert r.status_code == 303
    after = await first.get(f"/events/{event.id}")
    assert "You are going." in after.text
    assert 'href="https://meet.example.org/batch"' in after.text
    assert "Who is going (1)" in after.text

    second = await browser_for(people[1])
    assert "Join the waitlist" in (await second.get(f"/events/{event.id}")).text
    await post_form(second, f"/events/{event.id}/rsvp", {"status": "going"})
    assert "waitlist" in (await second.get(f"/events/{event.id}")).text
    assert (await EventRsvp.get(user_id=people[1].id)).answer == "waitlisted"
    # The first changes their mind: the second is promoted and told.
    await post_form(first, f"/events/{event.id}/rsvp", {"status": "not_going"})
    assert "You are going." in (await second.get(f"/events/{event.id}")).text
    notes = await second.get("/notifications")
    assert "A place freed up" in notes.text and f'href="/events/{event.id}"' in notes.text


async def test_times_are_shown_in_the_viewers_zone(browser_for, cohort):
    community, organiser, people = await cohort()
    event = await make_event(
        organiser,
        community,
        starts_at="2031-03-18T18:00:00+05:30",
        ends_at="2031-03-18T20:00:00+05:30",
    )
    c = await browser_for(people[0])
    assert "18-03-2031 18:00 – 20:00 IST" in (await c.get(f"/events/{event.id}")).text
    r = await post_form(c, "/events/calendar", {"action": "timezone", "timezone": "Europe/London"})
    assert r.status_code == 303
    page = (await c.get(f"/events/{event.id}")).text
    assert "18-03-2031 12:30 – 14:30 GMT" in page
    assert "18-03-2031 18:00 – 20:00 IST where it is organised" in page
    bad = await post_form(
        c, "/events/calendar", {"action": "timezone", "timezone": "Nowhere/Atall"}
    )
    assert bad.status_code == 422


async def test_lists_of_events_on_community_events_home_and_events_pages(browser_for, cohort):
    community, organiser, people = await cohort()
    upcoming = await make_event(organiser, community, title="Upcoming batch meetup")
    past = await make_event(organiser, community, title="Last year's batch meetup")
    await Event.filter(id=past.id).update(
        starts_at=datetime.now(UTC) - timedelta(days=30),
        ends_at=datetime.now(UTC) - timedelta(days=30) + timedelta(hours=2),
    )
    c = await browser_for(people[0])
    listing = (await c.get(f"/c/{community.slug}/events")).text
    assert listing.index("Upcoming batch meetup") < listing.index("Past events")
    assert listing.index("Last year&#39;s batch meetup") > listing.index("Past events")
    assert "Organise an event" not in listing
    assert (
        "Organise an event"
        in (await (await browser_for(organiser)).get(f"/c/{community.slug}/events")).text
    )
    assert "Upcoming batch meetup" in (await c.get(f"/c/{community.slug}")).text
    home = (await c.get("/")).text
    assert "Coming up" in home and f'href="/events/{upcoming.id}"' in home
    mine = (await c.get("/events")).text
    assert "Upcoming batch meetup" in mine and "Last year" not in mine
    no_inline_script(mine)


async def test_private_events_are_not_found_by_outsiders(browser_for, cohort, make_user):
    community, organiser, people = await cohort(visibility="private")
    event = await make_event(organiser, community, title="Private cohort check-in")
    outsider = await make_user()
    for who in (None, outsider):
        c = await browser_for(who)
        for path in (
            f"/events/{event.id}",
            f"/events/{event.id}/attendees",
            f"/events/{event.id}/edit",
            f"/events/{event.id}/cancel",
            f"/c/{community.slug}/events",
            f"/c/{community.slug}/events/new",
            f"/t/{event.thread_id}",
        ):
            r = await c.get(path, follow_redirects=False)
            assert r.status_code in (404, 303), (path, r.status_code)
            if r.status_code == 303:  # signed out: asked to sign in, never shown
                assert r.headers["location"].startswith("/login")
            assert "Private cohort check-in" not in r.text
        for path in ("/events?all=1", "/"):
            assert "Private cohort check-in" not in (await c.get(path)).text
        r = await post_form(c, f"/events/{event.id}/rsvp", {"status": "going"})
        # Signed out, the form has no valid CSRF token (403); signed in, the event is not there.
        assert r.status_code == (403 if who is None else 404)
        assert "Private cohort check-in" not in r.text
    assert not await EventRsvp.exists()
    member = await browser_for(people[0])
    assert "Private cohort check-in" in (await member.get(f"/events/{event.id}")).text


async def test_organisers_edit_cancel_and_see_the_lists(browser_for, cohort):
    community, organiser, people = await cohort(members=4)
    event = await make_event(organiser, community, capacity=2)
    for p in people[:3]:
        await rsvp.respond(p, event, "going")
    c = await browser_for(organiser)
    edit = await c.get(f"/events/{event.id}/edit")
    assert 'value="Batch meetup: one year on"' in edit.text
    r = await post_form(
        c,
        f"/events/{event.id}/edit",
        {
            "title": "Batch meetup: one year on",
            "description": "Stories from the field.",
            "starts_at": edit.text.split('name="starts_at" type="datetime-local" value="')[1][:16],
            "ends_at": edit.text.split('name="ends_at" type="datetime-local" value="')[1][:16],
            "timezone": "Asia/Kolkata",
            "location": "Seminar hall B",
            "online_url": "https://meet.example.org/batch",
            "capacity": "2",
        },
    )
    assert r.status_code == 303, r.text
    assert (await Event.get(id=event.id)).location == "Seminar hall B"
    assert await Notification.filter(kind="event_changed").count() == 3

    lists = (await c.get(f"/events/{event.id}/attendees")).text
    assert "Waitlist" in lists and "Export as CSV" in lists
    assert "once the event starts" in lists
    going = await browser_for(people[0])
    theirs = await going.get(f"/events/{event.id}/attendees")
    assert theirs.status_code == 200 and "Waitlist" not in theirs.text
    waiting = await browser_for(people[2])
    assert (await waiting.get(f"/events/{event.id}/attendees")).status_code == 403
    assert (await waiting.get(f"/events/{event.id}/edit")).status_code == 403

    confirm = await c.get(f"/events/{event.id}/cancel")
    assert "2 going and 1 waiting will be told" in confirm.text
    r = await post_form(c, f"/events/{event.id}/cancel", {"note": "Monsoon flooding."})
    assert r.status_code == 303
    page = (await going.get(f"/events/{event.id}")).text
    assert "This event was cancelled." in page and "Monsoon flooding." in page


async def test_organisers_mark_attendance_on_the_attendees_page(browser_for, cohort):
    community, organiser, people = await cohort()
    event = await make_event(organiser, community, capacity=None)
    for p in people[:2]:
        await rsvp.respond(p, event, "going")
    await Event.filter(id=event.id).update(
        starts_at=datetime.now(UTC) - timedelta(hours=3),
        ends_at=datetime.now(UTC) - timedelta(hours=1),
    )
    c = await browser_for(organiser)
    page = (await c.get(f"/events/{event.id}/attendees")).text
    assert "Save attendance" in page
    r = await post_form(
        c,
        f"/events/{event.id}/attendance",
        [
            ("listed", people[0].username),
            ("listed", people[1].username),
            ("present", people[0].username),
        ],
    )
    assert r.status_code == 303
    rows = {r.user_id: r.attended for r in await EventRsvp.filter(event_id=event.id)}
    assert rows == {people[0].id: True, people[1].id: False}


async def test_a_marathon_page_with_challenges_teams_and_results(browser_for, cohort):
    community, organiser, people = await cohort()
    event = await make_event(organiser, community, kind="marathon", capacity=None)
    c = await browser_for(organiser)
    r = await post_form(
        c,
        f"/events/{event.id}/challenges",
        {
            "title": "Handovers that keep what people know",
            "statement": "Officers move.",
            "team_size": "2",
        },
    )
    assert r.status_code == 303
    member = await browser_for(people[0])
    page = (await member.get(f"/events/{event.id}")).text
    assert "Handovers that keep what people know" in page
    assert "Answer that you are going to form or join a team." in page
    await post_form(member, f"/events/{event.id}/rsvp", {"status": "going"})
    page = (await member.get(f"/events/{event.id}")).text
    challenge_id = re.search(r'name="challenge_id" value="(\d+)"', page).group(1)
    r = await post_form(
        member, f"/events/{event.id}/teams", {"challenge_id": challenge_id, "name": "Relay"}
    )
    assert r.status_code == 303
    page = (await member.get(f"/events/{event.id}")).text
    assert "Relay" in page and "Leave team" in page
    team_id = re.search(
        rf"/events/{event.id}/teams/(\d+)/", (await c.get(f"/events/{event.id}/results")).text
    ).group(1)
    r = await post_form(
        member,
        f"/events/{event.id}/teams/{team_id}/result",
        {"result": "A one-page handover note, tested in two districts.", "url": ""},
    )
    assert r.status_code == 303
    results = (await (await browser_for(None)).get(f"/events/{event.id}/results")).text
    assert "A one-page handover note" in results and "Relay" in results
    no_inline_script(results)


async def test_private_calendar_links_are_shown_once_and_can_be_revoked(browser_for, cohort):
    community, _, people = await cohort(visibility="private")
    c = await browser_for(people[0])
    assert "Make my calendar link" in (await c.get("/events/calendar")).text
    made = await post_form(c, "/events/calendar", {"action": "make"})
    assert made.status_code == 200
    key = re.search(r"/api/v1/me/events\.ics\?key=([A-Za-z0-9_-]+)", made.text).group(1)
    assert f"/api/v1/communities/{community.slug}/events.ics?key={key}" in made.text
    feed = await c.get(f"/api/v1/communities/{community.slug}/events.ics?key={key}")
    assert feed.status_code == 200
    again = (await c.get("/events/calendar")).text
    assert key not in again and "You have a private calendar link" in again
    await post_form(c, "/events/calendar", {"action": "revoke"})
    assert not await CalendarKey.exists()
    anonymous = await browser_for(None)
    gone = await anonymous.get(f"/api/v1/communities/{community.slug}/events.ics?key={key}")
    assert gone.status_code == 404


async def test_moderators_let_members_organise(browser_for, cohort):
    community, organiser, people = await cohort()
    member = await browser_for(people[0])
    assert (await member.get(f"/c/{community.slug}/events/new")).status_code == 403
    c = await browser_for(organiser)
    r = await post_form(c, f"/c/{community.slug}/events/policy", {"members_organise": "on"})
    assert r.status_code == 303
    assert (await member.get(f"/c/{community.slug}/events/new")).status_code == 200
    refused = await post_form(member, f"/c/{community.slug}/events/policy", {})
    assert refused.status_code == 403
