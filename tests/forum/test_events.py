"""Events: organising, answering (places and the waitlist), time zones, calendar files, the
attendee lists, and who may see what (through forum/permissions.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from forum.models import Event, EventRsvp, Notification
from tests.conftest import bearer
from tests.forum.helpers import assert_error


def soon(days: float = 3, hours: float = 0) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days, hours=hours)).replace(microsecond=0)


def event_body(**overrides) -> dict:
    starts = soon()
    body = {
        "title": "Alumni meetup: what changed after the course",
        "kind": "meetup",
        "description": "Tea, samosas and **ten-minute** stories from each batchmate.",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "location": "Conference hall, Academy campus",
        "online_url": "https://meet.example.org/alumni-42",
        "capacity": 3,
    }
    body.update(overrides)
    return body


@pytest.fixture
def organised(client, make_user, make_community):
    """A community with a moderator (the organiser) and members; makes events through the API."""

    async def make(*, members: int = 3, visibility: str = "public", **overrides):
        organiser = await make_user()
        people = [await make_user() for _ in range(members)]
        community = await make_community(
            moderators=(organiser,), members=tuple(people), visibility=visibility
        )
        r = await client.post(
            f"/api/v1/communities/{community.slug}/events",
            json=event_body(**overrides),
            headers=await bearer(organiser),
        )
        assert r.status_code == 201, r.text
        return community, organiser, people, r.json()

    return make


async def answer(client, user, event_id: int, status: str = "going") -> str:
    r = await client.post(
        f"/api/v1/events/{event_id}/rsvp", json={"status": status}, headers=await bearer(user)
    )
    assert r.status_code == 200, r.text
    return r.json()["status"]


async def test_an_organiser_creates_an_event_with_its_own_discussion_thread(client, organised):
    community, organiser, _, event = await organised()

    assert event["community"] == community.slug
    assert event["status"] == "scheduled"
    assert event["going_count"] == 0 and event["waitlist_count"] == 0
    assert event["my_status"] is None
    assert event["timezone"] == "Asia/Kolkata"
    assert event["starts_at"].endswith("+05:30")
    assert "<strong>ten-minute</strong>" in event["description_html"]
    thread = (await client.get(f"/api/v1/threads/{event['thread_id']}")).json()
    assert thread["title"] == event["title"]
    assert f"/events/{event['id']}" in thread["posts"][0]["body"]
    assert "event" in thread["tags"]
    listed = await client.get(f"/api/v1/communities/{community.slug}/events?upcoming=true")
    assert [e["id"] for e in listed.json()["items"]] == [event["id"]]
    assert (await client.get(f"/api/v1/communities/{community.slug}/events?upcoming=false")).json()[
        "items"
    ] == []


async def test_members_going_take_places_then_join_the_waitlist_in_order(client, organised):
    _, _, people, event = await organised(members=6, capacity=3)
    answers = [await answer(client, p, event["id"]) for p in people[:5]]
    assert answers == ["going", "going", "going", "waitlisted", "waitlisted"]
    again = await answer(client, people[3], event["id"])
    assert again == "waitlisted"  # answering again keeps one's place in the queue

    r = await client.get(f"/api/v1/events/{event['id']}", headers=await bearer(people[0]))
    assert r.json()["going_count"] == 3 and r.json()["waitlist_count"] == 2
    assert r.json()["my_status"] == "going"

    # The first going says no: the first waiting (people[3]) takes the place and is told.
    assert await answer(client, people[0], event["id"], "not_going") == "not_going"
    rows = {r.user_id: r.answer for r in await EventRsvp.filter(event_id=event["id"])}
    assert rows[people[3].id] == "going" and rows[people[4].id] == "waitlisted"
    told = await Notification.filter(user_id=people[3].id, kind="event_promoted")
    assert len(told) == 1 and told[0].data["event_id"] == event["id"]
    assert not await Notification.filter(user_id=people[4].id, kind="event_promoted").exists()

    # A waitlisted person leaving frees no place; the next place goes to people[4].
    await answer(client, people[5], event["id"])  # waitlisted after people[4]
    await answer(client, people[1], event["id"], "not_going")
    rows = {r.user_id: r.answer for r in await EventRsvp.filter(event_id=event["id"])}
    assert rows[people[4].id] == "going" and rows[people[5].id] == "waitlisted"
    fresh = await Event.get(id=event["id"])
    assert (fresh.going_count, fresh.waitlist_count) == (3, 1)


async def test_raising_the_capacity_promotes_the_waitlist(client, organised):
    _, organiser, people, event = await organised(members=4, capacity=1)
    for p in people:
        await answer(client, p, event["id"])
    r = await client.patch(
        f"/api/v1/events/{event['id']}", json={"capacity": 3}, headers=await bearer(organiser)
    )
    assert r.status_code == 200, r.text
    assert r.json()["going_count"] == 3 and r.json()["waitlist_count"] == 1
    rows = {r.user_id: r.answer for r in await EventRsvp.filter(event_id=event["id"])}
    assert [rows[p.id] for p in people] == ["going", "going", "going", "waitlisted"]

    lower = await client.patch(
        f"/api/v1/events/{event['id']}", json={"capacity": 2}, headers=await bearer(organiser)
    )
    assert_error(lower, 422, field="capacity")
    unlimited = await client.patch(
        f"/api/v1/events/{event['id']}", json={"capacity": None}, headers=await bearer(organiser)
    )
    assert unlimited.json()["going_count"] == 4 and unlimited.json()["capacity"] is None


async def test_the_online_link_is_shown_only_to_those_going_and_organisers(client, organised):
    _, organiser, people, event = await organised(members=2)
    assert event["online_url"] == "https://meet.example.org/alumni-42"  # the organiser
    path = f"/api/v1/events/{event['id']}"
    assert (await client.get(path)).json()["online_url"] is None
    assert (await client.get(path, headers=await bearer(people[0]))).json()["online_url"] is None
    assert (await client.get(path)).json()["online"] is True
    await answer(client, people[0], event["id"])
    seen = (await client.get(path, headers=await bearer(people[0]))).json()
    assert seen["online_url"] == "https://meet.example.org/alumni-42"
    ics = (await client.get(f"/api/v1/events/{event['id']}.ics")).text
    assert "meet.example.org" not in ics
    mine = (await client.get(f"{path}.ics", headers=await bearer(people[0]))).text
    assert "meet.example.org/alumni-42" in mine.replace("\r\n ", "")


async def test_cancelling_tells_those_going_and_waiting_and_closes_answers(client, organised):
    _, organiser, people, event = await organised(members=3, capacity=1)
    await answer(client, people[0], event["id"])
    await answer(client, people[1], event["id"])
    r = await client.post(
        f"/api/v1/events/{event['id']}/cancel",
        json={"note": "The hall is needed for election duty."},
        headers=await bearer(organiser),
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    assert r.json()["cancel_note"] == "The hall is needed for election duty."
    for person in people[:2]:
        told = await Notification.get(user_id=person.id, kind="event_cancelled")
        assert "election duty" in told.data["message"]
    assert not await Notification.filter(user_id=people[2].id).exists()
    late = await client.post(
        f"/api/v1/events/{event['id']}/rsvp",
        json={"status": "going"},
        headers=await bearer(people[2]),
    )
    assert_error(late, 409, "event_cancelled")
    # Cancelling twice changes nothing and tells nobody again.
    await client.post(f"/api/v1/events/{event['id']}/cancel", headers=await bearer(organiser))
    assert await Notification.filter(kind="event_cancelled").count() == 2
    # Calendar apps learn of it from the file.
    ics = Calendar.from_ical((await client.get(f"/api/v1/events/{event['id']}.ics")).content)
    assert str(ics.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"


async def test_changing_the_time_tells_attendees_and_bumps_the_calendar_sequence(client, organised):
    _, organiser, people, event = await organised(members=1)
    await answer(client, people[0], event["id"])
    later = soon(days=5)
    r = await client.patch(
        f"/api/v1/events/{event['id']}",
        json={"starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=3)).isoformat()},
        headers=await bearer(organiser),
    )
    assert r.status_code == 200, r.text
    told = await Notification.get(user_id=people[0].id, kind="event_changed")
    assert later.astimezone(ZoneInfo("Asia/Kolkata")).strftime("%d-%m-%Y") in told.data["message"]
    ics = Calendar.from_ical((await client.get(f"/api/v1/events/{event['id']}.ics")).content)
    assert int(ics.walk("VEVENT")[0]["SEQUENCE"]) == 1
    # Changing only the description tells nobody.
    await client.patch(
        f"/api/v1/events/{event['id']}",
        json={"description": "Bring your project poster."},
        headers=await bearer(organiser),
    )
    assert await Notification.filter(kind="event_changed").count() == 1


async def test_times_are_entered_with_a_zone_stored_in_utc_and_shown_in_the_events_zone(
    client, organised
):
    _, organiser, _, event = await organised(
        starts_at="2031-03-18T18:00",
        ends_at="2031-03-18T20:30",
        timezone="America/Argentina/Buenos_Aires",
    )
    stored = await Event.get(id=event["id"])
    assert stored.starts_at == datetime(2031, 3, 18, 21, 0, tzinfo=UTC)
    assert event["starts_at"] == "2031-03-18T18:00:00-03:00"
    assert event["timezone"] == "America/Argentina/Buenos_Aires"
    # An offset stands on its own, whatever zone the event is shown in.
    other = await client.post(
        f"/api/v1/communities/{event['community']}/events",
        json=event_body(starts_at="2031-03-18T18:00:00+05:30", ends_at="2031-03-18T19:00:00Z"),
        headers=await bearer(organiser),
    )
    assert other.status_code == 201, other.text
    row = await Event.get(id=other.json()["id"])
    assert row.starts_at == datetime(2031, 3, 18, 12, 30, tzinfo=UTC)
    assert row.ends_at == datetime(2031, 3, 18, 19, 0, tzinfo=UTC)
    ics = Calendar.from_ical((await client.get(f"/api/v1/events/{event['id']}.ics")).content)
    start = ics.walk("VEVENT")[0].decoded("DTSTART")
    assert start == datetime(2031, 3, 18, 21, 0, tzinfo=UTC)
    assert str(start.tzinfo) == "America/Argentina/Buenos_Aires"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": "2031-03-18T18:00"}, "starts_at"),  # no zone at all
        ({"starts_at": "18/03/2031 6pm"}, "starts_at"),
        ({"starts_at": "2031-02-30T10:00+05:30"}, "starts_at"),
        ({"starts_at": 1710000000}, "starts_at"),
        ({"ends_at": "2031-03-18T17:00+05:30", "starts_at": "2031-03-18T18:00+05:30"}, "ends_at"),
        ({"ends_at": "2031-04-18T17:00+05:30", "starts_at": "2031-03-18T18:00+05:30"}, "ends_at"),
        ({"starts_at": "2001-03-18T18:00+05:30", "ends_at": "2001-03-18T19:00+05:30"}, "starts_at"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": "America/New_York", "starts_at": "2031-03-09T02:30"}, "starts_at"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": -4}, "capacity"),
        ({"capacity": 10**12}, "capacity"),
        ({"capacity": "lots"}, "capacity"),
        ({"capacity": True}, "capacity"),
        ({"kind": "picnic"}, "kind"),
        ({"title": "Hi"}, "title"),
        ({"title": ["a list"]}, "title"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"online_url": "", "location": ""}, "location"),
        ({"colour": "saffron"}, "colour"),
    ],
)
async def test_bad_event_fields_are_422_naming_the_field(
    client, make_user, make_community, change, field
):
    organiser = await make_user()
    community = await make_community(moderators=(organiser,))
    body = event_body(starts_at="2031-03-18T18:00+05:30", ends_at="2031-03-18T20:00+05:30")
    body.update(change)
    r = await client.post(
        f"/api/v1/communities/{community.slug}/events", json=body, headers=await bearer(organiser)
    )
    assert_error(r, 422, field=field)
    assert not await Event.exists()


async def test_bad_requests_never_become_server_errors(client, organised):
    community, organiser, people, event = await organised(members=1)
    headers = await bearer(people[0])
    for method, path, body in (
        ("POST", f"/api/v1/events/{event['id']}/rsvp", {"status": "maybe"}),
        ("POST", f"/api/v1/events/{event['id']}/rsvp", {"status": None}),
        ("POST", f"/api/v1/events/{event['id']}/rsvp", []),
        ("GET", "/api/v1/events/99999999999", None),
        ("GET", "/api/v1/events/abc", None),
        ("GET", "/api/v1/events/0.ics", None),
        ("GET", f"/api/v1/communities/{community.slug}/events?upcoming=perhaps", None),
        ("GET", f"/api/v1/communities/{community.slug}/events?cursor=zz.1", None),
        ("GET", f"/api/v1/communities/{community.slug}/events?limit=100000", None),
        ("PATCH", f"/api/v1/events/{event['id']}", {"capacity": 2}),
        ("POST", f"/api/v1/events/{event['id']}/attendance", {"usernames": "x"}),
        ("GET", f"/api/v1/events/{event['id']}/attendees.csv", None),
        ("GET", f"/api/v1/communities/{community.slug}/events.ics?key=nope", None),
    ):
        r = await client.request(
            method, path, headers=headers, **({"json": body} if body is not None else {})
        )
        assert 400 <= r.status_code < 500, (method, path, r.status_code, r.text)
        assert "error" in r.json(), r.text
    raw = await client.post(
        f"/api/v1/events/{event['id']}/rsvp", content=b"{not json", headers=headers
    )
    assert_error(raw, 400, "bad_json")


async def test_who_may_organise_events(client, make_user, make_community):
    moderator, member, outsider = await make_user(), await make_user(), await make_user()
    community = await make_community(moderators=(moderator,), members=(member,))
    path = f"/api/v1/communities/{community.slug}/events"
    denied = await client.post(path, json=event_body(), headers=await bearer(member))
    assert_error(denied, 403, "not_an_organiser")
    assert_error(await client.post(path, json=event_body()), 401)

    policy = f"/api/v1/communities/{community.slug}/event-policy"
    refused = await client.patch(
        policy, json={"members_organise": True}, headers=await bearer(member)
    )
    assert_error(refused, 403)
    r = await client.patch(policy, json={"members_organise": True}, headers=await bearer(moderator))
    assert r.json() == {"community": community.slug, "members_organise": True}
    assert_error(
        await client.patch(
            policy, json={"members_organise": "yes"}, headers=await bearer(moderator)
        ),
        422,
        field="members_organise",
    )

    made = await client.post(path, json=event_body(), headers=await bearer(member))
    assert made.status_code == 201, made.text
    assert made.json()["can_manage"] is True
    assert_error(await client.post(path, json=event_body(), headers=await bearer(outsider)), 403)

    # The member organiser manages their own event, not a moderator's.
    theirs = await client.post(path, json=event_body(), headers=await bearer(moderator))
    edit = await client.patch(
        f"/api/v1/events/{theirs.json()['id']}",
        json={"title": "Taken over by a member"},
        headers=await bearer(member),
    )
    assert_error(edit, 403)
    # When the community stops letting members organise, they stop managing their events.
    await client.patch(policy, json={"members_organise": False}, headers=await bearer(moderator))
    own = await client.patch(
        f"/api/v1/events/{made.json()['id']}", json={"capacity": 9}, headers=await bearer(member)
    )
    assert_error(own, 403)


async def test_answering_needs_membership_and_an_open_event(client, organised, make_user):
    _, _, _, event = await organised()
    outsider = await make_user()
    r = await client.post(
        f"/api/v1/events/{event['id']}/rsvp",
        json={"status": "going"},
        headers=await bearer(outsider),
    )
    assert_error(r, 403, "not_a_member")
    assert_error(
        await client.post(f"/api/v1/events/{event['id']}/rsvp", json={"status": "going"}), 401
    )


async def test_private_community_events_are_invisible_to_outsiders(client, organised, make_user):
    community, organiser, people, event = await organised(visibility="private")
    outsider = await make_user()
    await answer(client, people[0], event["id"])
    paths = [
        f"/api/v1/events/{event['id']}",
        f"/api/v1/events/{event['id']}.ics",
        f"/api/v1/events/{event['id']}/attendees",
        f"/api/v1/events/{event['id']}/attendees.csv",
        f"/api/v1/communities/{community.slug}/events",
        f"/api/v1/communities/{community.slug}/events.ics",
        f"/api/v1/threads/{event['thread_id']}",
    ]
    for who in (None, outsider):
        headers = await bearer(who) if who else {}
        for path in paths:
            r = await client.get(path, headers=headers)
            assert_error(r, 404)
            assert event["title"] not in r.text
        for method, path in (
            ("POST", f"/api/v1/events/{event['id']}/rsvp"),
            ("PATCH", f"/api/v1/events/{event['id']}"),
            ("POST", f"/api/v1/events/{event['id']}/cancel"),
        ):
            r = await client.request(method, path, json={"status": "going"}, headers=headers)
            assert r.status_code == 404, (method, path, r.status_code)
        listed = await client.get("/api/v1/events?all=true", headers=headers)
        assert event["id"] not in [e["id"] for e in listed.json()["items"]]
    member_view = await client.get(f"/api/v1/events/{event['id']}", headers=await bearer(people[1]))
    assert member_view.status_code == 200


async def test_attendee_lists_for_organisers_and_for_those_going(client, organised):
    _, organiser, people, event = await organised(members=4, capacity=2)
    for p in people[:3]:
        await answer(client, p, event["id"])
    path = f"/api/v1/events/{event['id']}/attendees"
    full = (await client.get(path, headers=await bearer(organiser))).json()
    assert [p["username"] for p in full["going"]] == [people[0].username, people[1].username]
    assert [p["username"] for p in full["waitlist"]] == [people[2].username]
    going = (await client.get(path, headers=await bearer(people[0]))).json()
    assert set(going) == {"going"} and len(going["going"]) == 2
    assert_error(await client.get(path, headers=await bearer(people[2])), 403)  # waitlisted
    assert_error(await client.get(path, headers=await bearer(people[3])), 403)

    csv_r = await client.get(f"{path}.csv", headers=await bearer(organiser))
    assert csv_r.headers["content-type"].startswith("text/csv")
    lines = csv_r.text.strip().splitlines()
    assert lines[0].startswith("username,name,role")
    assert len(lines) == 4 and lines[3].split(",")[5] == "1"
    assert_error(await client.get(f"{path}.csv", headers=await bearer(people[0])), 403)


async def test_csv_cells_cannot_run_as_spreadsheet_formulas(client, organised, make_user):
    community, organiser, _, event = await organised(members=0)
    sneaky = await make_user(display_name='=HYPERLINK("http://x")')
    from forum import communities as communities_service
    from forum.models import User

    admin = await User.get(username="admin")
    await communities_service.set_member_status(admin, community, sneaky.username, "member")
    await answer(client, sneaky, event["id"])
    text = (
        await client.get(
            f"/api/v1/events/{event['id']}/attendees.csv", headers=await bearer(organiser)
        )
    ).text
    assert "'=HYPERLINK" in text


async def test_organisers_mark_attendance_after_the_start(client, organised):
    _, organiser, people, event = await organised(members=2)
    await answer(client, people[0], event["id"])
    path = f"/api/v1/events/{event['id']}/attendance"
    early = await client.post(
        path, json={"usernames": [people[0].username]}, headers=await bearer(organiser)
    )
    assert_error(early, 409, "not_started")
    await Event.filter(id=event["id"]).update(
        starts_at=soon(days=-1), ends_at=soon(days=-1, hours=2)
    )
    r = await client.post(
        path, json={"usernames": [people[0].username]}, headers=await bearer(organiser)
    )
    assert r.json() == {"changed": 1}
    again = await client.post(
        path, json={"usernames": [people[0].username]}, headers=await bearer(organiser)
    )
    assert again.json() == {"changed": 0}
    not_going = await client.post(
        path, json={"usernames": [people[1].username]}, headers=await bearer(organiser)
    )
    assert_error(not_going, 422, field="usernames")
    assert_error(
        await client.post(
            path, json={"usernames": [people[0].username]}, headers=await bearer(people[0])
        ),
        403,
    )
    row = await EventRsvp.get(event_id=event["id"], user_id=people[0].id)
    assert row.attended and row.attended_at is not None
    # Attending earns learning points, once however often attendance is marked.
    from forum.models import PointEntry

    earned = await PointEntry.filter(user_id=people[0].id, reason="event_attended")
    assert len(earned) == 1 and earned[0].points > 0


async def test_the_events_list_shows_upcoming_events_of_my_communities(
    client, organised, make_user
):
    community, _, people, event = await organised()
    _, _, _, elsewhere = await organised()
    mine = (await client.get("/api/v1/events", headers=await bearer(people[0]))).json()
    assert [e["id"] for e in mine["items"]] == [event["id"]]
    everywhere = await client.get("/api/v1/events?all=true", headers=await bearer(people[0]))
    assert {e["id"] for e in everywhere.json()["items"]} == {event["id"], elsewhere["id"]}
    anonymous = (await client.get("/api/v1/events")).json()
    assert {e["id"] for e in anonymous["items"]} == {event["id"], elsewhere["id"]}


def parse(body: bytes) -> Calendar:
    calendar = Calendar.from_ical(body)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return calendar


async def test_an_event_calendar_file_parses_back(client, organised):
    _, _, _, event = await organised(title="Meetup; with, commas and ünïcode")
    r = await client.get(f"/api/v1/events/{event['id']}.ics")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"BEGIN:VCALENDAR\r\n")
    calendar = parse(r.content)
    (item,) = calendar.walk("VEVENT")
    assert str(item["SUMMARY"]) == "Meetup; with, commas and ünïcode"
    assert item.decoded("DTSTART") == datetime.fromisoformat(event["starts_at"])
    assert item.decoded("DTEND") == datetime.fromisoformat(event["ends_at"])
    assert str(item["UID"]).startswith(f"event-{event['id']}@")
    assert str(item["LOCATION"]) == "Conference hall, Academy campus"
    assert f"/events/{event['id']}" in str(item["URL"])
    assert str(item["STATUS"]) == "CONFIRMED"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Asia/Kolkata"
    for line in r.content.split(b"\r\n"):
        assert len(line) <= 75  # folded as RFC 5545 says


async def test_community_feeds_and_secret_calendar_links(client, organised, make_user):
    public, _, people, public_event = await organised()
    private, _, insiders, private_event = await organised(visibility="private")
    feed = await client.get(f"/api/v1/communities/{public.slug}/events.ics")
    assert feed.status_code == 200
    assert [str(e["SUMMARY"]) for e in parse(feed.content).walk("VEVENT")] == [
        public_event["title"]
    ]
    assert_error(await client.get(f"/api/v1/communities/{private.slug}/events.ics"), 404)

    made = await client.post("/api/v1/me/calendar-key", headers=await bearer(insiders[0]))
    assert made.status_code == 201
    key = made.json()["key"]
    assert private.slug in made.json()["feeds"]["communities"]
    from forum.models import CalendarKey

    assert key not in {k.key_hash for k in await CalendarKey.all()}  # only a hash is kept
    path = f"/api/v1/communities/{private.slug}/events.ics?key={key}"
    assert parse((await client.get(path)).content).walk("VEVENT")
    mine = await client.get(f"/api/v1/me/events.ics?key={key}")
    assert [str(e["SUMMARY"]) for e in parse(mine.content).walk("VEVENT")] == [
        private_event["title"]
    ]
    # Someone else's key does not open it; nor does the key once revoked or replaced.
    outsider = await make_user()
    other_key = (
        await client.post("/api/v1/me/calendar-key", headers=await bearer(outsider))
    ).json()["key"]
    assert_error(
        await client.get(f"/api/v1/communities/{private.slug}/events.ics?key={other_key}"), 404
    )
    newer = (await client.post("/api/v1/me/calendar-key", headers=await bearer(insiders[0]))).json()
    assert_error(await client.get(path), 404)
    revoke = await client.delete("/api/v1/me/calendar-key", headers=await bearer(insiders[0]))
    assert revoke.json() == {"status": "revoked"}
    assert_error(
        await client.get(f"/api/v1/communities/{private.slug}/events.ics?key={newer['key']}"), 404
    )


async def test_a_feed_key_follows_membership(client, organised):
    private, _, insiders, _ = await organised(visibility="private")
    key = (await client.post("/api/v1/me/calendar-key", headers=await bearer(insiders[0]))).json()[
        "key"
    ]
    path = f"/api/v1/communities/{private.slug}/events.ics?key={key}"
    assert (await client.get(path)).status_code == 200
    left = await client.post(
        f"/api/v1/communities/{private.slug}/leave", headers=await bearer(insiders[0])
    )
    assert left.status_code == 200
    assert_error(await client.get(path), 404)
    mine = await client.get(f"/api/v1/me/events.ics?key={key}")
    assert parse(mine.content).walk("VEVENT") == []


async def test_private_events_are_not_found_by_search_and_their_notifications_are_withheld(
    app, client, organised, make_user
):
    from tests.search.helpers import drain, search, thread_ids

    community, organiser, people, event = await organised(
        visibility="private", title="Quarterly cohort retreat in Mussoorie"
    )
    await drain(app)
    outsider = await make_user()
    for headers in ({}, await bearer(outsider)):
        found = await search(client, "Mussoorie retreat", headers=headers)
        assert event["thread_id"] not in thread_ids(found)
    member = await search(client, "Mussoorie retreat", headers=await bearer(people[0]))
    assert event["thread_id"] in thread_ids(member)

    # Someone told about the event who then leaves sees the notification withheld.
    await answer(client, people[0], event["id"])
    await client.post(
        f"/api/v1/events/{event['id']}/cancel", json={"note": "x"}, headers=await bearer(organiser)
    )
    await client.post(
        f"/api/v1/communities/{community.slug}/leave", headers=await bearer(people[0])
    )
    listed = (await client.get("/api/v1/notifications", headers=await bearer(people[0]))).json()
    (cancelled,) = [n for n in listed["items"] if n["kind"] == "event_cancelled"]
    assert cancelled["data"] == {"withheld": True}


async def test_people_choose_the_zone_event_times_are_shown_in(client, make_user):
    person = await make_user()
    r = await client.put(
        "/api/v1/me/timezone", json={"timezone": "Europe/Paris"}, headers=await bearer(person)
    )
    assert r.json() == {"timezone": "Europe/Paris"}
    assert_error(
        await client.put(
            "/api/v1/me/timezone", json={"timezone": "Atlantis"}, headers=await bearer(person)
        ),
        422,
        field="timezone",
    )
    assert_error(await client.put("/api/v1/me/timezone", json={"timezone": "UTC"}), 401)


async def test_people_suspended_from_the_community_cannot_answer_or_organise(
    client, organised, admin
):
    community, organiser, people, event = await organised(members=2)
    await client.patch(
        f"/api/v1/communities/{community.slug}/event-policy",
        json={"members_organise": True},
        headers=await bearer(organiser),
    )
    r = await client.post(
        f"/api/v1/users/{people[0].username}/suspension",
        json={"days": 2, "reason": "Spam.", "community": community.slug},
        headers=await bearer(organiser),
    )
    assert r.status_code in (200, 201), r.text
    refused = await client.post(
        f"/api/v1/events/{event['id']}/rsvp",
        json={"status": "going"},
        headers=await bearer(people[0]),
    )
    assert_error(refused, 403, "suspended")
    made = await client.post(
        f"/api/v1/communities/{community.slug}/events",
        json=event_body(),
        headers=await bearer(people[0]),
    )
    assert_error(made, 403, "suspended")
    assert await answer(client, people[1], event["id"]) == "going"
