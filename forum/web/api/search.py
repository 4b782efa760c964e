"""Search in the API: results with facets and suggestions, and similar threads by title."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import communities, serialize
from forum.models import User
from forum.web.http import api_actor, json_response, query_int
from search import service as search_service
from search.port import Hit, SearchIndex


def search_index(request: Request) -> SearchIndex:
    index: SearchIndex = request.app.state.search
    return index


async def search(request: Request) -> Response:
    actor = await api_actor(request)
    params = request.query_params
    filters = await search_service.filters_for(
        actor,
        community=params.get("community"),
        tag=params.get("tag"),
        author=params.get("author"),
        kind=params.get("kind"),
        thread=params.get("thread"),
        since=params.get("from"),
        until=params.get("to"),
    )
    limit = query_int(request, "limit", 20, high=search_service.MAX_PER_PAGE)
    page = query_int(request, "page", 1, high=1000)
    group = search_service.group_for(params.get("group"))
    results = await search_service.search(
        search_index(request),
        params.get("q", ""),
        filters,
        page=page,
        per_page=limit,
        facets=params.get("facets") in ("1", "true"),
        group=group,
    )
    names = await community_names(actor, results.hits)
    body: dict[str, Any] = {
        "total": results.total,
        "items": [grouped_hit(h, names) for h in results.hits],
        "next": str(page + 1) if page * limit < results.total else None,
        "suggestion": results.suggestion,
        "group": group,
        "fallback": results.fallback,
    }
    if results.facets:
        body["facets"] = results.facets
    return json_response(body)


async def community_names(actor: User | None, hits: list[Hit]) -> dict[str, str]:
    """slug -> name of the communities the hits are in (all of them readable by the actor)."""
    if not hits:
        return {}
    return {c.slug: c.name for c in await communities.list_visible(actor)}


def named_hit(h: Hit, names: dict[str, str]) -> dict[str, Any]:
    return {**serialize.hit(h), "community_name": names.get(h.community, h.community)}


def grouped_hit(h: Hit, names: dict[str, str]) -> dict[str, Any]:
    """A result with how many of its thread's posts matched and a few of the others."""
    return {
        **named_hit(h, names),
        "matches": h.matches,
        "other_matches": [
            {"post_id": o.post_id, "author": o.author, "url": f"/p/{o.post_id}"} for o in h.others
        ],
    }


async def similar_threads(request: Request) -> Response:
    actor = await api_actor(request)
    title = request.query_params.get("title", "")[:200]
    hits = await search_service.similar(search_index(request), actor, title)
    names = await community_names(actor, hits)
    return json_response(serialize.listing([named_hit(h, names) for h in hits]))


routes = [
    Route("/api/v1/search", search, methods=["GET"]),
    Route("/api/v1/search/similar", similar_threads, methods=["GET"]),
]
