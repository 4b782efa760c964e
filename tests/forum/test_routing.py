"""forum/web/routing.py routes exactly as Starlette's Router does: for every route of the real
app (a sample path of each, and that path with a slash more or less, a segment more, each of
its prefixes, a doubled first slash, a final newline), for paths made up of the table's own
segments, for odd paths and for every method, both routers pick the same route with the same
path parameters, or answer the same 405 (Allow header), redirect or 404. Routes that overlap
across branches of the tree resolve in their order in the table, and a table changed after
the router was made is routed as changed."""

from __future__ import annotations

import contextlib
import json
import random
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Mount, Route, Router, WebSocketRoute
from starlette.types import Receive, Scope, Send

import server
from forum.settings import Settings
from forum.web.routing import SegmentRouter
from tests.conftest import ORIGIN

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
SAMPLES = {
    "id": "5000",
    "slug": "district-administration",
    "username": "asha",
    "token": "tok3n",
    "code": "C-101",
    "kind": "like",
    "team": "7",
    "path": "css/style.css",
}
PARAM = re.compile(r"{(\w+)(?::\w+)?}")


class Answer:
    """The endpoint of a probe route: answers with its place in the table and what the router
    put in the scope, so two routers' choices can be compared."""

    def __init__(self, label: int) -> None:
        self.label = label

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chosen = {
            "answered_by": self.label,
            "route": scope["route"].name,
            "path_params": scope["path_params"],
            "root_path": scope.get("root_path"),
        }
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1000, "reason": json.dumps(chosen)})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": json.dumps(chosen).encode()})


def probe_table(routes: Sequence[BaseRoute], first: int = 0) -> list[BaseRoute]:
    """The same table (paths, methods, kinds, order) with endpoints that say who answered: the
    route's place in the table (counted from `first`)."""
    table: list[BaseRoute] = []
    for label, route in enumerate(routes, start=first):
        answer, name = Answer(label), f"{label}:{getattr(route, 'name', None)}"
        if type(route) is Route:
            table.append(Route(route.path, answer, methods=route.methods, name=name))
        elif type(route) is WebSocketRoute:
            table.append(WebSocketRoute(route.path, answer, name=name))
        elif type(route) is Mount:
            table.append(Mount(route.path, app=answer, name=name))
        else:
            raise AssertionError(f"no probe for {route!r}")
    return table


async def outcome(
    router: Router,
    path: str,
    method: str = "GET",
    *,
    kind: str = "http",
    root_path: str = "",
    in_app: bool = False,
) -> list[Any]:
    """Everything the router sent for a request, or the HTTPException it raised (inside an
    app Starlette raises 404 and 405 for the app's handlers rather than answering them)."""
    scope: dict[str, Any] = {
        "type": kind,
        "path": path,
        "root_path": root_path,
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "scheme": "http" if kind == "http" else "ws",
        "server": ("testserver", 80),
    }
    if kind == "http":
        scope["method"] = method
    if in_app:
        scope["app"] = object()
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        if kind == "http":
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "websocket.connect"}

    async def send(message: Any) -> None:
        sent.append(message)

    try:
        await router(scope, receive, send)
    except HTTPException as exc:
        sent.append(("raised", exc.status_code, exc.headers))
    return sent


def sample_path(route: Any) -> str:
    if isinstance(route, Mount):
        return route.path + "/style.css"
    return PARAM.sub(lambda m: SAMPLES.get(m.group(1), "x"), route.path)


def variants(path: str) -> set[str]:
    segments = path.split("/")
    found = {path, path + "/", path.rstrip("/"), path + "/extra", path + "//", "/" + path}
    found |= {path + "\n", path.upper()}
    found |= {"/".join(segments[:k]) for k in range(1, len(segments))}
    found |= {"/".join(segments[:k]) + "/" for k in range(1, len(segments))}
    return found


ODD_PATHS = [
    "",
    "/",
    "//",
    "///",
    "/\n",
    "\n",
    "t/5000",
    "/static",
    "/static/",
    "/static/style.css",
    "/static/fonts/x.woff2",
    "/static/../server.py",
    "/Static/style.css",
    "/unknown",
    "/unknown/",
    "/t",
    "/t/",
    "/t//",
    "/t/5000//",
    "/t/5000/reply/",
    "/t/ /reply",
    "/t/5000\n",
    "/login\n",
    "/login\n/",
    "/ws",
    "/ws/",
    "/ws\n",
    "/api",
    "/api/",
    "/api/v1",
    "/api/v1/",
    "/api/v2/threads/5000",
    "/api/v1/threads",
    "/api/v1/threads/",
    "/api/v1/events/5000.ics",
    "/api/v1/events/.ics",
    "/api/v1/me/points.csv",
    "/api/v1/me/points.csv/",
    "/points/export.csv",
    "/c/district-administration",
    "/c/district-administration/",
    "/c/%7Bslug%7D",
    "/c/{slug}",
    "/%",
    "/é/ñ",
    "/healthz?x=1",
]


@pytest.fixture(scope="module")
def tables() -> tuple[Router, SegmentRouter, list[BaseRoute]]:
    table = probe_table(server.all_routes())
    return Router(table), SegmentRouter(table), table


async def assert_same(plain: Router, segmented: SegmentRouter, path: str, **how: Any) -> None:
    expected = await outcome(plain, path, **how)
    assert await outcome(segmented, path, **how) == expected, (path, how)


async def test_every_route_of_the_app_and_its_neighbours_route_as_starlette_routes_them(
    tables: tuple[Router, SegmentRouter, list[BaseRoute]],
) -> None:
    plain, segmented, table = tables
    answered = set()
    for route in table:
        for path in sorted(variants(sample_path(route))):
            for method in METHODS:
                await assert_same(plain, segmented, path, method=method)
            await assert_same(plain, segmented, path, kind="websocket")
            await assert_same(plain, segmented, path, method="DELETE", in_app=True)
        for method in METHODS:
            (start, *rest) = await outcome(segmented, sample_path(route), method=method)
            if start["type"] == "http.response.start" and start["status"] == 200:
                answered.add(json.loads(rest[0]["body"])["answered_by"])
    # Every HTTP route answers its own sample path (the websocket route answers over a socket).
    websockets = {i for i, route in enumerate(table) if isinstance(route, WebSocketRoute)}
    assert answered | websockets == set(range(len(table)))


async def test_odd_paths_route_as_starlette_routes_them(
    tables: tuple[Router, SegmentRouter, list[BaseRoute]],
) -> None:
    plain, segmented, _ = tables
    for path in ODD_PATHS:
        for method in METHODS:
            await assert_same(plain, segmented, path, method=method)
            await assert_same(plain, segmented, path, method=method, in_app=True)
        await assert_same(plain, segmented, path, kind="websocket")


async def test_paths_made_of_the_tables_segments_route_as_starlette_routes_them(
    tables: tuple[Router, SegmentRouter, list[BaseRoute]],
) -> None:
    plain, segmented, table = tables
    words = {"", "5000", "x", *SAMPLES.values()}
    for route in table:
        words |= set(route.path.split("/")) - {""}
    vocabulary = sorted(w for w in words if "{" not in w)
    chooser = random.Random(20240611)
    for _ in range(3000):
        segments = chooser.choices(vocabulary, k=chooser.randint(1, 6))
        path = "/" + "/".join(segments) + chooser.choice(["", "/"])
        await assert_same(plain, segmented, path, method=chooser.choice(METHODS))


async def test_a_root_path_is_taken_off_as_starlette_does(
    tables: tuple[Router, SegmentRouter, list[BaseRoute]],
) -> None:
    plain, segmented, table = tables
    thread_page = next(i for i, r in enumerate(table) if getattr(r, "path", "") == "/t/{id}")
    for path in ("/forum/t/5000", "/forum/t/5000/", "/forum", "/forum/", "/t/5000", "/forumt/1"):
        await assert_same(plain, segmented, path, root_path="/forum")
    (_, body) = await outcome(segmented, "/forum/t/5000", root_path="/forum")
    assert json.loads(body["body"])["answered_by"] == thread_page


def page(position: int, path: str, methods: list[str] | None = None) -> Route:
    async def endpoint(request: Any) -> Any:
        raise AssertionError("probe tables answer instead")

    return Route(path, endpoint, methods=methods or ["GET"], name=f"r{position}")


async def chosen(router: Router, path: str, method: str = "GET") -> Any:
    start, *rest = await outcome(router, path, method)
    if start["status"] != 200:
        allow = dict(start["headers"]).get(b"allow")
        return start["status"], allow and sorted(allow.decode().split(", "))
    return json.loads(rest[0]["body"])["answered_by"]


async def test_overlapping_routes_in_different_branches_resolve_in_table_order() -> None:
    """A route at the root or higher up the tree that also matches a path must win over one
    deeper down exactly when it comes first in the table, and lose when it comes after."""
    table = probe_table(
        [
            page(0, "/c/{slug}"),  # before the root's route: wins on /c/...
            page(1, "/{a}/{b}"),  # at the root
            page(2, "/t/{id}"),  # after it: never answers a GET
            page(3, "/{a}/{b}", methods=["POST"]),
            page(4, "/api/v1/{kind}/{id}", methods=["PUT"]),
            page(5, "/api/v1/threads/{id}", methods=["PUT", "PATCH"]),
            page(6, "/api/v1/threads/{id}"),
            page(7, "/api/{version}/threads/{id}", methods=["DELETE"]),
            page(8, "/api/v1/threads/{id}", methods=["DELETE"]),
            page(9, "/api/v1/posts/{id}", methods=["DELETE"]),
            page(10, "/api/{version}/{kind}/{id}", methods=["DELETE"]),
            Mount("/static", app=Router([])),
            page(12, "/static/fonts/x.woff2"),
            page(13, "/p/{id}", methods=["PUT"]),
            page(14, "/{a}/{b}", methods=["PATCH"]),
            page(15, "/q/{id}/edit", methods=["PUT"]),  # before the root's route
            page(16, "/{a}/{b}/edit", methods=["POST"]),
            page(17, "/r/{id}/edit", methods=["PUT"]),  # after it
            page(18, "/files/v{version}.zip/raw"),  # a parameter inside a segment
        ]
    )
    plain, segmented = Router(table), SegmentRouter(table)
    expected = {
        ("GET", "/c/district-administration"): 0,
        ("GET", "/t/5000"): 1,
        ("POST", "/t/5000"): 3,
        ("POST", "/c/district-administration"): 3,
        ("PUT", "/api/v1/threads/5000"): 4,
        ("PATCH", "/api/v1/threads/5000"): 5,
        ("GET", "/api/v1/threads/5000"): 6,
        ("DELETE", "/api/v1/threads/5000"): 7,
        ("DELETE", "/api/v1/posts/5000"): 9,
        ("DELETE", "/api/v2/posts/5000"): 10,
        ("GET", "/static/fonts/x.woff2"): 11,
        ("PUT", "/p/5000"): 13,
        ("PATCH", "/p/5000"): 14,
        ("GET", "/files/v2.zip/raw"): 18,
        # No full match: the 405 is the first partial match's, whichever branch it is in.
        ("GET", "/q/1/edit"): (405, ["PUT"]),
        ("GET", "/r/1/edit"): (405, ["POST"]),
        ("PUT", "/t/5000"): (405, ["GET", "HEAD"]),
    }
    for (method, path), answer in expected.items():
        assert await chosen(plain, path, method) == answer
        assert await chosen(segmented, path, method) == answer, (method, path)
    for method in METHODS:
        for path in ("/t/5000", "/x/y", "/api/v1/threads/1", "/api/v2/threads/1", "/t/1/"):
            await assert_same(plain, segmented, path, method=method)


async def test_a_table_changed_after_the_router_was_made_is_routed_as_changed() -> None:
    router = SegmentRouter(probe_table([page(0, "/t/{id}"), page(1, "/c/{slug}")]))
    assert await chosen(router, "/t/5") == 0
    router.routes.insert(0, *probe_table([page(2, "/{a}/{b}")], first=2))
    assert await chosen(router, "/t/5") == 2  # the new route, now first
    assert await chosen(router, "/c/x") == 2
    router.routes.append(*probe_table([page(3, "/u/{name}")], first=3))
    assert await chosen(router, "/u/asha") == 2
    del router.routes[0]
    assert await chosen(router, "/u/asha") == 3
    assert await chosen(router, "/c/x") == 1
    router.routes = probe_table([page(4, "/p/{id}")], first=4)
    assert await chosen(router, "/t/5") == (404, None)
    assert await chosen(router, "/p/5") == 4


def test_a_path_tries_only_the_routes_of_its_branch_and_the_roots(settings: Settings) -> None:
    router = server.create_app(settings).router
    assert isinstance(router, SegmentRouter)
    assert [(type(r), r.path, r.name) for r in router.routes] == [
        (type(r), r.path, r.name) for r in server.all_routes()
    ]

    def paths(path: str) -> list[str]:
        return [route.path for route in router.candidates(path)]

    assert paths("/t/5000") == [
        "/t/{id}",
        "/t/{id}/reply",
        "/t/{id}/moderate",
        "/t/{id}/bookmark",
        "/t/{id}/watch",
        "/t/{id}/courses",
        "/t/{id}/curate",
        "/t/{id}/move",
        "/static",
    ]
    thread_json = paths("/api/v1/threads/5000")
    assert thread_json[0] == "/api/v1/threads/{id}"
    assert all(p.startswith("/api/v1/threads/") or p == "/static" for p in thread_json)
    assert paths("/") == ["/", "/static"]
    assert paths("/nowhere/at/all") == ["/static"]


async def test_lifespan_runs_through_the_router() -> None:
    events = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        events.append("started")
        yield
        events.append("stopped")

    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[Any] = []

    async def receive() -> Any:
        return next(messages)

    async def send(message: Any) -> None:
        sent.append(message)

    await SegmentRouter([], lifespan=lifespan)({"type": "lifespan", "state": {}}, receive, send)
    assert events == ["started", "stopped"]
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


# The real app, with its handlers and error pages: the same answers with either router.

REAL_REQUESTS = [
    ("GET", "/"),
    ("GET", "/communities/"),
    ("GET", "/nowhere"),
    ("GET", "/t/999999"),
    ("GET", "/t/999999/"),
    ("POST", "/sitemap"),
    ("PUT", "/api/v1/me"),
    ("GET", "/api/v1/threads/999999"),
    ("GET", "/api/v1/nowhere"),
    ("GET", "/static/style.css"),
    ("GET", "/static/nowhere.css"),
    ("HEAD", "/healthz"),
    ("GET", "/ws"),
    ("GET", "/login%0A"),
]


async def test_the_apps_pages_answer_as_with_starlettes_router(app: Any) -> None:
    segmented = app.router
    plain = Router(segmented.routes, lifespan=segmented.lifespan_context)

    async def answer(method: str, path: str) -> tuple[int, str | None, str | None, bytes]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as client:
            response = await client.request(method, path)
        headers = response.headers
        body = re.sub(rb'value="[^"]*"', b"", response.content)  # (CSRF tokens)
        return response.status_code, headers.get("location"), headers.get("allow"), body

    try:
        for method, path in REAL_REQUESTS:
            app.router, app.middleware_stack = plain, None
            expected = await answer(method, path)
            app.router, app.middleware_stack = segmented, None
            assert await answer(method, path) == expected, (method, path)
    finally:
        app.router, app.middleware_stack = segmented, None
