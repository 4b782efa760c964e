"""Posts in the API: reading one, editing, deleting and the edit history."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import permissions, posts, serialize
from forum.web.http import api_actor, json_response, path_int, read_json


async def get_post(request: Request) -> Response:
    actor = await api_actor(request)
    post = await posts.get(actor, path_int(request, "id"))
    show = await permissions.can_see_post_body(actor, post, post.thread.community)
    body = serialize.post(post, show_body=show)
    body["pending_edit"] = serialize.pending_edit(await posts.pending_edit(actor, post))
    return json_response(body)


async def edit_post(request: Request) -> Response:
    """The post as readers now see it; `edit_status` "held" means the new text waits for
    review (`pending_edit`)."""
    actor = await api_actor(request)
    post = await posts.get(actor, path_int(request, "id"))
    data = await read_json(request)
    outcome = await posts.edit(actor, post, body=data.get("body"))
    body = serialize.post(post)
    body["edit_status"] = outcome
    body["pending_edit"] = serialize.pending_edit(await posts.pending_edit(actor, post))
    return json_response(body)


async def delete_post(request: Request) -> Response:
    actor = await api_actor(request)
    post = await posts.get(actor, path_int(request, "id"))
    await posts.delete(actor, post)
    return json_response(serialize.post(post, show_body=False))


async def post_history(request: Request) -> Response:
    actor = await api_actor(request)
    post = await posts.get(actor, path_int(request, "id"))
    rows = await posts.history(actor, post)
    return json_response(serialize.listing([serialize.revision(r) for r in rows]))


routes = [
    Route("/api/v1/posts/{id}", get_post, methods=["GET"]),
    Route("/api/v1/posts/{id}", edit_post, methods=["PATCH"]),
    Route("/api/v1/posts/{id}", delete_post, methods=["DELETE"]),
    Route("/api/v1/posts/{id}/history", post_history, methods=["GET"]),
]
