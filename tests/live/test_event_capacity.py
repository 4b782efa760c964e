"""Event places against REAL servers (`server.py serve --workers 2`, SQLite and PostgreSQL):
50 people answering "going" at the same moment for 10 places get exactly 10 places and a
waitlist of 40, in one order; freed places go to the first waiting; and with two workers each
running the reminder scheduler, every reminder is sent exactly once."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import PG_ADMIN_URL, _pg_admin
from tests.live.conftest import (
    Api,
    LiveSite,
    admin_token,
    create_admin,
    server_env,
    start_server,
)

PLACES = 10
PEOPLE = 50
DEADLINE = 30.0


def _postgres_reachable() -> bool:
    try:
        asyncio.run(_pg_admin("SELECT 1"))
    except (OSError, Exception):  # noqa: BLE001 - any failure means "not here"
        return False
    return True


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def two_workers(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[LiveSite]:
    """A server with two workers on the given database, reminders checked every 0.2 s."""
    data_dir: Path = tmp_path_factory.mktemp(f"events-{request.param}")
    extra = {
        "CHAUPAL_RATE_LIMITS": "false",
        "CHAUPAL_REMINDER_EVERY": "0.2",
    }
    database = None
    if request.param == "postgres":
        if not _postgres_reachable():
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
            pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
        database = f"chaupal_events_{uuid.uuid4().hex[:10]}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{database}"'))
        extra["CHAUPAL_DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"
    env = server_env(data_dir, **extra)
    try:
        create_admin(env)
        server = start_server(env, data_dir / "server.log", "--workers", "2")
        try:
            yield LiveSite(server=server, admin_token=admin_token(server.url))
        finally:
            server.stop()
    finally:
        if database is not None:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


@pytest.fixture
async def site_api(two_workers: LiveSite):
    limits = httpx.Limits(max_connections=PEOPLE + 10)
    async with httpx.AsyncClient(
        base_url=two_workers.url, timeout=60.0, trust_env=False, limits=limits
    ) as client:
        yield Api(client=client, admin_token=two_workers.admin_token)


async def make_event(api: Api, slug: str, starts: datetime, capacity: int | None) -> dict:
    return await api.call(
        "POST",
        f"/api/v1/communities/{slug}/events",
        api.admin,
        201,
        json={
            "title": f"Alumni meetup at {starts:%H:%M:%S.%f}",
            "kind": "meetup",
            "description": "Ten places in the seminar room.",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "location": "Seminar room 2",
            "capacity": capacity,
        },
    )


async def test_fifty_simultaneous_answers_for_ten_places(site_api: Api, two_workers: LiveSite):
    api = site_api
    slug = await api.community()
    people = await api.register_many(*["rsvp"] * PEOPLE)
    await asyncio.gather(*(api.join(slug, p) for p in people))
    event = await make_event(api, slug, datetime.now(UTC) + timedelta(days=2), PLACES)
    path = f"/api/v1/events/{event['id']}/rsvp"

    answers = await asyncio.gather(
        *(api.call("POST", path, p.auth, 200, json={"status": "going"}) for p in people)
    )
    statuses = [a["status"] for a in answers]
    assert statuses.count("going") == PLACES, two_workers.server.log()
    assert statuses.count("waitlisted") == PEOPLE - PLACES

    fresh = await api.call("GET", f"/api/v1/events/{event['id']}", api.admin, 200)
    assert (fresh["going_count"], fresh["waitlist_count"]) == (PLACES, PEOPLE - PLACES)
    lists = await api.call("GET", f"/api/v1/events/{event['id']}/attendees", api.admin, 200)
    going = {p["username"] for p in lists["going"]}
    waiting = [p["username"] for p in lists["waitlist"]]
    assert len(going) == PLACES and len(waiting) == PEOPLE - PLACES
    assert going == {p.username for p, s in zip(people, statuses, strict=True) if s == "going"}

    # Five of those going say no at the same moment: the first five waiting take the places.
    by_name = {p.username: p for p in people}
    leaving = sorted(going)[:5]
    await asyncio.gather(
        *(
            api.call("POST", path, by_name[n].auth, 200, json={"status": "not_going"})
            for n in leaving
        )
    )
    after = await api.call("GET", f"/api/v1/events/{event['id']}/attendees", api.admin, 200)
    assert {p["username"] for p in after["going"]} == (going - set(leaving)) | set(waiting[:5])
    assert [p["username"] for p in after["waitlist"]] == waiting[5:]
    # And at the same time, new answers and changes of mind never overfill it.
    late = await api.register_many(*["late"] * 10)
    await asyncio.gather(*(api.join(slug, p) for p in late))
    await asyncio.gather(
        *(api.call("POST", path, p.auth, 200, json={"status": "going"}) for p in late),
        *(
            api.call("POST", path, by_name[n].auth, 200, json={"status": "not_going"})
            for n in waiting[5:15]
        ),
    )
    final = await api.call("GET", f"/api/v1/events/{event['id']}", api.admin, 200)
    assert final["going_count"] == PLACES
    listed = await api.call("GET", f"/api/v1/events/{event['id']}/attendees", api.admin, 200)
    assert len(listed["going"]) == PLACES
    assert len(listed["waitlist"]) == final["waitlist_count"] == PEOPLE - PLACES - 10 + 10 - 5


async def test_two_workers_send_each_reminder_once(site_api: Api, two_workers: LiveSite):
    api = site_api
    slug = await api.community()
    people = await api.register_many("remind_a", "remind_b")
    for p in people:
        await api.join(slug, p)
    # Starting an hour and a few seconds from now: the hour reminder falls due in seconds,
    # for all of them at once, while both workers look every 0.2 s.
    starts = datetime.now(UTC) + timedelta(hours=1, seconds=6)
    events = [await make_event(api, slug, starts, None) for _ in range(8)]
    for event in events:
        for p in people:
            await api.call(
                "POST", f"/api/v1/events/{event['id']}/rsvp", p.auth, 200, json={"status": "going"}
            )
    wanted = {e["id"] for e in events}

    async def reminders_of(member) -> list[int]:
        body = await api.call("GET", "/api/v1/notifications?limit=100", member.auth, 200)
        return [n["data"]["event_id"] for n in body["items"] if n["kind"] == "event_reminder"]

    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while True:
        got = [await reminders_of(p) for p in people]
        if all(set(g) >= wanted for g in got):
            break
        assert loop.time() < deadline, f"reminders missing: {got}\n{two_workers.server.log()}"
        await asyncio.sleep(0.2)
    # A later reminder arriving proves the scheduler went round again after the first ones.
    marker = await make_event(api, slug, datetime.now(UTC) + timedelta(hours=1, seconds=2), None)
    await api.call(
        "POST", f"/api/v1/events/{marker['id']}/rsvp", people[0].auth, 200, json={"status": "going"}
    )
    while marker["id"] not in await reminders_of(people[0]):
        assert loop.time() < deadline + DEADLINE, two_workers.server.log()
        await asyncio.sleep(0.2)
    for p in people:
        got = [e for e in await reminders_of(p) if e in wanted]
        assert sorted(got) == sorted(wanted), f"{p.username}: {got}"
