"""The app's router: Starlette's Router, except that a request tries only the routes that could
match its path rather than every route's pattern in turn (the app has about 170 routes).

A plain Route or WebSocketRoute whose path begins with literal segments ("/t/{id}" with "t",
"/api/v1/threads/{id}" with "api", "v1", "threads", "/" with "") matches only paths that begin
with the same segments: its pattern is those characters, escaped, then "/" or the end. So the
routes are filed in a tree of literal segments, each at the node its own segments lead to. A
route whose first segment holds a parameter, a Mount, a Host, or any other kind of route
(subclasses too: their matching is not read here) is filed at the root. A request walks the
tree along its path's segments as far as they go; the routes filed on the way, the root's
included, are its candidates, tried in their order in `routes`. A route left out could not
have matched, so the first full match, the first partial one (the 405) and the trailing-slash
redirect are the ones Starlette's Router finds. Matching, 404s and handing over are Starlette's
own (`route.matches`, `self.default`, `route.handle`).

Starlette's own loop still serves lifespan messages and scopes with a root_path (Starlette
takes it off the path before matching, and only it knows exactly how); a path ending in a
newline tries every route (a pattern's "$" matches before a last newline too). The tree is rebuilt
when `routes` changes (Starlette's `add_route`, `mount` and the like append to it; noticing
costs a list comparison per request), but replacing a route by one that compares equal to it
(same path, endpoint and methods) goes unnoticed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.datastructures import URL
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Match, Route, Router, WebSocketRoute
from starlette.types import Receive, Scope, Send


class _Node:
    __slots__ = ("children", "filed", "candidates")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.filed: list[int] = []  # the indexes in `routes` of the routes filed here
        self.candidates: tuple[BaseRoute, ...] = ()


def literal_segments(route: BaseRoute) -> tuple[str, ...]:
    """The path segments every path the route matches begins with: those of its path up to
    the first one holding a parameter. () when its matching is not read from its path alone."""
    if type(route) is not Route and type(route) is not WebSocketRoute:
        return ()  # (a subclass may match otherwise)
    segments = []
    for segment in route.path[1:].split("/"):
        if "{" in segment:
            break
        segments.append(segment)
    return tuple(segments)


class SegmentRouter(Router):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._index()

    def _index(self) -> None:
        root = _Node()
        depth = 0
        for position, route in enumerate(self.routes):
            node = root
            segments = literal_segments(route)
            for segment in segments:
                node = node.children.setdefault(segment, _Node())
            node.filed.append(position)
            depth = max(depth, len(segments))
        routes = list(self.routes)

        def settle(node: _Node, inherited: list[int]) -> None:
            positions = sorted(inherited + node.filed)
            node.candidates = tuple(routes[position] for position in positions)
            for child in node.children.values():
                settle(child, positions)

        settle(root, [])
        self._root = root
        self._depth = depth
        self._indexed = routes

    def candidates(self, path: str) -> Sequence[BaseRoute]:
        """The routes that could match `path` (a scope's path, with no root_path), in their
        order in `routes`."""
        if self.routes != self._indexed:
            self._index()
        if path.endswith("\n"):  # ("/login\n" matches "/login")
            return self.routes
        node = self._root
        if path.startswith("/"):  # (every literal route's pattern begins with "/")
            for segment in path[1:].split("/", self._depth):
                child = node.children.get(segment)
                if child is None:
                    break
                node = child
        return node.candidates

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope.get("root_path"):
            # Lifespan; or a path that Starlette matches once it has taken the root_path off,
            # which only it knows exactly how to do.
            await super().app(scope, receive, send)
            return
        scope.setdefault("router", self)

        path: str = scope["path"]
        partial: tuple[BaseRoute, Scope] | None = None
        for route in self.candidates(path):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                await _hand_over(route, child_scope, scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial = (route, child_scope)
        if partial is not None:
            await _hand_over(*partial, scope, receive, send)
            return

        if scope["type"] == "http" and self.redirect_slashes and path != "/":
            # The same path with its trailing slashes taken off, or one put on.
            other = {**scope, "path": path.rstrip("/") if path.endswith("/") else path + "/"}
            if any(
                route.matches(other)[0] is not Match.NONE
                for route in self.candidates(other["path"])
            ):
                await RedirectResponse(url=str(URL(scope=other)))(scope, receive, send)
                return
        await self.default(scope, receive, send)


async def _hand_over(
    route: BaseRoute, child_scope: Scope, scope: Scope, receive: Receive, send: Send
) -> None:
    scope["route"] = route
    scope.update(child_scope)
    await route.handle(scope, receive, send)
