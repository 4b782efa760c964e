"""The home page, the community directory and the site map."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import communities, courses, reads
from forum.events import reads as event_reads
from forum.web import page_cache
from forum.web.events import zone_of
from forum.web.render import page_actor, render


async def home(request: Request) -> Response:
    user, _ = await page_actor(request)
    every = await page_cache.communities(request)
    mine = await communities.mine(user, every)
    latest = await reads.feed(user, mine_only=bool(mine), limit=20)
    directory = await communities.directory(user, every) if not mine else None
    events = await event_reads.next_few(user, mine_only=bool(mine))
    suggested = None
    if user is not None:
        # A person's suggestions change with their competencies, role, sector and memberships
        # (the state version), the communities (the site version) or the catalogue.
        key = (
            user.id,
            user.state_version,
            user.role,
            user.sector,
            await page_cache.site_version(request),
            id(request.app.state.courses),
        )
        kept = page_cache.memo(request, "home_suggestions")
        suggested = kept.get(key)
        if suggested is None:
            suggested = await courses.home_suggestions(user, request.app.state.courses, every=every)
            kept.put(key, suggested)
    else:
        suggested = await courses.home_suggestions(None, request.app.state.courses)
    return await render(
        request,
        "home.html",
        {
            "mine": mine,
            "latest_rows": page_cache.thread_rows(request, latest, show_community=True),
            "latest": latest,
            "directory": directory,
            "events": events,
            "zone": zone_of(user),
            "suggested": suggested,
        },
    )


async def directory(request: Request) -> Response:
    user, _ = await page_actor(request)
    every = await page_cache.communities(request)
    return await render(
        request, "directory.html", {"directory": await communities.directory(user, every)}
    )


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
