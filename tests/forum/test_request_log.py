"""What `server.py serve` writes: one readable line per request (method, path, status, ms) with
credentials in query strings hidden, and the line saying where the forum is served."""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
import pytest

from forum import demo
from forum.web import request_log
from forum.web.request_log import RequestLog, shown_query, shown_target
from server import create_app, listening_url, ready_line
from tests.conftest import ORIGIN, bearer

LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|WS) \S+ (\d{3}|-) \d+\.\d ms$")


def request_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "chaupal.requests"]


async def test_each_request_is_one_line_with_method_path_status_and_milliseconds(
    settings, caplog, make_user
):
    caplog.set_level(logging.INFO, logger="chaupal.requests")
    app = create_app(settings)  # made after the level is set: the log is on
    async with app.router.lifespan_context(app):
        user = await make_user()
        headers = await bearer(user)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=ORIGIN
        ) as client:
            await client.get("/api/v1/me", headers=headers)
            await client.get("/communities?kind=role")
            await client.get("/api/v1/threads/999999")
            await client.post("/api/v1/auth/token", json={"username": "x", "password": "secret!"})
    lines = request_lines(caplog)
    assert len(lines) == 4, lines
    assert all(LINE.match(line) for line in lines), lines
    assert lines[0].startswith("GET /api/v1/me 200 ")
    assert lines[1].startswith("GET /communities?kind=role 200 ")
    assert lines[2].startswith("GET /api/v1/threads/999999 404 ")
    assert lines[3].startswith("POST /api/v1/auth/token 401 ")
    logged = caplog.text
    assert headers["Authorization"].split()[1] not in logged
    assert "secret!" not in logged


async def test_calendar_keys_and_tokens_in_the_query_are_hidden(settings, caplog):
    caplog.set_level(logging.INFO, logger="chaupal.requests")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=ORIGIN
        ) as client:
            await client.get("/api/v1/me/events.ics?key=SeCrEtCaLeNdArKeY&x=1")
            await client.get("/api/v1/communities?Token=SeCrEtToKeN")
    lines = request_lines(caplog)
    assert lines[0].startswith("GET /api/v1/me/events.ics?key=[hidden]&x=1 404 "), lines
    assert lines[1].startswith("GET /api/v1/communities?Token=[hidden] 200 "), lines
    assert "SeCrEt" not in caplog.text


async def test_static_files_and_health_checks_are_logged_only_at_debug(settings, caplog):
    caplog.set_level(logging.INFO, logger="chaupal.requests")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=ORIGIN
        ) as client:
            await client.get("/healthz")
            await client.get("/static/style.css")
            await client.get("/api/v1/communities")
    assert [line.split()[1] for line in request_lines(caplog)] == ["/api/v1/communities"]


def test_the_query_shown_hides_every_credential_spelling():
    assert shown_query(b"token=abc&q=forest") == "token=[hidden]&q=forest"
    assert shown_query(b"%74oken=abc") == "%74oken=[hidden]"  # an escaped name is still a token
    assert shown_query(b"KEY=abc&key=&password=p") == "KEY=[hidden]&key=&password=[hidden]"
    assert shown_query(b"q=kerala+floods&page=2") == "q=kerala+floods&page=2"


def test_the_target_shown_has_no_line_breaks_or_control_characters_and_is_bounded():
    scope = {"path": "/search", "raw_path": b"/search", "query_string": b"q=a\r\nINFO fake\x1b[31m"}
    assert shown_target(scope) == "/search?q=a%0D%0AINFO%20fake%1B[31m"
    long = {"path": "/search", "raw_path": b"/search", "query_string": b"q=" + b"a" * 1000}
    assert len(shown_target(long)) == request_log.MAX_TARGET
    assert shown_target(long).endswith("...")


async def answered_by(app: Any, scope: dict[str, Any]) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        pass

    await RequestLog(app)(scope, receive, send)


def socket_scope(query: bytes) -> dict[str, Any]:
    return {"type": "websocket", "path": "/ws", "raw_path": b"/ws", "query_string": query}


async def test_a_websocket_handshake_is_logged_with_its_token_hidden(caplog):
    caplog.set_level(logging.INFO, logger="chaupal.requests")

    async def refuse(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "websocket.close", "code": 1008})

    async def accept(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "{}"})
        await send({"type": "websocket.close", "code": 1000})

    await answered_by(refuse, socket_scope(b"token=not-a-token"))
    await answered_by(accept, socket_scope(b"token=a-real-one"))
    lines = request_lines(caplog)
    assert [line.rsplit(" ", 2)[0] for line in lines] == [
        "WS /ws?token=[hidden] 403",
        "WS /ws?token=[hidden] 101",
    ]
    assert "not-a-token" not in caplog.text and "a-real-one" not in caplog.text


async def test_a_request_that_fails_inside_the_app_is_logged_as_500(caplog):
    caplog.set_level(logging.INFO, logger="chaupal.requests")

    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    scope = {"type": "http", "method": "POST", "path": "/x", "raw_path": b"/x", "query_string": b""}
    with pytest.raises(RuntimeError):
        await RequestLog(broken)(scope, None, None)  # type: ignore[arg-type]
    assert request_lines(caplog)[0].startswith("POST /x 500 ")


def test_the_ready_line_says_where_and_how_to_sign_in(settings):
    url = listening_url("127.0.0.1", 8000)
    assert ready_line(url, settings, "admin / chaupal-demo-2026") == (
        f"Chaupal is serving http://127.0.0.1:8000 (data in {settings.data_dir}; "
        "sign in as admin / chaupal-demo-2026)"
    )
    assert ready_line(url, settings, None, workers=4) == (
        f"Chaupal is serving http://127.0.0.1:8000 with 4 workers (data in {settings.data_dir})"
    )
    assert listening_url("::1", 8000) == "http://[::1]:8000"


async def test_the_demo_sign_in_is_shown_only_while_it_works(app, make_user, monkeypatch):
    monkeypatch.delenv("CHAUPAL_DEMO_PASSWORD", raising=False)
    assert await demo.sign_in_hint() is None  # no demo loaded
    admin = await make_user(username="admin", password=demo.DEMO_PASSWORD, is_admin=True)
    assert await demo.sign_in_hint() == f"admin / {demo.DEMO_PASSWORD}"
    monkeypatch.setenv("CHAUPAL_DEMO_PASSWORD", "another demo password")
    assert await demo.sign_in_hint() is None  # not the admin's password
    monkeypatch.delenv("CHAUPAL_DEMO_PASSWORD")
    admin.password_hash = "changed"
    await admin.save(update_fields=["password_hash"])
    assert await demo.sign_in_hint() is None  # the admin chose another password


def test_serve_offers_the_documented_log_levels():
    import server

    for level in ("warning", "info", "debug", "trace"):
        config = server.log_config(level)
        assert config["loggers"]["chaupal.requests"]["handlers"] == ["request"]
    # at info, uvicorn's own start-up lines and access log stay quiet
    assert server.log_config("info")["loggers"]["uvicorn"]["level"] == logging.WARNING
    assert server.log_config("debug")["loggers"]["uvicorn"]["level"] == logging.DEBUG
