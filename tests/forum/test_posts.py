"""Editing posts (forum/posts.py edit), through the API and the web form: an edit that screening
holds leaves the approved text in place for every reader while its author (and the community's
moderators) see that it awaits review; a later edit replaces it, the approved text withdraws it;
suspended people cannot edit or delete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from forum import accounts, communities, posts
from forum.models import Community, LiveEvent, Post, PostRevision, ReviewItem, Thread, User
from tests.conftest import ORIGIN, bearer, sign_in

ORIGINAL = "We cleared 400 files by batching approvals every Friday."
EDITED = "We cleared 400 files by batching approvals every Friday and Tuesday."


@dataclass
class Scene:
    community: Community  # premoderated: every member's edit waits for review
    author: User
    reader: User
    moderator: User
    thread: Thread
    post: Post  # the author's published reply
    headers: dict[str, dict[str, str]]


@pytest.fixture(autouse=True)
async def _app_first(client: httpx.AsyncClient) -> None:
    """The app (and its database) starts before any factory fixture of these tests runs."""


@pytest.fixture
async def scene(client, make_user, make_community, make_thread) -> Scene:
    author = await make_user(username="asha_k")
    reader = await make_user(username="ravi_m")
    moderator = await make_user(username="the_mod")
    community = await make_community(members=(author, reader), moderators=(moderator,))
    opening = await make_thread(moderator, community)
    reply = await posts.reply(author, opening, body=ORIGINAL)
    community.premoderation = "all"
    await community.save(update_fields=["premoderation"])
    thread = await Thread.get(id=opening.id).select_related("community", "author")
    headers = {"anonymous": {}}
    for name, person in (("author", author), ("reader", reader), ("moderator", moderator)):
        headers[name] = await bearer(person)
    return Scene(
        community=community,
        author=await User.get(id=author.id),
        reader=await User.get(id=reader.id),
        moderator=await User.get(id=moderator.id),
        thread=thread,
        post=await Post.get(id=reply.id),
        headers=headers,
    )


async def patch(client, scene: Scene, who: str, body: str) -> httpx.Response:
    return await client.patch(
        f"/api/v1/posts/{scene.post.id}", headers=scene.headers[who], json={"body": body}
    )


async def open_edits(scene: Scene) -> list[ReviewItem]:
    return await ReviewItem.filter(kind="queued_edit", post_id=scene.post.id, status="open")


async def browser(new_client, user: User) -> tuple[httpx.AsyncClient, str]:
    c = await new_client()
    return c, await sign_in(c, user)


async def post_form(c: httpx.AsyncClient, path: str, data: dict[str, str], csrf: str):
    return await c.post(path, data={"csrf_token": csrf, **data}, headers={"Origin": ORIGIN})


# Readers keep the approved text


async def test_held_edit_leaves_the_approved_text_for_every_reader(client, scene, new_client):
    version = scene.thread.version
    r = await patch(client, scene, "author", EDITED)
    assert r.status_code == 200, r.text
    assert r.json()["edit_status"] == "held" and r.json()["body"] == ORIGINAL
    assert r.json()["edited_at"] is None
    post = await Post.get(id=scene.post.id)
    assert (post.body, post.edited_at) == (ORIGINAL, None)
    assert not await PostRevision.exists()
    assert not await LiveEvent.filter(type="post.edited").exists()
    assert (await Thread.get(id=scene.thread.id)).version == version  # cached pages stay valid
    for who in ("anonymous", "reader"):
        thread = await client.get(f"/api/v1/threads/{scene.thread.id}", headers=scene.headers[who])
        assert ORIGINAL in thread.text and EDITED not in thread.text, who
        single = await client.get(f"/api/v1/posts/{scene.post.id}", headers=scene.headers[who])
        assert single.json()["body"] == ORIGINAL and single.json()["pending_edit"] is None
        history = await client.get(f"/api/v1/posts/{scene.post.id}/history")
        assert history.json()["items"] == []
    page = await client.get(f"/t/{scene.thread.id}")
    assert ORIGINAL in page.text and EDITED not in page.text
    assert "waiting for" not in page.text
    c, _ = await browser(new_client, scene.reader)
    page = await c.get(f"/t/{scene.thread.id}")
    assert ORIGINAL in page.text and EDITED not in page.text and "waiting for" not in page.text


async def test_author_sees_that_their_edit_awaits_review(client, scene, new_client):
    r = await patch(client, scene, "author", EDITED)
    pending = r.json()["pending_edit"]
    assert pending["body"] == EDITED and pending["reasons"] == ["premoderation"]
    assert "Held for review" in pending["note"]
    datetime.fromisoformat(pending["created_at"])
    mine = await client.get(f"/api/v1/posts/{scene.post.id}", headers=scene.headers["author"])
    assert mine.json()["pending_edit"]["body"] == EDITED and mine.json()["body"] == ORIGINAL
    c, _ = await browser(new_client, scene.author)
    page = await c.get(f"/t/{scene.thread.id}")
    assert "is waiting for a moderator's review" in page.text
    assert ORIGINAL in page.text and EDITED not in page.text
    form = await c.get(f"/p/{scene.post.id}/edit")
    assert form.status_code == 200
    assert EDITED in form.text and "is waiting for a moderator's review" in form.text


async def test_moderators_see_that_an_edit_awaits_review(client, scene, new_client):
    await patch(client, scene, "author", EDITED)
    mine = await client.get(f"/api/v1/posts/{scene.post.id}", headers=scene.headers["moderator"])
    assert mine.json()["pending_edit"]["body"] == EDITED
    c, _ = await browser(new_client, scene.moderator)
    page = await c.get(f"/t/{scene.thread.id}")
    assert "An edit of this post is waiting for review" in page.text


# Editing again


async def test_a_later_edit_replaces_the_waiting_one(client, scene):
    await patch(client, scene, "author", EDITED)
    again = EDITED + " Mondays too."
    r = await patch(client, scene, "author", again)
    assert r.json()["edit_status"] == "held" and r.json()["pending_edit"]["body"] == again
    [item] = await open_edits(scene)
    assert item.body == again
    same = await patch(client, scene, "author", again)
    assert same.json()["edit_status"] == "held"
    assert len(await ReviewItem.filter(kind="queued_edit")) == 1


async def test_submitting_the_approved_text_again_withdraws_the_waiting_edit(client, scene):
    await patch(client, scene, "author", EDITED)
    r = await patch(client, scene, "author", ORIGINAL)
    assert r.status_code == 200
    assert r.json()["edit_status"] == "saved" and r.json()["pending_edit"] is None
    assert not await open_edits(scene)
    [item] = await ReviewItem.filter(kind="queued_edit")
    assert item.resolution == "withdrawn"
    assert not await PostRevision.exists()
    nothing = await patch(client, scene, "author", ORIGINAL)
    assert nothing.json()["edit_status"] == "unchanged"


async def test_an_edit_that_needs_no_review_replaces_the_waiting_one(client, scene):
    await patch(client, scene, "author", EDITED)
    scene.community.premoderation = "off"
    await scene.community.save(update_fields=["premoderation"])
    await posts.reply(scene.author, scene.thread, body="A third post: no longer new here.")
    r = await patch(client, scene, "author", "A corrected version, fine to publish.")
    assert r.json()["edit_status"] == "saved"
    assert r.json()["body"] == "A corrected version, fine to publish."
    assert not await open_edits(scene)


async def test_a_moderators_edit_applies_at_once_and_leaves_the_authors_waiting(client, scene):
    await patch(client, scene, "author", EDITED)
    r = await patch(client, scene, "moderator", "Redacted by a moderator.")
    assert r.json()["edit_status"] == "saved" and r.json()["body"] == "Redacted by a moderator."
    [item] = await open_edits(scene)
    assert item.body == EDITED


# The web form


async def test_web_form_says_the_edit_awaits_review(client, scene, new_client):
    c, csrf = await browser(new_client, scene.author)
    r = await post_form(c, f"/p/{scene.post.id}/edit", {"body": EDITED}, csrf)
    assert r.status_code == 303
    page = await c.get(r.headers["location"])
    assert "Your edit is waiting for a moderator&#39;s review" in page.text
    assert (await Post.get(id=scene.post.id)).body == ORIGINAL
    [item] = await open_edits(scene)
    assert item.body == EDITED


async def test_web_form_refuses_a_blocked_word_and_keeps_what_was_typed(client, scene, new_client):
    scene.community.word_filters = [{"word": "scam", "action": "block"}]
    await scene.community.save(update_fields=["word_filters"])
    c, csrf = await browser(new_client, scene.author)
    typed = "This tender is a scam, everyone knows it."
    r = await post_form(c, f"/p/{scene.post.id}/edit", {"body": typed}, csrf)
    assert r.status_code == 422
    assert "does not allow" in r.text and "everyone knows it." in r.text
    assert (await Post.get(id=scene.post.id)).body == ORIGINAL
    assert not await ReviewItem.exists()


async def test_web_form_saves_a_moderators_edit_at_once(client, scene, new_client):
    c, csrf = await browser(new_client, scene.moderator)
    r = await post_form(c, f"/p/{scene.post.id}/edit", {"body": "Tidied."}, csrf)
    assert r.status_code == 303
    assert "Your changes are saved." in (await c.get(r.headers["location"])).text
    assert (await Post.get(id=scene.post.id)).body == "Tidied."


# Suspended people


async def suspend_here(scene: Scene) -> None:
    until = datetime.now(UTC) + timedelta(days=2)
    await communities.suspend_member(scene.community, scene.author, until, "Spam.", by=None)


async def suspend_everywhere(scene: Scene) -> None:
    await accounts.suspend(scene.author, datetime.now(UTC) + timedelta(days=2), "Spam.")


@pytest.mark.parametrize("suspend", [suspend_here, suspend_everywhere])
async def test_suspended_author_cannot_edit_or_delete(client, scene, new_client, suspend):
    await suspend(scene)
    for r in (
        await patch(client, scene, "author", EDITED),
        await client.delete(f"/api/v1/posts/{scene.post.id}", headers=scene.headers["author"]),
    ):
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "suspended" and "Spam." in r.json()["error"]["message"]
    c, csrf = await browser(new_client, scene.author)
    assert (await c.get(f"/p/{scene.post.id}/edit")).status_code == 403
    r = await post_form(c, f"/p/{scene.post.id}/edit", {"body": EDITED}, csrf)
    assert r.status_code == 403
    assert (await post_form(c, f"/p/{scene.post.id}/delete", {}, csrf)).status_code == 403
    post = await Post.get(id=scene.post.id)
    assert (post.body, post.status) == (ORIGINAL, "published")
    assert not await ReviewItem.exists()


async def test_suspension_from_another_community_does_not_bar_editing_here(
    client, scene, make_community
):
    elsewhere = await make_community(members=(scene.author,))
    until = datetime.now(UTC) + timedelta(days=2)
    await communities.suspend_member(elsewhere, scene.author, until, "Spam.", by=None)
    r = await patch(client, scene, "author", EDITED)
    assert r.status_code == 200 and r.json()["edit_status"] == "held"
