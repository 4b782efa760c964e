"""A real server in a subprocess and a real Chromium driven by Playwright's sync API.

The server gets its own data directory (SQLite), an admin made with `server.py create-admin`
and one public community made through the JSON API with the admin's bearer token.

Chromium is Debian's /usr/bin/chromium; no browser is ever downloaded. Without it the browser
tests are skipped, except under CI=true, where they fail."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
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
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "browser test admin passphrase"
STARTUP_SECONDS = 60.0
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class LiveServer:
    url: str
    community_slug: str
    community_name: str
    admin_token: str


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAUPAL_")}
    env.update(
        CHAUPAL_DATA_DIR=str(data_dir),
        CHAUPAL_SECRET_KEY="browser-test-secret-key-not-for-production",
        PYTHONUNBUFFERED="1",
    )
    return env


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def _wait_until_ready(proc: subprocess.Popen[Any], url: str, log_path: Path) -> None:
    """Polls /healthz until it answers, the process dies, or the deadline passes."""
    deadline = time.monotonic() + STARTUP_SECONDS
    last_error = "no answer yet"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            try:
                r = client.get(f"{url}/healthz")
                if r.status_code == 200 and r.json() == {"status": "ok"}:
                    return
                last_error = f"/healthz answered {r.status_code}"
            except httpx.TransportError as exc:
                last_error = repr(exc)
            try:  # the poll interval doubles as a check that the server is still alive
                code = proc.wait(timeout=POLL_SECONDS)
            except subprocess.TimeoutExpired:
                continue
            pytest.fail(
                f"the server exited with code {code} before it was ready:\n{_log_tail(log_path)}"
            )
    pytest.fail(
        f"the server was not ready within {STARTUP_SECONDS:.0f}s ({last_error}):\n{_log_tail(log_path)}"
    )


def _stop(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("browser-data")
    env = _server_env(data_dir)

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

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = data_dir / "server.log"
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [sys.executable, "server.py", "serve", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_ready(proc, url, log_path)
        with httpx.Client(base_url=url, timeout=10.0) as api:
            r = api.post(
                "/api/v1/auth/token",
                json={
                    "username": ADMIN_USERNAME,
                    "password": ADMIN_PASSWORD,
                    "name": "browser tests",
                },
            )
            assert r.status_code == 201, f"admin token: {r.status_code} {r.text}"
            token = r.json()["token"]
            community = {
                "slug": "budget-officers",
                "name": "Budget Officers Circle",
                "description": "Finance and budget officers comparing notes on the annual cycle.",
                "kind": "role",
                "visibility": "public",
            }
            r = api.post(
                "/api/v1/communities", json=community, headers={"Authorization": f"Bearer {token}"}
            )
            assert r.status_code == 201, f"create community: {r.status_code} {r.text}"
        yield LiveServer(
            url=url,
            community_slug=community["slug"],
            community_name=community["name"],
            admin_token=token,
        )
    finally:
        _stop(proc)


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
