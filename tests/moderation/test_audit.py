"""The audit log: every moderator or admin action leaves exactly one entry saying who did what
to which thing, when and why; the log is filterable, scoped to the communities a moderator
moderates, and cannot be edited or deleted through the API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from forum import accounts, communities, threads
from forum.models import AuditEntry, ReviewItem, User
from tests.moderation import helpers as h
from tests.moderation.conftest import World

# Helpers

NOTE = "Explained in the community guidelines."

Perform = Callable[..., Awaitable[tuple[str, str, str | None]]]


async def api_ok(client, method, path, headers, json=None):
    r = await client.request(method, path, headers=headers, json=json)
    assert r.status_code in (200, 201), f"{method} {path}: {r.status_code} {r.text}"
    return r


async def flagged_item(client, world: World) -> int:
    r = await h.flag(client, world.headers["member"], world.reply.id, "spam")
    return r.json()["item_id"]


async def held_item(client, world: World) -> tuple[int, int]:
    await api_ok(
        client,
        "PATCH",
        f"/api/v1/communities/{world.community.slug}",
        world.headers["admin"],
        {"premoderation": "all"},
    )
    r = await h.reply(client, world.headers["member"], world.thread.id, "Held for the queue.")
    item = await h.item_of(r.json()["id"])
    return item.id, r.json()["id"]


async def do_pin(client, world, browser):
    await api_ok(
        client,
        "PATCH",
        f"/api/v1/threads/{world.thread.id}",
        world.headers["moderator"],
        {"pinned": True, "note": NOTE},
    )
    return "thread.pin", f"thread:{world.thread.id}", world.community.slug


async def do_lock(client, world, browser):
    await api_ok(
        client,
        "PATCH",
        f"/api/v1/threads/{world.thread.id}",
        world.headers["moderator"],
        {"locked": True, "note": NOTE},
    )
    return "thread.lock", f"thread:{world.thread.id}", world.community.slug


async def do_curate(world, browser, **form):
    c, csrf = await browser(world.moderator)
    r = await h.post_form(c, f"/t/{world.thread.id}/curate", {"note": NOTE, **form}, csrf)
    assert r.status_code == 303, r.text


async def do_feature(client, world, browser):
    await do_curate(world, browser, action="feature")
    return "thread.feature", f"thread:{world.thread.id}", world.community.slug


async def do_tags(client, world, browser):
    await do_curate(world, browser, action="tags", tags="rti")
    return "thread.tags", f"thread:{world.thread.id}", world.community.slug


async def do_accept(client, world, browser):
    await do_curate(world, browser, action="accept", post_id=str(world.reply.id))
    return "thread.accept", f"post:{world.reply.id}", world.community.slug


async def do_move(client, world, browser):
    await api_ok(
        client,
        "POST",
        f"/api/v1/threads/{world.thread.id}/move",
        world.headers["moderator"],
        {"community": world.dest.slug, "note": NOTE},
    )
    return "thread.move", f"thread:{world.thread.id}", world.dest.slug


async def do_merge(client, world, browser):
    target, _ = await threads.start(
        world.moderator, world.community, title="The general thread", body="Everything here."
    )
    await api_ok(
        client,
        "POST",
        f"/api/v1/threads/{world.thread.id}/merge",
        world.headers["moderator"],
        {"into": target.id, "note": NOTE},
    )
    return "thread.merge", f"thread:{world.thread.id}", world.community.slug


async def do_policy(client, world, browser):
    await api_ok(
        client,
        "PATCH",
        f"/api/v1/communities/{world.community.slug}",
        world.headers["moderator"],
        {"premoderation": "new_users"},
    )
    return "community.policy", f"community:{world.community.slug}", world.community.slug


async def do_member_approve(client, world, browser):
    private = await communities.get(world.admin, world.dest.slug)
    await communities.Community.filter(id=private.id).update(visibility="private")
    outsider = await User.get(id=world.flagger.id)
    assert (
        await communities.join(outsider, await communities.get(world.admin, world.dest.slug))
        == "pending"
    )
    await api_ok(
        client,
        "POST",
        f"/api/v1/communities/{world.dest.slug}/members/flagger",
        world.headers["moderator"],
        {"status": "member", "note": NOTE},
    )
    return "member.approve", "user:flagger", world.dest.slug


async def do_member_remove(client, world, browser):
    await api_ok(
        client,
        "POST",
        f"/api/v1/communities/{world.community.slug}/members/flagger",
        world.headers["moderator"],
        {"status": "removed", "note": NOTE},
    )
    return "member.removed", "user:flagger", world.community.slug


async def do_name_moderator(client, world, browser):
    await api_ok(
        client,
        "POST",
        f"/api/v1/communities/{world.community.slug}/members/flagger",
        world.headers["admin"],
        {"status": "moderator", "note": NOTE},
    )
    return "member.moderator", "user:flagger", world.community.slug


async def do_create_community(client, world, browser):
    await api_ok(
        client,
        "POST",
        "/api/v1/communities",
        world.headers["admin"],
        {"slug": "new-place", "name": "New Place", "description": "", "kind": "topic"},
    )
    return "community.create", "community:new-place", "new-place"


async def do_suspend(client, world, browser):
    """A moderator suspends a member from posting in their community."""
    await api_ok(
        client,
        "POST",
        "/api/v1/users/author/suspension",
        world.headers["moderator"],
        {"days": 2, "reason": NOTE, "community": world.community.slug},
    )
    return "user.suspend", "user:author", world.community.slug


async def do_suspend_site_wide(client, world, browser):
    await api_ok(
        client,
        "POST",
        "/api/v1/users/author/suspension",
        world.headers["admin"],
        {"days": 2, "reason": NOTE},
    )
    return "user.suspend", "user:author", None


async def do_unsuspend(client, world, browser):
    """Lifting through the profile form, which takes a note."""
    await accounts.suspend(world.author, datetime.now(UTC) + timedelta(days=1), "x")
    c, csrf = await browser(world.admin)
    r = await h.post_form(c, "/u/author/suspension", {"action": "lift", "note": NOTE}, csrf)
    assert r.status_code == 303, r.text
    return "user.unsuspend", "user:author", None


async def do_unsuspend_from_community(client, world, browser):
    until = datetime.now(UTC) + timedelta(days=1)
    await communities.suspend_member(world.community, world.author, until, "x", by=world.moderator)
    c, csrf = await browser(world.moderator)
    form = {"action": "lift", "note": NOTE, "community": world.community.slug}
    r = await h.post_form(c, "/u/author/suspension", form, csrf)
    assert r.status_code == 303, r.text
    return "user.unsuspend", "user:author", world.community.slug


async def held_edit_item(client, world: World) -> tuple[int, int]:
    await api_ok(
        client,
        "PATCH",
        f"/api/v1/communities/{world.community.slug}",
        world.headers["admin"],
        {"premoderation": "all"},
    )
    r = await client.patch(
        f"/api/v1/posts/{world.reply.id}",
        headers=world.headers["author"],
        json={"body": "An edit that waits for the queue."},
    )
    assert r.json()["edit_status"] == "held", r.text
    item = await ReviewItem.get(kind="queued_edit", post_id=world.reply.id, status="open")
    return item.id, world.reply.id


def do_decide(action: str, held: bool = False, edit: bool = False) -> Perform:
    async def perform(client, world, browser):
        if edit:
            item_id, post_id = await held_edit_item(client, world)
        elif held:
            item_id, post_id = await held_item(client, world)
        else:
            item_id, post_id = await flagged_item(client, world), world.reply.id
        await AuditEntry.all().delete()  # only the decision counts here
        r = await h.decide(client, world.headers["moderator"], item_id, action, note=NOTE, days=2)
        assert r.status_code == 200, r.text
        return f"queue.{action}", f"post:{post_id}", world.community.slug

    return perform


ACTIONS: dict[str, tuple[Perform, str]] = {
    # name: (how, who acts)
    "pin": (do_pin, "mod_this"),
    "lock": (do_lock, "mod_this"),
    "feature": (do_feature, "mod_this"),
    "tags": (do_tags, "mod_this"),
    "accept": (do_accept, "mod_this"),
    "move": (do_move, "mod_this"),
    "merge": (do_merge, "mod_this"),
    "policy": (do_policy, "mod_this"),
    "member_approve": (do_member_approve, "mod_this"),
    "member_remove": (do_member_remove, "mod_this"),
    "name_moderator": (do_name_moderator, "admin"),
    "create_community": (do_create_community, "admin"),
    "suspend": (do_suspend, "mod_this"),
    "suspend_site_wide": (do_suspend_site_wide, "admin"),
    "unsuspend": (do_unsuspend, "admin"),
    "unsuspend_from_community": (do_unsuspend_from_community, "mod_this"),
    "queue_approve": (do_decide("approve", held=True), "mod_this"),
    "queue_reject": (do_decide("reject", held=True), "mod_this"),
    "queue_dismiss": (do_decide("dismiss"), "mod_this"),
    "queue_hide": (do_decide("hide"), "mod_this"),
    "queue_delete": (do_decide("delete"), "mod_this"),
    "queue_suspend_author": (do_decide("suspend_author"), "mod_this"),
    "queue_approve_edit": (do_decide("approve", edit=True), "mod_this"),
    "queue_reject_edit": (do_decide("reject", edit=True), "mod_this"),
    "queue_suspend_author_of_edit": (do_decide("suspend_author", edit=True), "mod_this"),
}


# One entry per action


@pytest.mark.parametrize("name", list(ACTIONS))
async def test_each_action_leaves_exactly_one_entry(client, world, browser, name):
    perform, actor = ACTIONS[name]
    before = await AuditEntry.all().count()
    action, target, community = await perform(client, world, browser)
    entries = await AuditEntry.all().order_by("id").select_related("actor", "community")
    new = entries[before:] if not name.startswith("queue_") else entries
    assert [(e.action, e.target) for e in new] == [(action, target)], [
        (e.action, e.target, e.note) for e in new
    ]
    [entry] = new
    assert h.actor_name(entry) == actor
    assert (entry.community.slug if entry.community else None) == community
    if name not in ("create_community", "policy"):
        assert NOTE in entry.note, entry.note
    shown = await h.log(client, world.headers["admin"], action=action)
    assert shown[0]["id"] == entry.id
    assert {"actor", "action", "target", "note", "created_at"} <= set(shown[0])
    assert (shown[0]["actor"], shown[0]["action"], shown[0]["target"]) == (actor, action, target)
    assert datetime.fromisoformat(shown[0]["created_at"]).tzinfo is not None


@pytest.mark.parametrize(
    ("method", "path", "json"),
    [
        ("PATCH", "/api/v1/threads/{thread}", {"pinned": False}),
        ("PATCH", "/api/v1/threads/{thread}", {"locked": False}),
        ("PATCH", "/api/v1/communities/{slug}", {}),
        ("POST", "/api/v1/threads/{thread}/move", {"community": "{slug}"}),
    ],
)
async def test_actions_that_change_nothing_leave_no_entry(client, world, method, path, json):
    fill = {"thread": world.thread.id, "slug": world.community.slug}
    body = {k: (v.format(**fill) if isinstance(v, str) else v) for k, v in json.items()}
    r = await client.request(
        method, path.format(**fill), headers=world.headers["moderator"], json=body
    )
    assert r.status_code == 200, r.text
    assert not await AuditEntry.exists()


async def test_refused_actions_leave_no_entry(client, world):
    await client.patch(
        f"/api/v1/threads/{world.thread.id}", headers=world.headers["member"], json={"pinned": True}
    )
    await client.patch(
        f"/api/v1/communities/{world.community.slug}",
        headers=world.headers["other_moderator"],
        json={"premoderation": "all"},
    )
    await client.post(
        "/api/v1/users/author/suspension",
        headers=world.headers["other_moderator"],
        json={"days": 1},
    )
    item = await flagged_item(client, world)
    await h.decide(client, world.headers["moderator"], item, "reject")  # no note: 422
    assert not await AuditEntry.exists()


# Reading the log


@pytest.fixture
async def logged(client, world) -> None:
    """Entries by the moderator here, the other community's moderator there, and the admin in
    both."""
    for role, thread_id, body in (
        ("moderator", world.thread.id, {"pinned": True}),
        ("moderator", world.thread.id, {"locked": True}),
        ("admin", world.thread.id, {"pinned": False}),
    ):
        await api_ok(client, "PATCH", f"/api/v1/threads/{thread_id}", world.headers[role], body)
    other, _ = await threads.start(
        world.other_moderator, world.other, title="Shift rosters in district hospitals", body="?"
    )
    await api_ok(
        client,
        "PATCH",
        f"/api/v1/threads/{other.id}",
        world.headers["other_moderator"],
        {"pinned": True},
    )
    await api_ok(
        client,
        "PATCH",
        f"/api/v1/communities/{world.other.slug}",
        world.headers["admin"],
        {"premoderation": "all"},
    )
    await api_ok(
        client,
        "PATCH",
        f"/api/v1/communities/{world.community.slug}",
        world.headers["moderator"],
        {"new_user_posts": 1},
    )


def summary(entries) -> list[tuple[str, str, str]]:
    return [(e["actor"], e["action"], e["community"]) for e in entries]


THIS, OTHER = "this-community", "other-community"


@pytest.mark.parametrize(
    ("role", "params", "expected"),
    [
        (
            "admin",
            {},
            [
                ("mod_this", "community.policy", THIS),
                ("admin", "community.policy", OTHER),
                ("mod_other", "thread.pin", OTHER),
                ("admin", "thread.unpin", THIS),
                ("mod_this", "thread.lock", THIS),
                ("mod_this", "thread.pin", THIS),
            ],
        ),
        (
            "admin",
            {"community": OTHER},
            [
                ("admin", "community.policy", OTHER),
                ("mod_other", "thread.pin", OTHER),
            ],
        ),
        (
            "admin",
            {"action": "thread."},
            [
                ("mod_other", "thread.pin", OTHER),
                ("admin", "thread.unpin", THIS),
                ("mod_this", "thread.lock", THIS),
                ("mod_this", "thread.pin", THIS),
            ],
        ),
        (
            "admin",
            {"action": "thread.pin"},
            [
                ("mod_other", "thread.pin", OTHER),
                ("mod_this", "thread.pin", THIS),
            ],
        ),
        (
            "admin",
            {"actor": "admin"},
            [
                ("admin", "community.policy", OTHER),
                ("admin", "thread.unpin", THIS),
            ],
        ),
        (
            "admin",
            {"actor": "mod_this", "action": "thread."},
            [
                ("mod_this", "thread.lock", THIS),
                ("mod_this", "thread.pin", THIS),
            ],
        ),
        ("admin", {"actor": "nobody"}, []),
        (
            "moderator",
            {},
            [
                ("mod_this", "community.policy", THIS),
                ("admin", "thread.unpin", THIS),
                ("mod_this", "thread.lock", THIS),
                ("mod_this", "thread.pin", THIS),
            ],
        ),
        ("moderator", {"actor": "admin"}, [("admin", "thread.unpin", THIS)]),
        (
            "moderator",
            {"community": THIS, "action": "community."},
            [
                ("mod_this", "community.policy", THIS),
            ],
        ),
        (
            "other_moderator",
            {},
            [
                ("admin", "community.policy", OTHER),
                ("mod_other", "thread.pin", OTHER),
            ],
        ),
        ("other_moderator", {"actor": "mod_this"}, []),
    ],
)
async def test_log_is_newest_first_filterable_and_scoped(
    client, world, logged, role, params, expected
):
    assert summary(await h.log(client, world.headers[role], **params)) == expected


@pytest.mark.parametrize(
    ("role", "community", "status"),
    [("moderator", OTHER, 404), ("other_moderator", THIS, 404), ("admin", "no-such-place", 404)],
)
async def test_log_of_a_community_one_does_not_moderate_is_404(
    client, world, logged, role, community, status
):
    r = await client.get(
        "/api/v1/moderation/log", headers=world.headers[role], params={"community": community}
    )
    assert r.status_code == status


async def test_log_pages_with_a_cursor(client, world, logged):
    first = await client.get(
        "/api/v1/moderation/log", headers=world.headers["admin"], params={"limit": 4}
    )
    body = first.json()
    assert len(body["items"]) == 4 and body["next"]
    rest = await client.get(
        "/api/v1/moderation/log",
        headers=world.headers["admin"],
        params={"limit": 4, "before": body["next"]},
    )
    assert len(rest.json()["items"]) == 2 and rest.json()["next"] is None
    ids = [e["id"] for e in body["items"] + rest.json()["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 6


async def test_log_page_shows_a_moderator_only_their_communities(client, world, logged, browser):
    c, _ = await browser(world.moderator)
    page = await c.get("/moderation/log")
    assert page.status_code == 200
    assert "thread.lock" in page.text and "This Community" in page.text
    assert "Other Community" not in page.text and "@mod_other" not in page.text
    filtered = await c.get("/moderation/log", params={"action": "community."})
    assert "community.policy" in filtered.text and "thread.lock" not in filtered.text
    member, _ = await browser(world.member)
    assert (await member.get("/moderation/log")).status_code == 403


# Append-only


@pytest.mark.parametrize("method", ["PATCH", "PUT", "DELETE", "POST"])
async def test_the_log_cannot_be_changed_through_the_api(client, world, logged, method):
    entry = await AuditEntry.all().order_by("id").first()
    assert entry is not None
    r = await client.request(
        method, "/api/v1/moderation/log", headers=world.headers["admin"], json={"note": "edited"}
    )
    assert r.status_code == 405, r.text
    assert r.json()["error"]["code"] == "method_not_allowed"
    one = await client.request(
        method,
        f"/api/v1/moderation/log/{entry.id}",
        headers=world.headers["admin"],
        json={"note": "edited"},
    )
    assert one.status_code in (404, 405)
    assert await AuditEntry.all().count() == 6
    after = await AuditEntry.get(id=entry.id)
    assert (after.note, after.action) == (entry.note, entry.action)
