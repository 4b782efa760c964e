"""The forms for reactions, bookmarks and watching, and the bookmarks page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import communities, posts, social, threads
from forum.web.http import path_int
from forum.web.render import form_text, page_actor, posted_form, redirect, render, signed_in


async def react_form(request: Request) -> Response:
    user, form = await posted_form(request)
    post = await posts.get(user, path_int(request, "id"))
    if form_text(form, "toggle"):  # the thread page's one reaction form: a button per kind
        await social.toggle(user, post, form_text(form, "toggle"))
    else:
        await social.react(user, post, form_text(form, "kind"), on=form_text(form, "on") != "0")
    return redirect(request, f"/p/{post.id}")


async def bookmark_form(request: Request) -> Response:
    user, form = await posted_form(request)
    thread = await threads.get(user, path_int(request, "id"))
    on = form_text(form, "on") != "0"
    await social.bookmark(user, thread, on=on)
    return redirect(
        request, f"/t/{thread.id}", "Bookmarked." if on else "Bookmark removed.", "info"
    )


async def watch_thread_form(request: Request) -> Response:
    user, form = await posted_form(request)
    thread = await threads.get(user, path_int(request, "id"))
    level = await social.set_level(user, form_text(form, "level"), thread=thread)
    words = {
        "watching": "You will be told about every new reply.",
        "muted": "Muted: no notifications from this thread.",
        "normal": "Back to normal notifications.",
    }
    return redirect(request, f"/t/{thread.id}", words[level], "info")


async def watch_community_form(request: Request) -> Response:
    user, form = await posted_form(request)
    community = await communities.get(user, request.path_params["slug"])
    level = await social.set_level(user, form_text(form, "level"), community=community)
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
    Route("/p/{id}/react", react_form, methods=["POST"]),
    Route("/t/{id}/bookmark", bookmark_form, methods=["POST"]),
    Route("/t/{id}/watch", watch_thread_form, methods=["POST"]),
    Route("/c/{slug}/watch", watch_community_form, methods=["POST"]),
    Route("/bookmarks", bookmarks_page, methods=["GET"]),
]
