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
    names = ("q", "community", "tag", "author", "kind", "group", "thread", "from", "to")
    params = {k: request.query_params.get(k, "")[:300] for k in names}
    page = query_int(request, "page", 1, high=1000)
    per_page = 20
    results, error = None, None
    group = "thread"
    chosen = params["tag"] or params["author"] or params["community"] or params["thread"]
    if params["q"].strip() or chosen:
        try:
            group = search_service.group_for(params["group"] or None)
            filters = await search_service.filters_for(
                user,
                community=params["community"] or None,
                tag=params["tag"] or None,
                author=params["author"] or None,
                kind=params["kind"] or None,
                thread=params["thread"] or None,
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
                group=group,
            )
        except (BadRequest, Invalid) as exc:
            error = exc.message

    def page_url(n: int) -> str:
        return "?" + urlencode({**{k: v for k, v in params.items() if v}, "page": n})

    def facet_url(name: str, value: str) -> str:
        return "?" + urlencode({**{k: v for k, v in params.items() if v}, name: value})

    def thread_url(thread_id: int) -> str:
        """Every matching post of one thread."""
        return "?" + urlencode({"q": params["q"], "thread": thread_id, "group": "post"})

    def without(*names: str) -> str:
        return "?" + urlencode({k: v for k, v in params.items() if v and k not in names})

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
            "thread_url": thread_url,
            "without": without,
            "group": group,
            # Filters in use open the filter panel (it starts closed on a phone).
            "filtering": any(params[k] for k in names if k not in ("q", "thread")),
            "communities": readable,
            "community_names": {c.slug: c.name for c in readable},
            "dates": search_service.DATE_RANGE,
        },
        400 if error else 200,
    )


routes = [
    Route("/search", search_page, methods=["GET"]),
]
