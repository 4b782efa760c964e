"""Notifications as their page and API list them, read by fixed SQL and kept between requests:
what a page keeps for one person is never shown to another, and a notification about a thread
its reader may no longer read is withheld on the very next request, however the thread (or the
reader's access to it) changed, even by a write that bypasses the services."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from forum import notifications, posts, threads
from forum.models import Community, Notification, Thread, User
from moderation import actions
from tests.conftest import ClientFactory, bearer, sign_in

MakeUser = Callable[..., Awaitable[User]]
MakeCommunity = Callable[..., Awaitable[Community]]
MakeThread = Callable[..., Awaitable[Thread]]
NO_LONGER = "About a thread you can no longer read."


def listed(page: httpx.Response) -> str:
    """The notification list of a /notifications page."""
    assert page.status_code == 200, page.status_code
    found = re.search(r'<ul class="plain-list stack notification-list">.*?</ul>', page.text, re.S)
    return found.group(0) if found else ""


async def reader_of(new_client: ClientFactory, user: User) -> tuple[httpx.AsyncClient, str]:
    """A browser signed in as this person, and its CSRF token."""
    c = await new_client()
    return c, await sign_in(c, user)


async def test_each_person_is_shown_only_their_own_notifications(
    new_client: ClientFactory,
    make_user: MakeUser,
    make_community: MakeCommunity,
    make_thread: MakeThread,
) -> None:
    ana = await make_user(username="ana", display_name="Ana Alpha")
    bo = await make_user(username="bob", display_name="Bo Beta")
    writer = await make_user(username="writer")
    community = await make_community(members=(ana, bo, writer))
    shared = await make_thread(writer, community, title="Shared gazette schedule")
    # The same reply tells both of them, in the same words.
    await posts.reply(writer, shared, body="Thursday, @ana and @bob.")
    own_a = await make_thread(writer, community, title="Alpha-only tender rules")
    await posts.reply(writer, own_a, body="See clause four, @ana.")
    own_b = await make_thread(writer, community, title="Beta-only leave policy")
    await posts.reply(writer, own_b, body="Casual leave first, @bob.")
    (a, csrf), (b, _) = await reader_of(new_client, ana), await reader_of(new_client, bo)

    for _ in range(3):  # the first rendering of each, then what is kept
        page_a, page_b = await a.get("/notifications"), await b.get("/notifications")
        assert "Alpha-only" in listed(page_a) and "Beta-only" not in page_a.text
        assert "Beta-only" in listed(page_b) and "Alpha-only" not in page_b.text
        assert "Ana Alpha" in page_a.text and "Bo Beta" not in page_a.text
        assert "Bo Beta" in page_b.text and "Ana Alpha" not in page_b.text
        assert "Shared gazette schedule" in listed(page_a) and "Shared" in listed(page_b)
    for user, mine, theirs in ((ana, "Alpha-only", "Beta-only"), (bo, "Beta-only", "Alpha-only")):
        api = await a.get("/api/v1/notifications", headers=await bearer(user))
        titles = {item["data"]["title"] for item in api.json()["items"]}
        assert any(mine in t for t in titles) and not any(theirs in t for t in titles)

    # Ana reads hers; Bo's identical notification stays new for him, and hers is no longer new.
    marked = await a.post(
        "/notifications", data={"csrf_token": csrf}, headers={"origin": "http://testserver"}
    )
    assert marked.status_code == 303
    for _ in range(2):
        page_a, page_b = await a.get("/notifications"), await b.get("/notifications")
        assert 'class="badge">new<' not in listed(page_a)
        assert listed(page_b).count('class="badge">new<') == 2
    assert await Notification.filter(user_id=bo.id, read_at__isnull=True).count() == 2


async def _hide(thread: Thread, **_: Any) -> bool:
    # Straight to the row, as a script would: no service, no version bump.
    await Thread.filter(id=thread.id).update(status="hidden")
    return False


async def _delete(thread: Thread, **_: Any) -> bool:
    await Thread.filter(id=thread.id).update(status="deleted")
    return False


async def _move(thread: Thread, admin: User, private: Community, **_: Any) -> bool:
    await actions.move_thread(admin, await threads.get(admin, thread.id), private)
    return False


async def _merge_private(
    thread: Thread, admin: User, private: Community, make_thread: MakeThread, **_: Any
) -> bool:
    target = await make_thread(admin, private, title="Vault thread")
    await actions.merge_threads(
        admin, await threads.get(admin, thread.id), await threads.get(admin, target.id)
    )
    return False


async def _merge_public(
    thread: Thread, admin: User, public: Community, make_thread: MakeThread, **_: Any
) -> bool:
    target = await make_thread(admin, public, title="Open thread")
    await actions.merge_threads(
        admin, await threads.get(admin, thread.id), await threads.get(admin, target.id)
    )
    return True  # its posts live on where the reader may read them: still shown


async def _community_private(public: Community, **_: Any) -> bool:
    await Community.filter(id=public.id).update(visibility="private")
    return False


async def _reader_removed(public: Community, admin: User, reader: User, **_: Any) -> bool:
    await actions.set_member_status(admin, public, reader.username, "removed")
    return False


CHANGES = {
    "thread hidden": _hide,
    "thread deleted": _delete,
    "moved into a private community": _move,
    "merged into a private thread": _merge_private,
    "merged into a public thread": _merge_public,
    "community made private": _community_private,
    "reader removed from a private community": _reader_removed,
}


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
async def test_a_notification_is_withheld_on_the_very_next_request_after_access_ends(
    change: str,
    new_client: ClientFactory,
    admin: User,
    make_user: MakeUser,
    make_community: MakeCommunity,
    make_thread: MakeThread,
) -> None:
    reader = await make_user(username="reader")
    writer = await make_user(username="writer")
    # The reader reads the public community without belonging to it; in the last case they
    # belong to a private one.
    removed = change == "reader removed from a private community"
    public = await make_community(members=(reader, writer) if removed else (writer,))
    if removed:
        await Community.filter(id=public.id).update(visibility="private")
    private = await make_community(visibility="private")
    thread = await make_thread(writer, public, title="Zebrafinch drainage estimates")
    await make_thread(writer, public, title="Unrelated circular")
    await posts.reply(writer, await threads.get(writer, thread.id), body="Agreed, @reader.")
    c, _ = await reader_of(new_client, reader)
    headers = await bearer(reader)
    for _ in range(2):  # rendered, then kept
        assert "Zebrafinch" in listed(await c.get("/notifications"))
        items = (await c.get("/api/v1/notifications", headers=headers)).json()["items"]
        assert items[0]["data"]["title"] == "Zebrafinch drainage estimates"

    still_shown = await CHANGES[change](
        thread=thread,
        admin=admin,
        private=private,
        public=public,
        reader=reader,
        make_thread=make_thread,
    )

    page = await c.get("/notifications")
    items = (await c.get("/api/v1/notifications", headers=headers)).json()["items"]
    if still_shown:
        assert "Zebrafinch" in listed(page)
        assert items[0]["data"]["title"] == "Zebrafinch drainage estimates"
    else:
        assert "Zebrafinch" not in page.text
        assert NO_LONGER in listed(page)
        assert items[0] == {**items[0], "kind": "mention", "data": {"withheld": True}}
        assert "Zebrafinch" not in str(items)


async def test_the_list_kept_for_a_person_is_the_list_read_afresh(
    new_client: ClientFactory,
    make_user: MakeUser,
    make_community: MakeCommunity,
    make_thread: MakeThread,
) -> None:
    """What is kept between requests never differs from what a fresh read says, across
    pages, for new notifications and for a changed read state."""
    reader = await make_user(username="reader")
    writer = await make_user(username="writer")
    community = await make_community(members=(reader, writer))
    for n in range(5):
        thread = await make_thread(writer, community, title=f"Circular number {n}")
        await posts.reply(writer, thread, body=f"Noted, @reader ({n}).")

    class Kept(dict[Any, Any]):
        def put(self, key: Any, value: object) -> None:
            self[key] = value

    kept = Kept()
    added = 0
    for step in range(3):
        first, after = await notifications.recent(reader, limit=3, cache=kept)
        fresh, fresh_after = await notifications.recent(reader, limit=3)
        assert first == fresh and after == fresh_after
        older, end = await notifications.recent(reader, before=after, limit=3, cache=kept)
        assert older == (await notifications.recent(reader, before=after, limit=3))[0]
        assert end is None and len(first) + len(older) == 5 + added
        if step == 0:
            await notifications.mark_read(reader, [first[0].id])
        else:
            await notifications.notify(reader.id, "moderation", message=f"Step {step}.")
            added += 1
    assert kept  # the cache was used
