"""The review queue: what it holds, its filters and order, and what each decision does to the
post, the person, the counts, the search index and the author's notifications. Two moderators
deciding the same item at once must not both apply."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from forum import communities
from forum.models import (
    AuditEntry,
    Community,
    CommunitySuspension,
    LiveEvent,
    Membership,
    Notification,
    Post,
    PostRevision,
    ReviewItem,
    Thread,
    User,
)
from tests.conftest import bearer
from tests.moderation import helpers as h

# Helpers

ITEM_FIELDS = {"id", "kind", "community", "target", "reasons", "score", "status", "created_at"}


async def premoderate(client, world, mode: str = "all", slug: str | None = None) -> None:
    r = await client.patch(
        f"/api/v1/communities/{slug or world.community.slug}",
        headers=world.headers["admin"],
        json={"premoderation": mode},
    )
    assert r.status_code == 200, r.text


async def held_thread(client, world, title="Tender rules for small works") -> tuple[int, int]:
    """A thread by the author held for review: (thread id, its opening post id)."""
    await premoderate(client, world)
    r = await h.start_thread(
        client,
        world.headers["author"],
        world.community.slug,
        "How do you split a tender below the threshold legally?",
        title=title,
    )
    assert r.status_code == 201 and r.json()["status"] == "pending", r.text
    return r.json()["id"], r.json()["posts"][0]["id"]


async def held_reply(client, world, body="Our district uses the GeM portal for these.") -> int:
    await premoderate(client, world)
    r = await h.reply(client, world.headers["author"], world.thread.id, body)
    assert r.status_code == 201 and r.json()["status"] == "pending", r.text
    return r.json()["id"]


EDIT = "Update: batching approvals on Fridays cleared every pending file."


async def held_edit(client, world, body: str = EDIT) -> int:
    """The author's edit of their published reply, held for review: its item id."""
    await premoderate(client, world)
    r = await client.patch(
        f"/api/v1/posts/{world.reply.id}", headers=world.headers["author"], json={"body": body}
    )
    assert r.status_code == 200 and r.json()["edit_status"] == "held", r.text
    item = await ReviewItem.get(kind="queued_edit", post_id=world.reply.id, status="open")
    return item.id


async def flagged_reply(client, world, role="member", reason="spam") -> int:
    r = await h.flag(client, world.headers[role], world.reply.id, reason)
    assert r.status_code == 201, r.text
    return r.json()["item_id"]


async def private_with_request(make_community, world, applicant: User) -> tuple[Community, int]:
    private = await make_community(
        slug="cadre-cell", name="Cadre Cell", visibility="private", moderators=(world.moderator,)
    )
    assert await communities.join(applicant, private) == "pending"
    item = await ReviewItem.get(kind="join_request", user_id=applicant.id, status="open")
    return private, item.id


async def messages_to(user: User) -> list[dict]:
    return [n.data for n in await Notification.filter(user_id=user.id, kind="moderation")]


async def searchable(app, client, words: str) -> set[int]:
    """Posts search finds with every one of the words (not by the any-word fallback)."""
    await app.state.search_writer.drain()
    r = await client.get("/api/v1/search", params={"q": words, "group": "post"})
    assert r.status_code == 200, r.text
    return set() if r.json()["fallback"] else {i["post_id"] for i in r.json()["items"]}


async def queue_entries() -> int:
    return await AuditEntry.filter(action__startswith="queue.").count()


# What the queue holds


@pytest.fixture
async def every_kind(client, world, make_community, make_user) -> dict[str, int]:
    applicant = await make_user(username="applicant")
    flagged = await flagged_reply(client, world)
    _, held_post = await held_thread(client, world)
    queued = (await h.item_of(held_post)).id
    _, join = await private_with_request(make_community, world, applicant)
    r = await client.post(
        "/api/v1/users/author/flags", headers=world.headers["flagger"], json={"reason": "abuse"}
    )
    assert r.status_code == 201
    person = (await ReviewItem.get(kind="user")).id
    edit = await held_edit(client, world)  # premoderation is on since held_thread
    return {
        "flagged_post": flagged,
        "queued_post": queued,
        "queued_edit": edit,
        "join_request": join,
        "user": person,
    }


async def test_queue_holds_flagged_held_join_and_people_items(client, world, every_kind):
    listed = {i["kind"]: i for i in await h.queue(client, world.headers["admin"])}
    assert {k: i["id"] for k, i in listed.items()} == every_kind
    for item in listed.values():
        assert ITEM_FIELDS <= set(item), item
        assert item["status"] == "open"
        datetime.fromisoformat(item["created_at"])
    assert listed["flagged_post"]["target"]["post_id"] == world.reply.id
    assert listed["flagged_post"]["target"]["author"] == "author"
    assert listed["queued_post"]["reasons"] == ["premoderation"]
    assert listed["queued_edit"]["reasons"] == ["premoderation"]
    assert listed["queued_edit"]["target"]["post_id"] == world.reply.id
    assert listed["join_request"]["target"]["username"] == "applicant"
    assert listed["join_request"]["community"] == "cadre-cell"
    assert listed["user"]["target"]["username"] == "author"


async def test_moderator_queue_holds_their_kinds_but_not_people(client, world, every_kind):
    kinds = {i["kind"] for i in await h.queue(client, world.headers["moderator"])}
    assert kinds == {"flagged_post", "queued_post", "queued_edit", "join_request"}


async def test_plain_member_cannot_list_the_queue(client, world, every_kind):
    r = await client.get("/api/v1/moderation/queue", headers=world.headers["member"])
    assert r.status_code == 403


# Filters


@pytest.fixture
async def filter_world(client, world, make_community, make_user) -> dict[str, int]:
    """Open items of several kinds, reasons, communities and ages, and one decided item."""
    applicant = await make_user(username="applicant")
    spam = await flagged_reply(client, world, "member", "spam")
    r = await h.flag(client, world.headers["flagger"], world.opening.id, "abuse")
    abuse = r.json()["item_id"]
    await ReviewItem.filter(id=abuse).update(created_at=datetime.now(UTC) - timedelta(hours=5))
    other_thread = await h.start_thread(
        client, world.headers["other_moderator"], world.other.slug, "Rostering across shifts."
    )
    r = await h.flag(
        client, world.headers["member"], other_thread.json()["posts"][0]["id"], "off_topic"
    )
    other = r.json()["item_id"]
    done_post = await h.reply(
        client, world.headers["author"], world.thread.id, "A reply someone will report."
    )
    r = await h.flag(client, world.headers["member"], done_post.json()["id"], "spam")
    resolved = r.json()["item_id"]
    assert (await h.decide(client, world.headers["admin"], resolved, "dismiss")).status_code == 200
    queued = (await h.item_of(await held_reply(client, world))).id
    _, join = await private_with_request(make_community, world, applicant)
    await client.post(
        "/api/v1/users/author/flags", headers=world.headers["flagger"], json={"reason": "spam"}
    )
    person = (await ReviewItem.get(kind="user")).id
    return {
        "spam": spam,
        "abuse": abuse,
        "other": other,
        "resolved": resolved,
        "queued": queued,
        "join": join,
        "user": person,
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"spam", "abuse", "other", "queued", "join", "user"}),
        ({"community": "this-community"}, {"spam", "abuse", "queued"}),
        ({"community": "other-community"}, {"other"}),
        ({"kind": "flagged_post"}, {"spam", "abuse", "other"}),
        ({"kind": "queued_post"}, {"queued"}),
        ({"kind": "join_request"}, {"join"}),
        ({"kind": "user"}, {"user"}),
        ({"status": "open"}, {"spam", "abuse", "other", "queued", "join", "user"}),
        ({"status": "resolved"}, {"resolved"}),
        ({"reason": "spam"}, {"spam", "user"}),
        ({"reason": "abuse"}, {"abuse"}),
        ({"reason": "off_topic"}, {"other"}),
        ({"reason": "spam", "status": "resolved"}, {"resolved"}),
        ({"older_than_hours": "2"}, {"abuse"}),
        ({"older_than_hours": "6"}, set()),
        ({"community": "this-community", "kind": "flagged_post"}, {"spam", "abuse"}),
    ],
)
async def test_queue_filters(client, world, filter_world, params, expected):
    listed = await h.queue(client, world.headers["admin"], **params)
    names = {v: k for k, v in filter_world.items()}
    assert {names.get(i["id"], i["id"]) for i in listed} == expected


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"kind": "spam"}, 422),
        ({"status": "closed"}, 422),
        ({"reason": "rude"}, 422),
        ({"older_than_hours": "soon"}, 400),
        ({"older_than_hours": "-3"}, 400),
        ({"community": "no-such-place"}, 404),
    ],
)
async def test_bad_queue_filters_are_refused(client, world, params, status):
    r = await client.get("/api/v1/moderation/queue", headers=world.headers["admin"], params=params)
    assert r.status_code == status, r.text


async def test_resolved_items_show_their_decision(client, world, filter_world):
    [done] = await h.queue(client, world.headers["admin"], status="resolved")
    assert done["status"] == "resolved" and done["resolution"] == "dismiss"
    assert done["resolved_at"]


# Priority


async def test_queue_is_sorted_by_score_highest_first_then_oldest_first(client, world, make_user):
    people = await h.add_members(make_user, world.community, world.admin, "asha", "bina")
    replies = []
    for n in range(4):
        r = await h.reply(
            client, world.headers["author"], world.thread.id, f"Reply {n} about file movement."
        )
        replies.append(r.json()["id"])
    # scores: replies[0] 1 (a member), replies[1] 2 (the moderator), replies[2] 3 (three
    # members), replies[3] 1 (a member, later than replies[0]), the held reply 0.
    await h.flag(client, world.headers["member"], replies[0], "spam")
    await h.flag(client, world.headers["moderator"], replies[1], "spam")
    for person in people:
        await h.flag(client, person.headers, replies[2], "spam")
    await h.flag(client, world.headers["member"], replies[2], "spam")
    await h.flag(client, world.headers["flagger"], replies[3], "spam")  # ties with replies[0]
    held = await held_reply(client, world, "A held reply with no reports at all.")
    listed = await h.queue(client, world.headers["moderator"])
    order = [i["target"]["post_id"] for i in listed]
    assert order == [replies[2], replies[1], replies[0], replies[3], held]
    assert [i["score"] for i in listed] == [3.0, 2.0, 1.0, 1.0, 0.0]


# Decisions


async def test_approving_a_held_thread_publishes_it_counts_it_indexes_it_and_tells_the_author(
    app, client, world
):
    before = (await Community.get(id=world.community.id)).thread_count
    thread_id, post_id = await held_thread(client, world, title="Splitting tenders legally")
    assert post_id not in await searchable(app, client, "splitting tenders")
    assert (
        await client.get(f"/api/v1/threads/{thread_id}", headers=world.headers["member"])
    ).status_code == 404
    item = await h.item_of(post_id)

    r = await h.decide(client, world.headers["moderator"], item.id, "approve")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "resolved" and r.json()["resolution"] == "approve"
    thread = await Thread.get(id=thread_id)
    assert thread.status == "published" and thread.post_count == 1
    assert (await Post.get(id=post_id)).status == "published"
    assert (await Community.get(id=world.community.id)).thread_count == before + 1
    seen = await client.get(f"/api/v1/threads/{thread_id}", headers=world.headers["member"])
    assert seen.status_code == 200
    assert post_id in await searchable(app, client, "splitting tenders")
    [note] = await messages_to(world.author)
    assert "approved" in note["message"] and note["post_id"] == post_id


async def test_approving_a_held_reply_counts_it_in_its_thread(app, client, world):
    before = await Thread.get(id=world.thread.id)
    post_id = await held_reply(client, world, "Batching approvals on Fridays halves the backlog.")
    assert (await Thread.get(id=world.thread.id)).post_count == before.post_count
    r = await h.decide(client, world.headers["moderator"], (await h.item_of(post_id)).id, "approve")
    assert r.status_code == 200
    after = await Thread.get(id=world.thread.id)
    assert after.post_count == before.post_count + 1
    assert after.last_activity_at >= before.last_activity_at
    assert post_id in await searchable(app, client, "batching fridays")


@pytest.mark.parametrize("note", [None, "", "   "])
async def test_rejecting_needs_a_reason(client, world, note):
    _, post_id = await held_thread(client, world)
    item = await h.item_of(post_id)
    extra = {} if note is None else {"note": note}
    r = await h.decide(client, world.headers["moderator"], item.id, "reject", **extra)
    assert r.status_code == 422
    assert "note" in r.json()["error"]["fields"]
    assert (await ReviewItem.get(id=item.id)).status == "open"
    assert (await Post.get(id=post_id)).status == "pending"
    assert await queue_entries() == 0


async def test_rejecting_a_held_post_tells_the_author_the_reason(client, world, browser):
    post_id = await held_reply(client, world, "Buy our e-office plugin at a discount!")
    item = await h.item_of(post_id)
    reason = "Advertising is not allowed in this community."
    r = await h.decide(client, world.headers["moderator"], item.id, "reject", note=reason)
    assert r.status_code == 200 and r.json()["note"] == reason
    post = await Post.get(id=post_id)
    assert post.status == "hidden" and reason in post.moderation_note
    [note] = await messages_to(world.author)
    assert reason in note["message"]
    listed = await client.get("/api/v1/notifications", headers=world.headers["author"])
    assert any(reason in (n["data"].get("message") or "") for n in listed.json()["items"])
    page_client, _ = await browser(world.author)
    page = await page_client.get(f"/t/{world.thread.id}")
    assert reason in page.text


async def test_hiding_a_flagged_post_removes_it_from_readers(client, world):
    before = (await Thread.get(id=world.thread.id)).post_count
    item_id = await flagged_reply(client, world)
    r = await h.decide(client, world.headers["moderator"], item_id, "hide", note="Off-colour.")
    assert r.status_code == 200
    assert (await Post.get(id=world.reply.id)).status == "hidden"
    assert (await Thread.get(id=world.thread.id)).post_count == before - 1
    page = await client.get(f"/api/v1/threads/{world.thread.id}", headers=world.headers["member"])
    assert world.reply.body not in page.text
    [note] = await messages_to(world.author)
    assert "Off-colour." in note["message"]


async def test_deleting_a_flagged_post_marks_it_deleted(client, world):
    before = (await Thread.get(id=world.thread.id)).post_count
    item_id = await flagged_reply(client, world)
    r = await h.decide(client, world.headers["moderator"], item_id, "delete", note="Spam link.")
    assert r.status_code == 200
    post = await Post.get(id=world.reply.id)
    assert post.status == "deleted" and post.deleted_at is not None
    assert (await Thread.get(id=world.thread.id)).post_count == before - 1
    [note] = await messages_to(world.author)
    assert "deleted" in note["message"] and "Spam link." in note["message"]


@pytest.mark.parametrize("days", [1, 5, 30])
async def test_suspending_the_author_suspends_for_the_given_days(client, world, days):
    item_id = await flagged_reply(client, world)
    start = datetime.now(UTC)
    r = await h.decide(
        client, world.headers["moderator"], item_id, "suspend_author", note="Spam.", days=days
    )
    assert r.status_code == 200, r.text
    # From posting in the post's community: a moderator's reach, not site-wide.
    assert (await User.get(id=world.author.id)).suspended_until is None
    suspension = await CommunitySuspension.get(
        user_id=world.author.id, community_id=world.community.id
    )
    expected = start + timedelta(days=days)
    assert abs((suspension.until - expected).total_seconds()) < 120
    assert "Spam." in suspension.reason
    assert (await Post.get(id=world.reply.id)).status == "hidden"
    assert any(
        "suspended from posting in This Community" in n["message"]
        for n in await messages_to(world.author)
    )


async def test_suspending_without_days_uses_a_week(client, world):
    item_id = await flagged_reply(client, world)
    r = await h.decide(client, world.headers["moderator"], item_id, "suspend_author", note="x")
    assert r.status_code == 200
    suspension = await CommunitySuspension.get(user_id=world.author.id)
    assert abs((suspension.until - datetime.now(UTC)).total_seconds() - 7 * 86400) < 120


@pytest.mark.parametrize("days", [0, -1, 366, "soon", 2.5, True])
async def test_bad_suspension_days_are_422_and_change_nothing(client, world, days):
    item_id = await flagged_reply(client, world)
    r = await h.decide(
        client, world.headers["moderator"], item_id, "suspend_author", note="x", days=days
    )
    assert r.status_code == 422, r.text
    assert (await User.get(id=world.author.id)).suspended_until is None
    assert not await CommunitySuspension.exists()
    assert (await ReviewItem.get(id=item_id)).status == "open"


async def test_suspending_an_admin_author_is_refused_and_the_item_stays_open(client, world):
    r = await h.reply(client, world.headers["admin"], world.thread.id, "Admin note on backlogs.")
    post_id = r.json()["id"]
    item_id = (await h.flag(client, world.headers["member"], post_id, "spam")).json()["item_id"]
    d = await h.decide(client, world.headers["moderator"], item_id, "suspend_author", note="x")
    assert d.status_code == 403
    assert (await ReviewItem.get(id=item_id)).status == "open"
    assert (await Post.get(id=post_id)).status == "published"
    assert await queue_entries() == 0


@pytest.mark.parametrize("action", ["dismiss", "approve"])
async def test_dismissing_restores_a_post_hidden_by_flags(client, world, action):
    before = (await Thread.get(id=world.thread.id)).post_count
    item_id = await flagged_reply(client, world, role="admin")  # weight 3 hides it
    assert (await Post.get(id=world.reply.id)).status == "hidden"
    r = await h.decide(client, world.headers["moderator"], item_id, action)
    assert r.status_code == 200
    post = await Post.get(id=world.reply.id)
    assert post.status == "published"
    assert (await Thread.get(id=world.thread.id)).post_count == before
    shown = await client.get(f"/api/v1/threads/{world.thread.id}", headers=world.headers["member"])
    assert world.reply.body in shown.text


@pytest.mark.parametrize(
    ("kind", "action"),
    [
        ("queued_post", "dismiss"),
        ("queued_post", "hide"),
        ("queued_edit", "dismiss"),
        ("queued_edit", "hide"),
        ("queued_edit", "delete"),
        ("join_request", "hide"),
        ("join_request", "delete"),
        ("join_request", "suspend_author"),
        ("user", "approve"),
        ("user", "reject"),
        ("flagged_post", "ban"),
    ],
)
async def test_action_that_does_not_fit_the_kind_is_422(client, world, every_kind, kind, action):
    r = await h.decide(client, world.headers["admin"], every_kind[kind], action, note="Because.")
    assert r.status_code == 422, r.text
    assert (await ReviewItem.get(id=every_kind[kind])).status == "open"


async def test_deciding_a_decided_item_again_is_409(client, world):
    item_id = await flagged_reply(client, world)
    assert (
        await h.decide(client, world.headers["moderator"], item_id, "dismiss")
    ).status_code == 200
    again = await h.decide(client, world.headers["admin"], item_id, "hide")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_decided"
    assert (await Post.get(id=world.reply.id)).status == "published"
    assert await queue_entries() == 1


async def test_deciding_a_missing_item_is_404(client, world):
    r = await h.decide(client, world.headers["admin"], 987_654, "dismiss")
    assert r.status_code == 404


# Held edits: approving applies the new text as an edit; rejecting keeps the approved text


async def test_approving_a_held_edit_applies_it_with_history_index_and_live_event(
    app, client, world
):
    item_id = await held_edit(client, world)
    before = await Thread.get(id=world.thread.id)
    assert world.reply.id not in await searchable(app, client, "batching fridays")
    r = await h.decide(client, world.headers["moderator"], item_id, "approve")
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["resolution"]) == ("resolved", "approve")
    post = await Post.get(id=world.reply.id)
    assert post.body == EDIT and "Fridays" in post.body_html and post.edited_at is not None
    assert post.status == "published"
    [revision] = await PostRevision.filter(post_id=post.id).select_related("editor")
    assert revision.body == world.reply.body and revision.editor.username == "author"
    assert (await Thread.get(id=world.thread.id)).version > before.version
    assert world.reply.id in await searchable(app, client, "batching fridays")
    [event] = await LiveEvent.filter(topic=f"thread:{world.thread.id}", type="post.edited")
    assert event.data["id"] == post.id and event.data["body"] == EDIT
    [note] = await messages_to(world.author)
    assert "approved" in note["message"] and note["post_id"] == post.id
    seen = await client.get(f"/api/v1/threads/{world.thread.id}", headers=world.headers["member"])
    assert EDIT in [p["body"] for p in seen.json()["posts"]]


async def test_approving_a_held_edit_of_a_post_hidden_meanwhile_sends_no_live_event(client, world):
    item_id = await held_edit(client, world)
    await flagged_reply(client, world, role="admin")  # an admin's report (weight 3) hides it
    assert (await Post.get(id=world.reply.id)).status == "hidden"
    r = await h.decide(client, world.headers["moderator"], item_id, "approve")
    assert r.status_code == 200, r.text
    post = await Post.get(id=world.reply.id)
    assert post.body == EDIT and post.status == "hidden"
    assert not await LiveEvent.filter(type="post.edited").exists()


async def test_rejecting_a_held_edit_keeps_the_approved_text_and_tells_the_author(client, world):
    item_id = await held_edit(client, world)
    refused = await h.decide(client, world.headers["moderator"], item_id, "reject")
    assert refused.status_code == 422 and "note" in refused.json()["error"]["fields"]
    reason = "Please keep the figures from the original report."
    r = await h.decide(client, world.headers["moderator"], item_id, "reject", note=reason)
    assert r.status_code == 200, r.text
    post = await Post.get(id=world.reply.id)
    assert post.body == world.reply.body and post.edited_at is None
    assert not await PostRevision.exists()
    assert not await LiveEvent.filter(type="post.edited").exists()
    [note] = await messages_to(world.author)
    assert "declined your edit" in note["message"] and reason in note["message"]
    mine = await client.get(f"/api/v1/posts/{world.reply.id}", headers=world.headers["author"])
    assert mine.json()["pending_edit"] is None and mine.json()["body"] == world.reply.body


async def test_suspending_the_author_of_a_held_edit_discards_it_and_bars_them_here(client, world):
    item_id = await held_edit(client, world)
    r = await h.decide(
        client, world.headers["moderator"], item_id, "suspend_author", note="Spam.", days=2
    )
    assert r.status_code == 200, r.text
    post = await Post.get(id=world.reply.id)
    assert post.body == world.reply.body and post.status == "published"
    found = await CommunitySuspension.get(user_id=world.author.id)
    assert found.community_id == world.community.id and found.reason == "Spam."
    again = await client.patch(
        f"/api/v1/posts/{world.reply.id}", headers=world.headers["author"], json={"body": EDIT}
    )
    assert again.status_code == 403 and again.json()["error"]["code"] == "suspended"


async def test_deleting_a_post_withdraws_its_held_edit(client, world):
    item_id = await held_edit(client, world)
    r = await client.delete(f"/api/v1/posts/{world.reply.id}", headers=world.headers["author"])
    assert r.status_code == 200, r.text
    item = await ReviewItem.get(id=item_id)
    assert (item.status, item.resolution) == ("resolved", "withdrawn")
    assert not await h.queue(client, world.headers["moderator"], kind="queued_edit")


async def test_another_communitys_moderator_cannot_see_or_decide_a_held_edit(client, world):
    item_id = await held_edit(client, world)
    assert not await h.queue(client, world.headers["other_moderator"], kind="queued_edit")
    r = await h.decide(client, world.headers["other_moderator"], item_id, "approve")
    assert r.status_code == 404
    assert (await Post.get(id=world.reply.id)).body == world.reply.body


async def test_queue_page_shows_both_texts_and_approves_a_held_edit(client, world, browser):
    item_id = await held_edit(client, world)
    c, csrf = await browser(world.moderator)
    page = await c.get("/moderation", params={"kind": "queued_edit"})
    assert page.status_code == 200
    assert "Readers see now" in page.text and "The author proposes" in page.text
    assert world.reply.body in page.text and EDIT in page.text
    r = await h.post_form(c, f"/moderation/{item_id}", {"action": "approve"}, csrf)
    assert r.status_code == 303
    assert (await Post.get(id=world.reply.id)).body == EDIT


# Two moderators at once


@pytest.mark.parametrize(
    ("kind", "actions"),
    [
        ("flagged_post", ("hide", "dismiss")),
        ("flagged_post", ("delete", "delete")),
        ("queued_post", ("approve", "reject")),
        ("queued_post", ("approve", "approve")),
        ("queued_edit", ("approve", "reject")),
        ("queued_edit", ("approve", "approve")),
        ("join_request", ("approve", "reject")),
    ],
)
async def test_concurrent_decisions_apply_once(client, world, every_kind, kind, actions):
    item_id = every_kind[kind]
    deciders = ("moderator", "admin")
    answers = await asyncio.gather(
        *(
            h.decide(client, world.headers[who], item_id, action, note="Decided.")
            for who, action in zip(deciders, actions, strict=True)
        )
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 409], [a.text for a in answers]
    winner = next(i for i, a in enumerate(answers) if a.status_code == 200)
    loser = answers[1 - winner]
    assert loser.json()["error"]["code"] == "already_decided"
    item = await ReviewItem.get(id=item_id)
    assert item.status == "resolved" and item.resolution == actions[winner]
    entries = await AuditEntry.filter(action__startswith="queue.").select_related("actor")
    assert [(e.action, h.actor_name(e)) for e in entries] == [
        (f"queue.{actions[winner]}", world.person(deciders[winner]).username)
    ]
    told = 0 if actions[winner] == "dismiss" or kind == "join_request" else 1
    assert await Notification.filter(kind="moderation").count() == told


# Join requests


async def test_approving_a_join_request_makes_the_applicant_a_member_and_tells_them(
    client, world, make_community, make_user
):
    applicant = await make_user(username="applicant")
    private, item_id = await private_with_request(make_community, world, applicant)
    r = await h.decide(client, world.headers["moderator"], item_id, "approve")
    assert r.status_code == 200, r.text
    row = await Membership.get(community_id=private.id, user_id=applicant.id)
    assert row.status == "member"
    assert (await Community.get(id=private.id)).member_count == 2  # moderator and applicant
    [note] = await Notification.filter(user_id=applicant.id, kind="join_approved")
    assert note.data["community"] == "cadre-cell"
    token = await bearer(applicant)
    assert (await client.get("/api/v1/communities/cadre-cell", headers=token)).status_code == 200


async def test_declining_a_join_request_removes_it_and_the_applicant_may_ask_again(
    client, world, make_community, make_user
):
    applicant = await make_user(username="applicant")
    private, item_id = await private_with_request(make_community, world, applicant)
    r = await h.decide(client, world.headers["moderator"], item_id, "reject")
    assert r.status_code == 200, r.text
    assert not await Membership.exists(community_id=private.id, user_id=applicant.id)
    token = await bearer(applicant)
    assert (await client.get("/api/v1/communities/cadre-cell", headers=token)).status_code == 404
    again = await client.post("/api/v1/communities/cadre-cell/join", headers=token)
    assert again.json() == {"status": "pending"}
    assert (
        await ReviewItem.filter(kind="join_request", user_id=applicant.id, status="open").count()
        == 1
    )


async def test_join_request_approved_on_the_members_page_closes_its_item(
    client, world, make_community, make_user
):
    applicant = await make_user(username="applicant")
    private, item_id = await private_with_request(make_community, world, applicant)
    r = await client.post(
        "/api/v1/communities/cadre-cell/members/applicant",
        headers=world.headers["moderator"],
        json={"status": "member"},
    )
    assert r.status_code == 200, r.text
    assert (await ReviewItem.get(id=item_id)).status == "resolved"
    assert await h.queue(client, world.headers["moderator"], kind="join_request") == []


async def test_hiding_an_opening_post_by_flags_hides_the_thread_until_dismissed(client, world):
    r = await h.flag(client, world.headers["admin"], world.opening.id, "abuse")
    assert r.status_code == 201
    assert (await Thread.get(id=world.thread.id)).status == "hidden"
    assert (await Community.get(id=world.community.id)).thread_count == 0
    gone = await client.get(f"/api/v1/threads/{world.thread.id}", headers=world.headers["member"])
    assert gone.status_code == 404
    d = await h.decide(client, world.headers["moderator"], r.json()["item_id"], "dismiss")
    assert d.status_code == 200
    assert (await Thread.get(id=world.thread.id)).status == "published"
    assert (await Community.get(id=world.community.id)).thread_count == 1
    back = await client.get(f"/api/v1/threads/{world.thread.id}", headers=world.headers["member"])
    assert back.status_code == 200 and back.json()["post_count"] == 2


async def test_approving_a_held_reply_notifies_the_thread_author_like_any_reply(client, world):
    await premoderate(client, world)
    r = await h.reply(client, world.headers["member"], world.thread.id, "Held, then approved.")
    assert r.json()["status"] == "pending"
    assert not await Notification.filter(user_id=world.author.id, kind="reply").exists()
    item = await h.item_of(r.json()["id"])
    assert (
        await h.decide(client, world.headers["moderator"], item.id, "approve")
    ).status_code == 200
    [note] = await Notification.filter(user_id=world.author.id, kind="reply")
    assert note.data["post_id"] == r.json()["id"] and note.data["by"] == "plain_member"


@pytest.mark.parametrize(("action", "suspended"), [("suspend_author", True), ("dismiss", False)])
async def test_admin_decides_about_a_flagged_person(client, world, every_kind, action, suspended):
    r = await h.decide(
        client, world.headers["admin"], every_kind["user"], action, note="Threats.", days=4
    )
    assert r.status_code == 200, r.text
    assert r.json()["target"]["username"] == "author"
    author = await User.get(id=world.author.id)
    assert (author.suspended_until is not None) is suspended
    assert [e.target for e in await AuditEntry.filter(action__startswith="queue.")] == [
        "user:author"
    ]
