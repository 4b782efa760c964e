"""@mentions notify the people named: in an opening post, a reply, or an edit naming someone new;
once per person per post; only people who may read the thread; and a post held for review tells
nobody until a moderator approves it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from forum.models import Notification, ReviewItem, User
from tests.conftest import bearer


@pytest.fixture(autouse=True)
async def _app_first(client: httpx.AsyncClient) -> None:
    """The app (and its database) starts before any factory fixture of these tests runs."""


async def mentions_of(user: User) -> list[dict[str, Any]]:
    rows = await Notification.filter(user_id=user.id, kind="mention").order_by("id")
    return [n.data for n in rows]


async def start(client, author: User, slug: str, body: str) -> httpx.Response:
    return await client.post(
        f"/api/v1/communities/{slug}/threads",
        json={"title": "Who signs off on a works contract?", "body": body},
        headers=await bearer(author),
    )


async def reply(client, author: User, thread_id: int, body: str) -> httpx.Response:
    return await client.post(
        f"/api/v1/threads/{thread_id}/posts", json={"body": body}, headers=await bearer(author)
    )


async def edit(client, author: User, post_id: int, body: str) -> httpx.Response:
    return await client.patch(
        f"/api/v1/posts/{post_id}", json={"body": body}, headers=await bearer(author)
    )


async def test_a_mention_in_an_opening_post_tells_the_person_named(
    client, make_user, make_community
):
    asker = await make_user(username="asker_one")
    expert = await make_user(username="expert_two")
    community = await make_community(members=(asker,))
    r = await start(client, asker, community.slug, "@expert_two, you did this in 2023: how?")
    assert r.status_code == 201, r.text
    thread = r.json()
    assert await mentions_of(expert) == [
        {
            "thread_id": thread["id"],
            "post_id": thread["posts"][0]["id"],
            "title": thread["title"],
            "by": "asker_one",
        }
    ]
    assert await mentions_of(asker) == []  # naming oneself tells nobody


async def test_a_mention_in_a_private_community_tells_only_those_who_may_read_it(
    client, make_user, make_community
):
    asker = await make_user(username="asker_one")
    colleague = await make_user(username="colleague_two")
    outsider = await make_user(username="outsider_three")
    community = await make_community(members=(asker, colleague), visibility="private")
    body = "Asking @colleague_two and @outsider_three about the batch reunion."
    r = await start(client, asker, community.slug, body)
    assert r.status_code == 201, r.text
    assert len(await mentions_of(colleague)) == 1
    assert await mentions_of(outsider) == []


async def test_a_person_named_twice_or_also_answered_is_told_once_per_post(
    client, make_user, make_community
):
    asker = await make_user(username="asker_one")
    helper = await make_user(username="helper_two")
    community = await make_community(members=(asker, helper))
    thread = (await start(client, asker, community.slug, "@helper_two @Helper_Two hello")).json()
    assert len(await mentions_of(helper)) == 1
    answer = (await reply(client, helper, thread["id"], "Here is how we did it.")).json()

    r = await client.post(
        f"/api/v1/threads/{thread['id']}/posts",
        json={"body": "Thanks @helper_two, and @helper_two again.", "reply_to": answer["id"]},
        headers=await bearer(asker),
    )
    assert r.status_code == 201, r.text
    about_it = await Notification.filter(user_id=helper.id).order_by("id")
    assert [n.data["post_id"] for n in about_it] == [thread["posts"][0]["id"], r.json()["id"]]


async def test_an_edit_tells_only_the_people_it_names_for_the_first_time(
    client, make_user, make_community
):
    author = await make_user(username="author_one")
    first = await make_user(username="first_two")
    second = await make_user(username="second_three")
    community = await make_community(members=(author,))
    thread = (await start(client, author, community.slug, "Asking @first_two first.")).json()
    post_id = thread["posts"][0]["id"]
    assert len(await mentions_of(first)) == 1

    r = await edit(client, author, post_id, "Asking @first_two first, and now @second_three.")
    assert r.status_code == 200, r.text
    assert len(await mentions_of(first)) == 1  # already told about this post
    assert [n["post_id"] for n in await mentions_of(second)] == [post_id]

    # Taking a name out and putting it back tells nobody again.
    await edit(client, author, post_id, "Asking @first_two only.")
    await edit(client, author, post_id, "Asking @first_two, then @second_three again.")
    assert len(await mentions_of(second)) == 1


async def test_an_edit_of_a_reply_naming_an_outsider_of_a_private_community_tells_nobody(
    client, make_user, make_community
):
    author = await make_user(username="author_one")
    outsider = await make_user(username="outsider_two")
    community = await make_community(members=(author,), visibility="private")
    thread = (await start(client, author, community.slug, "A question for the batch.")).json()
    answer = (await reply(client, author, thread["id"], "First answer here.")).json()
    r = await edit(client, author, answer["id"], "First answer here, cc @outsider_two.")
    assert r.status_code == 200, r.text
    assert await mentions_of(outsider) == []


async def premoderate(client, admin: User, slug: str) -> None:
    r = await client.patch(
        f"/api/v1/communities/{slug}", headers=await bearer(admin), json={"premoderation": "all"}
    )
    assert r.status_code == 200, r.text


async def approve(client, admin: User, post_id: int, kind: str = "queued_post") -> None:
    item = await ReviewItem.get(post_id=post_id, kind=kind, status="open")
    r = await client.post(
        f"/api/v1/moderation/queue/{item.id}",
        headers=await bearer(admin),
        json={"action": "approve"},
    )
    assert r.status_code == 200, r.text


async def test_a_held_opening_post_tells_nobody_until_it_is_approved(
    client, admin, make_user, make_community
):
    author = await make_user(username="author_one")
    named = await make_user(username="named_two")
    community = await make_community(members=(author,))
    await premoderate(client, admin, community.slug)
    r = await start(client, author, community.slug, "What does @named_two think of this?")
    assert r.status_code == 201 and r.json()["status"] == "pending", r.text
    assert await mentions_of(named) == []

    await approve(client, admin, r.json()["posts"][0]["id"])
    assert [n["thread_id"] for n in await mentions_of(named)] == [r.json()["id"]]


async def test_a_held_reply_tells_the_person_named_once_when_approved(
    client, admin, make_user, make_community
):
    author = await make_user(username="author_one")
    named = await make_user(username="named_two")
    community = await make_community(members=(author,))
    thread = (await start(client, author, community.slug, "An open question for all.")).json()
    await premoderate(client, admin, community.slug)
    held = await reply(client, author, thread["id"], "Adding @named_two to this one.")
    assert held.json()["status"] == "pending", held.text
    assert await mentions_of(named) == []

    await approve(client, admin, held.json()["id"])
    assert [n["post_id"] for n in await mentions_of(named)] == [held.json()["id"]]


async def test_a_held_edit_names_people_only_once_it_is_approved(
    client, admin, make_user, make_community
):
    author = await make_user(username="author_one")
    named = await make_user(username="named_two")
    community = await make_community(members=(author,))
    thread = (await start(client, author, community.slug, "An open question for all.")).json()
    post_id = thread["posts"][0]["id"]
    await premoderate(client, admin, community.slug)
    r = await edit(client, author, post_id, "An open question for all, and @named_two.")
    assert r.json()["edit_status"] == "held", r.text
    assert await mentions_of(named) == []

    await approve(client, admin, post_id, kind="queued_edit")
    assert [n["post_id"] for n in await mentions_of(named)] == [post_id]


async def test_a_mention_in_a_thread_started_from_the_web_form_notifies(
    client, make_user, make_community, new_client
):
    from tests.conftest import sign_in

    asker = await make_user(username="asker_one")
    expert = await make_user(username="expert_two")
    community = await make_community(members=(asker,))
    browser = await new_client()
    csrf = await sign_in(browser, asker)
    r = await browser.post(
        f"/c/{community.slug}/new",
        data={
            "csrf_token": csrf,
            "title": "Who has run a rate contract?",
            "body": "cc @expert_two",
            "tags": "",
        },
        headers={"Origin": "http://testserver"},
    )
    assert r.status_code == 303, r.text
    assert len(await mentions_of(expert)) == 1
