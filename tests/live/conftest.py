"""Live updates against a REAL server: `python server.py serve` in a subprocess with its own
data directory, an admin made with `server.py create-admin`, and everything else (communities,
people, threads, replies) made through the JSON API with bearer tokens. Websockets are opened
with the `websockets` client library.

Nothing here sleeps for a fixed time: servers are polled with a deadline, and messages are
awaited with a receive timeout so that a missing event fails the test instead of hanging it."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

REPO = Path(__file__).resolve().parents[2]
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "live test admin passphrase"
PASSWORD = "a long live-test passphrase"
SECRET_KEY = "live-test-secret-key-not-for-production"
STARTUP_SECONDS = 60.0
POLL_SECONDS = 0.05
RECEIVE_SECONDS = 5.0  # how long to wait for a message before calling it missing

_names = itertools.count(1)
_run = uuid.uuid4().hex[:6]


def unique(prefix: str) -> str:
    """A username/slug-safe name unique in this run (3-30 of [a-z0-9_])."""
    return f"{prefix}_{_run}_{next(_names)}"[:30]


# Servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAUPAL_")}
    env.update(
        CHAUPAL_DATA_DIR=str(data_dir),
        CHAUPAL_SECRET_KEY=SECRET_KEY,
        # Every test registers fresh people from 127.0.0.1; the default 20/hour per IP would
        # stop the run, not the behaviour under test. All other limits keep their defaults.
        CHAUPAL_RATE_REGISTER_IP="10000/hour",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def log_tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def create_admin(env: dict[str, str]) -> None:
    made = subprocess.run(
        [
            sys.executable,
            "server.py",
            "create-admin",
            ADMIN_USERNAME,
            "--email",
            "admin@example.org",
        ],
        cwd=REPO,
        env={**env, "CHAUPAL_ADMIN_PASSWORD": ADMIN_PASSWORD},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if made.returncode != 0:
        pytest.fail(f"create-admin failed ({made.returncode}):\n{made.stdout}\n{made.stderr}")


@dataclass
class ServerProcess:
    url: str
    proc: subprocess.Popen[Any]
    log_path: Path

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://", 1) + "/ws"

    @property
    def origin(self) -> str:
        return self.url

    def log(self) -> str:
        return log_tail(self.log_path)

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)


def start_server(env: dict[str, str], log_path: Path, *args: str) -> ServerProcess:
    """Starts `server.py serve` on a free port and waits until /healthz answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [sys.executable, "server.py", "serve", "--port", str(port), *args],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = ServerProcess(url=url, proc=proc, log_path=log_path)
    try:
        _wait_until_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_ready(server: ServerProcess) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    last_error = "no answer yet"
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            try:
                r = client.get(f"{server.url}/healthz")
                if r.status_code == 200 and r.json() == {"status": "ok"}:
                    return
                last_error = f"/healthz answered {r.status_code}"
            except httpx.TransportError as exc:
                last_error = repr(exc)
            try:  # the poll interval doubles as a check that the server is still alive
                code = server.proc.wait(timeout=POLL_SECONDS)
            except subprocess.TimeoutExpired:
                continue
            pytest.fail(f"the server exited with code {code} before it was ready:\n{server.log()}")
    pytest.fail(
        f"the server was not ready in {STARTUP_SECONDS:.0f}s ({last_error}):\n{server.log()}"
    )


def admin_token(url: str) -> str:
    with httpx.Client(base_url=url, timeout=10.0, trust_env=False) as api:
        r = api.post(
            "/api/v1/auth/token",
            json={"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD, "name": "live tests"},
        )
        assert r.status_code == 201, f"admin token: {r.status_code} {r.text}"
        return str(r.json()["token"])


@dataclass
class LiveSite:
    server: ServerProcess
    admin_token: str
    bystander: Member | None = None  # someone signed in, for tests that never post

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    """One real single-worker server for the websocket tests (no Redis)."""
    data_dir = tmp_path_factory.mktemp("live-data")
    env = server_env(data_dir)
    create_admin(env)
    server = start_server(env, data_dir / "server.log")
    try:
        yield LiveSite(server=server, admin_token=admin_token(server.url))
    finally:
        server.stop()


# The JSON API


@dataclass(frozen=True)
class Member:
    username: str
    id: int
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Api:
    """Thin helpers over the JSON API of one server; every call asserts its status."""

    client: httpx.AsyncClient
    admin_token: str

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    async def call(
        self, method: str, path: str, headers: dict[str, str], expect: int, **kwargs: Any
    ) -> Any:
        r = await self.client.request(method, path, headers=headers, **kwargs)
        assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    async def register(self, prefix: str = "officer") -> Member:
        username = unique(prefix)
        user = await self.call(
            "POST",
            "/api/v1/auth/register",
            {},
            201,
            json={
                "username": username,
                "email": f"{username}@example.org",
                "password": PASSWORD,
                "display_name": f"Officer {username}",
                "role": "Section Officer",
                "sector": "Finance",
            },
        )
        made = await self.call(
            "POST",
            "/api/v1/auth/token",
            {},
            201,
            json={"username": username, "password": PASSWORD, "name": "live test"},
        )
        return Member(username=username, id=int(user["id"]), token=str(made["token"]))

    async def register_many(self, *prefixes: str) -> list[Member]:
        """Registers several people at once (password hashing dominates; the server hashes in
        a thread pool, so this is faster than one after another)."""
        return list(await asyncio.gather(*(self.register(p) for p in prefixes)))

    async def community(self, visibility: str = "public") -> str:
        slug = unique("c").replace("_", "-")
        await self.call(
            "POST",
            "/api/v1/communities",
            self.admin,
            201,
            json={
                "slug": slug,
                "name": f"Live {slug}",
                "description": "Officers comparing notes on live updates.",
                "kind": "topic",
                "visibility": visibility,
            },
        )
        return slug

    async def set_member(
        self, slug: str, username: str, status: str, by: dict[str, str] | None = None
    ) -> Any:
        return await self.call(
            "POST",
            f"/api/v1/communities/{slug}/members/{username}",
            by or self.admin,
            200,
            json={"status": status},
        )

    async def join(self, slug: str, member: Member) -> None:
        r = await self.call("POST", f"/api/v1/communities/{slug}/join", member.auth, 200)
        assert r["status"] == "member", r

    async def thread(self, slug: str, author: Member, title: str | None = None) -> dict[str, Any]:
        thread = await self.call(
            "POST",
            f"/api/v1/communities/{slug}/threads",
            author.auth,
            201,
            json={
                "title": title or f"How do you clear e-office backlogs? ({unique('t')})",
                "body": f"We have 400 files pending in section {unique('s')}. What worked for you?",
            },
        )
        assert thread["status"] == "published", thread
        return dict(thread)

    async def reply(
        self, thread_id: int, author: Member, body: str | None = None
    ) -> dict[str, Any]:
        post = await self.call(
            "POST",
            f"/api/v1/threads/{thread_id}/posts",
            author.auth,
            201,
            json={"body": body or f"We cleared ours with a weekly file review ({unique('r')})."},
        )
        assert post["status"] == "published", post
        return dict(post)

    async def edit(self, post_id: int, author: Member, body: str) -> Any:
        return await self.call(
            "PATCH", f"/api/v1/posts/{post_id}", author.auth, 200, json={"body": body}
        )

    async def delete(self, post_id: int, author: Member) -> Any:
        r = await self.client.delete(f"/api/v1/posts/{post_id}", headers=author.auth)
        assert r.status_code in (200, 204), (
            f"DELETE /api/v1/posts/{post_id}: {r.status_code} {r.text}"
        )
        return r


@pytest.fixture
async def api(live_site: LiveSite) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=live_site.url, timeout=10.0, trust_env=False) as client:
        yield Api(client=client, admin_token=live_site.admin_token)


@pytest.fixture
async def bystander(api: Api, live_site: LiveSite) -> Member:
    """One registered person shared by the tests that only need a signed-in socket."""
    if live_site.bystander is None:
        live_site.bystander = await api.register("bystander")
    return live_site.bystander


# Websockets


class Missing(AssertionError):
    pass


@dataclass
class LiveSocket:
    """A websocket client that remembers everything it received, for failure messages."""

    ws: ClientConnection
    seen: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, message: Any) -> None:
        await self.ws.send(message if isinstance(message, str) else json.dumps(message))

    async def receive(self, within: float = RECEIVE_SECONDS) -> dict[str, Any]:
        try:
            async with asyncio.timeout(within):
                raw = await self.ws.recv()
        except TimeoutError:
            raise Missing(f"no message within {within}s; received so far: {self.seen}") from None
        message = json.loads(raw)
        self.seen.append(message)
        return dict(message)

    async def expect(
        self,
        wanted: Callable[[dict[str, Any]], bool],
        what: str,
        within: float = RECEIVE_SECONDS,
    ) -> dict[str, Any]:
        """The next message matching `wanted`, skipping presence updates and pings."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise Missing(f"expected {what} within {within}s; received: {self.seen}")
            try:
                message = await self.receive(left)
            except Missing:
                raise Missing(f"expected {what} within {within}s; received: {self.seen}") from None
            if wanted(message):
                return message

    async def next_event(self, within: float = RECEIVE_SECONDS) -> dict[str, Any]:
        """The next message that is not presence/ping/pong: an event, an error, a reply."""
        return await self.expect(
            lambda m: m.get("type") not in ("presence", "ping", "pong"), "an event", within
        )

    async def subscribe(self, topic: str, since: int | None = None) -> dict[str, Any]:
        """Subscribes and returns the server's answer: "subscribed" or an error."""
        message: dict[str, Any] = {"subscribe": topic}
        if since is not None:
            message["since"] = since
        await self.send(message)
        return await self.expect(
            lambda m: m.get("type") in ("subscribed", "error"), f"an answer to {message}"
        )

    async def subscribed(self, topic: str, since: int | None = None) -> dict[str, Any]:
        answer = await self.subscribe(topic, since)
        assert answer.get("type") == "subscribed", f"subscribe {topic}: {answer}"
        return answer

    async def close(self) -> None:
        await self.ws.close()


def ws_connect(
    ws_url: str,
    *,
    token: str | None = None,
    cookie: str | None = None,
    origin: str | None = None,
) -> Any:
    """`async with ws_connect(...) as ws` opens the real websocket (no proxy from the env)."""
    url = ws_url + (f"?token={token}" if token else "")
    headers = {"Cookie": f"chaupal_session={cookie}"} if cookie else None
    return connect(
        url,
        origin=origin,  # type: ignore[arg-type]
        additional_headers=headers,
        proxy=None,
        open_timeout=RECEIVE_SECONDS,
        close_timeout=1,
    )


class Sockets:
    """Opens LiveSockets against one server and closes whatever is left open at teardown."""

    def __init__(self, ws_url: str) -> None:
        self.ws_url = ws_url
        self.open: list[LiveSocket] = []

    async def __call__(self, member: Member | None = None, **kwargs: Any) -> LiveSocket:
        if member is not None:
            kwargs.setdefault("token", member.token)
        ws = await ws_connect(self.ws_url, **kwargs)
        sock = LiveSocket(ws)
        self.open.append(sock)
        return sock

    async def close_all(self) -> None:
        """Closes them all at once: a socket with unread messages may wait out its close
        timeout (its reader is paused), and those waits should not add up."""
        await asyncio.gather(*(sock.close() for sock in self.open), return_exceptions=True)


@pytest.fixture
async def sockets(live_site: LiveSite) -> AsyncIterator[Sockets]:
    opened = Sockets(live_site.server.ws_url)
    try:
        yield opened
    finally:
        await opened.close_all()


async def session_cookie(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> str:
    """Signs in through the real /login form (CSRF token and Origin included) and returns the
    session cookie the server set."""
    import re

    page = await client.get("/login")
    assert page.status_code == 200, f"GET /login: {page.status_code}"
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "no CSRF token on the sign-in page"
    r = await client.post(
        "/login",
        data={
            "csrf_token": found.group(1),
            "username": username,
            "password": password,
            "next": "/",
        },
        headers={"Origin": str(client.base_url).rstrip("/")},
        follow_redirects=False,
    )
    assert r.status_code in (302, 303), f"POST /login: {r.status_code} {r.text[:300]}"
    cookie = r.cookies.get("chaupal_session") or client.cookies.get("chaupal_session")
    assert cookie, f"no session cookie after signing in: {r.headers}"
    return str(cookie)
