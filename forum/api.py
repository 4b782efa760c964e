"""The JSON API (/api/v1), as promised in API.md. Routes parse, resolve the actor, call one
service and shape the answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import (
    accounts,
    communities,
    permissions,
    posts,
    reads,
    serialize,
    threads,
    validation,
)
from forum.errors import BadRequest, Invalid, NotSignedIn
from forum.web import page_cache
from forum.web.http import api_actor, authenticate, json_response, path_int, query_int, read_json
from forum.web.limits import hit
from moderation import actions
from search import service as search_service
from search.port import SearchIndex


def _page(items: list[dict], next_cursor: str | None) -> dict:
    return {"items": items, "next": next_cursor}


# Accounts


async def register(request: Request) -> Response:
    await api_actor(request)
    await hit(request, "register")
    data = await read_json(request)
    user = await accounts.register(
        data.get("username"),
        data.get("email"),
        data.get("password"),
        data.get("display_name"),
        data.get("role"),
        data.get("sector"),
    )
    return json_response(serialize.user(user), 201)


async def create_token(request: Request) -> Response:
    data = await read_json(request)
    username = data.get("username")
    await hit(
        request, "login", key=username.strip().lower()[:30] if isinstance(username, str) else "?"
    )
    user = await accounts.authenticate(data.get("username"), data.get("password"))
    if user is None:
        raise NotSignedIn("Wrong username or password.", code="bad_credentials")
    token, _ = await accounts.create_token(user, data.get("name") or "API token")
    return json_response({"token": token, "user": serialize.user(user)}, 201)


async def revoke_token(request: Request) -> Response:
    auth = await authenticate(request)
    if auth.via != "token":
        raise NotSignedIn("Send the token to revoke as 'Authorization: Bearer <token>'.")
    token = request.headers["authorization"].partition(" ")[2].strip()
    await accounts.revoke_token(token)
    return json_response({"status": "revoked"})


async def me(request: Request) -> Response:
    user = permissions.require_signed_in(await api_actor(request), "see your account")
    return json_response(serialize.me(user))


async def update_me(request: Request) -> Response:
    user = permissions.require_signed_in(await api_actor(request), "edit your profile")
    data = await read_json(request)
    await accounts.update_profile(
        user,
        user,
        display_name=data.get("display_name", user.display_name),
        role=data.get("role", user.role),
        sector=data.get("sector", user.sector),
        bio=data.get("bio", user.bio),
    )
    return json_response(serialize.me(user))


async def user_profile(request: Request) -> Response:
    await api_actor(request)
    user = await accounts.get_by_username(request.path_params["username"])
    return json_response(serialize.user(user))


# Communities


async def list_communities(request: Request) -> Response:
    actor = await api_actor(request)
    kind = request.query_params.get("kind") or None
    rows = await communities.list_visible(actor, kind)
    status = await permissions.memberships(actor)
    return json_response(_page([serialize.community(c, status.get(c.id)) for c in rows], None))


async def create_community(request: Request) -> Response:
    actor = await api_actor(request)
    data = await read_json(request)
    community = await actions.create_community(
        actor,
        slug=data.get("slug"),
        name=data.get("name"),
        description=data.get("description", ""),
        kind=data.get("kind"),
        visibility=data.get("visibility", "public"),
    )
    return json_response(serialize.community(community), 201)


async def get_community(request: Request) -> Response:
    actor = await api_actor(request)
    community = await communities.get(actor, request.path_params["slug"])
    return json_response(
        serialize.community(community, await permissions.status_in(actor, community))
    )


async def join(request: Request) -> Response:
    actor = await api_actor(request)
    community = await communities.find_for_membership(actor, request.path_params["slug"])
    status = await communities.join(actor, community)
    return json_response({"status": status})


async def leave(request: Request) -> Response:
    actor = await api_actor(request)
    community = await communities.find_for_membership(actor, request.path_params["slug"])
    left = await communities.leave(actor, community)
    return json_response({"status": "left" if left else "not_member"})


async def list_members(request: Request) -> Response:
    actor = await api_actor(request)
    community = await communities.get(actor, request.path_params["slug"])
    rows = await communities.members(actor, community, request.query_params.get("status") or None)
    return json_response(_page([serialize.member(m) for m in rows], None))


async def set_member(request: Request) -> Response:
    actor = await api_actor(request)
    community = await communities.get(actor, request.path_params["slug"])
    data = await read_json(request)
    status = await actions.set_member_status(
        actor,
        community,
        request.path_params["username"],
        data.get("status"),
        str(data.get("note") or ""),
    )
    return json_response({"username": request.path_params["username"].lower(), "status": status})


# Threads and posts


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
    return json_response(_page([reads.thread_json(t) for t in rows], next_cursor))


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
    thread = await reads.thread(actor, thread_id)
    after = request.query_params.get("after")
    after_id = path_int_value(after) if after else None
    page = await reads.post_page(
        actor, thread, after_id=after_id, limit=query_int(request, "limit", 50, high=reads.PAGE_MAX)
    )
    body = reads.thread_json(thread)
    body["posts"] = [
        reads.post_json(p, show_body=p.id not in page.hidden_bodies) for p in page.posts
    ]
    body["next"] = str(page.posts[-1].id) if page.more and page.posts else None
    response = json_response(body)
    if cache_key is not None:
        page_cache.of(request).put((*cache_key, thread.version), bytes(response.body))
    return response


def path_int_value(raw: str) -> int:
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


async def get_post(request: Request) -> Response:
    actor = await api_actor(request)
    post = await posts.get(actor, path_int(request, "id"))
    show = await permissions.can_see_post_body(actor, post, post.thread.community)
    return json_response(serialize.post(post, show_body=show))


async def edit_post(request: Request) -> Response:
    actor = await api_actor(request)
    post = await posts.get(actor, path_int(request, "id"))
    data = await read_json(request)
    await posts.edit(actor, post, body=data.get("body"))
    return json_response(serialize.post(post))


async def delete_post(request: Request) -> Response:
    actor = await api_actor(request)
    post = await posts.get(actor, path_int(request, "id"))
    await posts.delete(actor, post)
    return json_response(serialize.post(post, show_body=False))


async def post_history(request: Request) -> Response:
    actor = await api_actor(request)
    post = await posts.get(actor, path_int(request, "id"))
    rows = await posts.history(actor, post)
    return json_response(_page([serialize.revision(r) for r in rows], None))


async def healthz(request: Request) -> Response:
    return json_response({"status": "ok"})


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/api/v1/auth/register", register, methods=["POST"]),
    Route("/api/v1/auth/token", create_token, methods=["POST"]),
    Route("/api/v1/auth/token", revoke_token, methods=["DELETE"]),
    Route("/api/v1/me", me, methods=["GET"]),
    Route("/api/v1/me", update_me, methods=["PATCH"]),
    Route("/api/v1/users/{username}", user_profile, methods=["GET"]),
    Route("/api/v1/communities", list_communities, methods=["GET"]),
    Route("/api/v1/communities", create_community, methods=["POST"]),
    Route("/api/v1/communities/{slug}", get_community, methods=["GET"]),
    Route("/api/v1/communities/{slug}/join", join, methods=["POST"]),
    Route("/api/v1/communities/{slug}/leave", leave, methods=["POST"]),
    Route("/api/v1/communities/{slug}/members", list_members, methods=["GET"]),
    Route("/api/v1/communities/{slug}/members/{username}", set_member, methods=["POST"]),
    Route("/api/v1/communities/{slug}/threads", list_threads, methods=["GET"]),
    Route("/api/v1/communities/{slug}/threads", create_thread, methods=["POST"]),
    Route("/api/v1/threads/{id}", get_thread, methods=["GET"]),
    Route("/api/v1/threads/{id}", thread_moderation, methods=["PATCH"]),
    Route("/api/v1/threads/{id}/posts", reply, methods=["POST"]),
    Route("/api/v1/posts/{id}", get_post, methods=["GET"]),
    Route("/api/v1/posts/{id}", edit_post, methods=["PATCH"]),
    Route("/api/v1/posts/{id}", delete_post, methods=["DELETE"]),
    Route("/api/v1/posts/{id}/history", post_history, methods=["GET"]),
]


# Search


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
    return json_response({"items": [serialize.hit(h) for h in hits], "next": None})


routes += [
    Route("/api/v1/search", search, methods=["GET"]),
    Route("/api/v1/search/similar", similar_threads, methods=["GET"]),
]
