"""Who may call each moderation endpoint: anonymous visitors, plain members, this community's
moderator, another community's moderator and administrators, on a public and on a private
community. Refused calls must also leave nothing changed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from forum import accounts, communities, posts, threads
from forum.models import AuditEntry, Community, CommunitySuspension, Flag, ReviewItem, Thread, User
from moderation import actions, queue
from tests.moderation import helpers as h
from tests.moderation.conftest import ROLES, World

# Helpers


@dataclass
class Call:
    method: str
    path: str
    json: Any = None
    params: dict[str, str] | None = None
    ref: Any = None  # what the call is about (an item id, an entry id...)


Prepare = Callable[[World], Awaitable[Call]]
Happened = Callable[[World, Call, httpx.Response], Awaitable[bool]]


async def open_flagged_item(world: World, post_id: int | None = None) -> int:
    """The flagger reports a post (the author's reply by default): an open review item."""
    post = await posts.get(world.flagger, post_id or world.reply.id)
    flag = await queue.flag_post(world.flagger, post, "spam")
    return flag.item_id  # type: ignore[attr-defined]


async def prep_flag_post(world: World) -> Call:
    return Call("POST", f"/api/v1/posts/{world.reply.id}/flags", {"reason": "spam"})


async def did_flag_post(world: World, call: Call, r: httpx.Response) -> bool:
    return await Flag.filter(post_id=world.reply.id).exists()


async def prep_flag_user(world: World) -> Call:
    return Call("POST", "/api/v1/users/author/flags", {"reason": "abuse", "note": "Insults."})


async def did_flag_user(world: World, call: Call, r: httpx.Response) -> bool:
    return await Flag.filter(target_user_id=world.author.id).exists()


async def prep_queue_list(world: World) -> Call:
    item_id = await open_flagged_item(world)
    return Call(
        "GET", "/api/v1/moderation/queue", params={"community": world.community.slug}, ref=item_id
    )


async def saw_queue_item(world: World, call: Call, r: httpx.Response) -> bool:
    return r.status_code == 200 and call.ref in [i["id"] for i in r.json()["items"]]


async def prep_queue_decide(world: World) -> Call:
    item_id = await open_flagged_item(world)
    return Call("POST", f"/api/v1/moderation/queue/{item_id}", {"action": "dismiss"}, ref=item_id)


async def did_decide(world: World, call: Call, r: httpx.Response) -> bool:
    return (await ReviewItem.get(id=call.ref)).status != "open"


async def prep_log(world: World) -> Call:
    await actions.pin_thread(world.admin, world.thread, True, "Useful for everyone.")
    entry = await AuditEntry.get(action="thread.pin")
    return Call(
        "GET", "/api/v1/moderation/log", params={"community": world.community.slug}, ref=entry.id
    )


async def saw_log_entry(world: World, call: Call, r: httpx.Response) -> bool:
    return r.status_code == 200 and call.ref in [e["id"] for e in r.json()["items"]]


async def prep_policy(world: World) -> Call:
    return Call("PATCH", f"/api/v1/communities/{world.community.slug}", {"premoderation": "all"})


async def did_policy(world: World, call: Call, r: httpx.Response) -> bool:
    return (await Community.get(id=world.community.id)).premoderation == "all"


async def prep_pin(world: World) -> Call:
    return Call("PATCH", f"/api/v1/threads/{world.thread.id}", {"pinned": True})


async def did_pin(world: World, call: Call, r: httpx.Response) -> bool:
    return (await Thread.get(id=world.thread.id)).pinned


async def prep_lock(world: World) -> Call:
    return Call("PATCH", f"/api/v1/threads/{world.thread.id}", {"locked": True})


async def did_lock(world: World, call: Call, r: httpx.Response) -> bool:
    return (await Thread.get(id=world.thread.id)).locked


async def prep_move(world: World) -> Call:
    return Call("POST", f"/api/v1/threads/{world.thread.id}/move", {"community": world.dest.slug})


async def did_move(world: World, call: Call, r: httpx.Response) -> bool:
    return (await Thread.get(id=world.thread.id)).community_id == world.dest.id  # type: ignore[attr-defined]


async def prep_merge(world: World) -> Call:
    target, _ = await threads.start(
        world.author,
        world.community,
        title="E-office backlog: the general thread",
        body="Collecting every backlog technique in one place.",
    )
    return Call("POST", f"/api/v1/threads/{world.thread.id}/merge", {"into": target.id})


async def did_merge(world: World, call: Call, r: httpx.Response) -> bool:
    return (await Thread.get(id=world.thread.id)).status == "merged"


async def prep_suspend(world: World) -> Call:
    return Call("POST", "/api/v1/users/author/suspension", {"days": 3, "reason": "Repeated spam."})


async def did_suspend(world: World, call: Call, r: httpx.Response) -> bool:
    return (await User.get(id=world.author.id)).suspended_until is not None


async def prep_suspend_in_community(world: World) -> Call:
    body = {"days": 3, "reason": "Repeated spam.", "community": world.community.slug}
    return Call("POST", "/api/v1/users/author/suspension", body)


async def did_suspend_in_community(world: World, call: Call, r: httpx.Response) -> bool:
    return await CommunitySuspension.exists(user_id=world.author.id)


async def prep_unsuspend_in_community(world: World) -> Call:
    until = datetime.now(UTC) + timedelta(days=3)
    await communities.suspend_member(world.community, world.author, until, "Spam.", by=None)
    params = {"community": world.community.slug}
    return Call("DELETE", "/api/v1/users/author/suspension", params=params)


async def did_unsuspend_in_community(world: World, call: Call, r: httpx.Response) -> bool:
    return not await CommunitySuspension.exists(user_id=world.author.id)


async def prep_unsuspend(world: World) -> Call:
    await accounts.suspend(world.author, datetime.now(UTC) + timedelta(days=3), "Spam.")
    return Call("DELETE", "/api/v1/users/author/suspension")


async def did_unsuspend(world: World, call: Call, r: httpx.Response) -> bool:
    return (await User.get(id=world.author.id)).suspended_until is None


ENDPOINTS: dict[str, tuple[Prepare, Happened]] = {
    "flag_post": (prep_flag_post, did_flag_post),
    "flag_user": (prep_flag_user, did_flag_user),
    "queue_list": (prep_queue_list, saw_queue_item),
    "queue_decide": (prep_queue_decide, did_decide),
    "log": (prep_log, saw_log_entry),
    "patch_policy": (prep_policy, did_policy),
    "pin": (prep_pin, did_pin),
    "lock": (prep_lock, did_lock),
    "move": (prep_move, did_move),
    "merge": (prep_merge, did_merge),
    "suspend": (prep_suspend, did_suspend),
    "unsuspend": (prep_unsuspend, did_unsuspend),
    "suspend_in_community": (prep_suspend_in_community, did_suspend_in_community),
    "unsuspend_in_community": (prep_unsuspend_in_community, did_unsuspend_in_community),
}

DENIED = frozenset({403, 404})  # another community's moderator: refused, either way is fine

# Columns follow ROLES: anonymous, member, moderator, other_moderator, admin.
PUBLIC: dict[str, tuple[Any, ...]] = {
    "flag_post": (401, 201, 201, 201, 201),
    "flag_user": (401, 201, 201, 201, 201),
    "queue_list": (401, 403, 200, DENIED, 200),
    "queue_decide": (401, 403, 200, DENIED, 200),
    "log": (401, 403, 200, DENIED, 200),
    "patch_policy": (401, 403, 200, DENIED, 200),
    "pin": (401, 403, 200, DENIED, 200),
    "lock": (401, 403, 200, DENIED, 200),
    "move": (401, 403, 200, DENIED, 200),
    "merge": (401, 403, 200, DENIED, 200),
    # Site-wide: administrators only; moderators are told to name their community.
    "suspend": (401, 403, 422, 422, 200),
    "unsuspend": (401, 403, 403, 403, 200),
    "suspend_in_community": (401, 403, 200, 403, 200),
    "unsuspend_in_community": (401, 403, 200, 403, 200),
}

# A private community: outsiders get 404 for anything naming one of its things.
PRIVATE: dict[str, tuple[Any, ...]] = {
    "flag_post": (404, 201, 201, 404, 201),
    "flag_user": (401, 201, 201, 201, 201),
    "queue_list": (401, 403, 200, 404, 200),
    "queue_decide": (401, 403, 200, 404, 200),
    "log": (401, 403, 200, 404, 200),
    "patch_policy": (404, 403, 200, 404, 200),
    "pin": (404, 403, 200, 404, 200),
    "lock": (404, 403, 200, 404, 200),
    "move": (404, 403, 200, 404, 200),
    "merge": (404, 403, 200, 404, 200),
    "suspend": (401, 403, 422, 422, 200),
    "unsuspend": (401, 403, 403, 403, 200),
    "suspend_in_community": (404, 403, 200, 404, 200),
    "unsuspend_in_community": (404, 403, 200, 404, 200),
}


def cases(table: dict[str, tuple[Any, ...]]) -> list[Any]:
    return [
        pytest.param(endpoint, role, expected[i], id=f"{endpoint}-{role}")
        for endpoint, expected in table.items()
        for i, role in enumerate(ROLES)
    ]


def matches(status: int, expected: Any) -> bool:
    return status in expected if isinstance(expected, frozenset) else status == expected


async def check(client: httpx.AsyncClient, world: World, endpoint: str, role: str, expected):
    prepare, happened = ENDPOINTS[endpoint]
    call = await prepare(world)
    r = await h.call(client, call.method, call.path, world.headers[role], call.json, call.params)
    assert matches(r.status_code, expected), (
        f"{call.method} {call.path} as {role}: expected {expected}, got {r.status_code} {r.text}"
    )
    allowed = r.status_code < 300
    if allowed:
        assert isinstance(r.json(), dict)
    else:
        assert r.json()["error"]["code"], r.text
        if r.status_code == 401:
            assert r.headers.get("www-authenticate") == "Bearer"
    assert await happened(world, call, r) == allowed, (
        f"{call.method} {call.path} as {role} answered {r.status_code} but the effect "
        f"{'is missing' if allowed else 'happened anyway'}"
    )


# The matrix


@pytest.mark.parametrize(("endpoint", "role", "expected"), cases(PUBLIC))
async def test_public_community_endpoint_answers_each_role(client, world, endpoint, role, expected):
    await check(client, world, endpoint, role, expected)


@pytest.mark.parametrize(("endpoint", "role", "expected"), cases(PRIVATE))
async def test_private_community_endpoint_answers_each_role(
    client, private_world, endpoint, role, expected
):
    await check(client, private_world, endpoint, role, expected)


# What each moderator sees


@pytest.fixture
async def items_everywhere(client, world) -> dict[str, int]:
    """An open item in this community, one in the other community, one about a person, and an
    audit entry in each community."""
    this_item = await open_flagged_item(world)
    other_thread = await threads.start(
        world.other_moderator,
        world.other,
        title="Rostering nurses across three shifts",
        body="How do you keep the roster fair?",
    )
    stranger_post = await threads.start(
        world.admin, world.other, title="Admin notice for the other community", body="Notice."
    )
    other_item = await open_flagged_item(world, stranger_post[1].id)
    r = await client.post(
        "/api/v1/users/plain_member/flags",
        headers=world.headers["flagger"],
        json={"reason": "abuse", "note": "Sends threats by message."},
    )
    assert r.status_code == 201, r.text
    user_item = (await ReviewItem.get(kind="user")).id
    await actions.pin_thread(world.admin, world.thread, True)
    await actions.pin_thread(world.admin, other_thread[0], True)
    return {"this": this_item, "other": other_item, "user": user_item}


async def test_other_communitys_moderator_sees_none_of_this_communitys_queue(
    client, world, items_everywhere
):
    seen = await h.queue(client, world.headers["other_moderator"])
    assert [i["id"] for i in seen] == [items_everywhere["other"]]
    assert {i["community"] for i in seen} == {world.other.slug}


async def test_moderator_sees_only_their_communities_queue_and_no_people_items(
    client, world, items_everywhere
):
    seen = await h.queue(client, world.headers["moderator"])
    assert [i["id"] for i in seen] == [items_everywhere["this"]]


async def test_admin_sees_every_item_including_people(client, world, items_everywhere):
    seen = {i["id"] for i in await h.queue(client, world.headers["admin"])}
    assert seen == set(items_everywhere.values())


async def test_other_communitys_moderator_sees_none_of_this_communitys_log(
    client, world, items_everywhere
):
    entries = await h.log(client, world.headers["other_moderator"])
    assert entries, "the other community's own entry should be listed"
    assert {e["community"] for e in entries} == {world.other.slug}


async def test_moderator_log_holds_only_their_communities(client, world, items_everywhere):
    entries = await h.log(client, world.headers["moderator"])
    assert entries and {e["community"] for e in entries} <= {world.community.slug, world.dest.slug}
    admin_entries = await h.log(client, world.headers["admin"])
    assert {e["community"] for e in admin_entries} >= {world.community.slug, world.other.slug}


async def test_other_communitys_moderator_cannot_open_this_communitys_item(
    client, world, items_everywhere
):
    r = await h.decide(client, world.headers["other_moderator"], items_everywhere["this"], "hide")
    assert r.status_code in DENIED
    assert (await ReviewItem.get(id=items_everywhere["this"])).status == "open"


async def test_moderator_cannot_decide_about_a_person(client, world, items_everywhere):
    r = await h.decide(
        client, world.headers["moderator"], items_everywhere["user"], "suspend_author"
    )
    assert r.status_code in DENIED
    assert (await User.get(id=world.member.id)).suspended_until is None
