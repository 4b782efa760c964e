"""Reactions, bookmarks, watching and muting, @mentions."""

from __future__ import annotations

from forum.models import Notification
from tests.conftest import bearer


async def start(
    client,
    user,
    community,
    title="Which GPS app do range officers use?",
    body="Asking for patrols.",
):
    r = await client.post(
        f"/api/v1/communities/{community.slug}/threads",
        json={"title": title, "body": body},
        headers=await bearer(user),
    )
    assert r.status_code == 201, r.text
    return r.json()


async def kinds_for(user) -> list[str]:
    return [n.kind for n in await Notification.filter(user_id=user.id).order_by("id")]


async def test_members_react_once_per_kind_and_can_take_it_back(client, make_user, make_community):
    asker, reader = await make_user(), await make_user()
    community = await make_community(members=(asker, reader))
    post_id = (await start(client, asker, community))["posts"][0]["id"]
    headers = await bearer(reader)

    for _ in range(2):
        r = await client.post(
            f"/api/v1/posts/{post_id}/reactions", json={"kind": "helpful"}, headers=headers
        )
        assert r.status_code == 200
    assert r.json() == {"counts": {"helpful": 1, "insightful": 0, "thanks": 0}, "mine": ["helpful"]}

    r = await client.delete(f"/api/v1/posts/{post_id}/reactions/helpful", headers=headers)
    assert r.json()["counts"]["helpful"] == 0


async def test_reactions_are_refused_on_own_posts_bad_kinds_and_when_signed_out(
    client, make_user, make_community
):
    asker = await make_user()
    community = await make_community(members=(asker,))
    post_id = (await start(client, asker, community))["posts"][0]["id"]

    own = await client.post(
        f"/api/v1/posts/{post_id}/reactions", json={"kind": "thanks"}, headers=await bearer(asker)
    )
    assert own.status_code == 403
    anonymous = await client.post(f"/api/v1/posts/{post_id}/reactions", json={"kind": "thanks"})
    assert anonymous.status_code == 401
    other = await make_user()
    bad = await client.post(
        f"/api/v1/posts/{post_id}/reactions", json={"kind": "love"}, headers=await bearer(other)
    )
    assert bad.status_code == 422


async def test_reactions_on_private_posts_are_404_to_outsiders(client, make_user, make_community):
    member, outsider = await make_user(), await make_user()
    community = await make_community(members=(member,), visibility="private")
    post_id = (await start(client, member, community))["posts"][0]["id"]
    r = await client.post(
        f"/api/v1/posts/{post_id}/reactions",
        json={"kind": "thanks"},
        headers=await bearer(outsider),
    )
    assert r.status_code == 404


async def test_bookmarks_list_only_threads_still_readable(client, make_user, make_community):
    reader = await make_user()
    community = await make_community(members=(reader,))
    thread = await start(client, reader, community)
    headers = await bearer(reader)

    assert (
        await client.put(f"/api/v1/threads/{thread['id']}/bookmark", headers=headers)
    ).status_code == 200
    listed = (await client.get("/api/v1/me/bookmarks", headers=headers)).json()["items"]
    assert [t["id"] for t in listed] == [thread["id"]]

    assert (
        await client.delete(f"/api/v1/threads/{thread['id']}/bookmark", headers=headers)
    ).status_code == 200
    assert (await client.get("/api/v1/me/bookmarks", headers=headers)).json()["items"] == []


async def test_watchers_hear_of_every_reply_and_muters_of_none(client, make_user, make_community):
    asker, watcher, replier = await make_user(), await make_user(), await make_user()
    community = await make_community(members=(asker, watcher, replier))
    thread = await start(client, asker, community)
    r = await client.put(
        f"/api/v1/threads/{thread['id']}/subscription",
        json={"level": "watching"},
        headers=await bearer(watcher),
    )
    assert r.json()["level"] == "watching"
    muted = await client.put(
        f"/api/v1/threads/{thread['id']}/subscription",
        json={"level": "muted"},
        headers=await bearer(asker),
    )
    assert muted.status_code == 200

    reply = await client.post(
        f"/api/v1/threads/{thread['id']}/posts",
        json={"body": "We use the state GIS app offline."},
        headers=await bearer(replier),
    )
    assert reply.status_code == 201

    assert await kinds_for(watcher) == ["watching"]
    assert await kinds_for(asker) == []  # muted: not even replies to their own thread
    assert await kinds_for(replier) == []


async def test_mentioned_people_are_told_if_they_can_read_the_thread(
    client, make_user, make_community
):
    writer = await make_user(username="writer_one")
    colleague = await make_user(username="colleague_two")
    outsider = await make_user(username="outside_three")
    community = await make_community(members=(writer, colleague), visibility="private")
    thread = await start(client, writer, community)
    r = await client.post(
        f"/api/v1/threads/{thread['id']}/posts",
        json={"body": "@colleague_two and @outside_three, what do you think?"},
        headers=await bearer(writer),
    )
    assert r.status_code == 201
    assert await kinds_for(colleague) == ["mention"]
    assert await kinds_for(outsider) == []  # cannot read the private community


async def test_watch_level_must_be_known(client, make_user, make_community):
    member = await make_user()
    community = await make_community(members=(member,))
    r = await client.put(
        f"/api/v1/communities/{community.slug}/subscription",
        json={"level": "loud"},
        headers=await bearer(member),
    )
    assert r.status_code == 422


async def test_the_thread_page_shows_reaction_counts_to_everyone(client, make_user, make_community):
    asker, reader = await make_user(), await make_user()
    community = await make_community(members=(asker, reader))
    thread = await start(client, asker, community)
    post_id = thread["posts"][0]["id"]
    await client.post(
        f"/api/v1/posts/{post_id}/reactions",
        json={"kind": "insightful"},
        headers=await bearer(reader),
    )

    page = await client.get(f"/t/{thread['id']}")
    assert page.status_code == 200
    assert 'data-kind="insightful">1<' in page.text


async def test_notifications_withhold_the_title_of_a_thread_the_reader_can_no_longer_read(
    client, admin, make_user, make_community, make_thread
):
    from forum import digests, notifications, posts, threads
    from moderation import actions
    from tests.conftest import sign_in

    asker, replier = await make_user(), await make_user()
    public = await make_community(members=(asker, replier))
    private = await make_community(visibility="private")
    thread = await make_thread(asker, public, title="Secret-to-be posting transfer rules")
    await posts.reply(replier, thread, body="We rotate every three years.")
    headers = await bearer(asker)

    listed = (await client.get("/api/v1/notifications", headers=headers)).json()["items"]
    assert listed[0]["data"]["title"] == "Secret-to-be posting transfer rules"

    await actions.move_thread(admin, await threads.get(admin, thread.id), private)

    listed = (await client.get("/api/v1/notifications", headers=headers)).json()["items"]
    assert listed[0]["data"] == {"withheld": True}, listed
    assert listed[0]["kind"] == "reply"
    await sign_in(client, asker)
    page = await client.get("/notifications")
    assert page.status_code == 200
    assert "Secret-to-be" not in page.text
    assert "no longer read" in page.text
    items = await Notification.filter(user_id=asker.id)
    await notifications.withhold_unreadable(asker, items)
    assert "Secret-to-be" not in digests.describe(items[0], "http://x")

    # Made a member of the private community, the asker reads the title again.
    await actions.set_member_status(admin, private, asker.username, "member")
    listed = (await client.get("/api/v1/notifications", headers=headers)).json()["items"]
    assert listed[0]["data"]["title"] == "Secret-to-be posting transfer rules"
