"""The /ws endpoint of a real server (API.md, Live): events for replies, edits, removals and
notifications; resuming with `since`; topics a person may not read; losing access while
subscribed; the Origin check on the handshake; oversized and malformed messages."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.live.conftest import (
    RECEIVE_SECONDS,
    Api,
    LiveSite,
    LiveSocket,
    Member,
    Sockets,
    session_cookie,
    ws_connect,
)

REVOKE_SECONDS = 1.0  # the brief: a removed member hears "forbidden" within a second

POST_FIELDS = ("id", "thread_id", "number", "author", "body", "body_html", "status", "reply_to")


def is_event(kind: str, topic: str) -> Any:
    return lambda m: m.get("type") == kind and m.get("topic") == topic


def assert_matches_post(event_data: dict[str, Any], post: dict[str, Any]) -> None:
    for key in POST_FIELDS:
        assert key in event_data, f"event data lacks {key!r}: {event_data}"
        assert event_data[key] == post[key], (
            f"{key}: event {event_data[key]!r} != post {post[key]!r}"
        )


async def public_thread(api: Api, *others: str) -> tuple[str, Member, dict[str, Any], list[Member]]:
    """A public community with a thread by a new member, plus `others` registered (in
    parallel) and joined as members."""
    slug, people = await asyncio.gather(
        api.community("public"), api.register_many("asker", *others)
    )
    for person in people:
        await api.join(slug, person)
    author = people[0]
    return slug, author, await api.thread(slug, author), people[1:]


# Delivery


async def test_reply_posted_through_the_api_arrives_as_post_created_on_its_thread_topic(
    api: Api, sockets: Sockets
) -> None:
    slug, author, thread, (replier, reader) = await public_thread(api, "replier", "reader")
    other = await api.thread(slug, author)
    sock = await sockets(reader)
    answer = await sock.subscribed(f"thread:{thread['id']}")
    assert answer["topic"] == f"thread:{thread['id']}"

    elsewhere = await api.reply(other["id"], replier)  # another thread: must not reach us
    post = await api.reply(thread["id"], replier, "We batch the files by section every Monday.")

    event = await sock.next_event()
    assert event["type"] == "post.created", event
    assert event["topic"] == f"thread:{thread['id']}"
    assert isinstance(event["id"], int) and event["id"] > 0
    assert_matches_post(event["data"], post)
    assert event["data"]["body"] == "We batch the files by section every Monday."
    assert event["data"]["id"] != elsewhere["id"]


async def test_edit_and_delete_arrive_as_post_edited_and_post_deleted(
    api: Api, sockets: Sockets
) -> None:
    slug, author, thread, (replier, reader) = await public_thread(api, "replier", "reader")
    sock = await sockets(reader)
    await sock.subscribed(f"thread:{thread['id']}")
    topic = f"thread:{thread['id']}"

    post = await api.reply(thread["id"], replier, "First draft of my answer about file tracking.")
    created = await sock.expect(is_event("post.created", topic), "post.created")
    assert created["data"]["id"] == post["id"]

    await api.edit(post["id"], replier, "Edited answer: we track files in a shared register.")
    edited = await sock.next_event()
    assert edited["type"] == "post.edited", edited
    assert edited["topic"] == topic
    assert edited["data"]["id"] == post["id"]
    assert edited["data"]["number"] == post["number"]
    assert edited["data"]["body"] == "Edited answer: we track files in a shared register."
    assert "shared register" in edited["data"]["body_html"]
    assert edited["data"]["edited_at"], edited
    assert edited["id"] > created["id"]

    await api.delete(post["id"], replier)
    deleted = await sock.next_event()
    assert deleted["type"] == "post.deleted", deleted
    assert deleted["topic"] == topic
    assert deleted["data"]["id"] == post["id"]
    assert deleted["data"]["number"] == post["number"]
    assert deleted["data"]["status"] == "deleted"
    assert deleted["id"] > edited["id"]


async def test_thread_author_listening_on_user_me_is_notified_of_a_reply_but_not_of_their_own(
    api: Api, sockets: Sockets
) -> None:
    slug, author, thread, (replier,) = await public_thread(api, "replier")
    author_sock = await sockets(author)
    replier_sock = await sockets(replier)
    mine = await author_sock.subscribed("user:me")
    assert mine["topic"] == f"user:{author.id}"
    assert (await replier_sock.subscribed("user:me"))["topic"] == f"user:{replier.id}"

    post = await api.reply(thread["id"], replier, "Try the weekly pendency review meeting.")
    note = await author_sock.next_event()
    assert note["type"] == "notification", note
    assert note["topic"] == f"user:{author.id}"
    assert note["data"]["kind"] == "reply"
    assert note["data"]["thread_id"] == thread["id"]
    assert note["data"]["post_id"] == post["id"]
    assert note["data"]["by"] == replier.username

    # The author answers the replier's post: the replier's FIRST notification is this one,
    # not one about their own reply.
    r = await api.client.post(
        f"/api/v1/threads/{thread['id']}/posts",
        headers=author.auth,
        json={"body": "Thank you, we will try that from next week.", "reply_to": post["id"]},
    )
    assert r.status_code == 201, r.text
    back = await replier_sock.next_event()
    assert back["type"] == "notification", back
    assert back["topic"] == f"user:{replier.id}"
    assert back["data"]["post_id"] == r.json()["id"]
    assert back["data"]["by"] == author.username


# Resume


async def test_reconnecting_with_since_delivers_exactly_the_missed_events_in_order(
    api: Api, sockets: Sockets
) -> None:
    slug, author, thread, (replier, reader) = await public_thread(api, "replier", "reader")
    topic = f"thread:{thread['id']}"

    first = await sockets(reader)
    await first.subscribed(topic)
    await api.reply(thread["id"], replier, "Reply before the reader went offline.")
    seen = await first.expect(is_event("post.created", topic), "post.created")
    last_id = seen["id"]
    await first.close()

    missed = [
        await api.reply(thread["id"], replier, f"Missed reply number {n} while offline.")
        for n in (1, 2, 3)
    ]

    second = await sockets(reader)
    await second.subscribed(topic, since=last_id)
    got = [await second.next_event() for _ in missed]
    assert [e["type"] for e in got] == ["post.created"] * 3, got
    assert [e["data"]["id"] for e in got] == [p["id"] for p in missed]
    assert [e["data"]["body"] for e in got] == [p["body"] for p in missed]
    ids = [e["id"] for e in got]
    assert ids == sorted(ids) and len(set(ids)) == 3 and ids[0] > last_id, ids

    # Nothing more was replayed: the next event is a new reply, not a repeat.
    marker = await api.reply(thread["id"], author, "Marker reply after the resume.")
    after = await second.next_event()
    assert after["type"] == "post.created" and after["data"]["id"] == marker["id"], (
        f"expected only the marker after the 3 missed events; got {after}; all: {second.seen}"
    )


# Permissions


async def private_setup(api: Api, *others: str) -> tuple[str, Member, dict[str, Any], list[Member]]:
    """A private community with a thread by its member `insider`; `others` are registered (in
    parallel) but not members."""
    slug, people = await asyncio.gather(
        api.community("private"), api.register_many("insider", *others)
    )
    member = people[0]
    await api.set_member(slug, member.username, "member")
    thread = await api.thread(slug, member, "Confidential: draft transfer policy")
    return slug, member, thread, people[1:]


async def test_private_thread_and_community_are_forbidden_to_a_non_member(
    api: Api, sockets: Sockets
) -> None:
    (slug, member, thread, (outsider,)), (_, pub_author, pub_thread, _) = await asyncio.gather(
        private_setup(api, "outsider"), public_thread(api)
    )
    sock = await sockets(outsider)

    answer = await sock.subscribe(f"thread:{thread['id']}")
    assert answer.get("type") == "error" and answer.get("code") == "forbidden", answer
    assert answer.get("topic") == f"thread:{thread['id']}", answer
    answer = await sock.subscribe(f"community:{slug}")
    assert answer.get("type") == "error" and answer.get("code") == "forbidden", answer

    # ...and nothing from it leaks: the next event is the public thread's reply.
    await sock.subscribed(f"thread:{pub_thread['id']}")
    await api.reply(thread["id"], member, "Internal note only members should read.")
    public_post = await api.reply(pub_thread["id"], pub_author, "A public reply.")
    event = await sock.next_event()
    assert event["topic"] == f"thread:{pub_thread['id']}", f"leaked: {sock.seen}"
    assert event["data"]["id"] == public_post["id"]

    # The member may subscribe to the same thread (the check is about the person).
    insider = await sockets(member)
    assert (await insider.subscribe(f"thread:{thread['id']}"))["type"] == "subscribed"


async def test_private_thread_and_user_me_are_forbidden_to_an_anonymous_socket(
    api: Api, sockets: Sockets
) -> None:
    (_, _, thread, _), (_, _, pub_thread, _) = await asyncio.gather(
        private_setup(api), public_thread(api)
    )
    anon = await sockets()  # no token, no cookie, no Origin
    answer = await anon.subscribe(f"thread:{thread['id']}")
    assert answer.get("type") == "error" and answer.get("code") == "forbidden", answer
    assert answer.get("topic") == f"thread:{thread['id']}"
    answer = await anon.subscribe("user:me")
    assert answer.get("type") == "error" and answer.get("code") == "forbidden", answer

    # Public threads stay readable without signing in.
    assert (await anon.subscribe(f"thread:{pub_thread['id']}"))["type"] == "subscribed"


async def test_member_removed_by_a_moderator_is_told_forbidden_and_gets_no_more_events(
    api: Api, sockets: Sockets
) -> None:
    (slug, member, thread, (moderator,)), (_, pub_author, pub_thread, _) = await asyncio.gather(
        private_setup(api, "moderator"), public_thread(api)
    )
    await api.set_member(slug, moderator.username, "moderator")
    private_topic = f"thread:{thread['id']}"
    public_topic = f"thread:{pub_thread['id']}"

    sock = await sockets(member)
    await sock.subscribed(private_topic)
    await sock.subscribed(public_topic)
    before = await api.reply(thread["id"], moderator, "Moderator note before the removal.")
    event = await sock.expect(is_event("post.created", private_topic), "the private reply")
    assert event["data"]["id"] == before["id"]

    await api.set_member(slug, member.username, "removed", by=moderator.auth)
    error = await sock.expect(
        lambda m: m.get("type") == "error",
        f"error/forbidden for {private_topic} after the removal",
        within=REVOKE_SECONDS,
    )
    assert error.get("code") == "forbidden", error
    assert error.get("topic") == private_topic, error
    cut = len(sock.seen)

    await api.reply(thread["id"], moderator, "Moderator note after the removal: secret.")
    marker = await api.reply(pub_thread["id"], pub_author, "Public reply after the removal.")
    event = await sock.expect(
        lambda m: m.get("type", "").startswith("post."), "the next post event"
    )
    assert event["topic"] == public_topic and event["data"]["id"] == marker["id"], (
        f"after removal the member still got: {event}"
    )
    leaked = [m for m in sock.seen[cut:] if m.get("topic") == private_topic]
    assert leaked == [], f"events from {private_topic} after the removal: {leaked}"

    # Subscribing again is refused too.
    again = await sock.subscribe(private_topic)
    assert again.get("type") == "error" and again.get("code") == "forbidden", again


# The handshake


async def refused_status(live_site: LiveSite, **kwargs: Any) -> int | None:
    """The HTTP status of a refused handshake, or None if the socket opened."""
    try:
        async with ws_connect(live_site.server.ws_url, **kwargs):
            return None
    except InvalidStatus as exc:
        return int(exc.response.status_code)


async def test_handshake_from_a_foreign_origin_with_a_session_cookie_is_refused(
    bystander: Member, live_site: LiveSite
) -> None:
    member = bystander
    async with httpx.AsyncClient(base_url=live_site.url, timeout=10.0, trust_env=False) as web:
        cookie = await session_cookie(web, member.username)

    # Control: the same cookie from the site's own origin opens a socket for that person.
    async with ws_connect(live_site.server.ws_url, cookie=cookie, origin=live_site.url) as ws:
        own = LiveSocket(ws)
        assert (await own.subscribed("user:me"))["topic"] == f"user:{member.id}"

    status = await refused_status(live_site, cookie=cookie, origin="http://evil.example")
    assert status == 403, f"foreign origin with a session cookie: handshake status {status}"


async def test_handshake_from_a_foreign_origin_without_credentials_is_refused(
    live_site: LiveSite,
) -> None:
    status = await refused_status(live_site, origin="http://evil.example")
    assert status == 403, f"foreign origin without credentials: handshake status {status}"


async def test_handshake_from_a_foreign_origin_with_a_valid_token_is_accepted(
    bystander: Member, live_site: LiveSite
) -> None:
    member = bystander
    async with ws_connect(
        live_site.server.ws_url, token=member.token, origin="http://evil.example"
    ) as ws:
        sock = LiveSocket(ws)
        assert (await sock.subscribed("user:me"))["topic"] == f"user:{member.id}"

    # A token that is not valid does not open the door.
    status = await refused_status(live_site, token="not-a-real-token", origin="http://evil.example")
    assert status == 403, f"foreign origin with an invalid token: handshake status {status}"


# Messages


async def test_oversized_message_gets_too_large_and_the_socket_closes(
    bystander: Member, sockets: Sockets
) -> None:
    sock = await sockets(bystander)
    await sock.send({"subscribe": "user:me", "padding": "x" * 10 * 1024})
    received: list[dict[str, Any]] = []
    closed: ConnectionClosed | None = None
    try:
        async with asyncio.timeout(RECEIVE_SECONDS):
            while True:
                received.append(await sock.receive())
    except ConnectionClosed as exc:
        closed = exc
    except TimeoutError:
        pass
    errors = [m for m in received if m.get("type") == "error"]
    assert [e.get("code") for e in errors] == ["too_large"], (
        f"expected one error too_large before the close; received {received}; "
        f"close frame {closed.rcvd if closed else 'none (still open)'}"
    )
    assert not any(m.get("type") == "subscribed" for m in received), received
    assert closed is not None, f"the socket stayed open after a 10 KB message; received {received}"
    assert closed.rcvd is not None and closed.rcvd.code == 1009, f"close frame: {closed.rcvd}"


async def test_bad_json_gets_an_error_and_the_connection_stays_open(
    bystander: Member, sockets: Sockets
) -> None:
    member = bystander
    sock = await sockets(member)
    await sock.send("{subscribe: user:me")
    error = await sock.next_event()
    assert error.get("type") == "error" and error.get("code") == "bad_json", error

    # Still open and still working.
    answer = await sock.subscribed("user:me")
    assert answer["topic"] == f"user:{member.id}"
    await sock.send({"type": "ping"})
    assert (await sock.expect(lambda m: m.get("type") == "pong", "pong"))["type"] == "pong"


@pytest.mark.parametrize("message", ["[1, 2, 3]", '"subscribe"', '{"hello": "there"}'])
async def test_well_formed_json_that_is_not_a_request_gets_an_error_and_keeps_the_socket(
    bystander: Member, sockets: Sockets, message: str
) -> None:
    sock = await sockets(bystander)
    await sock.send(message)
    error = await sock.next_event()
    assert error.get("type") == "error", error
    await sock.send({"ping": 1})
    assert (await sock.expect(lambda m: m.get("type") == "pong", "pong"))["type"] == "pong"


async def test_editing_a_post_held_for_review_does_not_reveal_its_body_to_other_readers(
    api: Api, sockets: Sockets
) -> None:
    """A held (pending) post is hidden from readers on the page and in the API; its edits must
    not be pushed to them over /ws either."""
    slug, people = await asyncio.gather(
        api.community("public"), api.register_many("host", "newcomer", "reader")
    )
    host, newcomer, reader = people
    await api.set_member(slug, host.username, "moderator")
    for person in (newcomer, reader):
        await api.join(slug, person)
    await api.call(
        "PATCH", f"/api/v1/communities/{slug}", api.admin, 200, json={"premoderation": "all"}
    )
    thread = await api.thread(slug, host)
    topic = f"thread:{thread['id']}"

    sock = await sockets(reader)
    await sock.subscribed(topic)
    held = await api.call(
        "POST",
        f"/api/v1/threads/{thread['id']}/posts",
        newcomer.auth,
        201,
        json={"body": "My first post, waiting for a moderator to approve it."},
    )
    assert held["status"] == "pending", held
    secret = "Edited while held: my phone number is 98765 43210."
    await api.edit(held["id"], newcomer, secret)
    marker = await api.reply(thread["id"], host, "Moderator reply after the held edit.")

    event = await sock.expect(lambda m: "id" in m and "data" in m, "the next event")
    leaked = [m for m in sock.seen if "98765" in json.dumps(m)]
    assert leaked == [], f"a held post's edit reached another reader: {leaked}"
    assert event["data"].get("id") == marker["id"], f"expected the moderator's reply, got {event}"


async def test_resuming_while_replies_keep_arriving_gives_each_event_once_and_in_order(
    api: Api, sockets: Sockets
) -> None:
    """Reconnects with `since` land while a thread is busy: whatever the dispatcher and the
    backlog each deliver, every socket must see every missed and new reply exactly once, in
    order (event ids follow post ids). Three writers reply concurrently while eleven sockets
    resume at different moments, each one a chance to hit the overlap of backlog replay and
    live delivery."""
    slug, author, thread, repliers = await public_thread(api, *[f"busy{i}" for i in range(6)])
    topic = f"thread:{thread['id']}"
    first = await sockets(author)
    await first.subscribed(topic)
    await api.reply(thread["id"], repliers[0], "The reply every resume starts after.")
    since = (await first.expect(is_event("post.created", topic), "post.created"))["id"]
    await first.close()

    total, resumes = 12, tuple(range(1, 12))  # resume once this many replies are posted
    posted: list[dict[str, Any]] = []
    reached = [asyncio.Event() for _ in range(total + 1)]

    async def keep_replying(lane: int) -> None:
        for n in range(lane, total, 3):
            posted.append(
                await api.reply(thread["id"], repliers[n % len(repliers)], f"Busy reply {n}.")
            )
            reached[len(posted)].set()

    poster = asyncio.ensure_future(asyncio.gather(*(keep_replying(i) for i in range(3))))

    async def posted_at_least(count: int) -> None:
        """Waits for the writers to get this far; a writer's failure fails the test at once."""
        waiter: asyncio.Future[Any] = asyncio.ensure_future(reached[count].wait())
        racing: set[asyncio.Future[Any]] = {waiter, poster}
        await asyncio.wait(racing, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if poster.done() and poster.exception() is not None:
            waiter.cancel()
            poster.result()
        await asyncio.wait_for(waiter, timeout=RECEIVE_SECONDS)

    try:
        resumed = []
        for count in resumes:
            await posted_at_least(count)
            sock = await sockets(author)
            await sock.subscribed(topic, since=since)
            resumed.append(sock)
        await poster
    finally:
        poster.cancel()
    marker = await api.reply(thread["id"], author, "Marker: nothing after this one.")
    expected = sorted(p["id"] for p in posted) + [marker["id"]]

    for count, sock in zip(resumes, resumed, strict=True):
        got: list[int] = []
        while not got or got[-1] != marker["id"]:
            event = await sock.expect(is_event("post.created", topic), "post.created")
            got.append(event["data"]["id"])
        assert got == expected, (
            f"socket resumed after {count} replies: got post ids {got}, expected {expected}"
        )
