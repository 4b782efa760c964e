"""The demo's events: an alumni community with a past meetup, an upcoming meetup with a
waitlist, and a marathon with challenges and teams, all made through the services."""

from __future__ import annotations

from forum import demo
from forum.events import times
from forum.models import Community, Event, EventRsvp, MarathonChallenge, MarathonTeam


async def test_the_demo_loads_events_in_an_alumni_community(app):
    message = await demo.seed(password="a demo test password")
    assert "4 events" in message
    cohort = await Community.get(slug="innovation-academy-2025")
    assert cohort.kind == "alumni"
    events = {
        e.kind + (":past" if e.ends_at < times.now() else ""): e
        for e in await Event.filter(community_id=cohort.id)
    }
    past = events["webinar:past"]
    assert await EventRsvp.filter(event_id=past.id, attended=True).count() == 3
    dinner = events["meetup"]
    assert (dinner.going_count, dinner.waitlist_count, dinner.capacity) == (3, 2, 3)
    marathon = events["marathon"]
    assert await MarathonChallenge.filter(event_id=marathon.id).count() == 3
    assert [t.name for t in await MarathonTeam.filter(event_id=marathon.id).order_by("id")] == [
        "One form",
        "Ground truth",
        "Relay",
    ]
    assert all(e.thread_id for e in events.values())
    assert await demo.seed() == "The demo is already loaded."
    assert await Event.filter(community_id=cohort.id).count() == 3
