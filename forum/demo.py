"""`python server.py seed-demo`: loads the demo in forum/demo_content.py through the services,
so the demo obeys the same rules as real use. Running it twice changes nothing."""

from __future__ import annotations

import os
from datetime import timedelta

from tortoise.transactions import in_transaction

from forum import accounts, demo_content, demo_courses, permissions, posts, threads
from forum.models import Community, Post, Thread, User
from moderation import actions
from search.port import CourseIndex, SearchIndex
from search.writer import OutboxWriter

DEMO_PASSWORD = "chaupal-demo-2026"  # noqa: S105 - documented demo password
DEMO_ADMIN = "admin"


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

    by_slug: dict[str, Community] = {}
    for spec in demo_content.COMMUNITIES:
        by_slug[spec["slug"]] = await actions.create_community(admin, **spec)

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
            await actions.set_member_status(admin, by_slug[slug], user.username, status)

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
        if spec.get("pinned"):
            await actions.pin_thread(admin, thread, True)
        if spec.get("locked"):
            await actions.lock_thread(admin, thread, True, "Consultation closed.")
    catalogue = await demo_courses.seed(course_index, admin)
    if search_index is not None:
        await OutboxWriter(search_index).drain()
    return (
        f"Loaded {len(by_slug)} communities, {len(people)} people and {count} threads.{catalogue} "
        f"Sign in as any of them (e.g. '{demo_content.USERS[0]['username']}') or as '{DEMO_ADMIN}' "
        f"with the password '{password}'."
    )
