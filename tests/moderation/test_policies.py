"""Community policies: pre-moderation, new members' link limit, word filters (block, hold,
replace) and duplicate posts, set through PATCH /api/v1/communities/{slug}. Held posts are
created pending, enter the queue, and their authors see them as awaiting review. Edits meet the
same rules: a held edit waits in the queue while readers keep the approved text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forum.models import Community, Post, PostRevision, ReviewItem, SearchOutbox, Thread
from tests.moderation import helpers as h

# Helpers

LINKS = "See https://gem.gov.in and https://eprocure.gov.in and www.cppp.gov.in for details."
LONG_BODY = "Does anyone have the 2024 circular on delegation of financial powers?"


async def set_policy(client, world, **policy) -> dict:
    r = await client.patch(
        f"/api/v1/communities/{world.community.slug}",
        headers=world.headers["moderator"],
        json=policy,
    )
    assert r.status_code == 200, r.text
    return r.json()


async def make_established(client, world) -> None:
    """The author has three published posts: no longer a new member."""
    r = await h.reply(client, world.headers["author"], world.thread.id, "A third post by me.")
    assert r.json()["status"] == "published"


async def write(client, world, role: str, what: str, body: str):
    if what == "thread":
        return await h.start_thread(client, world.headers[role], world.community.slug, body)
    return await h.reply(client, world.headers[role], world.thread.id, body)


def new_post(r) -> dict:
    body = r.json()
    return body["posts"][0] if "posts" in body else body


async def row_counts() -> tuple[int, ...]:
    return (
        await Thread.all().count(),
        await Post.all().count(),
        await ReviewItem.all().count(),
        await SearchOutbox.all().count(),
    )


# Pre-moderation


@pytest.mark.parametrize("what", ["thread", "reply"])
@pytest.mark.parametrize(
    ("mode", "role", "held"),
    [
        ("off", "member", False),
        ("off", "author", False),
        ("new_users", "member", True),
        ("new_users", "author", False),
        ("new_users", "moderator", False),
        ("all", "member", True),
        ("all", "author", True),
        ("all", "moderator", False),
        ("all", "admin", False),
    ],
)
async def test_premoderation_holds_the_right_posts(client, world, what, mode, role, held):
    await make_established(client, world)  # the author; plain_member has no posts yet
    await set_policy(client, world, premoderation=mode)
    r = await write(client, world, role, what, f"{LONG_BODY} ({mode}, {role})")
    assert r.status_code == 201, r.text
    post = new_post(r)
    assert post["status"] == ("pending" if held else "published")
    item = await h.open_item_for_post(post["id"])
    if held:
        assert item is not None and item.kind == "queued_post"
        assert item.reasons == (["premoderation"] if mode == "all" else ["new_user"])
    else:
        assert item is None


async def test_held_thread_is_awaiting_review_for_its_author_and_invisible_to_others(
    client, world, browser
):
    await set_policy(client, world, premoderation="all")
    r = await h.start_thread(
        client,
        world.headers["member"],
        world.community.slug,
        LONG_BODY,
        title="Delegation circular",
    )
    assert r.json()["status"] == "pending"
    thread_id = r.json()["id"]
    mine = await client.get(f"/api/v1/threads/{thread_id}", headers=world.headers["member"])
    assert mine.status_code == 200 and mine.json()["status"] == "pending"
    assert mine.json()["posts"][0]["body"] == LONG_BODY
    for role in ("anonymous", "author"):
        other = await client.get(f"/api/v1/threads/{thread_id}", headers=world.headers[role])
        assert other.status_code == 404, role
        listed = await client.get(
            f"/api/v1/communities/{world.community.slug}/threads", headers=world.headers[role]
        )
        assert thread_id not in [t["id"] for t in listed.json()["items"]]
    page_client, _ = await browser(world.member)
    page = await page_client.get(f"/t/{thread_id}")
    assert page.status_code == 200
    assert "Awaiting review" in page.text
    assert "Held for review: this community reviews posts before they appear." in page.text
    assert (await Community.get(id=world.community.id)).thread_count == 1


async def test_held_reply_is_shown_to_its_author_only(client, world):
    await set_policy(client, world, premoderation="all")
    r = await h.reply(client, world.headers["member"], world.thread.id, LONG_BODY)
    post_id = r.json()["id"]
    mine = await client.get(f"/api/v1/threads/{world.thread.id}", headers=world.headers["member"])
    assert [p["status"] for p in mine.json()["posts"] if p["id"] == post_id] == ["pending"]
    other = await client.get(f"/api/v1/threads/{world.thread.id}", headers=world.headers["flagger"])
    assert post_id not in [p["id"] for p in other.json()["posts"]]
    assert LONG_BODY not in other.text
    assert (await Thread.get(id=world.thread.id)).post_count == 2


# Links from new members


@pytest.mark.parametrize(
    ("limit", "body", "role", "held"),
    [
        (None, LINKS, "member", True),  # three links, site default allows two
        (None, "Two: https://gem.gov.in and https://eprocure.gov.in", "member", False),
        (None, LINKS, "author", False),  # established
        (None, LINKS, "moderator", False),
        (0, "Only one: https://gem.gov.in", "member", True),
        (5, LINKS, "member", False),
    ],
)
async def test_new_members_posts_with_too_many_links_are_held(
    client, world, limit, body, role, held
):
    await make_established(client, world)
    if limit is not None:
        await set_policy(client, world, new_user_link_limit=limit)
    r = await h.reply(client, world.headers[role], world.thread.id, body)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == ("pending" if held else "published")
    if held:
        assert (await h.item_of(r.json()["id"])).reasons == ["links"]


async def test_member_stops_being_new_after_the_configured_number_of_posts(client, world):
    await set_policy(client, world, premoderation="new_users", new_user_posts=1)
    first = await h.reply(client, world.headers["member"], world.thread.id, LONG_BODY)
    assert first.json()["status"] == "pending"
    assert (
        await h.decide(
            client,
            world.headers["moderator"],
            (await h.item_of(first.json()["id"])).id,
            "approve",
        )
    ).status_code == 200
    second = await h.reply(client, world.headers["member"], world.thread.id, LONG_BODY + " Again?")
    assert second.json()["status"] == "published"


# Word filters


FILTERS = [
    {"word": "scam", "action": "block"},
    {"word": "lottery", "action": "hold"},
    {"word": "idiot", "action": "replace", "replacement": "[removed]"},
    {"word": "fool", "action": "replace"},
]


@pytest.mark.parametrize("what", ["thread", "reply"])
@pytest.mark.parametrize("body", ["This is a scam, report it.", "SCAM alert for officers", "scam"])
async def test_blocked_word_is_422_and_nothing_is_written(app, client, world, what, body):
    await set_policy(client, world, word_filters=FILTERS)
    await app.state.search_writer.drain()  # the world's outbox rows, before counting
    before = await row_counts()
    r = await write(client, world, "member", what, body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "blocked_word"
    assert "body" in r.json()["error"]["fields"]
    assert await row_counts() == before


@pytest.mark.parametrize("body", ["Scampi in the canteen is good.", "The scamster was caught."])
async def test_word_filters_match_whole_words_only(client, world, body):
    await set_policy(client, world, word_filters=FILTERS)
    r = await h.reply(client, world.headers["member"], world.thread.id, body)
    assert r.status_code == 201 and r.json()["status"] == "published"


@pytest.mark.parametrize("what", ["thread", "reply"])
async def test_held_word_creates_a_pending_post_and_a_queue_item(client, world, what):
    await set_policy(client, world, word_filters=FILTERS)
    r = await write(client, world, "author", what, "Win the state LOTTERY by applying here.")
    assert r.status_code == 201, r.text
    post = new_post(r)
    assert post["status"] == "pending"
    [item] = await h.queue(client, world.headers["moderator"], kind="queued_post")
    assert item["target"]["post_id"] == post["id"] and item["reasons"] == ["word_filter"]


@pytest.mark.parametrize(
    ("body", "stored"),
    [
        ("Only an idiot ignores GFR 2017.", "Only an [removed] ignores GFR 2017."),
        ("IDIOT proof checklists help.", "[removed] proof checklists help."),
        ("Do not be a fool about audits.", "Do not be a *** about audits."),
    ],
)
async def test_replaced_word_is_changed_in_the_published_body(client, world, body, stored):
    await set_policy(client, world, word_filters=FILTERS)
    r = await h.reply(client, world.headers["member"], world.thread.id, body)
    assert r.status_code == 201 and r.json()["status"] == "published"
    assert r.json()["body"] == stored
    post = await Post.get(id=r.json()["id"])
    assert post.body == stored and "idiot" not in post.body_html.lower()


async def test_moderators_bypass_word_filters_and_premoderation(client, world):
    await set_policy(client, world, word_filters=FILTERS, premoderation="all")
    body = "Warning: the lottery scam letters are fake, idiot-proof advice follows."
    for role in ("moderator", "admin"):
        r = await h.reply(client, world.headers[role], world.thread.id, f"{body} ({role})")
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "published" and r.json()["body"].startswith(body)


async def test_word_filters_are_per_community(client, world):
    await set_policy(client, world, word_filters=FILTERS)
    r = await h.start_thread(
        client, world.headers["other_moderator"], world.other.slug, "Beware of this scam."
    )
    assert r.status_code == 201


# Duplicates


@pytest.mark.parametrize(
    "again",
    [
        LONG_BODY,
        LONG_BODY.upper(),
        "  " + LONG_BODY.replace(" ", "   ") + "\n",
    ],
)
async def test_same_text_again_within_minutes_is_409(app, client, world, again):
    first = await h.reply(client, world.headers["member"], world.thread.id, LONG_BODY)
    assert first.status_code == 201
    await app.state.search_writer.drain()  # its outbox row, before counting
    before = await row_counts()
    r = await h.start_thread(client, world.headers["member"], world.community.slug, again)
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "duplicate_post"
    assert await row_counts() == before


async def test_duplicate_detection_also_holds_for_moderators(client, world):
    assert (
        await h.reply(client, world.headers["moderator"], world.thread.id, LONG_BODY)
    ).status_code == 201
    r = await h.reply(client, world.headers["moderator"], world.thread.id, LONG_BODY)
    assert r.status_code == 409


async def test_duplicate_is_detected_when_a_replace_filter_changed_the_text(client, world):
    await set_policy(client, world, word_filters=FILTERS)
    body = "Only an idiot would sign the completion certificate without a site visit."
    assert (
        await h.reply(client, world.headers["member"], world.thread.id, body)
    ).status_code == 201
    again = await h.reply(client, world.headers["member"], world.thread.id, body)
    assert again.status_code == 409, again.text


@pytest.mark.parametrize("case", ["short", "other_author", "after_window", "original_deleted"])
async def test_repeated_text_is_allowed_when_it_is_not_a_recent_duplicate(client, world, case):
    body = "Thank you, this helped." if case == "short" else LONG_BODY
    first = await h.reply(client, world.headers["member"], world.thread.id, body)
    assert first.status_code == 201
    if case == "after_window":
        await Post.filter(id=first.json()["id"]).update(
            created_at=datetime.now(UTC) - timedelta(minutes=11)
        )
    if case == "original_deleted":
        r = await client.delete(
            f"/api/v1/posts/{first.json()['id']}", headers=world.headers["member"]
        )
        assert r.status_code == 200
    who = "flagger" if case == "other_author" else "member"
    r = await h.reply(client, world.headers[who], world.thread.id, body)
    assert r.status_code == 201, r.text


# Edits, screened alike: the new text of a post meets the same rules as a new post. Held, it
# waits in the queue (kind queued_edit) while readers keep the approved text.


async def edit(client, world, role: str, body: str, post_id: int | None = None):
    return await client.patch(
        f"/api/v1/posts/{post_id or world.reply.id}",
        headers=world.headers[role],
        json={"body": body},
    )


async def edit_rows() -> tuple[int, ...]:
    """What an edit may write (the search outbox aside: the search writer drains it meanwhile)."""
    return (
        await Post.all().count(),
        await ReviewItem.all().count(),
        await PostRevision.all().count(),
        await Post.filter(edited_at__isnull=False).count(),
    )


def assert_held(r, world, reasons: list[str]) -> None:
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["edit_status"] == "held"
    assert body["body"] == world.reply.body  # what readers still see
    assert body["pending_edit"]["reasons"] == reasons


@pytest.mark.parametrize(
    ("mode", "role", "established", "held"),
    [
        ("off", "author", False, False),
        ("new_users", "author", False, True),
        ("new_users", "author", True, False),
        ("all", "author", True, True),
        ("all", "moderator", True, False),  # a moderator editing someone's post
        ("all", "admin", True, False),
    ],
)
async def test_premoderation_holds_the_right_edits(client, world, mode, role, established, held):
    if established:
        await make_established(client, world)
    await set_policy(client, world, premoderation=mode)
    new = f"{LONG_BODY} Edited ({mode}, {role})."
    r = await edit(client, world, role, new)
    assert r.status_code == 200, r.text
    post = await Post.get(id=world.reply.id)
    if held:
        assert_held(r, world, ["premoderation"] if mode == "all" else ["new_user"])
        assert post.body == world.reply.body and post.edited_at is None
        item = await h.item_of(world.reply.id)
        assert (item.kind, item.body, item.user_id) == ("queued_edit", new, world.author.id)
    else:
        assert r.json()["edit_status"] == "saved" and r.json()["pending_edit"] is None
        assert post.body == new and r.json()["body"] == new
        assert await h.open_item_for_post(world.reply.id) is None


@pytest.mark.parametrize(("established", "held"), [(False, True), (True, False)])
async def test_new_members_edits_with_too_many_links_are_held(client, world, established, held):
    if established:
        await make_established(client, world)
    r = await edit(client, world, "author", LINKS)
    if held:
        assert_held(r, world, ["links"])
    else:
        assert r.json()["edit_status"] == "saved"


async def test_blocked_word_refuses_an_edit_as_it_refuses_a_new_post(client, world):
    await set_policy(client, world, word_filters=FILTERS)
    body = "This is a scam, report it."
    before = await edit_rows()
    r = await edit(client, world, "author", body)
    assert r.status_code == 422, r.text
    refused_post = await h.reply(client, world.headers["author"], world.thread.id, body)
    assert r.json() == refused_post.json()  # same code, message and fields
    assert r.json()["error"]["code"] == "blocked_word"
    assert await edit_rows() == before
    assert (await Post.get(id=world.reply.id)).body == world.reply.body


async def test_held_word_in_an_edit_opens_a_queued_edit_with_both_texts(client, world):
    await make_established(client, world)
    await set_policy(client, world, word_filters=FILTERS)
    new = "Update: win the state LOTTERY by applying here."
    assert_held(await edit(client, world, "author", new), world, ["word_filter"])
    [item] = await h.queue(client, world.headers["moderator"], kind="queued_edit")
    assert item["kind"] == "queued_edit" and item["reasons"] == ["word_filter"]
    target = item["target"]
    assert (target["post_id"], target["author"], target["status"]) == (
        world.reply.id,
        "author",
        "published",
    )
    assert target["old_body"] == world.reply.body and target["new_body"] == new
    assert not await h.queue(client, world.headers["moderator"], kind="queued_post")


async def test_replaced_word_is_changed_in_an_edit(client, world):
    await make_established(client, world)
    await set_policy(client, world, word_filters=FILTERS)
    r = await edit(client, world, "author", "Only an idiot ignores GFR 2017.")
    assert r.json()["edit_status"] == "saved"
    assert r.json()["body"] == "Only an [removed] ignores GFR 2017."
    assert "idiot" not in (await Post.get(id=world.reply.id)).body_html.lower()


async def test_edit_that_filters_turn_back_into_the_current_text_changes_nothing(client, world):
    await make_established(client, world)
    await set_policy(client, world, word_filters=FILTERS)
    assert (await edit(client, world, "author", "Only an idiot ignores GFR 2017.")).is_success
    before = await edit_rows()
    r = await edit(client, world, "author", "Only an IDIOT ignores GFR 2017.")
    assert r.status_code == 200 and r.json()["edit_status"] == "unchanged"
    assert await edit_rows() == before


async def test_moderators_own_edits_bypass_word_filters_and_premoderation(client, world):
    await set_policy(client, world, word_filters=FILTERS, premoderation="all")
    mine = await h.reply(client, world.headers["moderator"], world.thread.id, "A moderator note.")
    new = "Warning: the lottery letters are fake."
    r = await edit(client, world, "moderator", new, post_id=mine.json()["id"])
    assert r.json()["edit_status"] == "saved" and r.json()["body"] == new
    assert not await ReviewItem.exists()


async def test_editing_into_the_text_of_another_recent_post_is_409(client, world):
    first = await h.reply(client, world.headers["author"], world.thread.id, LONG_BODY)
    assert first.status_code == 201
    before = await edit_rows()
    r = await edit(client, world, "author", LONG_BODY.upper())
    assert r.status_code == 409 and r.json()["error"]["code"] == "duplicate_post"
    assert await edit_rows() == before


async def test_an_edit_is_not_a_duplicate_of_the_post_itself(client, world):
    r = await edit(client, world, "author", world.reply.body.upper())
    assert r.status_code == 200, r.text
    assert r.json()["edit_status"] == "saved"


async def test_editing_a_post_still_awaiting_review_changes_it_in_place(client, world):
    await set_policy(client, world, premoderation="all")
    held = await h.reply(client, world.headers["member"], world.thread.id, LONG_BODY)
    post_id = held.json()["id"]
    r = await edit(client, world, "member", LONG_BODY + " (corrected)", post_id=post_id)
    assert r.status_code == 200, r.text
    assert r.json()["edit_status"] == "saved" and r.json()["status"] == "pending"
    [item] = await ReviewItem.filter(post_id=post_id)
    assert item.kind == "queued_post" and item.status == "open"
    assert (await Post.get(id=post_id)).body == LONG_BODY + " (corrected)"


# PATCH /api/v1/communities/{slug}


async def test_patch_returns_the_policy_and_null_restores_the_site_default(client, world):
    body = await set_policy(
        client,
        world,
        premoderation="new_users",
        new_user_link_limit=0,
        new_user_posts=5,
        flag_hide_score=4.5,
        word_filters=[{"word": "fool", "action": "replace"}],
    )
    assert body["slug"] == world.community.slug
    assert body["policy"] == {
        "premoderation": "new_users",
        "new_user_link_limit": 0,
        "new_user_posts": 5,
        "word_filters": [{"word": "fool", "action": "replace", "replacement": "***"}],
        "flag_hide_score": 4.5,
    }
    body = await set_policy(client, world, new_user_link_limit=None, flag_hide_score=None)
    assert body["policy"]["new_user_link_limit"] is None
    assert body["policy"]["flag_hide_score"] is None
    assert body["policy"]["premoderation"] == "new_users"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"premoderation": "sometimes"}, "premoderation"),
        ({"new_user_link_limit": -1}, "new_user_link_limit"),
        ({"new_user_link_limit": 51}, "new_user_link_limit"),
        ({"new_user_link_limit": "two"}, "new_user_link_limit"),
        ({"new_user_link_limit": True}, "new_user_link_limit"),
        ({"new_user_link_limit": 2.5}, "new_user_link_limit"),
        ({"new_user_posts": 101}, "new_user_posts"),
        ({"flag_hide_score": 0}, "flag_hide_score"),
        ({"flag_hide_score": 101}, "flag_hide_score"),
        ({"flag_hide_score": "high"}, "flag_hide_score"),
        ({"flag_hide_score": "nan"}, "flag_hide_score"),
        ({"word_filters": "scam"}, "word_filters"),
        ({"word_filters": [{"word": "scam", "action": "ban"}]}, "word_filters"),
        ({"word_filters": [{"word": "x", "action": "block"}]}, "word_filters"),
        ({"word_filters": [{"action": "block"}]}, "word_filters"),
        ({"word_filters": ["scam"]}, "word_filters"),
        (
            {"word_filters": [{"word": f"w{n}", "action": "hold"} for n in range(101)]},
            "word_filters",
        ),
        ({"premoderation": "all", "new_user_posts": -5}, "new_user_posts"),
        ({"name": "Renamed"}, "name"),
    ],
)
async def test_invalid_policy_is_422_and_changes_nothing(client, world, payload, field):
    before = await Community.get(id=world.community.id)
    r = await client.patch(
        f"/api/v1/communities/{world.community.slug}",
        headers=world.headers["moderator"],
        json=payload,
    )
    assert r.status_code == 422, r.text
    assert field in r.json()["error"]["fields"]
    after = await Community.get(id=world.community.id)
    for name in (
        "premoderation",
        "new_user_link_limit",
        "new_user_posts",
        "flag_hide_score",
        "word_filters",
        "visibility",
        "name",
    ):
        assert getattr(after, name) == getattr(before, name), name
    assert not await h.log(client, world.headers["admin"], action="community.policy")


async def test_a_moderator_cannot_change_visibility_only_an_administrator_can(client, world):
    path = f"/api/v1/communities/{world.community.slug}"
    r = await client.patch(path, headers=world.headers["moderator"], json={"visibility": "private"})
    assert r.status_code == 403, r.text
    assert (await Community.get(id=world.community.id)).visibility == "public"
    r = await client.patch(path, headers=world.headers["admin"], json={"visibility": "private"})
    assert r.status_code == 200, r.text
    assert (await Community.get(id=world.community.id)).visibility == "private"


@pytest.mark.parametrize("raw", ["[1, 2]", '"all"', "not json"])
async def test_policy_body_that_is_not_an_object_is_400(client, world, raw):
    r = await client.patch(
        f"/api/v1/communities/{world.community.slug}",
        headers={**world.headers["moderator"], "content-type": "application/json"},
        content=raw,
    )
    assert r.status_code == 400


@pytest.mark.parametrize("payload", [{"premoderation": "all"}, {"name": "Renamed"}])
async def test_a_member_who_does_not_moderate_gets_403_whatever_the_fields(client, world, payload):
    r = await client.patch(
        f"/api/v1/communities/{world.community.slug}",
        headers=world.headers["author"],
        json=payload,
    )
    assert r.status_code == 403, r.text


async def test_policy_of_a_missing_community_is_404(client, world):
    r = await client.patch(
        "/api/v1/communities/no-such-place", headers=world.headers["admin"], json={}
    )
    assert r.status_code == 404


async def test_policy_change_is_audited_with_the_changed_fields_and_a_no_op_is_not(client, world):
    await set_policy(client, world, premoderation="all", new_user_posts=2)
    await set_policy(client, world, premoderation="all")
    entries = await h.log(client, world.headers["admin"], action="community.policy")
    assert len(entries) == 1
    assert entries[0]["actor"] == "mod_this"
    assert entries[0]["target"] == f"community:{world.community.slug}"
    assert set(entries[0]["note"].split(", ")) == {"premoderation", "new_user_posts"}
