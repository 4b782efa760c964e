"""Flags: who may report what, how much each report weighs, one open review item per post,
and posts hidden once the weighted reports reach the community's threshold."""

from __future__ import annotations

import asyncio

import pytest

from forum import posts
from forum.models import Flag, Post, ReviewItem, User
from tests.moderation import helpers as h

# Helpers


async def extra_reply(world, body: str) -> Post:
    """Another reply by the author, to be flagged."""
    author = await User.get(id=world.author.id)
    thread = world.thread
    return await posts.reply(author, thread, body=body)


async def set_hide_score(client, world, score) -> None:
    r = await client.patch(
        f"/api/v1/communities/{world.community.slug}",
        headers=world.headers["moderator"],
        json={"flag_hide_score": score},
    )
    assert r.status_code == 200, r.text


async def post_status(post_id: int) -> str:
    return (await Post.get(id=post_id)).status


# Weights


@pytest.mark.parametrize(
    ("role", "weight"),
    [("admin", 3.0), ("moderator", 2.0), ("member", 1.0), ("other_moderator", 1.0)],
)
async def test_flag_weight_follows_the_flaggers_standing(client, world, role, weight):
    r = await h.flag(client, world.headers[role], world.reply.id, "spam")
    assert r.status_code == 201, r.text
    assert r.json()["weight"] == weight
    item = await h.item_of(world.reply.id)
    assert item is not None and item.kind == "flagged_post" and item.score == weight
    assert (await Flag.get(id=r.json()["id"])).weight == weight


@pytest.mark.parametrize(
    ("decisions", "weight"),
    [
        (["hide"], 1.33),  # 2 * (1 + 1) / (1 + 0 + 2)
        (["dismiss"], 0.67),  # 2 * (0 + 1) / (0 + 1 + 2)
        (["reject", "delete"], 1.5),  # 2 * (2 + 1) / (2 + 0 + 2)
        (["approve", "dismiss"], 0.5),  # 2 * (0 + 1) / (0 + 2 + 2)
    ],
)
async def test_members_weight_follows_how_moderators_judged_their_earlier_flags(
    client, world, decisions, weight
):
    for n, action in enumerate(decisions):
        post = await extra_reply(world, f"Earlier reply number {n} about scanning old files.")
        r = await h.flag(client, world.headers["member"], post.id, "spam")
        assert r.status_code == 201, r.text
        if n == 0:
            assert r.json()["weight"] == 1.0  # a new member's first flag
        item_id = r.json()["item_id"]
        d = await h.decide(client, world.headers["admin"], item_id, action, note="Checked it.")
        assert d.status_code == 200, d.text
    r = await h.flag(client, world.headers["member"], world.reply.id, "spam")
    assert r.status_code == 201, r.text
    assert r.json()["weight"] == weight
    item = await h.item_of(world.reply.id)
    assert round(item.score, 2) == weight


async def test_decision_records_the_outcome_on_every_flag_of_the_item(client, world):
    for role in ("member", "flagger"):
        assert (
            await h.flag(client, world.headers[role], world.reply.id, "spam")
        ).status_code == 201
    item = await h.item_of(world.reply.id)
    assert (await h.decide(client, world.headers["moderator"], item.id, "hide")).status_code == 200
    assert await Flag.filter(item_id=item.id).values_list("outcome", flat=True) == [
        "upheld",
        "upheld",
    ]


# One flag per person and post


async def test_flagging_the_same_post_twice_is_409_and_counts_once(client, world):
    first = await h.flag(client, world.headers["member"], world.reply.id, "spam")
    assert first.status_code == 201
    again = await h.flag(client, world.headers["member"], world.reply.id, "abuse")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_flagged"
    item = await h.item_of(world.reply.id)
    assert item.score == 1.0 and item.reasons == ["spam"]
    assert await Flag.filter(post_id=world.reply.id).count() == 1


async def test_flagging_your_own_post_is_403(client, world):
    r = await h.flag(client, world.headers["author"], world.reply.id, "spam")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "own_post"
    assert not await ReviewItem.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "other"}, "note"),
        ({"reason": "other", "note": "   "}, "note"),
        ({"reason": "rude"}, "reason"),
        ({}, "reason"),
        ({"reason": "spam", "note": "x" * 1001}, "note"),
    ],
)
async def test_invalid_flag_is_422_and_opens_nothing(client, world, body, field):
    r = await client.post(
        f"/api/v1/posts/{world.reply.id}/flags", headers=world.headers["member"], json=body
    )
    assert r.status_code == 422, r.text
    assert field in r.json()["error"]["fields"]
    assert not await ReviewItem.exists() and not await Flag.exists()


async def test_other_reason_with_a_note_is_accepted(client, world):
    r = await h.flag(client, world.headers["member"], world.reply.id, "other", "Personal data.")
    assert r.status_code == 201, r.text
    assert r.json()["reason"] == "other" and r.json()["note"] == "Personal data."


async def test_flagging_a_post_that_does_not_exist_is_404(client, world):
    r = await h.flag(client, world.headers["member"], 999_999, "spam")
    assert r.status_code == 404


# One open item per post


async def test_second_flag_reuses_the_open_item_summing_score_and_merging_reasons(client, world):
    assert (
        await h.flag(client, world.headers["member"], world.reply.id, "spam")
    ).status_code == 201
    r = await h.flag(client, world.headers["moderator"], world.reply.id, "abuse")
    assert r.status_code == 201
    items = await h.items_for_post(world.reply.id)
    assert len(items) == 1
    assert items[0].score == 3.0
    assert items[0].reasons == ["spam", "abuse"]
    assert r.json()["item_id"] == items[0].id
    listed = await h.queue(client, world.headers["moderator"])
    assert [(i["id"], i["score"], i["reasons"]) for i in listed] == [
        (items[0].id, 3.0, ["spam", "abuse"])
    ]


async def test_same_reason_twice_is_listed_once(client, world):
    for role in ("member", "flagger"):
        assert (
            await h.flag(client, world.headers[role], world.reply.id, "spam")
        ).status_code == 201
    item = await h.item_of(world.reply.id)
    assert item.reasons == ["spam"] and item.score == 2.0


async def test_flag_after_a_decision_opens_a_new_item(client, world):
    first = await h.flag(client, world.headers["member"], world.reply.id, "spam")
    d = await h.decide(client, world.headers["moderator"], first.json()["item_id"], "dismiss")
    assert d.status_code == 200
    second = await h.flag(client, world.headers["flagger"], world.reply.id, "abuse")
    assert second.status_code == 201
    items = await h.items_for_post(world.reply.id)
    assert [(i.status, i.score, i.reasons) for i in items] == [
        ("resolved", 1.0, ["spam"]),
        ("open", 1.0, ["abuse"]),
    ]


async def test_concurrent_flags_from_several_members_land_in_one_item(client, world, make_user):
    people = await h.add_members(make_user, world.community, world.admin, "ravi", "sunita")
    headers = [world.headers["member"], *(p.headers for p in people)]
    answers = await asyncio.gather(*(h.flag(client, hd, world.reply.id, "spam") for hd in headers))
    assert [a.status_code for a in answers] == [201, 201, 201]
    items = await h.items_for_post(world.reply.id)
    assert len(items) == 1, [(i.id, i.score) for i in items]
    assert items[0].score == 3.0
    assert await post_status(world.reply.id) == "hidden"


# Hiding at the threshold


@pytest.mark.parametrize(("hide_score", "flags_needed"), [(None, 3), (2, 2), (4, 4), (1, 1)])
async def test_post_is_hidden_once_the_weighted_flags_reach_the_communitys_threshold(
    client, world, make_user, hide_score, flags_needed
):
    if hide_score is not None:
        await set_hide_score(client, world, hide_score)
    people = await h.add_members(
        make_user, world.community, world.admin, *(f"reporter{n}" for n in range(4))
    )
    for n, person in enumerate(people[:flags_needed], start=1):
        r = await h.flag(client, person.headers, world.reply.id, "spam")
        assert r.status_code == 201, r.text
        expected = "hidden" if n >= flags_needed else "published"
        assert await post_status(world.reply.id) == expected, f"after {n} flags"
    item = await h.item_of(world.reply.id)
    assert item.status == "open" and item.score == flags_needed


async def test_one_admin_flag_hides_a_post_at_the_default_threshold(client, world):
    assert (
        await h.flag(client, world.headers["admin"], world.reply.id, "abuse")
    ).status_code == 201
    assert await post_status(world.reply.id) == "hidden"


async def test_one_moderator_flag_does_not_hide_at_the_default_threshold(client, world):
    assert (
        await h.flag(client, world.headers["moderator"], world.reply.id, "spam")
    ).status_code == 201
    assert await post_status(world.reply.id) == "published"


async def test_hidden_post_keeps_its_place_in_the_thread_counts(client, world):
    """Hiding takes the post out of the reply count; the thread stays readable."""
    before = (await client.get(f"/api/v1/threads/{world.thread.id}")).json()["post_count"]
    await h.flag(client, world.headers["admin"], world.reply.id, "abuse")
    after = await client.get(f"/api/v1/threads/{world.thread.id}")
    assert after.status_code == 200
    assert after.json()["post_count"] == before - 1


async def test_hidden_post_body_is_withheld_from_readers_but_shown_to_its_author(
    client, world, browser
):
    body = world.reply.body
    assert (
        await h.flag(client, world.headers["admin"], world.reply.id, "abuse")
    ).status_code == 201

    for role in ("anonymous", "member"):
        r = await client.get(f"/api/v1/threads/{world.thread.id}", headers=world.headers[role])
        shown = {p["id"]: p for p in r.json()["posts"]}
        if world.reply.id in shown:
            assert shown[world.reply.id]["body"] == "" and shown[world.reply.id]["body_html"] == ""
        assert body not in r.text, role

    mine = await client.get(f"/api/v1/threads/{world.thread.id}", headers=world.headers["author"])
    reply = next(p for p in mine.json()["posts"] if p["id"] == world.reply.id)
    assert reply["status"] == "hidden" and reply["body"] == body

    reader, _ = await browser(world.member)
    page = await reader.get(f"/t/{world.thread.id}")
    assert page.status_code == 200 and body not in page.text
    author, _ = await browser(world.author)
    page = await author.get(f"/t/{world.thread.id}")
    assert body in page.text
    assert "Hidden after reports from members until a moderator reviews it." in page.text


async def test_the_report_form_of_a_removed_post_shows_none_of_its_words(client, world, browser):
    body = world.reply.body
    r = await client.delete(f"/api/v1/posts/{world.reply.id}", headers=world.headers["author"])
    assert r.status_code == 200, r.text

    reader, _ = await browser(world.member)
    page = await reader.get(f"/p/{world.reply.id}/flag")
    assert page.status_code == 404 and body not in page.text


# Flagging people


async def test_flagging_a_person_opens_a_user_item_that_only_admins_see(client, world):
    r = await client.post(
        "/api/v1/users/author/flags",
        headers=world.headers["member"],
        json={"reason": "abuse", "note": "Sends threatening messages."},
    )
    assert r.status_code == 201, r.text
    admin_view = await h.queue(client, world.headers["admin"], kind="user")
    assert len(admin_view) == 1
    item = admin_view[0]
    assert item["kind"] == "user" and item["community"] is None
    assert item["target"]["username"] == "author" and item["reasons"] == ["abuse"]
    assert item["score"] == 1.0
    for role in ("moderator", "other_moderator"):
        assert await h.queue(client, world.headers[role]) == []
        d = await h.decide(client, world.headers[role], item["id"], "dismiss")
        assert d.status_code in (403, 404)


@pytest.mark.parametrize(
    ("who", "target", "status", "code"),
    [
        ("author", "author", 403, "own_account"),
        ("member", "nobody_here", 404, None),
    ],
)
async def test_flagging_yourself_or_a_missing_person_is_refused(
    client, world, who, target, status, code
):
    r = await client.post(
        f"/api/v1/users/{target}/flags", headers=world.headers[who], json={"reason": "spam"}
    )
    assert r.status_code == status
    if code:
        assert r.json()["error"]["code"] == code
    assert not await ReviewItem.exists()


async def test_flagging_the_same_person_twice_is_409_and_two_people_share_one_item(client, world):
    for role in ("member", "flagger"):
        r = await client.post(
            "/api/v1/users/author/flags", headers=world.headers[role], json={"reason": "spam"}
        )
        assert r.status_code == 201
    again = await client.post(
        "/api/v1/users/author/flags", headers=world.headers["member"], json={"reason": "abuse"}
    )
    assert again.status_code == 409
    items = await ReviewItem.filter(kind="user")
    assert len(items) == 1 and items[0].score == 2.0


async def test_double_submitted_flag_counts_once(client, world):
    answers = await asyncio.gather(
        *(h.flag(client, world.headers["member"], world.reply.id, "spam") for _ in range(2))
    )
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    assert await Flag.filter(post_id=world.reply.id).count() == 1
    item = await h.item_of(world.reply.id)
    assert item.score == 1.0
