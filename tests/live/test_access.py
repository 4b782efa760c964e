"""What the live channel sends reflects what the subscriber may read at the moment it is sent
(API.md, Live): replays of posts since deleted or hidden carry no words, and a subscription to a
thread moved or merged into a private community ends at once with "forbidden"."""

from __future__ import annotations

import json
from typing import Any

from tests.live.conftest import PASSWORD, Api, Member, Sockets, unique
from tests.live.test_websocket import is_event, private_setup, public_thread

FORBID_SECONDS = 2.0


def mentions(messages: list[dict[str, Any]], secret: str) -> list[dict[str, Any]]:
    return [m for m in messages if secret in json.dumps(m, ensure_ascii=False)]


async def replay(sockets: Sockets, topic: str, who: Member | None = None) -> list[dict[str, Any]]:
    """Subscribes with since=0 and returns every event replayed before a marker ping."""
    sock = await sockets(who)
    answer = await sock.subscribe(topic, since=0)
    if answer.get("type") == "error":
        return [answer]
    await sock.send({"ping": 1})
    await sock.expect(lambda m: m.get("type") == "pong", "pong after the replay")
    return [m for m in sock.seen if "data" in m]


async def hide(api: Api, post_id: int, flagger: Member) -> None:
    """A member reports the post and an administrator hides it from the review queue."""
    await api.call(
        "POST", f"/api/v1/posts/{post_id}/flags", flagger.auth, 201, json={"reason": "abuse"}
    )
    queue = await api.call("GET", "/api/v1/moderation/queue", api.admin, 200)
    item = next(i for i in queue["items"] if i["target"].get("post_id") == post_id)
    await api.call(
        "POST", f"/api/v1/moderation/queue/{item['id']}", api.admin, 200, json={"action": "hide"}
    )


async def test_a_deleted_reply_replays_as_its_removal_without_its_words(
    api: Api, sockets: Sockets
) -> None:
    slug, author, thread, (replier,) = await public_thread(api, "replier")
    secret = f"Regretted words {unique('w')}"
    post = await api.reply(thread["id"], replier, secret)
    await api.delete(post["id"], replier)

    for who in (None, author):  # anonymous is enough to try
        events = await replay(sockets, f"thread:{thread['id']}", who)
        assert mentions(events, secret) == [], f"the deleted words were replayed: {events}"
        about = [e for e in events if e["data"].get("id") == post["id"]]
        assert about and all(e["type"] == "post.deleted" for e in about), about
        assert all(e["data"].get("body") is None for e in about), about


async def test_a_hidden_reply_replays_as_its_removal_but_its_author_still_sees_it(
    api: Api, sockets: Sockets
) -> None:
    slug, author, thread, (replier, flagger) = await public_thread(api, "replier", "flagger")
    secret = f"Insulting words {unique('w')}"
    post = await api.reply(thread["id"], replier, secret)
    await hide(api, post["id"], flagger)

    events = await replay(sockets, f"thread:{thread['id']}")
    assert mentions(events, secret) == [], f"the hidden words were replayed: {events}"
    assert any(e["type"] == "post.deleted" and e["data"]["id"] == post["id"] for e in events)

    own = await replay(sockets, f"thread:{thread['id']}", replier)
    assert mentions(own, secret), "the author should still see their own hidden post"


async def test_an_edit_replayed_after_the_post_was_deleted_carries_no_words(
    api: Api, sockets: Sockets
) -> None:
    slug, author, thread, (replier,) = await public_thread(api, "replier")
    post = await api.reply(thread["id"], replier, "First version of the answer.")
    secret = f"Second version {unique('w')}"
    await api.edit(post["id"], replier, secret)
    await api.delete(post["id"], replier)
    events = await replay(sockets, f"thread:{thread['id']}", author)
    assert mentions(events, secret) == [], events


async def test_a_subscription_to_a_thread_moved_into_a_private_community_ends_at_once(
    api: Api, sockets: Sockets
) -> None:
    (_, author, thread, (reader,)), (private_slug, insider, _, _) = await _both(api)
    topic = f"thread:{thread['id']}"
    anon = await sockets()
    member = await sockets(reader)
    for sock in (anon, member):
        await sock.subscribed(topic)
    await api.reply(thread["id"], author, "A reply while the thread was public.")
    for sock in (anon, member):
        await sock.expect(is_event("post.created", topic), "the public reply")

    await api.call(
        "POST",
        f"/api/v1/threads/{thread['id']}/move",
        api.admin,
        200,
        json={"community": private_slug},
    )
    for sock in (anon, member):
        error = await sock.expect(
            lambda m: m.get("type") == "error", "forbidden after the move", within=FORBID_SECONDS
        )
        assert error == {"type": "error", "code": "forbidden", "topic": topic}, error

    secret = f"Said inside {unique('w')}"
    await api.reply(thread["id"], insider, secret)
    insider_sock = await sockets(insider)
    events = await replay(sockets, topic, insider)
    assert mentions(events, secret), "a member of the private community still follows it"
    for sock in (anon, member):
        await sock.send({"ping": 1})
        await sock.expect(lambda m: m.get("type") == "pong", "pong")
        assert mentions(sock.seen, secret) == [], sock.seen
        again = await sock.subscribe(topic, since=0)
        assert again.get("code") == "forbidden", again
    await insider_sock.close()


async def test_a_subscription_to_a_thread_merged_into_a_private_one_ends_and_replays_nothing(
    api: Api, sockets: Sockets
) -> None:
    (_, author, thread, (reader,)), (_, insider, private_thread, _) = await _both(api)
    topic = f"thread:{thread['id']}"
    secret = f"Public words now merged {unique('w')}"
    await api.reply(thread["id"], author, secret)
    sock = await sockets(reader)
    await sock.subscribed(topic)

    await api.call(
        "POST",
        f"/api/v1/threads/{thread['id']}/merge",
        api.admin,
        200,
        json={"into": private_thread["id"]},
    )
    error = await sock.expect(
        lambda m: m.get("type") == "error", "forbidden after the merge", within=FORBID_SECONDS
    )
    assert error["code"] == "forbidden" and error["topic"] == topic, error
    for who in (None, reader):
        events = await replay(sockets, topic, who)
        assert events and events[0].get("code") == "forbidden", events
        assert mentions(events, secret) == [], events
    # The members of the private community follow the merged thread.
    assert mentions(await replay(sockets, topic, insider), secret)


async def test_a_notification_replayed_after_its_thread_went_private_has_no_title(
    api: Api, sockets: Sockets
) -> None:
    (_, author, thread, (replier,)), (private_slug, _, _, _) = await _both(api)
    await api.reply(thread["id"], replier, "An answer that notifies the asker.")
    await api.call(
        "POST",
        f"/api/v1/threads/{thread['id']}/move",
        api.admin,
        200,
        json={"community": private_slug},
    )
    events = await replay(sockets, "user:me", author)
    notes = [e for e in events if e["type"] == "notification"]
    assert notes, events
    assert mentions(notes, thread["title"]) == [], notes
    assert all(set(n["data"]) == {"id", "kind"} for n in notes), notes


async def test_a_binary_frame_closes_the_socket_with_1003(sockets: Sockets) -> None:
    sock = await sockets()
    await sock.ws.send(b"\x00\x01binary")
    await sock.ws.wait_closed()
    assert sock.ws.close_code == 1003


async def _both(
    api: Api,
) -> tuple[
    tuple[str, Member, dict[str, Any], list[Member]],
    tuple[str, Member, dict[str, Any], list[Member]],
]:
    public = await public_thread(api, "reader")
    private = await private_setup(api)
    return public, private


async def test_a_community_made_private_ends_its_outsiders_subscriptions(
    api: Api, sockets: Sockets
) -> None:
    slug, author, thread, (reader,) = await public_thread(api, "reader")
    outsider = await api.register("outsider")
    socks = {who: await sockets(who) for who in (reader, outsider)}
    anon = await sockets()
    topics = (f"thread:{thread['id']}", f"community:{slug}")
    for sock in (*socks.values(), anon):
        for topic in topics:
            await sock.subscribed(topic)

    await api.call(
        "PATCH", f"/api/v1/communities/{slug}", api.admin, 200, json={"visibility": "private"}
    )
    for sock in (socks[outsider], anon):
        errors = [
            await sock.expect(lambda m: m.get("type") == "error", "forbidden", FORBID_SECONDS)
            for _ in topics
        ]
        assert sorted(e["topic"] for e in errors) == sorted(topics), errors
    # The member keeps reading it.
    post = await api.reply(thread["id"], author, "Only members read this now.")
    event = await socks[reader].expect(is_event("post.created", topics[0]), "the reply")
    assert event["data"]["id"] == post["id"]
    assert not [m for m in socks[reader].seen if m.get("type") == "error"]


async def test_revoking_the_token_a_socket_signed_in_with_closes_it(
    api: Api, sockets: Sockets
) -> None:
    slug, author, thread, (reader,) = await public_thread(api, "reader")
    other = await api.call(
        "POST",
        "/api/v1/auth/token",
        {},
        201,
        json={"username": reader.username, "password": PASSWORD},
    )
    kept = await sockets(reader)  # signed in with another token: stays open
    sock = await sockets(token=other["token"])
    for s in (kept, sock):
        await s.subscribed("user:me")
    await api.call(
        "DELETE", "/api/v1/auth/token", {"Authorization": f"Bearer {other['token']}"}, 200
    )
    error = await sock.expect(lambda m: m.get("type") == "error", "signed_out", FORBID_SECONDS)
    assert error["code"] == "signed_out", error
    await sock.ws.wait_closed()
    assert sock.ws.close_code == 1008
    await kept.send({"ping": 1})
    await kept.expect(lambda m: m.get("type") == "pong", "pong on the socket still signed in")


async def test_a_lone_surrogate_or_deep_nesting_gets_an_error_and_keeps_the_socket(
    sockets: Sockets,
) -> None:
    sock = await sockets()
    for raw in (r"""{"subscribe": "community:\ud800"}""", "[" * 1000 + "]" * 1000):
        await sock.send(raw)
        error = await sock.next_event()
        assert error.get("type") == "error" and error.get("code") in ("bad_text", "bad_json")
    await sock.send({"ping": 1})
    await sock.expect(lambda m: m.get("type") == "pong", "pong")
