"""The bad inputs of test_bad_input.py against a real server (`server.py serve`, uvicorn), on the
database this run tests (SQLite, or PostgreSQL with CHAUPAL_TEST_DATABASE=postgres): each is
answered with a 4xx on the same keep-alive connection, which then still serves the next
request, and nothing is logged as an error. (A 500 made uvicorn drop the connection, so the
request after it failed too.)"""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PG_ADMIN_URL, using_postgres
from tests.live.conftest import (
    PASSWORD,
    ServerProcess,
    admin_token,
    create_admin,
    server_env,
    start_server,
)

DEEP = b"[" * 50_000 + b"]" * 50_000
JSON = {"content-type": "application/json"}


def pg_admin(sql: str) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://", 1))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@dataclass
class Site:
    server: ServerProcess
    admin: dict[str, str]
    member: dict[str, str]
    slug: str
    thread_id: int
    item_id: int

    @property
    def host_port(self) -> tuple[str, int]:
        host, port = self.server.url.removeprefix("http://").split(":")
        return host, int(port)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data_dir = tmp_path_factory.mktemp("bad-input-server")
    extra = {"CHAUPAL_RATE_LIMITS": "false"}
    database = None
    if using_postgres():
        database = f"chaupal_bad_input_{uuid.uuid4().hex[:10]}"
        pg_admin(f'CREATE DATABASE "{database}"')
        extra["CHAUPAL_DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"
    env = server_env(data_dir, **extra)
    try:
        create_admin(env)
        server = start_server(env, data_dir / "server.log")
        try:
            yield _populate(server)
        finally:
            server.stop()
    finally:
        if database:
            pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _populate(server: ServerProcess) -> Site:
    admin = {"Authorization": f"Bearer {admin_token(server.url)}"}
    with httpx.Client(base_url=server.url, timeout=10.0, trust_env=False) as api:

        def call(method: str, path: str, headers: dict[str, str], **body: Any) -> Any:
            r = api.request(method, path, headers=headers, json=body)
            assert r.status_code in (200, 201), f"{method} {path}: {r.status_code} {r.text}"
            return r.json()

        slug = f"c-{uuid.uuid4().hex[:8]}"
        call(
            "POST",
            "/api/v1/communities",
            admin,
            slug=slug,
            name="Bad input circle",
            description="Where odd requests are tried.",
            kind="topic",
            visibility="public",
        )
        call(
            "POST",
            "/api/v1/auth/register",
            {},
            username="member_one",
            email="member@example.org",
            password=PASSWORD,
        )
        token = call("POST", "/api/v1/auth/token", {}, username="member_one", password=PASSWORD)
        member = {"Authorization": f"Bearer {token['token']}"}
        call("POST", f"/api/v1/communities/{slug}/join", member)
        thread = call(
            "POST",
            f"/api/v1/communities/{slug}/threads",
            member,
            title="How do you clear e-office backlogs?",
            body="We have 400 files pending.",
        )
        reply = call(
            "POST", f"/api/v1/threads/{thread['id']}/posts", member, body="A reply to report."
        )
        flag = call("POST", f"/api/v1/posts/{reply['id']}/flags", admin, reason="spam")
        call(
            "PATCH",
            f"/api/v1/communities/{slug}",
            admin,
            word_filters=[{"word": "darn", "action": "replace", "replacement": "\\1"}],
        )
    return Site(server, admin, member, slug, thread["id"], flag["item_id"])


def surrogate(data: dict[str, Any]) -> bytes:
    """JSON with "\\ud800" where the data says SURROGATE."""
    return json.dumps(data).replace("SURROGATE", "\\ud800").encode()


def cases(site: Site) -> list[tuple[str, str, bytes | None, dict[str, str], int]]:
    slug, thread, admin, member = site.slug, site.thread_id, site.admin, site.member
    return [
        ("POST", "/api/v1/auth/token", DEEP, JSON, 400),
        (
            "POST",
            "/api/v1/auth/token",
            surrogate({"username": "admin", "password": "SURROGATE"}),
            JSON,
            400,
        ),
        ("POST", "/api/v1/auth/token", b'{"username": "ad\\u0000min", "password": "x"}', JSON, 400),
        ("POST", "/api/v1/auth/register", DEEP, JSON, 400),
        ("POST", f"/api/v1/communities/{slug}/threads", DEEP, {**JSON, **member}, 400),
        (
            "POST",
            f"/api/v1/communities/{slug}/threads",
            surrogate({"title": "A title SURROGATE", "body": "Body", "tags": ["SURROGATE"]}),
            {**JSON, **member},
            400,
        ),
        (
            "POST",
            f"/api/v1/threads/{thread}/posts",
            surrogate({"body": "SURROGATE"}),
            {**JSON, **member},
            400,
        ),
        ("PATCH", "/api/v1/me", surrogate({"display_name": "SURROGATE"}), {**JSON, **member}, 400),
        ("GET", "/u/%00admin", None, {}, 404),
        ("GET", "/c/%00x", None, {}, 404),
        ("GET", "/api/v1/users/%00admin", None, {}, 404),
        ("GET", f"/api/v1/communities/{slug}/threads?tag=%00x", None, {}, 400),
        ("GET", "/api/v1/search?q=a%00b", None, {}, 400),
        ("GET", "/api/v1/search?q=backlogs&from=1969-12-31", None, {}, 400),
        ("GET", "/api/v1/search?q=backlogs&to=9999-12-31", None, {}, 400),
        ("GET", "/search?q=backlogs&from=1969-12-31", None, {}, 400),
        ("GET", "/search?q=backlogs&to=9999-12-31", None, {}, 400),
        (
            "POST",
            f"/api/v1/moderation/queue/{site.item_id}",
            b'{"action": "approve", "note": "fine\\u0000"}',
            {**JSON, **admin},
            400,
        ),
        (
            "POST",
            "/login",
            b"username=%00admin&password=whatever+it+is&csrf_token=x",
            {"content-type": "application/x-www-form-urlencoded"},
            400,
        ),
        # Not bad input, but a word filter replacing with "\1" used to fail every such post.
        (
            "POST",
            f"/api/v1/threads/{thread}/posts",
            b'{"body": "Well darn."}',
            {**JSON, **member},
            201,
        ),
    ]


def test_each_bad_input_is_a_4xx_and_the_connection_stays_usable(site):
    host, port = site.host_port
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.connect()
    first = conn.sock
    try:
        for method, path, body, headers, status in cases(site):
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            assert response.status == status, f"{method} {path}: {response.status} {text[:300]}"
            if path.startswith("/api/") and status >= 400:
                assert set(json.loads(text)) == {"error"}, text
            assert response.getheader("connection", "").lower() != "close", (method, path)
            assert conn.sock is first, f"the connection was closed after {method} {path}"
            assert response.getheader("content-security-policy"), (method, path)
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        assert (response.status, json.loads(response.read())) == (200, {"status": "ok"})
        assert conn.sock is first
    finally:
        conn.close()
    log = Path(site.server.log_path).read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log and "ERROR" not in log, site.server.log()


def test_a_client_that_hangs_up_mid_body_is_not_logged_as_an_error(site):
    host, port = site.host_port
    with socket.create_connection((host, port), timeout=10) as raw:
        raw.sendall(
            b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"username": "adm'
        )
    log_path = Path(site.server.log_path)
    deadline = time.monotonic() + 10
    while "client went away" not in log_path.read_text(encoding="utf-8", errors="replace"):
        assert time.monotonic() < deadline, f"the hang-up was never noticed:\n{site.server.log()}"
        time.sleep(0.05)
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log and "ERROR" not in log, site.server.log()


def test_a_body_too_large_is_413_with_the_security_headers(site):
    host, port = site.host_port
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request("POST", "/api/v1/auth/token", body=b"x" * (300 * 1024), headers=JSON)
        response = conn.getresponse()
        assert response.status == 413
        assert json.loads(response.read())["error"]["code"] == "too_large"
        assert "default-src 'self'" in response.getheader("content-security-policy", "")
        assert response.getheader("x-content-type-options") == "nosniff"
        assert response.getheader("x-frame-options") == "DENY"
    finally:
        conn.close()
