"""The search page: the query language, filters, facets and paging on the search service."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import communities
from forum.errors import BadRequest, Invalid
from forum.web.http import query_int
from forum.web.render import page_actor, render
from search import service as search_service


async def search_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    names = ("q", "community", "tag", "author", "kind", "from", "to")
    params = {k: request.query_params.get(k, "")[:300] for k in names}
    page = query_int(request, "page", 1, high=1000)
    per_page = 20
    results, error = None, None
    if params["q"].strip() or params["tag"] or params["author"] or params["community"]:
        try:
            filters = await search_service.filters_for(
                user,
                community=params["community"] or None,
                tag=params["tag"] or None,
                author=params["author"] or None,
                kind=params["kind"] or None,
                since=params["from"] or None,
                until=params["to"] or None,
            )
            results = await search_service.search(
                request.app.state.search,
                params["q"],
                filters,
                page=page,
                per_page=per_page,
                facets=True,
            )
        except (BadRequest, Invalid) as exc:
            error = exc.message

    def page_url(n: int) -> str:
        return "?" + urlencode({**{k: v for k, v in params.items() if v}, "page": n})

    def facet_url(name: str, value: str) -> str:
        return "?" + urlencode({**{k: v for k, v in params.items() if v}, name: value})

    readable = await communities.list_visible(user)
    return await render(
        request,
        "search.html",
        {
            "q": params["q"],
            "search_q": params["q"],
            "params": params,
            "results": results,
            "error": error,
            "page": page,
            "per_page": per_page,
            "page_url": page_url,
            "facet_url": facet_url,
            "communities": readable,
            "community_names": {c.slug: c.name for c in readable},
            "dates": search_service.DATE_RANGE,
        },
        400 if error else 200,
    )


routes = [
    Route("/search", search_page, methods=["GET"]),
]
