"""Thread pages: reading a thread page by page, starting one, replying, pinning and locking."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from forum import communities, courses, permissions, posts, reads, social, threads, validation
from forum.errors import DomainError, Invalid
from forum.events import reads as event_reads
from forum.models import User
from forum.web import page_cache
from forum.web.http import path_int, query_int, settings_of
from forum.web.limits import hit
from forum.web.render import (
    REFUSED,
    ReactionMarks,
    form_errors,
    form_text,
    page_actor,
    posted_form,
    redirect,
    render,
    render_refused,
    signed_in,
)
from moderation import actions


async def thread_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    thread_id = path_int(request, "id")
    # Anonymous visitors share one rendering per thread version (see forum/web/page_cache.py); a
    # hit costs one indexed row, on which the permission check is made again.
    cache_key = page_cache.key(request, "page", thread_id, "page") if user is None else None
    if cache_key is not None:
        stamp = await reads.thread_stamp(thread_id)
        if stamp is not None and await reads.can_see(None, stamp):
            cached = page_cache.of(request).get((*cache_key, stamp.version))
            if cached is not None:
                return HTMLResponse(cached)
    thread = await reads.thread(user, thread_id, cache=page_cache.memo(request, "thread"))
    forward = permissions.forwards_to(thread)
    if forward:
        return RedirectResponse(f"/t/{forward}", status_code=301)
    per_page = settings_of(request).posts_per_page
    pages = reads.page_count(thread, per_page)
    page_no = query_int(request, "page", 1, high=max(pages, 1))
    if "reply_to" in request.query_params or "event" in thread.tags:
        # A reply box quoting a post, or an event's discussion (its box shows the reader's
        # answer): this reader's own page.
        response = await render(
            request, "thread.html", await thread_context(request, user, thread, page_no, pages)
        )
    else:
        response = await shared_thread_page(request, user, thread, page_no, pages)
    if (
        cache_key is not None
        and response.status_code == 200
        and not request.scope.get("chaupal.csrf_used")
    ):
        page_cache.of(request).put((*cache_key, thread.version), bytes(response.body))
    return response


async def shared_thread_page(
    request: Request, user: User | None, thread: reads.ThreadView, page_no: int, pages: int
) -> HTMLResponse:
    """A page of a thread, rendered once for every reader to whom it is the same: the key holds
    the thread's version (every change to it or its posts bumps it) and what its page offers
    depends on in the reader (permissions.reader_class, which of its posts they wrote, whether
    they asked it, their suspension there, bookmark and watch level, edits of theirs waiting).
    The reactions they gave are marked per request."""
    page = await _page_of(request, user, thread, page_no)
    who = await permissions.reader(user)
    community = thread.community
    post_ids = [p.id for p in page.posts]
    mine = await social.thread_state(user, thread, post_ids)
    suspension = await permissions.suspension_notice(user, community)
    pending = await posts.pending_edits(user, community.id, {p.id: p.author.id for p in page.posts})
    key = (
        thread.id,
        thread.version,
        page_no,
        pages,
        permissions.reader_class(who, community.id),
        permissions.is_self(who, thread.author_id),
        tuple(p.id for p in page.posts if permissions.is_self(who, p.author_id)),
        suspension,
        mine.bookmarked,
        mine.level,
        tuple(sorted((pid, e.created_at, e.body) for pid, e in pending.items())),
    )

    async def build(_: object) -> dict[str, Any]:
        return await thread_context(request, user, thread, page_no, pages, page=page)

    return await page_cache.render_shared(request, "thread.html", key, build, reactions=mine.mine)


async def _page_of(
    request: Request, user: User | None, thread: reads.ThreadView, page_no: int
) -> reads.PostPageView:
    per_page = settings_of(request).posts_per_page
    return await reads.post_page(
        user,
        thread,
        from_number=(page_no - 1) * per_page + 1,
        to_number=page_no * per_page,
        limit=per_page,
        cache=page_cache.memo(request, "thread"),
    )


async def thread_context(
    request: Request,
    user: User | None,
    thread: reads.ThreadView,
    page_no: int,
    pages: int,
    *,
    page: reads.PostPageView | None = None,
    draft: str = "",
    reply_to: str = "",
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What thread.html shows: one page of posts, the reply box and the reader's choices.

    What every reader of a kind shares is kept by the thread's version (every change to the
    thread or its posts bumps it): the page's rows, reaction tallies and linked courses."""
    shared = page_cache.memo(request, "thread")
    if page is None:
        page = await _page_of(request, user, thread, page_no)
    community = thread.community
    post_ids = [p.id for p in page.posts]
    # What this reader may do here, decided once for the page by forum/permissions.py.
    who = await permissions.reader(user)
    facts = permissions.view_facts(thread, community.visibility)
    suspension = await permissions.suspension_notice(user, community)
    caps = permissions.thread_caps(who, facts, suspended=suspension is not None)
    post_caps = {
        p.id: permissions.post_caps(
            who, facts, caps, permissions.post_facts(p), has_note=bool(p.moderation_note)
        )
        for p in page.posts
    }
    reply_target = None
    wanted = reply_to or request.query_params.get("reply_to", "")
    wanted_id = validation.object_id(wanted)
    if wanted_id is not None:
        reply_target = await reads.reply_target(thread, wanted_id)
        if reply_target is not None and not draft and request.method == "GET":
            quoted = "\n".join(f"> {line}" for line in reply_target.body.splitlines()[:12])
            draft = f"**@{reply_target.author.username}** wrote:\n{quoted}\n\n"
    version_key = (thread.id, thread.version)
    tallies = shared.get(("tallies", *version_key, tuple(post_ids)))
    if tallies is None:
        tallies = await social.tallies(post_ids)
        shared.put(("tallies", *version_key, tuple(post_ids)), tallies)
    mine = await social.thread_state(user, thread, post_ids)
    pending_edits = await posts.pending_edits(
        user, community.id, {p.id: p.author.id for p in page.posts}
    )
    can_link = permissions.links_courses(who, author_id=thread.author_id, community_id=community.id)
    course_panel = shared.get(("courses", *version_key, can_link))
    if not isinstance(course_panel, courses.ThreadCourses):
        course_panel = await courses.thread_panel(user, thread, request.app.state.courses)
        shared.put(("courses", *version_key, can_link), course_panel)
    return {
        "thread": thread,
        "community": community,
        "page": page,
        "page_no": page_no,
        "pages": pages,
        "post_caps": post_caps,
        "pending_edits": pending_edits,
        "reactions": tallies,
        "reaction_marks": ReactionMarks(mine.mine),
        "reaction_kinds": social.REACTIONS,
        "course_panel": course_panel,
        "caps": caps,
        "suspension": suspension,
        "draft": draft,
        "reply_target": reply_target,
        "errors": errors or {},
        "bookmarked": mine.bookmarked,
        "watch_level": mine.level,
        # An event's discussion thread links back to it (tagged "event" when created).
        "event": await event_reads.for_thread(user, thread.id) if "event" in thread.tags else None,
    }


async def new_thread(request: Request) -> Response:
    user, _ = await page_actor(request)
    community = await communities.get(user, request.path_params["slug"])
    signed_in(user, "start a thread")
    values = {"title": "", "body": "", "tags": ""}
    errors: dict[str, str] = {}
    refused: DomainError | None = None
    if request.method == "POST":
        user, form = await posted_form(request)
        values = {k: form_text(form, k) for k in values}
        linked = await courses.chosen(form.getlist("course"))
        try:
            await hit(request, "post", user)
            thread, _ = await threads.start(user, community, **values)
            await courses.link_many(user, thread, [c.code for c in linked])
            return redirect(
                request, f"/t/{thread.id}", "Your thread is up.", sent=f"thread:{community.slug}"
            )
        except REFUSED as exc:
            errors, refused = form_errors(exc), exc
    else:
        await permissions.require_post_in(user, community)
        linked = await courses.chosen(request.query_params.getlist("course"))
    # What was written so far suggests courses (static/courses.js does it while typing).
    found = await courses.suggest_for_text(
        request.app.state.courses, values["title"], values["body"]
    )
    chosen = {c.code for c in linked}
    context = {
        "community": community,
        "values": values,
        "errors": errors,
        "linked": linked,
        "suggested": [s.course for s in found if s.course.code not in chosen],
    }
    if refused is not None:
        return await render_refused(request, "thread_new.html", context, refused)
    return await render(request, "thread_new.html", context)


async def post_reply(request: Request) -> Response:
    if request.method == "GET":  # the address of a refused reply, reloaded: the reply box
        return RedirectResponse(f"/t/{path_int(request, 'id')}#reply", status_code=303)
    user, form = await posted_form(request)
    thread = await threads.get(user, path_int(request, "id"))
    body, reply_to = form_text(form, "body"), form_text(form, "reply_to")
    try:
        await hit(request, "post", user)
        post = await posts.reply(user, thread, body=body, reply_to=reply_to or None)
    except REFUSED as exc:
        # The thread's last page again, with what was typed and what needs fixing.
        view = await reads.thread(user, thread.id)
        pages = reads.page_count(view, settings_of(request).posts_per_page)
        context = await thread_context(
            request,
            user,
            view,
            pages,
            pages,
            draft=body,
            reply_to=reply_to,
            errors=form_errors(exc, "body"),
        )
        return await render_refused(request, "thread.html", context, exc)
    page_no = posts.page_of(post, settings_of(request).posts_per_page)
    return redirect(
        request, f"/t/{thread.id}?page={page_no}#post-{post.number}", sent=f"reply:{thread.id}"
    )


async def moderate_thread(request: Request) -> Response:
    user, form = await posted_form(request)
    thread = await threads.get(user, path_int(request, "id"))
    action = form_text(form, "action")
    done = {
        "pin": ("pin_thread", True, "Pinned to the top of the community."),
        "unpin": ("pin_thread", False, "Unpinned."),
        "lock": ("lock_thread", True, "Locked: only moderators can reply now."),
        "unlock": ("lock_thread", False, "Unlocked: members can reply again."),
    }
    if action not in done:
        raise Invalid("Unknown action.", fields={"action": "must be pin, unpin, lock or unlock"})
    name, value, message = done[action]
    await getattr(actions, name)(user, thread, value, form_text(form, "note"))
    return redirect(request, f"/t/{thread.id}", message)


routes = [
    Route("/c/{slug}/new", new_thread, methods=["GET", "POST"]),
    Route("/t/{id}", thread_page, methods=["GET"]),
    Route("/t/{id}/reply", post_reply, methods=["GET", "POST"]),
    Route("/t/{id}/moderate", moderate_thread, methods=["POST"]),
]
