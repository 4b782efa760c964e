"""A real server in a subprocess and a real Chromium driven by Playwright's sync API.

The server is started by tests/live's helpers: its own data directory (SQLite), an admin made
with `server.py create-admin`, and one public community made through the JSON API.

Chromium is Debian's /usr/bin/chromium; no browser is ever downloaded. Without it the browser
tests are skipped, except under CI=true, where they fail."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.live.conftest import admin_token, create_admin, server_env, start_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@dataclass(frozen=True)
class LiveServer:
    url: str
    community_slug: str
    community_name: str
    admin_token: str


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real server of tests/live (its helpers start and stop it), with one community."""
    data_dir = tmp_path_factory.mktemp("browser-data")
    env = server_env(data_dir)
    create_admin(env)
    server = start_server(env, data_dir / "server.log")
    try:
        token = admin_token(server.url)
        community = {
            "slug": "budget-officers",
            "name": "Budget Officers Circle",
            "description": "Finance and budget officers comparing notes on the annual cycle.",
            "kind": "role",
            "visibility": "public",
        }
        with httpx.Client(base_url=server.url, timeout=10.0, trust_env=False) as api:
            r = api.post(
                "/api/v1/communities", json=community, headers={"Authorization": f"Bearer {token}"}
            )
            assert r.status_code == 201, f"create community: {r.status_code} {r.text}"
        yield LiveServer(
            url=server.url,
            community_slug=community["slug"],
            community_name=community["name"],
            admin_token=token,
        )
    finally:
        server.stop()


def _no_browser(reason: str) -> None:
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run in CI)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per module, torn down with it so no Playwright loop outlives these tests."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _no_browser(
            f"{CHROMIUM} is not installed (apt-get install chromium); browser tests need it"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A fresh browser profile (no cookies) per test."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()
