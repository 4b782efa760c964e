"""Event reminders: found in the database (so they survive a restart), sent once however many
workers look, to those going who may still read the community, with an email for people who
get digests."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from forum import communities, db, notifications
from forum.events import organise, reminders, rsvp
from forum.models import EventReminder, Notification, User
from server import create_app

REPO = Path(__file__).resolve().parents[2]


def starting_in(**delta: float) -> dict:
    starts = (datetime.now(UTC) + timedelta(**delta)).replace(microsecond=0)
    return {
        "title": "Monthly alumni check-in",
        "kind": "webinar",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(),
        "online_url": "https://meet.example.org/check-in",
    }


@pytest.fixture
def gathering(app, make_user, make_community):
    async def make(*, going: int = 2, visibility: str = "public", **when: float):
        organiser = await make_user()
        people = [await make_user() for _ in range(going + 1)]
        community = await make_community(
            moderators=(organiser,), members=tuple(people), visibility=visibility
        )
        event = await organise.create(organiser, community, starting_in(**(when or {"days": 2})))
        for person in people[:going]:
            await rsvp.respond(person, event, "going")
        return event, people

    return make


async def test_an_event_gets_a_day_and_an_hour_reminder_that_follow_its_time(gathering):
    event, _ = await gathering(days=2)
    rows = {r.kind: r.due_at for r in await EventReminder.filter(event_id=event.id)}
    assert rows == {
        "day": event.starts_at - timedelta(days=1),
        "hour": event.starts_at - timedelta(hours=1),
    }
    # Made 30 minutes ahead: no reminder at all.
    soon, _ = await gathering(minutes=30)
    assert not await EventReminder.filter(event_id=soon.id).exists()
    # Made 5 hours ahead: only the hour reminder.
    later, _ = await gathering(hours=5)
    assert [r.kind for r in await EventReminder.filter(event_id=later.id)] == ["hour"]


async def test_due_reminders_go_to_those_going_once(gathering):
    event, people = await gathering(days=2)
    day_due = event.starts_at - timedelta(days=1) + timedelta(seconds=1)
    assert await reminders.send_due(day_due - timedelta(minutes=5)) == []
    sent = await reminders.send_due(day_due)
    assert [(s.event_id, sorted(s.told)) for s in sent] == [
        (event.id, sorted(p.id for p in people[:2]))
    ]
    assert await reminders.send_due(day_due) == []  # sent once
    told = await Notification.filter(kind="event_reminder").order_by("user_id")
    assert [n.user_id for n in told] == [p.id for p in people[:2]]
    assert "tomorrow" in told[0].data["message"]
    assert told[0].data["thread_id"] == event.thread_id
    hour = await reminders.send_due(event.starts_at - timedelta(minutes=59))
    assert (
        len(hour) == 1
        and "in an hour"
        in (await Notification.filter(kind="event_reminder").order_by("-id").first()).data[
            "message"
        ]
    )
    # Nothing is sent for an event that has started.
    assert await reminders.send_due(event.starts_at + timedelta(minutes=1)) == []


async def test_reminders_are_shown_in_each_persons_time_zone(gathering):
    event, people = await gathering(days=2, going=2)
    await User.filter(id=people[1].id).update(timezone="America/Argentina/Buenos_Aires")
    await reminders.send_due(event.starts_at - timedelta(hours=23))
    messages = {
        n.user_id: n.data["message"] for n in await Notification.filter(kind="event_reminder")
    }
    assert "IST" in messages[people[0].id]
    assert "UTC-03" in messages[people[1].id]


async def test_reminders_survive_a_restart(gathering, settings, database_url):
    """Nothing is held in memory: a server started afresh finds the due rows in the database
    and its scheduler sends them."""
    event, people = await gathering(days=2)
    await EventReminder.filter(kind="day").update(due_at=datetime.now(UTC) - timedelta(minutes=1))
    await db.close_database()  # the first server stops...
    restarted = create_app(settings.with_(reminder_every=0.05))
    async with restarted.router.lifespan_context(restarted):  # ...and another starts
        for _ in range(200):
            if await Notification.filter(kind="event_reminder").count() == 2:
                break
            await asyncio.sleep(0.05)
    await db.open_database(database_url, migrate=False)
    told = await Notification.filter(kind="event_reminder").values_list("user_id", flat=True)
    assert sorted(told) == sorted(p.id for p in people[:2])


async def test_a_worker_that_fails_mid_way_sends_nothing_and_the_next_round_sends_all(
    gathering, monkeypatch
):
    event, people = await gathering(days=2, going=2)
    real = notifications.notify
    calls = 0

    async def flaky(user_id: int, kind: str, **data):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError("the database went away")
        return await real(user_id, kind, **data)

    monkeypatch.setattr(notifications, "notify", flaky)
    due = event.starts_at - timedelta(hours=23)
    with pytest.raises(OSError):
        await reminders.send_due(due)
    assert not await Notification.filter(kind="event_reminder").exists()
    assert await EventReminder.filter(event_id=event.id, sent_at__isnull=True).count() == 2
    monkeypatch.setattr(notifications, "notify", real)
    sent = await reminders.send_due(due)
    assert len(sent) == 1
    assert await Notification.filter(kind="event_reminder").count() == 2


async def test_cancelled_events_and_lost_access_get_no_reminder(gathering, admin):
    cancelled, _ = await gathering(days=2)
    await organise.cancel(admin, cancelled)
    assert not await EventReminder.filter(event_id=cancelled.id).exists()

    private, people = await gathering(days=2, visibility="private")
    await communities.set_member_status(admin, private.community, people[0].username, "removed")
    sent = await reminders.send_due(private.starts_at - timedelta(hours=23))
    assert [s.told for s in sent] == [[people[1].id]]


async def test_moving_an_event_rearms_its_reminders(gathering, admin):
    event, _ = await gathering(days=2)
    await reminders.send_due(event.starts_at - timedelta(hours=23))
    later = event.starts_at + timedelta(days=3)
    await organise.edit(
        admin,
        event,
        {"starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=1)).isoformat()},
    )
    rows = {r.kind: r for r in await EventReminder.filter(event_id=event.id)}
    assert rows["day"].sent_at is None and rows["day"].due_at == later - timedelta(days=1)


async def test_people_with_digests_on_also_get_an_email(gathering):
    event, people = await gathering(days=2, going=2)
    await User.filter(id=people[0].id).update(email_digest=True)
    mailed: list[tuple[str, str]] = []

    async def mailer(person, event_, text):
        mailed.append((person.email, text))

    await reminders.send_due(event.starts_at - timedelta(hours=23), mailer=mailer)
    assert mailed == [(people[0].email, mailed[0][1])]
    assert event.title in mailed[0][1]
    email = reminders.compose(
        people[0], event, mailed[0][1], sender="Chaupal <c@x>", site_url="https://chaupal.example"
    )
    assert f"https://chaupal.example/events/{event.id}" in email.get_content()


async def test_two_worker_processes_never_send_a_reminder_twice(gathering, database_url, tmp_path):
    events = [await gathering(days=2, going=2) for _ in range(6)]
    # Make every hour reminder due now; the events still start in two days.
    await EventReminder.filter(kind="hour").update(due_at=datetime.now(UTC) - timedelta(minutes=1))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAUPAL_")}
    env.update(CHAUPAL_DATABASE_URL=database_url, CHAUPAL_DATA_DIR=str(tmp_path))

    def run_worker() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "server.py", "send-reminders"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    results = await asyncio.gather(*(asyncio.to_thread(run_worker) for _ in range(3)))
    for r in results:
        assert r.returncode == 0, r.stderr
    assert sum(int(r.stdout.split()[1]) for r in results) == len(events)
    told = await Notification.filter(kind="event_reminder").values_list("user_id", "data")
    pairs = [(u, d["event_id"]) for u, d in told]
    assert len(pairs) == len(set(pairs)) == 2 * len(events)


async def test_concurrent_rounds_in_one_process_send_once(gathering):
    """On PostgreSQL the rounds use separate pooled connections and really overlap."""
    event, _ = await gathering(days=2, going=2)
    due = event.starts_at - timedelta(hours=23)
    rounds = await asyncio.gather(*(reminders.send_due(due) for _ in range(4)))
    assert sum(len(r) for r in rounds) == 1
    assert await Notification.filter(kind="event_reminder").count() == 2
