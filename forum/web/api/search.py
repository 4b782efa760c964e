"""Search in the API: results with facets and suggestions, and similar threads by title."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import serialize
from forum.web.http import api_actor, json_response, query_int
from search import service as search_service
from search.port import SearchIndex


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
        since=params.get("from"),
        until=params.get("to"),
    )
    limit = query_int(request, "limit", 20, high=search_service.MAX_PER_PAGE)
    page = query_int(request, "page", 1, high=1000)
    results = await search_service.search(
        search_index(request),
        params.get("q", ""),
        filters,
        page=page,
        per_page=limit,
        facets=params.get("facets") in ("1", "true"),
    )
    body = {
        "total": results.total,
        "items": [serialize.hit(h) for h in results.hits],
        "next": str(page + 1) if page * limit < results.total else None,
        "suggestion": results.suggestion,
    }
    if results.facets:
        body["facets"] = results.facets
    return json_response(body)


async def similar_threads(request: Request) -> Response:
    actor = await api_actor(request)
    title = request.query_params.get("title", "")[:200]
    hits = await search_service.similar(search_index(request), actor, title)
    return json_response(serialize.listing([serialize.hit(h) for h in hits]))


routes = [
    Route("/api/v1/search", search, methods=["GET"]),
    Route("/api/v1/search/similar", similar_threads, methods=["GET"]),
]
