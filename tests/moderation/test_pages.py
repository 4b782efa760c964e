"""The moderation web pages, through a browser session with CSRF and Origin: the review queue
and its decision form, community policy settings, the report form, notifications, and the
suspension form on profiles."""

from __future__ import annotations

import re

import pytest

from forum.models import Community, Flag, Notification, Post, ReviewItem
from tests.moderation import helpers as h

# Helpers


async def followed(c, response) -> str:
    """The page a redirect leads to (which shows the flash message)."""
    assert response.status_code == 303, (response.status_code, response.text[:500])
    page = await c.get(response.headers["location"])
    assert page.status_code == 200, page.status_code
    return page.text


async def flagged_item(client, world, role="member") -> int:
    r = await h.flag(client, world.headers[role], world.reply.id, "spam", "")
    assert r.status_code == 201
    return r.json()["item_id"]


def unread_badge(html: str) -> int:
    match = re.search(r'aria-label="(\d+) unread"', html)
    return int(match.group(1)) if match else 0


# The review queue page


async def test_queue_page_lists_items_with_a_decision_form(client, world, browser):
    item_id = await flagged_item(client, world)
    c, _ = await browser(world.moderator)
    page = await c.get("/moderation")
    assert page.status_code == 200
    assert f'id="item-{item_id}"' in page.text
    assert "Flagged post" in page.text and "This Community" in page.text
    assert world.reply.body[:40] in page.text
    assert f'action="/moderation/{item_id}"' in page.text
    for label in ("Keep post", "Hide post", "Remove post", "Hide post and suspend author"):
        assert label in page.text
    assert 'href="/moderation"' in page.text  # the header link for moderators


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("?kind=queued_post", False),
        ("?kind=flagged_post", True),
        ("?reason=abuse", False),
        ("?status=resolved", False),
        ("?community=this-community", True),
    ],
)
async def test_queue_page_filters(client, world, browser, query, shown):
    item_id = await flagged_item(client, world)
    c, _ = await browser(world.moderator)
    page = await c.get("/moderation" + query)
    assert page.status_code == 200
    assert (f'id="item-{item_id}"' in page.text) is shown


async def test_queue_page_with_a_bad_filter_says_so(client, world, browser):
    c, _ = await browser(world.moderator)
    page = await c.get("/moderation?kind=everything")
    assert page.status_code == 400
    assert "Kind must be one of" in page.text


@pytest.mark.parametrize("role", ["member", "author"])
async def test_queue_page_is_refused_to_plain_members(client, world, browser, role):
    c, _ = await browser(world.person(role))
    page = await c.get("/moderation")
    assert page.status_code == 403
    assert 'href="/moderation"' not in page.text


async def test_queue_page_sends_anonymous_visitors_to_sign_in(client, world):
    r = await client.get("/moderation")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


async def test_decide_form_applies_the_decision(client, world, browser):
    item_id = await flagged_item(client, world)
    c, csrf = await browser(world.moderator)
    r = await h.post_form(
        c, f"/moderation/{item_id}", {"action": "hide", "note": "Advertising.", "days": "7"}, csrf
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/moderation")
    assert "Done: Hide post." in await followed(c, r)
    item = await ReviewItem.get(id=item_id)
    assert (item.status, item.resolution, item.note) == ("resolved", "hide", "Advertising.")
    assert (await Post.get(id=world.reply.id)).status == "hidden"
    page = await c.get("/moderation")
    assert f'id="item-{item_id}"' not in page.text
    done = await c.get("/moderation?status=resolved")
    assert f'id="item-{item_id}"' in done.text and "Advertising." in done.text


async def test_decide_form_keeps_the_community_filter_when_returning(client, world, browser):
    item_id = await flagged_item(client, world)
    c, csrf = await browser(world.moderator)
    r = await h.post_form(
        c, f"/moderation/{item_id}", {"action": "dismiss", "back_community": "this-community"}, csrf
    )
    assert r.headers["location"] == "/moderation?community=this-community"


@pytest.mark.parametrize(
    ("headers", "with_token"),
    [(h.SAME_ORIGIN, False), ({"Origin": "https://evil.example"}, True), ({}, True)],
)
async def test_decide_form_needs_csrf_and_origin(client, world, browser, headers, with_token):
    item_id = await flagged_item(client, world)
    c, csrf = await browser(world.moderator)
    data = {"action": "hide"} | ({"csrf_token": csrf} if with_token else {})
    r = await c.post(f"/moderation/{item_id}", data=data, headers=headers)
    assert r.status_code == 403
    assert (await ReviewItem.get(id=item_id)).status == "open"


async def test_decide_form_reports_a_decision_already_taken(client, world, browser):
    item_id = await flagged_item(client, world)
    assert (await h.decide(client, world.headers["admin"], item_id, "dismiss")).status_code == 200
    c, csrf = await browser(world.moderator)
    r = await h.post_form(c, f"/moderation/{item_id}", {"action": "hide"}, csrf)
    assert "Another moderator already decided this." in await followed(c, r)
    assert (await ReviewItem.get(id=item_id)).resolution == "dismiss"


async def test_decide_form_rejecting_without_a_reason_says_so(client, world, browser):
    item_id = await flagged_item(client, world)
    c, csrf = await browser(world.moderator)
    r = await h.post_form(c, f"/moderation/{item_id}", {"action": "reject", "note": ""}, csrf)
    assert "Give the author a reason." in await followed(c, r)
    assert (await ReviewItem.get(id=item_id)).status == "open"


async def test_decide_form_of_another_communitys_moderator_is_refused(client, world, browser):
    item_id = await flagged_item(client, world)
    c, csrf = await browser(world.other_moderator)
    r = await h.post_form(c, f"/moderation/{item_id}", {"action": "hide"}, csrf)
    assert r.status_code in (403, 404)
    assert (await ReviewItem.get(id=item_id)).status == "open"


# Community settings


async def test_settings_page_saves_the_policy(client, world, browser):
    c, csrf = await browser(world.moderator)
    page = await c.get(f"/c/{world.community.slug}/settings")
    assert page.status_code == 200 and 'name="premoderation"' in page.text
    r = await h.post_form(
        c,
        f"/c/{world.community.slug}/settings",
        {
            "premoderation": "new_users",
            "new_user_posts": "4",
            "new_user_link_limit": "1",
            "flag_hide_score": "2.5",
            "word_filters": "scam = block\nlottery\nidiot = replace:[removed]\n",
        },
        csrf,
    )
    assert r.headers["location"] == f"/c/{world.community.slug}/settings"
    assert "Saved:" in await followed(c, r)
    community = await Community.get(id=world.community.id)
    assert (
        community.premoderation,
        community.new_user_posts,
        community.new_user_link_limit,
        community.flag_hide_score,
    ) == ("new_users", 4, 1, 2.5)
    assert community.word_filters == [
        {"word": "scam", "action": "block"},
        {"word": "lottery", "action": "hold"},
        {"word": "idiot", "action": "replace", "replacement": "[removed]"},
    ]
    again = await c.get(f"/c/{world.community.slug}/settings")
    assert "idiot = replace:[removed]" in again.text and 'value="2.5"' in again.text
    blocked = await h.reply(client, world.headers["member"], world.thread.id, "It is a scam.")
    assert blocked.status_code == 422


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("flag_hide_score", "500"),
        ("new_user_posts", "many"),
        ("word_filters", "scam = ban"),
        ("premoderation", "sometimes"),
    ],
)
async def test_settings_page_shows_errors_and_saves_nothing(client, world, browser, field, value):
    c, csrf = await browser(world.moderator)
    form = {"premoderation": "all", field: value}
    r = await h.post_form(c, f"/c/{world.community.slug}/settings", form, csrf)
    assert r.status_code == 422
    assert "There is a problem" in r.text
    community = await Community.get(id=world.community.id)
    assert community.premoderation == "" and community.flag_hide_score is None


@pytest.mark.parametrize(("role", "status"), [("member", 403), ("other_moderator", 403)])
async def test_settings_page_is_for_this_communitys_moderators(
    client, world, browser, role, status
):
    c, csrf = await browser(world.person(role))
    assert (await c.get(f"/c/{world.community.slug}/settings")).status_code == status
    r = await h.post_form(c, f"/c/{world.community.slug}/settings", {"premoderation": "all"}, csrf)
    assert r.status_code == status
    assert (await Community.get(id=world.community.id)).premoderation == ""


# Reporting a post


async def test_flag_page_sends_a_report(client, world, browser):
    c, csrf = await browser(world.member)
    thread_page = await c.get(f"/t/{world.thread.id}")
    assert f'href="/p/{world.reply.id}/flag"' in thread_page.text
    page = await c.get(f"/p/{world.reply.id}/flag")
    assert page.status_code == 200 and 'value="off_topic"' in page.text
    r = await h.post_form(
        c, f"/p/{world.reply.id}/flag", {"reason": "off_topic", "note": "Wrong place."}, csrf
    )
    assert r.headers["location"] == f"/p/{world.reply.id}"
    [flag] = await Flag.filter(post_id=world.reply.id).select_related("flagger")
    assert (flag.reason, flag.note, flag.flagger.username) == (
        "off_topic",
        "Wrong place.",
        "plain_member",
    )
    again = await h.post_form(c, f"/p/{world.reply.id}/flag", {"reason": "spam"}, csrf)
    assert again.status_code == 303
    assert await Flag.filter(post_id=world.reply.id).count() == 1


async def test_flag_page_asks_for_a_note_for_other(client, world, browser):
    c, csrf = await browser(world.member)
    r = await h.post_form(c, f"/p/{world.reply.id}/flag", {"reason": "other", "note": ""}, csrf)
    assert r.status_code == 422
    assert "There is a problem" in r.text
    assert not await Flag.exists()


async def test_flag_page_refuses_the_posts_author_and_anonymous_visitors(client, world, browser):
    c, csrf = await browser(world.author)
    r = await h.post_form(c, f"/p/{world.reply.id}/flag", {"reason": "spam"}, csrf)
    assert r.status_code == 403
    anonymous = await client.get(f"/p/{world.reply.id}/flag")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    assert not await Flag.exists()


# Reporting a person


async def test_report_page_for_a_person_files_a_flag_for_the_administrators(client, world, browser):
    c, csrf = await browser(world.member)
    profile = await c.get(f"/u/{world.author.username}")
    assert f'href="/u/{world.author.username}/flag"' in profile.text
    page = await c.get(f"/u/{world.author.username}/flag")
    assert page.status_code == 200 and 'value="spam"' in page.text
    r = await h.post_form(
        c, f"/u/{world.author.username}/flag", {"reason": "spam", "note": "Vendor links."}, csrf
    )
    assert r.status_code == 303 and r.headers["location"] == f"/u/{world.author.username}"
    [flag] = await Flag.filter(target_user_id=world.author.id).select_related("item")
    assert (flag.reason, flag.note, flag.item.kind) == ("spam", "Vendor links.", "user")
    again = await h.post_form(c, f"/u/{world.author.username}/flag", {"reason": "abuse"}, csrf)
    assert again.status_code == 303
    assert await Flag.filter(target_user_id=world.author.id).count() == 1


async def test_report_page_for_a_person_refuses_oneself_and_anonymous_visitors(
    client, world, browser
):
    c, csrf = await browser(world.author)
    own = await c.get(f"/u/{world.author.username}")
    assert f"/u/{world.author.username}/flag" not in own.text
    r = await h.post_form(c, f"/u/{world.author.username}/flag", {"reason": "spam"}, csrf)
    assert r.status_code == 403
    anonymous = await client.get(f"/u/{world.author.username}/flag")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    assert (await client.get("/u/nobody-here/flag")).status_code in (303, 404)
    assert not await Flag.exists()


# Notifications


async def test_notifications_page_lists_a_moderation_outcome_and_marking_read_clears_the_count(
    client, world, browser
):
    item_id = await flagged_item(client, world)
    reason = "Please keep vendor promotions out of this community."
    r = await h.decide(client, world.headers["moderator"], item_id, "reject", note=reason)
    assert r.status_code == 200
    c, csrf = await browser(world.author)
    home = await c.get("/")
    assert unread_badge(home.text) == 1
    page = await c.get("/notifications")
    assert page.status_code == 200
    assert reason in page.text and f'href="/p/{world.reply.id}"' in page.text
    r = await h.post_form(c, "/notifications", {}, csrf)
    assert r.status_code == 303
    after = await c.get("/notifications")
    assert unread_badge(after.text) == 0 and reason in after.text
    assert not await Notification.filter(user_id=world.author.id, read_at__isnull=True).exists()
    api = await client.get("/api/v1/notifications", headers=world.headers["author"])
    assert api.json()["unread"] == 0


async def test_notifications_api_marks_some_read(client, world):
    await h.flag(client, world.headers["admin"], world.reply.id, "spam")
    item = await h.item_of(world.reply.id)
    await h.decide(client, world.headers["moderator"], item.id, "hide", note="Hidden.")
    listed = await client.get("/api/v1/notifications", headers=world.headers["author"])
    body = listed.json()
    assert body["unread"] == 1 and body["items"][0]["kind"] == "moderation"
    r = await client.post(
        "/api/v1/notifications/read",
        headers=world.headers["author"],
        json={"ids": [body["items"][0]["id"]]},
    )
    assert r.json() == {"marked": 1, "unread": 0}


# Profiles


async def test_profile_offers_admins_a_suspension_form(client, world, browser):
    c, _ = await browser(world.admin)
    page = await c.get("/u/author")
    assert page.status_code == 200
    assert 'action="/u/author/suspension"' in page.text
    member, _ = await browser(world.member)
    assert 'action="/u/author/suspension"' not in (await member.get("/u/author")).text
