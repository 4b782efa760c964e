"""Threads in the API: a community's list, starting one, reading one with its posts, replying,
and the moderators' and asker's changes (PATCH)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import communities, permissions, posts, reads, serialize, threads, validation
from forum.errors import BadRequest, Invalid
from forum.web import page_cache
from forum.web.http import api_actor, json_response, path_int, query_int, read_json
from forum.web.limits import hit
from moderation import actions


async def list_threads(request: Request) -> Response:
    actor = await api_actor(request)
    community = await reads.community(actor, request.path_params["slug"])
    rows, next_cursor = await reads.threads_in(
        actor,
        community,
        cursor=request.query_params.get("cursor") or None,
        limit=query_int(request, "limit", 25, high=reads.PAGE_MAX),
        tag=request.query_params.get("tag") or None,
    )
    return json_response(serialize.listing([reads.thread_json(t) for t in rows], next_cursor))


async def create_thread(request: Request) -> Response:
    actor = await api_actor(request)
    community = await communities.get(actor, request.path_params["slug"])
    await hit(request, "post", actor)
    data = await read_json(request)
    thread, post = await threads.start(
        actor, community, title=data.get("title"), body=data.get("body"), tags=data.get("tags")
    )
    body = serialize.thread(thread)
    body["posts"] = [serialize.post(post)]
    return json_response(body, 201)


async def get_thread(request: Request) -> Response:
    actor = await api_actor(request)
    thread_id = path_int(request, "id")
    # Anonymous callers share one answer per thread version (see forum/web/page_cache.py); a hit
    # costs one indexed row, on which the permission check is made again.
    cache_key = (
        page_cache.key(request, "json", thread_id, "after", "limit") if actor is None else None
    )
    if cache_key is not None:
        stamp = await reads.thread_stamp(thread_id)
        if stamp is not None and await reads.can_see(None, stamp):
            cached = page_cache.of(request).get((*cache_key, stamp.version))
            if cached is not None:
                return Response(cached, media_type="application/json")
    shared = page_cache.memo(request, "thread")
    thread = await reads.thread(actor, thread_id, cache=shared)
    after = request.query_params.get("after")
    after_id = after_cursor(after) if after else None
    page = await reads.post_page(
        actor,
        thread,
        after_id=after_id,
        limit=query_int(request, "limit", 50, high=reads.PAGE_MAX),
        cache=shared,
    )
    # The answer holds nothing personal: readers who are shown the same posts, with the same
    # bodies, of the same version share its bytes.
    key = (
        "json",
        thread.id,
        thread.version,
        tuple((p.id, p.id in page.hidden_bodies) for p in page.posts),
        page.more,
    )
    found = shared.get(key)
    if isinstance(found, bytes):
        return Response(found, media_type="application/json")
    body = reads.thread_json(thread)
    body["posts"] = [
        reads.post_json(p, show_body=p.id not in page.hidden_bodies) for p in page.posts
    ]
    body["next"] = str(page.posts[-1].id) if page.more and page.posts else None
    response = json_response(body)
    shared.put(key, bytes(response.body))
    if cache_key is not None:
        page_cache.of(request).put((*cache_key, thread.version), bytes(response.body))
    return response


def after_cursor(raw: str) -> int:
    """?after=: the id of the last post the caller has."""
    found = validation.object_id(raw)
    if found is None:
        raise BadRequest("'after' must be a post id.", code="bad_cursor")
    return found


async def reply(request: Request) -> Response:
    actor = await api_actor(request)
    thread = await threads.get(actor, path_int(request, "id"))
    await hit(request, "post", actor)
    data = await read_json(request)
    post = await posts.reply(actor, thread, body=data.get("body"), reply_to=data.get("reply_to"))
    return json_response(serialize.post(post), 201)


async def thread_moderation(request: Request) -> Response:
    """PATCH /api/v1/threads/{id} with any of "pinned", "locked", "featured" (moderators),
    "tags" and "accepted_post_id" (the asker or a moderator), and an optional "note"."""
    actor = await api_actor(request)
    thread = await threads.get(actor, path_int(request, "id"))
    data = await read_json(request)
    for field in ("pinned", "locked", "featured"):
        if field in data and not isinstance(data[field], bool):
            raise Invalid(
                f"'{field}' must be true or false.", fields={field: "must be true or false"}
            )
    accepted: int | None = None
    if data.get("accepted_post_id") is not None:
        accepted = validation.object_id(data["accepted_post_id"])
        if accepted is None:
            raise Invalid(
                "accepted_post_id must be a post id.", fields={"accepted_post_id": "must be an id"}
            )
    note = str(data.get("note") or "")[:500]
    if "pinned" in data:
        await actions.pin_thread(actor, thread, data["pinned"], note)
    if "locked" in data:
        await actions.lock_thread(actor, thread, data["locked"], note)
    if "featured" in data:
        await actions.feature_thread(actor, thread, data["featured"], note)
    if "tags" in data:
        await actions.retag_thread(actor, thread, data["tags"], note)
    if "accepted_post_id" in data:
        await actions.accept_answer(actor, thread, accepted, note)
    if not {"pinned", "locked", "featured", "tags", "accepted_post_id"} & set(data):
        permissions.require_signed_in(actor)
        await permissions.require_moderate(actor, thread.community)
    return json_response(serialize.thread(thread))


routes = [
    Route("/api/v1/communities/{slug}/threads", list_threads, methods=["GET"]),
    Route("/api/v1/communities/{slug}/threads", create_thread, methods=["POST"]),
    Route("/api/v1/threads/{id}", get_thread, methods=["GET"]),
    Route("/api/v1/threads/{id}", thread_moderation, methods=["PATCH"]),
    Route("/api/v1/threads/{id}/posts", reply, methods=["POST"]),
]
