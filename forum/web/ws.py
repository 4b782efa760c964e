"""The websocket endpoint /ws (API.md, Live). Authenticated by the session cookie or ?token=;
a handshake from another site's origin is refused unless it carries a valid token. Every
subscription, and every event sent on it (live or replayed with `since`), is checked through
forum/live_gate.py, which asks forum/permissions.py about the state at the moment of sending."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from forum import accounts, communities, live_gate, permissions, validation
from forum.errors import BadRequest
from forum.live import Connection, Hub
from forum.live_gate import Verdict
from forum.models import User
from forum.settings import Settings
from forum.web.http import SESSION_COOKIE, parse_json

MAX_MESSAGE = 4096
MAX_TOPICS = 50
HEARTBEAT = 25.0


def canonical(user: User | None, topic: object) -> str | None:
    """The topic's canonical name (`user:me` is the caller's own), or None if it is not one."""
    if not isinstance(topic, str) or len(topic) > 60:
        return None
    kind, _, key = topic.partition(":")
    if kind == "thread":
        thread_id = validation.object_id(key)
        return f"thread:{thread_id}" if thread_id is not None else None
    if kind == "community" and communities.SLUG_RE.fullmatch(key):
        return f"community:{key}"
    if kind == "user" and user is not None and key in ("me", str(user.id)):
        return f"user:{user.id}"
    return None


async def resolve(conn: Connection, topic: object) -> str | None:
    """The canonical topic if this connection may read it now, else None."""
    name = canonical(conn.user, topic)
    if name is None:
        return None
    snap = await live_gate.snapshot(topics=[name])
    return name if snap.topic_readable(conn.reader, name) else None


def _origin_ok(websocket: WebSocket, settings: Settings) -> bool:
    origin = websocket.headers.get("origin")
    if not origin:
        return True  # not a browser: no ambient-credential risk
    scheme = "https" if websocket.url.scheme == "wss" else "http"
    own = f"{scheme}://{websocket.url.netloc}"
    return origin.rstrip("/") in (own, *settings.allowed_origins)


Verify = Callable[[], Awaitable[User | None]]


async def _authenticate(
    websocket: WebSocket, settings: Settings
) -> tuple[bool, User | None, Verify | None]:
    """Whether to accept, who it is, and how to check later that it still is."""
    token = websocket.query_params.get("token")
    if token:
        user = await accounts.user_for_token(token)
        return user is not None, user, functools.partial(accounts.user_for_token, token)
    if not _origin_ok(websocket, settings):
        return False, None, None
    session = websocket.cookies.get(SESSION_COOKIE)
    if not session:
        return True, None, None
    user = await accounts.user_for_session(session)
    return True, user, functools.partial(accounts.user_for_session, session) if user else None


async def live_socket(websocket: WebSocket) -> None:
    settings: Settings = websocket.app.state.settings
    hub: Hub = websocket.app.state.hub
    ok, user, verify = await _authenticate(websocket, settings)
    if not ok:
        await websocket.close(code=1008)
        return
    if user is None and settings.login_required:
        await websocket.close(code=1008)
        return
    await websocket.accept()
    conn = Connection(user, await permissions.reader(user), verify)
    hub.connect(conn)
    sender = asyncio.create_task(_send_loop(websocket, conn))
    try:
        await _receive_loop(websocket, hub, conn)
    except WebSocketDisconnect:
        pass
    finally:
        hub.disconnect(conn)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender


async def _send_loop(websocket: WebSocket, conn: Connection) -> None:
    while True:
        try:
            async with asyncio.timeout(HEARTBEAT):
                message = await conn.queue.get()
        except TimeoutError:
            message = '{"type": "ping"}'
        if message is None:  # fell behind (1013: reconnect, resume with `since`) or signed out
            await websocket.close(code=conn.close_code)
            return
        await websocket.send_text(message)


async def _send(conn: Connection, data: dict[str, Any]) -> None:
    conn.offer(json.dumps(data, ensure_ascii=False))


async def _receive_loop(websocket: WebSocket, hub: Hub, conn: Connection) -> None:
    while True:
        frame = await websocket.receive()
        if frame["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(frame.get("code", 1000))
        raw = frame.get("text")
        if raw is None:  # a binary frame: this protocol speaks JSON text only
            await websocket.close(code=1003)
            return
        if len(raw) > MAX_MESSAGE:
            # Sent directly, not queued: the close below must not overtake it.
            await websocket.send_text(json.dumps({"type": "error", "code": "too_large"}))
            await websocket.close(code=1009)
            return
        try:
            message = parse_json(raw)  # bounded depth, storable text only
        except BadRequest as exc:
            await _send(conn, {"type": "error", "code": exc.code})
            continue
        if not isinstance(message, dict):
            await _send(conn, {"type": "error", "code": "bad_message"})
            continue
        if "subscribe" in message:
            await _subscribe(hub, conn, message["subscribe"], message.get("since"))
        elif "unsubscribe" in message:
            topic = canonical(conn.user, message["unsubscribe"])
            if topic:
                hub.unsubscribe(conn, topic)
            await _send(conn, {"type": "unsubscribed", "topic": message["unsubscribe"]})
        elif message.get("type") == "ping" or "ping" in message:
            await _send(conn, {"type": "pong"})
        else:
            await _send(conn, {"type": "error", "code": "bad_message"})


async def _subscribe(hub: Hub, conn: Connection, wanted: object, since: object) -> None:
    topic = await resolve(conn, wanted)
    if topic is None:
        await _send(
            conn,
            {
                "type": "error",
                "code": "forbidden",
                "topic": wanted if isinstance(wanted, str) else None,
            },
        )
        return
    if topic not in conn.topics and len(conn.topics) >= MAX_TOPICS:
        await _send(conn, {"type": "error", "code": "too_many_topics", "topic": topic})
        return
    resume = _since(since)
    if resume is not None:
        conn.catching_up[topic] = []
    hub.subscribe(conn, topic)
    await _send(
        conn,
        {
            "type": "subscribed",
            "topic": topic,
            "readers": hub.readers(topic),
            "last_id": hub.last_id,
        },
    )
    if resume is None:
        return
    try:
        rows = await hub.backlog(topic, resume)
        snap = await live_gate.snapshot(rows, [topic])
    finally:
        held = conn.catching_up.pop(topic, [])
    if topic not in conn.topics:  # the dispatcher found it forbidden meanwhile and said so
        return
    sent = resume
    for row in rows:
        verdict = live_gate.decide(conn.reader, row, snap)
        if verdict is Verdict.FORBIDDEN:
            hub.unsubscribe(conn, topic)
            conn.offer(live_gate.forbidden(topic))
            return
        if verdict is not Verdict.SKIP:
            conn.offer(live_gate.message(row, verdict))
        sent = row.id
    for event_id, message in held:  # arrived while the backlog was read; each event once
        if event_id > sent:
            conn.offer(message)
            sent = event_id
    conn.sent[topic] = max(sent, conn.sent.get(topic, 0))


def _since(value: object) -> int | None:
    if value in (0, "0"):
        return 0
    return validation.object_id(value) if value is not None else None


routes = [WebSocketRoute("/ws", live_socket)]
