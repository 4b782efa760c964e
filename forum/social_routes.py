"""Routes for reactions, bookmarks and watching: the JSON API and the page forms."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import communities, posts, serialize, social, threads
from forum.pages import _s, page_actor, posted_form, redirect, render, signed_in
from forum.web.http import api_actor, json_response, path_int, read_json

# API


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
    return json_response({"items": [serialize.thread(t) for t in rows], "next": None})


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


# Pages


async def react_form(request: Request) -> Response:
    user, form = await posted_form(request)
    post = await posts.get(user, path_int(request, "id"))
    await social.react(user, post, _s(form, "kind"), on=_s(form, "on") != "0")
    return redirect(request, f"/p/{post.id}")


async def bookmark_form(request: Request) -> Response:
    user, form = await posted_form(request)
    thread = await threads.get(user, path_int(request, "id"))
    on = _s(form, "on") != "0"
    await social.bookmark(user, thread, on=on)
    return redirect(
        request, f"/t/{thread.id}", "Bookmarked." if on else "Bookmark removed.", "info"
    )


async def watch_thread_form(request: Request) -> Response:
    user, form = await posted_form(request)
    thread = await threads.get(user, path_int(request, "id"))
    level = await social.set_level(user, _s(form, "level"), thread=thread)
    words = {
        "watching": "You will be told about every new reply.",
        "muted": "Muted: no notifications from this thread.",
        "normal": "Back to normal notifications.",
    }
    return redirect(request, f"/t/{thread.id}", words[level], "info")


async def watch_community_form(request: Request) -> Response:
    user, form = await posted_form(request)
    community = await communities.get(user, request.path_params["slug"])
    level = await social.set_level(user, _s(form, "level"), community=community)
    words = {
        "watching": "You will be told about every new post here.",
        "muted": "Muted: no notifications from this community.",
        "normal": "Back to normal notifications.",
    }
    return redirect(request, f"/c/{community.slug}", words[level], "info")


async def bookmarks_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    rows = await social.bookmarks(signed_in(user, "see your bookmarks"))
    return await render(request, "bookmarks.html", {"threads": rows})


routes = [
    Route("/api/v1/posts/{id}/reactions", add_reaction, methods=["POST"]),
    Route("/api/v1/posts/{id}/reactions/{kind}", remove_reaction, methods=["DELETE"]),
    Route("/api/v1/threads/{id}/bookmark", bookmark, methods=["PUT", "DELETE"]),
    Route("/api/v1/me/bookmarks", my_bookmarks, methods=["GET"]),
    Route("/api/v1/threads/{id}/subscription", thread_subscription, methods=["PUT"]),
    Route("/api/v1/communities/{slug}/subscription", community_subscription, methods=["PUT"]),
    Route("/p/{id}/react", react_form, methods=["POST"]),
    Route("/t/{id}/bookmark", bookmark_form, methods=["POST"]),
    Route("/t/{id}/watch", watch_thread_form, methods=["POST"]),
    Route("/c/{slug}/watch", watch_community_form, methods=["POST"]),
    Route("/bookmarks", bookmarks_page, methods=["GET"]),
]
