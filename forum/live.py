"""Live updates: events are rows written in the same transaction as the change (so they exist
only once it commits, and their ids order them across workers), then fanned out to websocket
subscribers by a dispatcher in each worker.

A route that committed a change pokes the hub; with CHAUPAL_REDIS_URL set the poke is also
published on Redis so every worker's dispatcher wakes at once. Without Redis a worker also
polls, so events from other processes still arrive within a second. Each connection has a
bounded queue: a client too slow to keep up is disconnected and resumes with `since`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.functions import Max

from forum import live_gate, permissions, validation
from forum.live_gate import Verdict
from forum.models import LiveEvent, User

log = logging.getLogger("chaupal.live")

CHANNEL = "chaupal:live"
BACKLOG_LIMIT = 500
KEEP_FOR = timedelta(days=2)
# Rows of these types tell the hub that who may read what has changed; they are not sent.
# On `user:ID`: that person's memberships or account changed; re-check their connections.
# On `access`: a thread or community changed hands or visibility; re-check every connection.
ACCOUNT_CHANGES = frozenset({"membership.changed", "account.changed"})
ACCESS_TOPIC = "access"


async def emit(topic: str, type_: str, **data: Any) -> None:
    """Records an event; call inside the transaction of the change it describes."""
    await LiveEvent.create(topic=topic, type=type_, data=data)


async def access_changed(**data: Any) -> None:
    """Who may read what changed (a community's visibility, say): every live connection
    re-checks its subscriptions. Call inside the transaction of the change."""
    await LiveEvent.create(topic=ACCESS_TOPIC, type="access.changed", data=data)


@dataclass(eq=False)
class Connection:
    """One websocket: who it is, what it listens to, and its bounded outgoing queue."""

    user: User | None
    reader: permissions.Reader = permissions.ANONYMOUS
    # Who the credential it signed in with (session or API token) belongs to now: None once
    # it was signed out or revoked.
    verify: Callable[[], Awaitable[User | None]] | None = None
    queue_size: int = 256
    topics: set[str] = field(default_factory=set)
    queue: asyncio.Queue[str | None] = field(init=False)
    overflowed: bool = False
    # Topics being resumed: live events wait here until the backlog has been sent.
    catching_up: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    # The newest event id sent per topic, so an event replayed from the backlog is not sent
    # again when the dispatcher (which may lag behind commits) reaches it.
    sent: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.queue_size)

    close_code: int = 1013  # what the socket closes with when its queue says None

    def end(self, code: int, message: str) -> None:
        """Sends this last message, then closes the socket."""
        self.offer(message)
        self.close_code = code
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)

    def offer(self, message: str) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            # Too slow: stop feeding it; the socket closes and the client resumes with `since`.
            self.overflowed = True
            with contextlib.suppress(asyncio.QueueFull):
                self.queue.get_nowait()
                self.queue.put_nowait(None)


class Hub:
    def __init__(self, redis_url: str | None = None, *, poll: float = 1.0) -> None:
        self.redis_url = redis_url
        self.poll = poll
        self.topics: dict[str, set[Connection]] = defaultdict(set)
        self.by_user: dict[int, set[Connection]] = defaultdict(set)
        self.connections: set[Connection] = set()
        self.last_id = 0
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._redis: Any = None
        self._presence_changed: set[str] = set()

    async def start(self) -> None:
        top = (await LiveEvent.annotate(top=Max("id")).values_list("top", flat=True))[0]
        self.last_id = int(str(top)) if top else 0
        if self.redis_url:
            import redis.asyncio as aioredis

            self._redis = aioredis.from_url(self.redis_url)
            self._tasks.append(asyncio.create_task(self._listen(), name="live-redis"))
        self._tasks.append(asyncio.create_task(self._dispatch_loop(), name="live-dispatch"))
        self._tasks.append(asyncio.create_task(self._prune_loop(), name="live-prune"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    # After a commit

    async def poke(self) -> None:
        """New events were committed: deliver them now, here and (with Redis) in every worker."""
        self._wake.set()
        if self._redis is not None:
            try:
                await self._redis.publish(CHANNEL, b"1")
            except Exception:  # Redis down: the other workers still poll
                log.warning("could not publish a live poke to Redis", exc_info=True)

    async def _listen(self) -> None:
        while True:
            try:
                pubsub = self._redis.pubsub()
                await pubsub.subscribe(CHANNEL)
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("live Redis subscription dropped; retrying", exc_info=True)
                await asyncio.sleep(1.0)

    async def _dispatch_loop(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: in Python 3.11 wait_for can swallow a cancellation.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.dispatch()
                self.flush_presence()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("live dispatch failed")
                await asyncio.sleep(0.5)

    async def dispatch(self) -> int:
        """Fans out every event committed since the last call; returns how many."""
        delivered = 0
        while True:
            rows = await LiveEvent.filter(id__gt=self.last_id).order_by("id").limit(BACKLOG_LIMIT)
            if not rows:
                return delivered
            self.last_id = rows[-1].id
            await self.deliver(rows)
            delivered += len(rows)

    async def deliver(self, rows: list[LiveEvent]) -> None:
        """Sends each event to its topic's subscribers, as each may read it now."""
        listened = [row for row in rows if row.topic in self.topics]
        snap = await live_gate.snapshot(listened) if listened else None
        for row in rows:
            if row.topic == ACCESS_TOPIC:
                await self.recheck(set(self.connections))
                continue
            if row.type in ACCOUNT_CHANGES and row.topic.startswith("user:"):
                user_id = validation.object_id(row.topic.partition(":")[2]) or 0
                await self.recheck(set(self.by_user.get(user_id, ())), refresh_readers=True)
            subscribers = self.topics.get(row.topic)
            if not subscribers or snap is None:
                continue
            messages: dict[Verdict, str] = {}
            for conn in list(subscribers):
                verdict = live_gate.decide(conn.reader, row, snap)
                if verdict is Verdict.FORBIDDEN:
                    self.unsubscribe(conn, row.topic)
                    conn.offer(live_gate.forbidden(row.topic))
                    continue
                if verdict is Verdict.SKIP:
                    continue
                text = messages.get(verdict)
                if text is None:
                    text = messages[verdict] = live_gate.message(row, verdict)
                held = conn.catching_up.get(row.topic)
                if held is not None:
                    held.append((row.id, text))
                elif row.id > conn.sent.get(row.topic, 0):
                    conn.sent[row.topic] = row.id
                    conn.offer(text)

    async def recheck(self, conns: set[Connection], *, refresh_readers: bool = False) -> None:
        """Ends, with "forbidden", every subscription of these connections that its reader may
        no longer read (a membership ended, a thread moved or merged into a private
        community...)."""
        if refresh_readers:
            for conn in list(conns):
                fresh = await conn.verify() if conn.verify is not None else conn.user
                if fresh is None or conn.user is None or fresh.id != conn.user.id:
                    conn.end(1008, json.dumps({"type": "error", "code": "signed_out"}))
                    self.disconnect(conn)
                    conns.discard(conn)
                    continue
                conn.user = fresh  # suspensions, admin rights and memberships as they are now
                conn.reader = await permissions.reader(fresh)
        topics = {topic for conn in conns for topic in conn.topics}
        if not topics:
            return
        snap = await live_gate.snapshot(topics=topics)
        for conn in conns:
            for topic in list(conn.topics):
                if not snap.topic_readable(conn.reader, topic):
                    self.unsubscribe(conn, topic)
                    conn.offer(live_gate.forbidden(topic))

    async def _prune_loop(self) -> None:
        while True:
            await asyncio.sleep(3600)
            with contextlib.suppress(Exception):
                await LiveEvent.filter(created_at__lt=datetime.now(UTC) - KEEP_FOR).delete()

    # Subscriptions

    def connect(self, conn: Connection) -> None:
        self.connections.add(conn)
        if conn.user is not None:
            self.by_user[conn.user.id].add(conn)

    def disconnect(self, conn: Connection) -> None:
        self.connections.discard(conn)
        for topic in list(conn.topics):
            self.unsubscribe(conn, topic)
        if conn.user is not None:
            users = self.by_user.get(conn.user.id)
            if users is not None:
                users.discard(conn)
                if not users:
                    del self.by_user[conn.user.id]

    def subscribe(self, conn: Connection, topic: str) -> None:
        conn.topics.add(topic)
        self.topics[topic].add(conn)
        self._presence(topic)

    def unsubscribe(self, conn: Connection, topic: str) -> None:
        conn.topics.discard(topic)
        conn.sent.pop(topic, None)
        subscribers = self.topics.get(topic)
        if subscribers is not None:
            subscribers.discard(conn)
            if not subscribers:
                del self.topics[topic]
            self._presence(topic)

    def _presence(self, topic: str) -> None:
        """Marks a thread's reader count changed; flush_presence tells its readers, at most
        once per dispatcher round, so a crowd arriving costs one message each, not N each."""
        if topic.startswith("thread:"):
            self._presence_changed.add(topic)

    def flush_presence(self) -> None:
        changed, self._presence_changed = self._presence_changed, set()
        for topic in changed:
            subscribers = self.topics.get(topic)
            if not subscribers:
                continue
            message = json.dumps({"type": "presence", "topic": topic, "readers": len(subscribers)})
            for conn in list(subscribers):
                conn.offer(message)

    def readers(self, topic: str) -> int:
        return len(self.topics.get(topic, ()))

    async def backlog(self, topic: str, since: int) -> list[LiveEvent]:
        """Events of a topic after `since` (bounded), for a client that reconnects. The caller
        filters them through live_gate, as the dispatcher does."""
        return await LiveEvent.filter(topic=topic, id__gt=since).order_by("id").limit(BACKLOG_LIMIT)


class PokeAfterWrites:
    """Pure ASGI middleware: once a state-changing request has been answered (its transaction
    committed), wake the hub so its events go out at once."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            hub: Hub | None = getattr(scope["app"].state, "hub", None)
            if hub is not None:
                await hub.poke()
