"""What `server.py serve` prints on a real server: one line saying where it listens once it is
ready, then one line per request with the websocket's token hidden."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import pytest

from tests.live.conftest import POLL_SECONDS, server_env, start_server, ws_connect

WAIT_SECONDS = 10.0


def wait_for(read: Callable[[], str], wanted: Callable[[str], bool], what: str) -> str:
    """The log once `wanted` holds of it (lines are written just after each answer)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        text = read()
        if wanted(text):
            return text
        if time.monotonic() > deadline:
            pytest.fail(f"the server log never showed {what}:\n{text}")
        time.sleep(POLL_SECONDS)


def test_serve_says_where_it_listens_and_logs_requests_without_secrets(tmp_path):
    data_dir = tmp_path / "data"
    server = start_server(server_env(data_dir), tmp_path / "server.log")
    try:
        log = server.log_path.read_text
        ready = f"Chaupal is serving {server.url} (data in {data_dir})"
        assert ready in log().splitlines(), log()

        httpx.get(f"{server.url}/api/v1/communities?kind=topic", trust_env=False)

        async def socket() -> None:
            async with ws_connect(server.ws_url, token="not-a-real-token"):
                pass

        with pytest.raises(Exception, match="403"):
            asyncio.run(socket())
        text = wait_for(
            log, lambda t: "WS /ws" in t and "GET /api" in t, "the request and websocket lines"
        )
        lines = text.splitlines()
        assert any(
            line.endswith(" ms") and " GET /api/v1/communities?kind=topic 200 " in line
            for line in lines
        ), text
        assert any(" WS /ws?token=[hidden] 403 " in line for line in lines), text
        assert "not-a-real-token" not in text
        assert "/healthz" not in text  # health checks only at debug
        assert "Uvicorn running" not in text and "Started server process" not in text
        assert lines.count(ready) == 1
    finally:
        server.stop()
