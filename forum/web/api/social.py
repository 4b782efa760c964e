"""Reactions, bookmarks and watching in the API."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import communities, posts, serialize, social, threads
from forum.web.http import api_actor, json_response, path_int, read_json


async def add_reaction(request: Request) -> Response:
    actor = await api_actor(request)
    post = await posts.get(actor, path_int(request, "id"))
    data = await read_json(request)
    return json_response(await social.react(actor, post, data.get("kind")))


async def remove_reaction(request: Request) -> Response:
    actor = await api_actor(request)
    post = await posts.get(actor, path_int(request, "id"))
    return json_response(await social.react(actor, post, request.path_params["kind"], on=False))


async def bookmark(request: Request) -> Response:
    actor = await api_actor(request)
    thread = await threads.get(actor, path_int(request, "id"))
    await social.bookmark(actor, thread, on=request.method == "PUT")
    return json_response({"thread_id": thread.id, "bookmarked": request.method == "PUT"})


async def my_bookmarks(request: Request) -> Response:
    actor = await api_actor(request)
    rows = await social.bookmarks(actor)
    return json_response(serialize.listing([serialize.thread(t) for t in rows]))


async def thread_subscription(request: Request) -> Response:
    actor = await api_actor(request)
    thread = await threads.get(actor, path_int(request, "id"))
    data = await read_json(request)
    level = await social.set_level(actor, data.get("level"), thread=thread)
    return json_response({"thread_id": thread.id, "level": level})


async def community_subscription(request: Request) -> Response:
    actor = await api_actor(request)
    community = await communities.get(actor, request.path_params["slug"])
    data = await read_json(request)
    level = await social.set_level(actor, data.get("level"), community=community)
    return json_response({"community": community.slug, "level": level})


routes = [
    Route("/api/v1/posts/{id}/reactions", add_reaction, methods=["POST"]),
    Route("/api/v1/posts/{id}/reactions/{kind}", remove_reaction, methods=["DELETE"]),
    Route("/api/v1/threads/{id}/bookmark", bookmark, methods=["PUT", "DELETE"]),
    Route("/api/v1/me/bookmarks", my_bookmarks, methods=["GET"]),
    Route("/api/v1/threads/{id}/subscription", thread_subscription, methods=["PUT"]),
    Route("/api/v1/communities/{slug}/subscription", community_subscription, methods=["PUT"]),
]
