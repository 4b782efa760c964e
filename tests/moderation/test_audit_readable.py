"""The audit log in words: actions named ("Moved thread"), targets by title or name, and the
values a change replaced and set, recorded when it happened. A target the reader may not read
any more shows no title; older entries without recorded values still read sensibly."""

from __future__ import annotations

import html

from forum.models import AuditEntry
from tests.moderation import helpers as h

TITLE = "Clearing e-office file backlogs"


async def ok(response) -> dict:
    assert response.status_code in (200, 201), response.text
    return response.json()


async def log_page(browser, user) -> str:
    c, _ = await browser(user)
    page = await c.get("/moderation/log")
    assert page.status_code == 200
    return html.unescape(page.text)


async def move_to_dest(client, world) -> None:
    await ok(
        await client.post(
            f"/api/v1/threads/{world.thread.id}/move",
            headers=world.headers["moderator"],
            json={"community": world.dest.slug, "note": "Belongs there."},
        )
    )


async def test_a_move_records_both_communities_when_it_happens(client, world):
    await move_to_dest(client, world)
    entry = await AuditEntry.get(action="thread.move")
    assert entry.changes == {"community": [world.community.slug, world.dest.slug]}


async def test_log_page_says_who_moved_which_thread_from_where_to_where(client, world, browser):
    await move_to_dest(client, world)
    text = await log_page(browser, world.moderator)
    assert "Moved thread" in text
    assert f'<a href="/t/{world.thread.id}">{TITLE}</a>' in text
    assert 'Community: <span class="audit-old">This Community</span>' in text
    assert '<span class="audit-new">Destination</span>' in text
    assert f"thread:{world.thread.id}" not in text  # the raw code is gone


async def test_log_api_keeps_its_fields_and_adds_words(client, world):
    await move_to_dest(client, world)
    [entry] = await h.log(client, world.headers["moderator"], action="thread.move")
    assert (entry["action"], entry["target"], entry["community"]) == (
        "thread.move",
        f"thread:{world.thread.id}",
        world.dest.slug,
    )
    assert {"id", "actor", "note", "created_at"} <= set(entry)
    assert (entry["action_label"], entry["target_label"], entry["target_url"]) == (
        "Moved thread",
        TITLE,
        f"/t/{world.thread.id}",
    )
    assert entry["changes"] == [
        {"field": "community", "label": "Community", "old": "This Community", "new": "Destination"}
    ]


async def test_policy_changes_show_old_and_new_values(client, world, browser):
    await ok(
        await client.patch(
            "/api/v1/communities/this-community",
            headers=world.headers["moderator"],
            json={"premoderation": "all", "new_user_posts": 5},
        )
    )
    [entry] = await h.log(client, world.headers["moderator"], action="community.policy")
    assert entry["action_label"] == "Changed moderation settings"
    assert entry["target_label"] == "This Community"
    changes = {c["field"]: (c["old"], c["new"]) for c in entry["changes"]}
    assert changes == {
        "premoderation": ("site default", "everyone"),
        "new_user_posts": ("site default", "5"),
    }
    text = await log_page(browser, world.moderator)
    assert "Changed moderation settings" in text and "Pre-moderation:" in text
    assert '<span class="audit-new">everyone</span>' in text


async def test_a_reply_is_named_by_its_place_in_the_thread(client, world, browser):
    await ok(
        await client.patch(
            f"/api/v1/threads/{world.thread.id}",
            headers=world.headers["moderator"],
            json={"accepted_post_id": world.reply.id},
        )
    )
    [entry] = await h.log(client, world.headers["moderator"], action="thread.accept")
    assert entry["target"] == f"post:{world.reply.id}"
    assert entry["target_label"] == f"reply #1 in {TITLE}"
    text = await log_page(browser, world.moderator)
    assert f'<a href="/p/{world.reply.id}">reply #1 in {TITLE}</a>' in text


async def test_a_person_is_named_and_their_status_change_shown(client, world, browser):
    await ok(
        await client.post(
            "/api/v1/communities/this-community/members/plain_member",
            headers=world.headers["admin"],
            json={"status": "moderator"},
        )
    )
    [entry] = await h.log(client, world.headers["admin"], action="member.")
    assert (entry["action_label"], entry["target_label"], entry["target_url"]) == (
        "Made moderator",
        world.member.display_name,
        "/u/plain_member",
    )
    assert entry["changes"][0]["old"] == "member" and entry["changes"][0]["new"] == "moderator"


async def test_a_queue_decision_shows_the_posts_status_change(client, world):
    flagged = await ok(await h.flag(client, world.headers["flagger"], world.reply.id, "spam"))
    await ok(
        await h.decide(client, world.headers["moderator"], flagged["item_id"], "hide", note="Ads.")
    )
    [entry] = await h.log(client, world.headers["moderator"], action="queue.")
    assert entry["action_label"] == "Hid post"
    assert entry["changes"] == [
        {"field": "post_status", "label": "Post", "old": "published", "new": "hidden"}
    ]


async def test_a_thread_moved_where_the_reader_cannot_read_shows_no_title(
    client, world, browser, make_community
):
    await make_community(
        slug="closed-room",
        name="Closed Room",
        visibility="private",
        moderators=(world.other_moderator,),
    )
    await ok(
        await client.patch(
            f"/api/v1/threads/{world.thread.id}",
            headers=world.headers["moderator"],
            json={"pinned": True},
        )
    )
    await ok(
        await client.post(
            f"/api/v1/threads/{world.thread.id}/move",
            headers=world.headers["admin"],
            json={"community": "closed-room"},
        )
    )
    r = await client.get("/api/v1/moderation/log", headers=world.headers["moderator"])
    [pin] = [e for e in r.json()["items"] if e["action"] == "thread.pin"]
    assert (pin["target_label"], pin["target_url"]) == ("a thread you cannot see", None)
    assert TITLE not in r.text and "Closed Room" not in r.text
    text = await log_page(browser, world.moderator)
    assert "Pinned thread" in text and "a thread you cannot see" in text
    assert TITLE not in text and f'href="/t/{world.thread.id}"' not in text
    # The administrator reads everything: the same entry has its title.
    [seen] = await h.log(client, world.headers["admin"], action="thread.pin")
    assert seen["target_label"] == TITLE


async def test_older_entries_without_values_still_read_sensibly(client, world, browser):
    await AuditEntry.create(
        actor=world.moderator,
        action="thread.move",
        target=f"thread:{world.thread.id}",
        community=world.community,
        note="from dest-community to this-community.",
    )
    [entry] = await h.log(client, world.headers["moderator"], action="thread.move")
    assert (entry["action_label"], entry["target_label"], entry["changes"]) == (
        "Moved thread",
        TITLE,
        [],
    )
    text = await log_page(browser, world.moderator)
    assert "Moved thread" in text and "from dest-community to this-community." in text
    assert 'class="audit-changes' not in text


async def test_a_target_since_deleted_says_so(client, world):
    await AuditEntry.create(
        actor=world.moderator,
        action="thread.lock",
        target="thread:999999",
        community=world.community,
    )
    [entry] = await h.log(client, world.headers["moderator"], action="thread.lock")
    assert (entry["target_label"], entry["target_url"]) == ("a thread since deleted", None)


async def test_log_page_offers_the_communities_they_moderate_to_filter_by(world, browser):
    c, _ = await browser(world.moderator)
    page = await c.get("/moderation/log")
    picker = page.text[page.text.index('name="community"') : page.text.index("</select>")]
    assert 'value="this-community"' in picker and 'value="dest-community"' in picker
    assert 'value="other-community"' not in picker
    wrong = await c.get("/moderation/log", params={"community": "other-community"})
    assert wrong.status_code == 400
    assert "Choose one of the communities you moderate." in html.unescape(wrong.text)


async def test_the_page_note_keeps_the_moderators_words_not_the_recorded_values(
    client, world, browser
):
    await move_to_dest(client, world)
    await ok(
        await client.patch(
            "/api/v1/communities/this-community",
            headers=world.headers["moderator"],
            json={"new_user_posts": 5},
        )
    )
    text = await log_page(browser, world.moderator)
    assert '<td data-label="Note">Belongs there.</td>' in text
    assert "from this-community to dest-community" not in text
    assert '<td data-label="Note">new_user_posts</td>' not in text
    # The API's note is as it always was.
    [moved] = await h.log(client, world.headers["moderator"], action="thread.move")
    assert moved["note"] == "from this-community to dest-community. Belongs there."
