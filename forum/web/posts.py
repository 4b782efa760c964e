"""Post pages: a post's own link, editing, deleting and the edit history."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from forum import permissions, posts
from forum.errors import DomainError
from forum.web.http import path_int, settings_of
from forum.web.render import (
    REFUSED,
    form_errors,
    form_text,
    page_actor,
    posted_form,
    redirect,
    render,
    render_refused,
)


async def post_link(request: Request) -> Response:
    user, _ = await page_actor(request)
    post = await posts.get(user, path_int(request, "id"))
    page_no = posts.page_of(post, settings_of(request).posts_per_page)
    return RedirectResponse(
        f"/t/{post.thread.id}?page={page_no}#post-{post.number}", status_code=303
    )


async def edit_post(request: Request) -> Response:
    user, _ = await page_actor(request)
    post = await posts.get(user, path_int(request, "id"))
    thread = post.thread
    await permissions.require_edit_post(user, post, thread, thread.community)
    pending = await posts.pending_edit(user, post)
    body = pending.body if pending else post.body
    errors: dict[str, str] = {}
    refused: DomainError | None = None
    if request.method == "POST":
        user, form = await posted_form(request)
        body = form_text(form, "body")
        try:
            outcome = await posts.edit(user, post, body=body)
            page_no = posts.page_of(post, settings_of(request).posts_per_page)
            message, kind = EDIT_OUTCOMES[outcome]
            return redirect(
                request, f"/t/{thread.id}?page={page_no}#post-{post.number}", message, kind
            )
        except REFUSED as exc:  # a blocked word, or the text of another recent post
            errors, refused = form_errors(exc, "body"), exc
    context = {"post": post, "thread": thread, "body": body, "errors": errors, "pending": pending}
    if refused is not None:
        return await render_refused(request, "post_edit.html", context, refused)
    return await render(request, "post_edit.html", context)


EDIT_OUTCOMES = {
    posts.SAVED: ("Your changes are saved.", "success"),
    posts.UNCHANGED: ("Nothing changed.", "info"),
    posts.HELD: (
        "Your edit is waiting for a moderator's review. Until it is approved, readers see the "
        "earlier version.",
        "info",
    ),
}


async def delete_post(request: Request) -> Response:
    user, _ = await posted_form(request)
    post = await posts.get(user, path_int(request, "id"))
    thread = post.thread
    await posts.delete(user, post)
    if permissions.is_removed(thread):  # it went with its only post
        return redirect(request, f"/c/{thread.community.slug}", "The thread was deleted.", "info")
    page_no = posts.page_of(post, settings_of(request).posts_per_page)
    return redirect(
        request,
        f"/t/{thread.id}?page={page_no}#post-{post.number}",
        "The post was removed.",
        "info",
    )


async def post_history(request: Request) -> Response:
    user, _ = await page_actor(request)
    post = await posts.get(user, path_int(request, "id"))
    revisions = await posts.history(user, post)
    show = await permissions.can_see_post_body(user, post, post.thread.community)
    return await render(
        request,
        "post_history.html",
        {"post": post, "thread": post.thread, "revisions": revisions, "show": show},
    )


routes = [
    Route("/p/{id}", post_link, methods=["GET"]),
    Route("/p/{id}/edit", edit_post, methods=["GET", "POST"]),
    Route("/p/{id}/delete", delete_post, methods=["POST"]),
    Route("/p/{id}/history", post_history, methods=["GET"]),
]
