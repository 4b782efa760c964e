"""The home page, the community directory and the site map."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import communities, courses, permissions, reads
from forum.events import reads as event_reads
from forum.models import User
from forum.web import page_cache
from forum.web.events import zone_of
from forum.web.render import page_actor, render


async def home(request: Request) -> Response:
    user, _ = await page_actor(request)
    every = await page_cache.communities(request)
    mine = await communities.mine(user, every)
    latest = await reads.feed(
        user, mine_only=bool(mine), limit=20, cache=page_cache.memo(request, "rows")
    )
    events = await event_reads.next_few(user, mine_only=bool(mine))
    zone = zone_of(user)
    suggestions_key: tuple[object, ...] = ()
    if user is not None:
        # A person's suggestions change with their competencies, role, sector and memberships
        # (the state version), the communities (the site version) or the catalogue.
        suggestions_key = (
            user.id,
            user.state_version,
            user.role,
            user.sector,
            await page_cache.site_version(request),
            id(request.app.state.courses),
        )
    # The page is the same for everyone with the same communities and the same feed, events
    # and suggestions (each thread by its version), in the same zone.
    key = (
        await _directory_key(request, user, every),
        tuple(c.id for c in mine),
        tuple((t.id, t.version) for t in latest),
        tuple((e.id, e.title, e.starts_at, e.community.id) for e in events),
        zone,
        suggestions_key,
    )

    async def build(_: object) -> dict[str, Any]:
        if user is not None:
            kept = page_cache.memo(request, "home_suggestions")
            suggested = kept.get(suggestions_key)
            if suggested is None:
                suggested = await courses.home_suggestions(
                    user, request.app.state.courses, every=every
                )
                kept.put(suggestions_key, suggested)
        else:
            suggested = await courses.home_suggestions(None, request.app.state.courses)
        return {
            "mine": mine,
            "latest_rows": page_cache.thread_rows(request, latest, show_community=True),
            "latest": latest,
            "directory": await communities.directory(user, every) if not mine else None,
            "events": events,
            "zone": zone,
            "suggested": suggested,
        }

    return await page_cache.render_shared(request, "home.html", key, build)


async def _directory_key(
    request: Request, user: User | None, every: list[reads.CommunityView]
) -> tuple[object, ...]:
    """What the community directory depends on: the communities (the site version), what the
    reader is in each (permissions.reader_class) and the role and sector it suggests by."""
    who = await permissions.reader(user)
    return (
        await page_cache.site_version(request),
        tuple(permissions.reader_class(who, c.id) for c in every),
        user.role if user is not None else None,
        user.sector if user is not None else None,
    )


async def directory(request: Request) -> Response:
    user, _ = await page_actor(request)
    every = await page_cache.communities(request)

    async def build(_: object) -> dict[str, Any]:
        return {
            "directory": await communities.directory(user, every),
            "profile_incomplete": user is not None and not user.role and not user.sector,
        }

    key = await _directory_key(request, user, every)
    return await page_cache.render_shared(request, "directory.html", key, build)


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
