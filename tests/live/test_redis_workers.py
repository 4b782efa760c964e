"""Live updates across processes sharing one database and one Redis.

uvicorn does not let a client pick the worker its socket lands on, so the cross-process case
runs TWO separate server processes on two ports with the same CHAUPAL_DATA_DIR (same SQLite
file and index) and the same CHAUPAL_REDIS_URL: a websocket held on B hears a reply posted
through A's API. One more test runs `serve --workers 2` and checks that every socket, on
whichever worker, hears every reply.

Redis must be listening on 127.0.0.1:6379. Without it these tests are skipped, except under
CI=true, where they fail. The database number is CHAUPAL_TEST_REDIS_DB (default 5); it is
flushed before and after the module."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.live.conftest import (
    RECEIVE_SECONDS,
    Api,
    LiveSocket,
    Member,
    ServerProcess,
    admin_token,
    create_admin,
    server_env,
    start_server,
    ws_connect,
)

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_DB = int(os.environ.get("CHAUPAL_TEST_REDIS_DB", "5"))
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
CHANNEL = "chaupal:live"  # forum/live.py


def _redis_reachable() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1.0):
            return True
    except OSError:
        return False


def _flush() -> None:
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    try:
        client.flushdb()
    finally:
        client.close()


@dataclass(frozen=True)
class Pair:
    a: ServerProcess
    b: ServerProcess
    admin_token: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    if not _redis_reachable():
        reason = f"Redis is not listening on {REDIS_HOST}:{REDIS_PORT}"
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"{reason} (CI=true: the multi-process live tests must run in CI)")
        pytest.skip(reason)
    _flush()
    data_dir = tmp_path_factory.mktemp("live-redis-data")
    env = server_env(data_dir, CHAUPAL_REDIS_URL=REDIS_URL)
    create_admin(env)
    # Both migrate the same SQLite file on start: A first, B once A answers.
    a = start_server(env, data_dir / "server-a.log")
    try:
        b = start_server(env, data_dir / "server-b.log")
        try:
            yield Pair(a=a, b=b, admin_token=admin_token(a.url), env=env)
        finally:
            b.stop()
    finally:
        a.stop()
        _flush()


@pytest.fixture
async def api_a(pair: Pair) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=pair.a.url, timeout=10.0, trust_env=False) as client:
        yield Api(client=client, admin_token=pair.admin_token)


@contextlib.asynccontextmanager
async def live_socket(server: ServerProcess, member: Member | None) -> AsyncIterator[LiveSocket]:
    async with ws_connect(server.ws_url, token=member.token if member else None) as ws:
        yield LiveSocket(ws)


async def public_thread(api: Api, *others: str) -> tuple[str, dict[str, Any], list[Member]]:
    slug, people = await asyncio.gather(
        api.community("public"), api.register_many("asker", *others)
    )
    for person in people:
        await api.join(slug, person)
    return slug, await api.thread(slug, people[0]), people


async def test_reply_posted_through_server_a_reaches_a_socket_held_on_server_b(
    pair: Pair, api_a: Api
) -> None:
    _, thread, (author, replier, reader) = await public_thread(api_a, "replier", "reader")
    topic = f"thread:{thread['id']}"

    async with live_socket(pair.b, reader) as on_b:
        await on_b.subscribed(topic)
        post = await api_a.reply(thread["id"], replier, "Posted on A, read on B.")
        event = await on_b.next_event()
        assert event["type"] == "post.created", event
        assert event["topic"] == topic
        assert event["data"]["id"] == post["id"]
        assert event["data"]["body"] == "Posted on A, read on B."

        # And the other way round on the same socket: an edit made through B's API.
        async with httpx.AsyncClient(base_url=pair.b.url, timeout=10.0, trust_env=False) as c:
            api_b = Api(client=c, admin_token=pair.admin_token)
            await api_b.edit(post["id"], replier, "Edited on B, still read on B.")
        edited = await on_b.next_event()
        assert edited["type"] == "post.edited" and edited["data"]["id"] == post["id"], edited


async def test_server_a_publishes_a_redis_poke_that_server_b_listens_for(
    pair: Pair, api_a: Api
) -> None:
    """The cross-process wake-up goes through Redis (not only the 1 s fallback poll): both
    servers subscribe to the channel, and a write on A publishes on it."""
    import redis.asyncio as aioredis

    _, thread, (author, replier) = await public_thread(api_a, "replier")
    client = aioredis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    pubsub = client.pubsub()
    try:
        counts = dict(await client.pubsub_numsub(CHANNEL))
        listeners = counts.get(CHANNEL.encode(), counts.get(CHANNEL, 0))
        assert int(listeners) >= 2, f"servers subscribed to {CHANNEL!r}: {listeners} (want A and B)"

        await pubsub.subscribe(CHANNEL)
        confirmed = await pubsub.get_message(timeout=RECEIVE_SECONDS)
        assert confirmed and confirmed["type"] == "subscribe", confirmed
        await api_a.reply(thread["id"], replier, "A reply that must wake every worker.")
        poke = await pubsub.get_message(ignore_subscribe_messages=True, timeout=RECEIVE_SECONDS)
        assert poke is not None and poke["type"] == "message", f"no poke on {CHANNEL}: {poke}"
    finally:
        await pubsub.aclose()
        await client.aclose()


async def test_member_removed_through_server_a_loses_a_topic_held_on_server_b(
    pair: Pair, api_a: Api
) -> None:
    (slug, people), (_, public, (pub_author,)) = await asyncio.gather(
        asyncio.gather(api_a.community("private"), api_a.register_many("insider", "moderator")),
        public_thread(api_a),
    )
    member, moderator = people
    await api_a.set_member(slug, member.username, "member")
    await api_a.set_member(slug, moderator.username, "moderator")
    thread = await api_a.thread(slug, member, "Confidential: cadre review")
    topic, public_topic = f"thread:{thread['id']}", f"thread:{public['id']}"

    async with live_socket(pair.b, member) as on_b:
        await on_b.subscribed(topic)
        await on_b.subscribed(public_topic)
        await api_a.set_member(slug, member.username, "removed", by=moderator.auth)
        error = await on_b.expect(lambda m: m.get("type") == "error", "error/forbidden")
        assert error.get("code") == "forbidden" and error.get("topic") == topic, error

        # Events go out in id order: once the later public reply arrives, the private one
        # (written before it) has been dispatched too, and must not have reached this socket.
        await api_a.reply(thread["id"], moderator, "Posted after the removal.")
        marker = await api_a.reply(public["id"], pub_author, "Public marker after the removal.")
        event = await on_b.expect(lambda m: "id" in m and "data" in m, "the next event")
        assert event["topic"] == public_topic and event["data"]["id"] == marker["id"], (
            f"after the removal the member got: {on_b.seen}"
        )


async def test_two_uvicorn_workers_deliver_every_reply_to_every_socket(
    pair: Pair, api_a: Api, tmp_path: Any
) -> None:
    """`serve --workers 2` on the same database and Redis: sockets land on whichever worker
    the kernel picks, replies are posted through whichever worker answers; all must meet."""
    server = start_server(pair.env, tmp_path / "server-workers.log", "--workers", "2")
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10.0, trust_env=False) as c:
            api = Api(client=c, admin_token=pair.admin_token)
            _, thread, (author, replier, reader) = await public_thread(api, "replier", "reader")
            topic = f"thread:{thread['id']}"
            async with contextlib.AsyncExitStack() as stack:
                socks = [
                    await stack.enter_async_context(live_socket(server, reader)) for _ in range(4)
                ]
                for sock in socks:
                    await sock.subscribed(topic)
                posts = [
                    await api.reply(thread["id"], replier, f"Reply {n} across workers.")
                    for n in (1, 2, 3)
                ]
                for i, sock in enumerate(socks):
                    got = [await sock.next_event() for _ in posts]
                    assert [e["data"]["id"] for e in got] == [p["id"] for p in posts], (
                        f"socket {i} got {got}; log:\n{server.log()}"
                    )
    finally:
        server.stop()
