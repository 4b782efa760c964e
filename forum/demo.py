"""`python server.py seed-demo`: loads the demo in forum/demo_content.py through the services,
so the demo obeys the same rules as real use. Running it twice changes nothing."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from forum import (
    accounts,
    communities,
    demo_content,
    demo_courses,
    markup,
    permissions,
    posts,
    threads,
)
from forum.events import attendance, marathons, organise, reminders, rsvp, times
from forum.models import Community, Event, EventRsvp, Post, Thread, User
from moderation import actions
from search.port import CourseIndex, SearchIndex
from search.writer import OutboxWriter

DEMO_PASSWORD = "chaupal-demo-2026"  # noqa: S105 - documented demo password
DEMO_ADMIN = "admin"


async def sign_in_hint() -> str | None:
    """ "admin / PASSWORD" when the demo's admin signs in with the demo password (the one in
    CHAUPAL_DEMO_PASSWORD, else the documented one), else None. `serve` shows it, so whoever
    loaded the demo knows how to sign in; a real site (no demo admin, or its password changed)
    shows nothing."""
    password = os.environ.get("CHAUPAL_DEMO_PASSWORD") or DEMO_PASSWORD
    if await User.get_or_none(username=DEMO_ADMIN) is None:
        return None
    user = await accounts.authenticate(DEMO_ADMIN, password)
    return f"{DEMO_ADMIN} / {password}" if user is not None else None


async def _user(username: str, email: str, password: str, **profile: str) -> User:
    existing = await User.get_or_none(username=username)
    if existing is not None:
        return existing
    return await accounts.register(username, email, password, **profile)  # type: ignore[arg-type]


async def seed(
    password: str | None = None,
    search_index: SearchIndex | None = None,
    course_index: CourseIndex | None = None,
) -> str:
    """Loads the demo and, given the search indexes, indexes it at once."""
    if await Community.filter(slug=demo_content.COMMUNITIES[0]["slug"]).exists():
        admin = await User.get_or_none(username=DEMO_ADMIN)
        added = await demo_courses.seed(course_index, admin) if admin is not None else ""
        return "The demo is already loaded." + added
    password = password or os.environ.get("CHAUPAL_DEMO_PASSWORD") or DEMO_PASSWORD
    admin = await _user(
        DEMO_ADMIN,
        "admin@chaupal.example",
        password,
        display_name="Chaupal Admin",
        role="Platform administrator",
    )
    if not admin.is_admin:
        admin.is_admin = True
        await admin.save(update_fields=["is_admin"])

    # Setting the demo up is not moderation: communities and memberships are made through the
    # services, without audit entries. What the demo's moderators "did" (pins, locks, best of)
    # goes through the audited actions, credited to them.
    by_slug: dict[str, Community] = {}
    for spec in demo_content.COMMUNITIES:
        by_slug[spec["slug"]] = await communities.create(admin, **spec)

    people: dict[str, User] = {}
    for spec in demo_content.USERS:
        user = await _user(
            spec["username"],
            f"{spec['username']}@chaupal.example",
            password,
            display_name=spec["display_name"],
            role=spec["role"],
            sector=spec["sector"],
        )
        people[spec["username"]] = user
        for slug in spec["communities"]:
            status = "moderator" if slug in spec.get("moderates", ()) else "member"
            await communities.set_member_status(admin, by_slug[slug], user.username, status)

    now = threads.now()
    count = len(demo_content.THREADS)
    for index, spec in enumerate(demo_content.THREADS):
        author = people[spec["author"]]
        permissions.forget_memberships(author)
        thread, first = await threads.start(
            author,
            by_slug[spec["community"]],
            title=spec["title"],
            body=spec["body"],
            tags=spec["tags"],
        )
        thread = await threads.get(author, thread.id)
        # Spread the demo over the past weeks so lists and relative times look lived-in.
        started = now - timedelta(days=(count - index) * 1.3, hours=index % 7)
        stamps = [(first, started)]
        made: list[Post] = []
        for n, reply in enumerate(spec["replies"]):
            writer = people[reply["author"]]
            parent = made[reply["reply_to"]] if reply.get("reply_to") is not None else None
            post = await posts.reply(
                writer, thread, body=reply["body"], reply_to=parent.id if parent else None
            )
            made.append(post)
            stamps.append((post, started + timedelta(hours=3 * (n + 1) + n * n)))
        async with in_transaction():
            for post, when in stamps:
                await Post.filter(id=post.id).update(created_at=when)
            await Thread.filter(id=thread.id).update(
                created_at=started, last_activity_at=stamps[-1][1]
            )
        moderator = _moderator(people, spec["community"]) or admin
        if spec.get("pinned"):
            await actions.pin_thread(moderator, thread, True)
        if spec.get("locked"):
            await actions.lock_thread(moderator, thread, True, "Consultation closed.")
    events = await _seed_events(people, by_slug)
    catalogue = await demo_courses.seed(course_index, admin)
    if search_index is not None:
        await OutboxWriter(search_index).drain()
    return (
        f"Loaded {len(by_slug)} communities, {len(people)} people, {count} threads and "
        f"{events} events.{catalogue} "
        f"Sign in as any of them (e.g. '{demo_content.USERS[0]['username']}') or as '{DEMO_ADMIN}' "
        f"with the password '{password}'."
    )


def _moderator(people: dict[str, User], slug: str) -> User | None:
    """The demo member who moderates this community, to whom its demo moderation is credited."""
    username = demo_content.moderator_of(slug)
    moderator = people.get(username) if username else None
    permissions.forget_memberships(moderator)
    return moderator


async def _seed_events(people: dict[str, User], by_slug: dict[str, Community]) -> int:
    """The demo's events: a past check-in (attendance marked), an upcoming dinner with a
    waitlist, an upcoming marathon with challenges and teams, and a public reunion."""
    today = times.now().astimezone(times.zone(times.DEFAULT_ZONE)).date()
    for spec in demo_content.EVENTS:
        organiser = people[spec["organiser"]]
        community = by_slug[spec["community"]]
        permissions.forget_memberships(organiser)
        day = today + timedelta(days=spec["days"])
        local_start = f"{day.isoformat()}T{spec['at']}"
        start = times.parse(local_start, "starts_at", spec["timezone"])
        held = spec["days"] < 0
        if held:  # made as if a week ahead, then moved to when it was held
            start = times.now() + timedelta(days=7)
        end = start + timedelta(hours=spec["hours"])
        event = await organise.create(
            organiser,
            community,
            {
                "title": spec["title"],
                "kind": spec["kind"],
                "description": spec["description"],
                "starts_at": start.isoformat(),
                "ends_at": end.isoformat(),
                "timezone": spec["timezone"],
                "location": spec["location"],
                "online_url": spec["online_url"],
                "capacity": spec["capacity"],
            },
        )
        event = await Event.get(id=event.id).select_related("community", "organiser")
        for username in spec["going"]:
            permissions.forget_memberships(people[username])
            await rsvp.respond(people[username], event, "going")
        for challenge_spec in spec.get("challenges", ()):
            challenge = await marathons.add_challenge(
                organiser,
                event,
                title=challenge_spec["title"],
                statement=challenge_spec["statement"],
                team_size=challenge_spec["team_size"],
            )
            for team_spec in challenge_spec["teams"]:
                founder, *others = team_spec["members"]
                team = await marathons.form_team(
                    people[founder], event, challenge.id, team_spec["name"]
                )
                for username in others:
                    await marathons.join_team(people[username], event, team)
        if held:
            was = times.parse(local_start, "starts_at", spec["timezone"])
            await Event.filter(id=event.id).update(
                starts_at=was, ends_at=was + timedelta(hours=spec["hours"])
            )
            await EventRsvp.filter(event_id=event.id).update(queued_at=was - timedelta(days=5))
            await reminders.unschedule(event.id)
            event = await Event.get(id=event.id).select_related("community", "organiser")
            await _backdate_thread(event, announced=was - timedelta(days=20))
            attended = spec.get("attended") or []
            if attended:
                await attendance.mark(organiser, event, attended, True)
    return len(demo_content.EVENTS)


async def _backdate_thread(event: Event, *, announced: datetime) -> None:
    """A held event's discussion thread says when it was held, and was started before it."""
    body = organise.thread_body(
        event,
        {
            "kind": event.kind,
            "title": event.title,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "timezone": event.timezone,
            "location": event.location,
            "description": event.description,
        },
    )
    thread_id = event.thread_id  # type: ignore[attr-defined]
    async with in_transaction():
        await Post.filter(thread_id=thread_id, number=1).update(
            body=body, body_html=markup.render(body), created_at=announced
        )
        await Thread.filter(id=thread_id).update(
            created_at=announced, last_activity_at=announced, version=F("version") + 1
        )
