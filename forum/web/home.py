"""The home page, the community directory and the site map."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import communities, courses, threads
from forum.events import reads as event_reads
from forum.web.events import zone_of
from forum.web.render import page_actor, render


async def home(request: Request) -> Response:
    user, _ = await page_actor(request)
    mine = await communities.mine(user)
    latest = await threads.latest(user, mine_only=bool(mine), limit=20)
    directory = await communities.directory(user) if not mine else None
    events = await event_reads.next_few(user, mine_only=bool(mine))
    suggested = await courses.home_suggestions(user, request.app.state.courses)
    return await render(
        request,
        "home.html",
        {
            "mine": mine,
            "latest": latest,
            "directory": directory,
            "events": events,
            "zone": zone_of(user),
            "suggested": suggested,
        },
    )


async def directory(request: Request) -> Response:
    user, _ = await page_actor(request)
    return await render(request, "directory.html", {"directory": await communities.directory(user)})


async def sitemap(request: Request) -> Response:
    user, _ = await page_actor(request)
    return await render(
        request, "sitemap.html", {"communities": await communities.list_visible(user)}
    )


routes = [
    Route("/", home, methods=["GET"]),
    Route("/communities", directory, methods=["GET"]),
    Route("/sitemap", sitemap, methods=["GET"]),
]
