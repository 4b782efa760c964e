"""Curation: pin, lock, feature ("best of"), tags, accepted answer, move and merge. Who may do
each, what each changes (counts in both communities, post numbers), and the one audit entry
each writes."""

from __future__ import annotations

import pytest

from forum import posts, threads
from forum.models import AuditEntry, Community, Post, Thread, User
from tests.moderation import helpers as h

# Helpers


async def curate(c, csrf: str, thread_id: int, **form: str):
    return await h.post_form(c, f"/t/{thread_id}/curate", form, csrf)


async def last_entry_id() -> int:
    last = await AuditEntry.all().order_by("-id").first()  # None before any entry
    return last.id if last else 0


async def entries_since(mark: int) -> list[AuditEntry]:
    return await AuditEntry.filter(id__gt=mark).order_by("id").select_related("actor", "community")


async def flash_of(c, response) -> str:
    """The flash message a redirect carries, read from the page it leads to."""
    assert response.status_code == 303, response.text
    page = await c.get(response.headers["location"])
    return page.text


async def second_thread(world, community=None, author=None, title="GeM procurement for laptops"):
    author = await User.get(id=(author or world.author).id)
    thread, _ = await threads.start(
        author, community or world.community, title=title, body=f"Body of '{title}' here."
    )
    return await Thread.get(id=thread.id).select_related("community")


async def counts(*communities: Community) -> list[int]:
    return [(await Community.get(id=c.id)).thread_count for c in communities]


# Pin and lock (API) and feature (thread page form): moderators only


@pytest.mark.parametrize("field", ["pinned", "locked"])
@pytest.mark.parametrize(
    ("role", "status"),
    [("moderator", 200), ("admin", 200), ("author", 403), ("member", 403), ("anonymous", 401)],
)
async def test_pin_and_lock_are_for_moderators(client, world, field, role, status):
    mark = await last_entry_id()
    r = await client.patch(
        f"/api/v1/threads/{world.thread.id}",
        headers=world.headers[role],
        json={field: True, "note": "Everyone asks this."},
    )
    assert r.status_code == status, r.text
    assert getattr(await Thread.get(id=world.thread.id), field) is (status == 200)
    entries = await entries_since(mark)
    if status == 200:
        assert r.json()[field] is True
        action = "thread.pin" if field == "pinned" else "thread.lock"
        [entry] = entries
        assert (entry.action, h.actor_name(entry), entry.target, entry.note) == (
            action,
            world.person(role).username,
            f"thread:{world.thread.id}",
            "Everyone asks this.",
        )
        assert entry.community is not None and entry.community.slug == world.community.slug
    else:
        assert entries == []


@pytest.mark.parametrize("field", ["pinned", "locked"])
async def test_unpin_and_unlock_are_audited_and_repeating_is_a_no_op(client, world, field):
    url = f"/api/v1/threads/{world.thread.id}"
    for value in (True, True, False, False):
        r = await client.patch(url, headers=world.headers["moderator"], json={field: value})
        assert r.status_code == 200 and r.json()[field] is value
    names = {"pinned": ["thread.pin", "thread.unpin"], "locked": ["thread.lock", "thread.unlock"]}
    assert [e.action for e in await entries_since(0)] == names[field]


@pytest.mark.parametrize("value", ["yes", 1, None])
async def test_pin_with_a_non_boolean_is_422(client, world, value):
    r = await client.patch(
        f"/api/v1/threads/{world.thread.id}",
        headers=world.headers["moderator"],
        json={"pinned": value},
    )
    assert r.status_code == 422


async def test_locked_thread_takes_replies_from_moderators_only(client, world):
    await client.patch(
        f"/api/v1/threads/{world.thread.id}",
        headers=world.headers["moderator"],
        json={"locked": True},
    )
    r = await h.reply(client, world.headers["member"], world.thread.id, "Can I still reply here?")
    assert r.status_code == 403 and r.json()["error"]["code"] == "thread_locked"
    r = await h.reply(
        client, world.headers["moderator"], world.thread.id, "Closing note from mods."
    )
    assert r.status_code == 201


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("moderator", True), ("admin", True), ("author", False), ("member", False)],
)
async def test_feature_is_for_moderators(client, world, browser, role, allowed):
    c, csrf = await browser(world.person(role))
    mark = await last_entry_id()
    r = await curate(c, csrf, world.thread.id, action="feature", note="A model answer.")
    assert r.status_code == (303 if allowed else 403), r.text
    assert (await Thread.get(id=world.thread.id)).featured is allowed
    entries = await entries_since(mark)
    if allowed:
        [entry] = entries
        assert (entry.action, h.actor_name(entry), entry.target, entry.note) == (
            "thread.feature",
            world.person(role).username,
            f"thread:{world.thread.id}",
            "A model answer.",
        )
    else:
        assert entries == []


async def test_curation_form_needs_csrf_and_origin(client, world, browser):
    c, csrf = await browser(world.moderator)
    no_token = await c.post(
        f"/t/{world.thread.id}/curate", data={"action": "feature"}, headers=h.SAME_ORIGIN
    )
    wrong_origin = await c.post(
        f"/t/{world.thread.id}/curate",
        data={"action": "feature", "csrf_token": csrf},
        headers={"Origin": "https://evil.example"},
    )
    assert no_token.status_code == 403 and wrong_origin.status_code == 403
    assert (await Thread.get(id=world.thread.id)).featured is False


async def test_best_of_page_lists_featured_published_threads_only(client, world, browser):
    c, csrf = await browser(world.moderator)
    chosen = await second_thread(world, title="How we digitised 40 years of land records")
    plain = await second_thread(world, title="Ordinary question about leave rules")
    for thread in (chosen, world.thread):
        assert (await curate(c, csrf, thread.id, action="feature")).status_code == 303
    # a featured thread whose opening post is later hidden drops out
    opening = await Post.get(thread_id=world.thread.id, number=1)
    await posts.change_status(
        await Post.get(id=opening.id).select_related("thread"), "hidden", "Hidden."
    )
    page = await client.get(f"/c/{world.community.slug}/best")
    assert page.status_code == 200
    assert "How we digitised 40 years of land records" in page.text
    assert plain.title not in page.text
    assert world.thread.title not in page.text
    assert (await curate(c, csrf, chosen.id, action="unfeature")).status_code == 303
    page = await client.get(f"/c/{world.community.slug}/best")
    assert "How we digitised 40 years of land records" not in page.text


async def test_best_of_page_of_a_private_community_is_404_to_outsiders(
    client, private_world, browser
):
    c, _ = await browser(private_world.other_moderator)
    assert (await c.get(f"/c/{private_world.community.slug}/best")).status_code == 404
    inside, _ = await browser(private_world.member)
    assert (await inside.get(f"/c/{private_world.community.slug}/best")).status_code == 200


# Tags and accepted answer: the thread's author or a moderator


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("author", True), ("moderator", True), ("admin", True), ("member", False)],
)
async def test_tags_are_edited_by_the_author_or_a_moderator(client, world, browser, role, allowed):
    c, csrf = await browser(world.person(role))
    mark = await last_entry_id()
    r = await curate(c, csrf, world.thread.id, action="tags", tags="e-office, Backlog", note="Tidy")
    assert r.status_code == (303 if allowed else 403), r.text
    thread = await Thread.get(id=world.thread.id)
    assert thread.tags == (["e-office", "backlog"] if allowed else [])
    entries = await entries_since(mark)
    if allowed:
        [entry] = entries
        actor = world.person(role).username
        assert (entry.action, h.actor_name(entry), entry.target) == (
            "thread.tags",
            actor,
            f"thread:{world.thread.id}",
        )
        assert "e-office,backlog" in entry.note and "Tidy" in entry.note
        listed = await client.get(
            f"/api/v1/communities/{world.community.slug}/threads", params={"tag": "backlog"}
        )
        assert [t["id"] for t in listed.json()["items"]] == [world.thread.id]
    else:
        assert entries == []


async def test_invalid_tags_are_refused_without_change(client, world, browser):
    c, csrf = await browser(world.author)
    r = await curate(c, csrf, world.thread.id, action="tags", tags="a b c d e f")
    assert "At most 5 tags" in await flash_of(c, r)
    assert (await Thread.get(id=world.thread.id)).tags == []
    assert await entries_since(0) == []


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("author", True), ("moderator", True), ("admin", True), ("member", False), ("flagger", False)],
)
async def test_accepted_answer_is_set_by_the_asker_or_a_moderator(
    client, world, browser, role, allowed
):
    answer = await posts.reply(
        await User.get(id=world.flagger.id), world.thread, body="Batch files by section head."
    )
    user = (
        world.author
        if role == "author"
        else (world.flagger if role == "flagger" else world.person(role))
    )
    c, csrf = await browser(user)
    mark = await last_entry_id()
    r = await curate(
        c, csrf, world.thread.id, action="accept", post_id=str(answer.id), note="Works"
    )
    assert r.status_code == (303 if allowed else 403), r.text
    thread = await Thread.get(id=world.thread.id)
    assert thread.accepted_post_id == (answer.id if allowed else None)
    entries = await entries_since(mark)
    if allowed:
        [entry] = entries
        assert (entry.action, h.actor_name(entry), entry.target, entry.note) == (
            "thread.accept",
            user.username,
            f"post:{answer.id}",
            "Works",
        )
        shown = await client.get(f"/api/v1/threads/{world.thread.id}")
        assert shown.json()["accepted_post_id"] == answer.id
    else:
        assert entries == []


async def test_unaccepting_clears_the_answer(client, world, browser):
    c, csrf = await browser(world.author)
    await curate(c, csrf, world.thread.id, action="accept", post_id=str(world.reply.id))
    r = await curate(c, csrf, world.thread.id, action="unaccept")
    assert r.status_code == 303
    assert (await Thread.get(id=world.thread.id)).accepted_post_id is None
    assert [e.action for e in await entries_since(0)] == ["thread.accept", "thread.unaccept"]


@pytest.mark.parametrize(
    "which", ["opening", "other_thread", "pending", "hidden", "deleted", "missing"]
)
async def test_only_a_published_reply_of_the_thread_can_be_accepted(client, world, browser, which):
    if which == "opening":
        post_id = world.opening.id
    elif which == "other_thread":
        other = await second_thread(world)
        post_id = (
            await posts.reply(await User.get(id=world.flagger.id), other, body="Elsewhere.")
        ).id
    elif which == "missing":
        post_id = 999_999
    else:
        post = await posts.reply(
            await User.get(id=world.flagger.id), world.thread, body=f"A {which} one."
        )
        post = await Post.get(id=post.id).select_related("thread")
        await posts.change_status(post, which, "x")
        post_id = post.id
    c, csrf = await browser(world.moderator)
    r = await curate(c, csrf, world.thread.id, action="accept", post_id=str(post_id))
    assert "Accept a published reply of this thread." in await flash_of(c, r)
    assert (await Thread.get(id=world.thread.id)).accepted_post_id is None
    assert await entries_since(0) == []


# Move


async def test_moving_a_thread_updates_both_communities_counts(app, client, world):
    before = await counts(world.community, world.dest)
    mark = await last_entry_id()
    r = await client.post(
        f"/api/v1/threads/{world.thread.id}/move",
        headers=world.headers["moderator"],
        json={"community": world.dest.slug, "note": "Belongs there."},
    )
    assert r.status_code == 200, r.text
    assert r.json()["community"] == world.dest.slug
    assert await counts(world.community, world.dest) == [before[0] - 1, before[1] + 1]
    listed = await client.get(f"/api/v1/communities/{world.dest.slug}/threads")
    assert world.thread.id in [t["id"] for t in listed.json()["items"]]
    listed = await client.get(f"/api/v1/communities/{world.community.slug}/threads")
    assert world.thread.id not in [t["id"] for t in listed.json()["items"]]
    [entry] = await entries_since(mark)
    assert (entry.action, h.actor_name(entry), entry.target) == (
        "thread.move",
        "mod_this",
        f"thread:{world.thread.id}",
    )
    assert world.community.slug in entry.note and world.dest.slug in entry.note
    assert "Belongs there." in entry.note
    await app.state.search_writer.drain()
    found = await client.get(
        "/api/v1/search", params={"q": "backlogs", "community": world.dest.slug}
    )
    assert world.thread.id in {i["thread_id"] for i in found.json()["items"]}


@pytest.mark.parametrize(
    ("role", "target", "status"),
    [
        ("moderator", "other", 403),  # moderates the source, not the destination
        ("other_moderator", "other", 403),  # moderates the destination, not the source
        ("member", "dest", 403),
        ("admin", "other", 200),
    ],
)
async def test_moving_needs_moderating_both_communities(client, world, role, target, status):
    destination = getattr(world, target)
    r = await client.post(
        f"/api/v1/threads/{world.thread.id}/move",
        headers=world.headers[role],
        json={"community": destination.slug},
    )
    assert r.status_code == status, r.text
    moved = (await Thread.get(id=world.thread.id)).community_id == destination.id  # type: ignore[attr-defined]
    assert moved is (status == 200)


@pytest.mark.parametrize("payload", [{}, {"community": 7}, {"community": "no-such-place"}])
async def test_moving_without_a_valid_destination_is_refused(client, world, payload):
    r = await client.post(
        f"/api/v1/threads/{world.thread.id}/move", headers=world.headers["admin"], json=payload
    )
    assert r.status_code in (404, 422)
    assert (await Thread.get(id=world.thread.id)).community_id == world.community.id  # type: ignore[attr-defined]


async def test_moving_into_the_same_community_changes_nothing(client, world):
    r = await client.post(
        f"/api/v1/threads/{world.thread.id}/move",
        headers=world.headers["moderator"],
        json={"community": world.community.slug},
    )
    assert r.status_code == 200
    assert await counts(world.community) == [1]
    assert await entries_since(0) == []


async def test_moved_threads_open_review_items_follow_it(client, world):
    r = await h.flag(client, world.headers["member"], world.reply.id, "spam")
    item_id = r.json()["item_id"]
    r = await client.post(
        f"/api/v1/threads/{world.thread.id}/move",
        headers=world.headers["admin"],
        json={"community": world.other.slug},
    )
    assert r.status_code == 200
    theirs = await h.queue(client, world.headers["other_moderator"])
    assert [i["id"] for i in theirs] == [item_id]
    assert await h.queue(client, world.headers["moderator"]) == []


# Merge


async def test_merging_appends_posts_after_the_targets_and_marks_the_source(client, world):
    target = await second_thread(world, author=world.member, title="General backlog thread")
    await posts.reply(await User.get(id=world.flagger.id), target, body="Target reply two.")
    before = await counts(world.community)
    mark = await last_entry_id()
    r = await client.post(
        f"/api/v1/threads/{world.thread.id}/merge",
        headers=world.headers["moderator"],
        json={"into": target.id, "note": "Same question."},
    )
    assert r.status_code == 200, r.text
    assert r.json()["moved_posts"] == 2
    assert r.json()["thread"]["id"] == target.id
    numbered = await Post.filter(thread_id=target.id).order_by("number").values_list("id", "number")
    assert numbered == [
        (numbered[0][0], 1),
        (numbered[1][0], 2),
        (world.opening.id, 3),
        (world.reply.id, 4),
    ]
    source = await Thread.get(id=world.thread.id)
    assert source.status == "merged" and source.merged_into_id == target.id
    merged = await Thread.get(id=target.id)
    assert merged.post_count == 4 and merged.last_number == 4
    assert merged.participant_count == 3  # member, flagger, author
    assert await counts(world.community) == [before[0] - 1]
    shown = await client.get(f"/api/v1/threads/{target.id}")
    assert [p["number"] for p in shown.json()["posts"]] == [1, 2, 3, 4]
    [entry] = await entries_since(mark)
    assert (entry.action, h.actor_name(entry), entry.target) == (
        "thread.merge",
        "mod_this",
        f"thread:{world.thread.id}",
    )
    assert str(target.id) in entry.note and "Same question." in entry.note
    reply = await h.reply(client, world.headers["member"], target.id, "A new reply after merging.")
    assert reply.status_code == 201 and reply.json()["number"] == 5


async def test_merging_across_communities_updates_both_counts(client, world):
    target = await second_thread(world, community=world.dest, author=world.moderator)
    before = await counts(world.community, world.dest)
    r = await client.post(
        f"/api/v1/threads/{world.thread.id}/merge",
        headers=world.headers["moderator"],
        json={"into": target.id},
    )
    assert r.status_code == 200, r.text
    assert await counts(world.community, world.dest) == [before[0] - 1, before[1]]
    assert (await Thread.get(id=target.id)).post_count == 3


async def test_merging_counts_only_published_posts(client, world):
    target = await second_thread(world, author=world.member)
    held = await posts.reply(
        await User.get(id=world.flagger.id), world.thread, body="Later hidden."
    )
    await posts.change_status(await Post.get(id=held.id).select_related("thread"), "hidden", "x")
    r = await client.post(
        f"/api/v1/threads/{world.thread.id}/merge",
        headers=world.headers["admin"],
        json={"into": target.id},
    )
    assert r.status_code == 200 and r.json()["moved_posts"] == 3
    merged = await Thread.get(id=target.id)
    assert merged.post_count == 3 and merged.last_number == 4


@pytest.mark.parametrize(
    ("role", "where", "status"),
    [
        ("moderator", "other", 403),
        ("other_moderator", "other", 403),
        ("author", "community", 403),
        ("admin", "other", 200),
    ],
)
async def test_merging_needs_moderating_both_communities(client, world, role, where, status):
    target = await second_thread(world, community=getattr(world, where), author=world.admin)
    r = await client.post(
        f"/api/v1/threads/{world.thread.id}/merge",
        headers=world.headers[role],
        json={"into": target.id},
    )
    assert r.status_code == status, r.text
    assert ((await Thread.get(id=world.thread.id)).status == "merged") is (status == 200)


@pytest.mark.parametrize("into", ["self", "merged", "missing", "bad"])
async def test_merging_into_an_unusable_thread_is_refused(client, world, into):
    other = await second_thread(world)
    if into == "merged":
        third = await second_thread(world, title="Third thread on the same topic")
        r = await client.post(
            f"/api/v1/threads/{other.id}/merge",
            headers=world.headers["admin"],
            json={"into": third.id},
        )
        assert r.status_code == 200
    target = {"self": world.thread.id, "merged": other.id, "missing": 999_999, "bad": "x"}[into]
    mark = await last_entry_id()
    r = await client.post(
        f"/api/v1/threads/{world.thread.id}/merge",
        headers=world.headers["admin"],
        json={"into": target},
    )
    assert r.status_code in (404, 422), r.text
    assert (await Thread.get(id=world.thread.id)).status == "published"
    assert await entries_since(mark) == []


async def test_merge_and_move_through_the_thread_page_forms(client, world, browser):
    c, csrf = await browser(world.moderator)
    target = await second_thread(world)
    r = await curate(c, csrf, world.thread.id, action="merge", into=f"#{target.id}")
    assert r.status_code == 303 and r.headers["location"] == f"/t/{target.id}"
    assert (await Thread.get(id=world.thread.id)).status == "merged"
    r = await curate(c, csrf, target.id, action="move", community=world.dest.slug)
    assert r.status_code == 303
    assert (await Thread.get(id=target.id)).community_id == world.dest.id  # type: ignore[attr-defined]
    assert [e.action for e in await entries_since(0)] == ["thread.merge", "thread.move"]
