"""The review queue shows who reported a post, what they wrote and how many reported it, on the
page and in the API; the page names its buttons for what they do."""

from __future__ import annotations

import html

from tests.moderation import helpers as h


async def two_reports(client, world) -> int:
    first = await h.flag(client, world.headers["flagger"], world.reply.id, "spam", "Sells pens.")
    assert first.status_code == 201, first.text
    second = await h.flag(client, world.headers["member"], world.reply.id, "off_topic")
    assert second.status_code == 201, second.text
    return int(first.json()["item_id"])


async def test_queue_api_item_lists_its_reports_and_their_note(client, world):
    item_id = await two_reports(client, world)
    [item] = await h.queue(client, world.headers["moderator"])
    assert item["id"] == item_id
    assert item["report_count"] == 2
    assert [(r["reporter"], r["reason"], r["note"]) for r in item["reports"]] == [
        ("flagger", "spam", "Sells pens."),
        ("plain_member", "off_topic", ""),
    ]
    assert all(r["created_at"] for r in item["reports"])
    assert item["note"] == "Sells pens."  # waiting: what the reporters wrote
    assert item["decision_note"] is None


async def test_decided_api_item_carries_the_moderators_note(client, world):
    item_id = await two_reports(client, world)
    r = await h.decide(client, world.headers["moderator"], item_id, "hide", note="Advertising.")
    assert r.status_code == 200, r.text
    decided = r.json()
    assert (decided["note"], decided["decision_note"]) == ("Advertising.", "Advertising.")
    assert decided["report_count"] == 2
    [listed] = await h.queue(client, world.headers["moderator"], status="resolved")
    assert (listed["note"], listed["report_count"]) == ("Advertising.", 2)


async def test_queue_api_item_without_reports_has_none(client, world):
    r = await client.patch(
        "/api/v1/communities/this-community",
        headers=world.headers["moderator"],
        json={"premoderation": "all"},
    )
    assert r.status_code == 200, r.text
    held = await h.reply(client, world.headers["author"], world.thread.id, "Held for review.")
    assert held.status_code in (201, 202), held.text
    [item] = await h.queue(client, world.headers["moderator"], kind="queued_post")
    assert (item["reports"], item["report_count"], item["note"]) == ([], 0, "")


async def test_queue_page_names_the_reporters_and_their_notes(client, world, browser):
    item_id = await two_reports(client, world)
    c, _ = await browser(world.moderator)
    page = await c.get("/moderation")
    assert page.status_code == 200
    text = html.unescape(page.text)
    card = text[text.index(f'id="item-{item_id}"') :]
    assert "2 reports" in card
    assert f'<a href="/u/flagger">{world.flagger.display_name}</a>' in card
    assert f'<a href="/u/plain_member">{world.member.display_name}</a>' in card
    assert "Sells pens." in card


async def test_queue_page_buttons_say_what_they_do(client, world, browser):
    await two_reports(client, world)
    c, _ = await browser(world.moderator)
    page = await c.get("/moderation")
    for label in ("Keep post", "Hide post", "Remove post", "Hide post and suspend author"):
        assert f">{label}" in page.text
    for old in ("Dismiss reports", ">Approve<", ">Reject<", ">Delete<"):
        assert old not in page.text


async def test_keeping_a_post_from_the_page_says_it_was_kept(client, world, browser):
    item_id = await two_reports(client, world)
    c, csrf = await browser(world.moderator)
    r = await h.post_form(c, f"/moderation/{item_id}", {"action": "dismiss"}, csrf)
    assert r.status_code == 303
    page = await c.get(r.headers["location"])
    assert "Done: Keep post." in page.text
    done = await c.get("/moderation?status=resolved")
    assert "<strong>Keep post</strong>" in done.text
