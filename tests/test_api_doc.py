"""docs/API.md keeps up with the app: every route under /api/v1, /healthz and the websocket
/ws has a `### METHOD /path` heading there (`### GET|PUT /path` for several methods, `### WS
/ws` for the socket), and every such heading names a route the app has. Path parameters match
whatever they are called ({id} in the code may be {thread_id} in the document)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.routing import BaseRoute, Route, WebSocketRoute

from forum.settings import Settings
from server import create_app

DOC = Path(__file__).resolve().parents[1] / "docs" / "API.md"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "WS")
HEADING = re.compile(r"^### ((?:[A-Z]+\|)*[A-Z]+) (/\S*)\s*$")
PARAM = re.compile(r"\{[^}]*\}")

Endpoint = tuple[str, str]


def shape(path: str) -> str:
    """The path with its parameters unnamed: /api/v1/threads/{}/posts."""
    return PARAM.sub("{}", path)


def served(route: BaseRoute) -> set[Endpoint]:
    if isinstance(route, WebSocketRoute):
        return {("WS", shape(route.path))}
    if isinstance(route, Route):
        return {(m, shape(route.path)) for m in route.methods or () if m != "HEAD"}
    return set()


def api_routes(tmp_path: Path) -> set[Endpoint]:
    settings = Settings(
        data_dir=tmp_path, database_url=f"sqlite://{tmp_path}/unused.sqlite3", secret_key="x"
    )
    found: set[Endpoint] = set()
    for route in create_app(settings).routes:
        path = getattr(route, "path", "")
        if path.startswith("/api/v1/") or path in ("/healthz", "/ws"):
            found |= served(route)
    return found


def documented(text: str) -> set[Endpoint]:
    found: set[Endpoint] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("### "):
            continue
        match = HEADING.match(line)
        if match is None:
            continue  # a heading that is not an endpoint
        methods = match.group(1).split("|")
        unknown = [m for m in methods if m not in METHODS]
        assert not unknown, f"docs/API.md line {number}: not a method: {unknown}"
        found |= {(m, shape(match.group(2))) for m in methods}
    return found


def missing_and_stale(routes: set[Endpoint], text: str) -> tuple[list[str], list[str]]:
    doc = documented(text)
    missing = sorted(f"{m} {p}" for m, p in routes - doc)
    stale = sorted(f"{m} {p}" for m, p in doc - routes)
    return missing, stale


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory) -> set[Endpoint]:
    return api_routes(tmp_path_factory.mktemp("api-doc"))


def test_every_api_route_is_documented_and_every_documented_route_exists(routes):
    missing, stale = missing_and_stale(routes, DOC.read_text(encoding="utf-8"))
    assert not missing, "routes without a '### METHOD /path' heading in docs/API.md: " + ", ".join(
        missing
    )
    assert not stale, "docs/API.md documents routes the app does not have: " + ", ".join(stale)


def test_the_walk_sees_the_whole_api(routes):
    # The walk itself must find what is there: the contract's endpoints and the socket.
    assert ("GET", "/healthz") in routes
    assert ("WS", "/ws") in routes
    assert ("POST", "/api/v1/threads/{}/posts") in routes
    assert ("PUT", "/api/v1/threads/{}/bookmark") in routes
    assert ("DELETE", "/api/v1/threads/{}/bookmark") in routes
    assert len(routes) > 80


def test_deleting_any_one_heading_from_the_document_is_noticed(routes):
    text = DOC.read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if HEADING.match(line)]
    assert headings
    for heading in headings:
        without = "\n".join(line for line in text.splitlines() if line != heading)
        missing, _ = missing_and_stale(routes, without)
        assert missing, f"removing {heading!r} went unnoticed"


def test_a_heading_for_a_route_that_does_not_exist_is_noticed(routes):
    text = DOC.read_text(encoding="utf-8") + "\n### GET /api/v1/no-such-thing\n"
    _, stale = missing_and_stale(routes, text)
    assert stale == ["GET /api/v1/no-such-thing"]
