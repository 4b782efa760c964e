"""Moderation and curation pages: the review queue, the audit log, community policy settings,
flagging, thread curation, and notifications."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import accounts, communities, notifications, permissions, posts, threads, validation
from forum.errors import BadRequest, Conflict, DomainError, Invalid, NotFound, PermissionDenied
from forum.models import Thread, User
from forum.web import page_cache
from forum.web.http import path_int, query_int
from forum.web.limits import hit
from forum.web.render import (
    REFUSED,
    form_errors,
    form_text,
    page_actor,
    posted_form,
    redirect,
    render,
    render_refused,
    signed_in,
)
from moderation import actions, audit, policies, queue

# The queue's buttons, per kind of item: each API action named for what it does there. Where
# two actions do the same (approve and dismiss keep a reported post; reject and hide hide it),
# the page offers one of them.
DECISIONS: dict[str, list[tuple[str, str]]] = {
    "flagged_post": [
        ("dismiss", "Keep post"),
        ("hide", "Hide post"),
        ("delete", "Remove post"),
        ("suspend_author", "Hide post and suspend author"),
    ],
    "queued_post": [
        ("approve", "Publish post"),
        ("reject", "Decline post"),
        ("delete", "Remove post"),
        ("suspend_author", "Decline post and suspend author"),
    ],
    "queued_edit": [
        ("approve", "Publish edit"),
        ("reject", "Keep earlier text"),
        ("suspend_author", "Keep earlier text and suspend author"),
    ],
    "join_request": [("approve", "Let them join"), ("reject", "Decline request")],
    "user": [("dismiss", "Take no action"), ("suspend_author", "Suspend account")],
}
# What a decision is called on any kind (the API's other values, and decided items).
ACTION_LABELS = {
    "approve": "Keep post",
    "dismiss": "Keep post",
    "reject": "Decline",
    "hide": "Hide post",
    "delete": "Remove post",
    "suspend_author": "Suspend author",
    # Closed outside the queue: a join request decided on the members page, an edit its author
    # replaced or whose post went away.
    "member.approve": "Let them join (members page)",
    "member.decline": "Declined (members page)",
    "member.moderator": "Made moderator (members page)",
    "withdrawn": "Withdrawn",
}


def decision_label(kind: str, action: str) -> str:
    for value, label in DECISIONS.get(kind, []):
        if value == action:
            return label
    return ACTION_LABELS.get(action, action.replace("_", " "))


async def queue_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    user = await queue.require_moderator_somewhere(signed_in(user, "moderate"))
    params = {
        k: request.query_params.get(k, "")[:40] for k in ("community", "kind", "status", "reason")
    }
    older = request.query_params.get("older_than_hours", "")
    wanted = queue.QueueFilter(
        community=params["community"] or None,
        kind=params["kind"] or None,
        status=params["status"] or "open",
        reason=params["reason"] or None,
        older_than_hours=query_int(request, "older_than_hours", 0, low=0, high=24 * 365)
        if older
        else None,
    )
    error = None
    try:
        rows = await queue.list_items(user, wanted)
    except (Invalid, BadRequest) as exc:
        rows, error = [], exc.message
    who = await permissions.reader(user)
    moderated = permissions.moderated_by(who)
    choices = [
        c for c in await communities.list_visible(user) if moderated is None or c.id in moderated
    ]
    caps = {
        item.id: permissions.review_caps(who, kind=item.kind, status=item.status) for item in rows
    }
    reports = await queue.reports_of(rows)
    return await render(
        request,
        "moderation_queue.html",
        {
            "items": rows,
            "caps": caps,
            "params": params,
            "error": error,
            "communities": choices,
            "kinds": queue.KINDS,
            "reasons": queue.REASONS,
            "decisions": DECISIONS,
            "reports": reports,
            "label": decision_label,
        },
        400 if error else 200,
    )


async def decide(request: Request) -> Response:
    user, form = await posted_form(request)
    item = await queue.get_item(user, path_int(request, "id"))
    back = "/moderation?" + urlencode(
        {k: v for k, v in (("community", form_text(form, "back_community")),) if v}
    )
    try:
        await queue.decide(
            user,
            item,
            form_text(form, "action"),
            form_text(form, "note"),
            form_text(form, "days") or None,
        )
    except Conflict as exc:
        return redirect(request, back, exc.message, "error")
    except Invalid as exc:
        return redirect(request, back, exc.message, "error")
    return redirect(request, back, f"Done: {decision_label(item.kind, form_text(form, 'action'))}.")


async def log_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    user = signed_in(user, "read the audit log")
    params = {k: request.query_params.get(k, "")[:40] for k in ("community", "action", "actor")}
    error = None
    try:
        rows, next_cursor = await audit.entries(
            user,
            community=params["community"] or None,
            action=params["action"] or None,
            actor_name=params["actor"] or None,
            before=validation.object_id(request.query_params.get("before", "")),
        )
    except NotFound:  # a community typed into the address that they do not moderate
        rows, next_cursor, error = [], None, "Choose one of the communities you moderate."
    more = (
        "?" + urlencode({**{k: v for k, v in params.items() if v}, "before": next_cursor})
        if next_cursor
        else None
    )
    moderated = permissions.moderated_by(await permissions.reader(user))
    choices = [
        c for c in await communities.list_visible(user) if moderated is None or c.id in moderated
    ]
    return await render(
        request,
        "moderation_log.html",
        {
            "entries": await audit.shown(user, rows),
            "params": params,
            "more": more,
            "communities": choices,
            "error": error,
        },
        400 if error else 200,
    )


async def community_settings(request: Request) -> Response:
    user, _ = await page_actor(request)
    community = await communities.get(user, request.path_params["slug"])
    await permissions.require_moderate(user, community)
    errors: dict[str, str] = {}
    values = {
        "premoderation": community.premoderation,
        "new_user_posts": "" if community.new_user_posts is None else str(community.new_user_posts),
        "new_user_link_limit": ""
        if community.new_user_link_limit is None
        else str(community.new_user_link_limit),
        "flag_hide_score": ""
        if community.flag_hide_score is None
        else f"{community.flag_hide_score:g}",
        "word_filters": policies.word_filter_lines(list(community.word_filters or [])),
    }
    caps = permissions.community_caps(
        await permissions.reader(user), community.id, community.visibility
    )
    if caps.can_set_visibility:
        values["visibility"] = community.visibility
    if request.method == "POST":
        user, form = await posted_form(request)
        values = {k: form_text(form, k) for k in values}
        try:
            data: dict[str, object] = {k: values[k] for k in values if k != "word_filters"}
            data["premoderation"] = values["premoderation"] or "off"
            data["word_filters"] = policies.parse_word_filter_lines(values["word_filters"])
            changed = await actions.update_policy(user, community, data)
            message = (
                "Saved: " + ", ".join(c.replace("_", " ") for c in changed)
                if changed
                else "Nothing changed."
            )
            return redirect(request, f"/c/{community.slug}/settings", message)
        except Invalid as exc:
            errors = exc.fields or {"form": exc.message}
    return await render(
        request,
        "community_settings.html",
        {
            "community": community,
            "values": values,
            "errors": errors,
            "site": policies.SITE_DEFAULT,
            "caps": caps,
        },
        422 if errors else 200,
    )


async def flag_post(request: Request) -> Response:
    user, _ = await page_actor(request)
    signed_in(user, "flag posts")
    post = await posts.get(user, path_int(request, "id"))
    await queue.require_flaggable(user, post)
    return await _flag_form(
        request,
        {"post": post, "thread": post.thread},
        lambda actor, reason, note: queue.flag_post(actor, post, reason, note),
        f"/p/{post.id}",
        "Thank you. The community's moderators will look at this post.",
    )


async def flag_user(request: Request) -> Response:
    user, _ = await page_actor(request)
    signed_in(user, "flag people")
    person = await accounts.get_by_username(request.path_params["username"])
    return await _flag_form(
        request,
        {"post": None, "person": person},
        lambda actor, reason, note: queue.flag_user(actor, person, reason, note),
        f"/u/{person.username}",
        "Thank you. The site's administrators will look at this account.",
    )


async def _flag_form(
    request: Request,
    context: dict[str, Any],
    flag: Callable[[User | None, str, str], Awaitable[object]],
    back: str,
    thanks: str,
) -> Response:
    """The report form for a post or a person: shows it, or files the flag and goes back."""
    values = {"reason": "", "note": ""}
    errors: dict[str, str] = {}
    refused: DomainError | None = None
    if request.method == "POST":
        user, form = await posted_form(request)
        values = {"reason": form_text(form, "reason"), "note": form_text(form, "note")}
        try:
            await hit(request, "flag", user)
            await flag(user, values["reason"], values["note"])
            return redirect(request, back, thanks)
        except Conflict as exc:  # flagged already: nothing more to send
            return redirect(request, back, exc.message, "info")
        except REFUSED as exc:  # the note is kept, with what needs fixing or when to try again
            errors, refused = form_errors(exc), exc
    page = {**context, "values": values, "errors": errors, "reasons": queue.REASONS}
    if refused is not None:
        return await render_refused(request, "flag.html", page, refused)
    return await render(request, "flag.html", page)


async def curate(request: Request) -> Response:
    """The curation forms on a thread page: feature, tags, accepted answer, move and merge."""
    user, form = await posted_form(request)
    thread = await threads.get(user, path_int(request, "id"))
    action = form_text(form, "action")
    note = form_text(form, "note")
    target = f"/t/{thread.id}"
    try:
        if action in ("feature", "unfeature"):
            await actions.feature_thread(user, thread, action == "feature", note)
            message = (
                "Added to the community's best of."
                if action == "feature"
                else "Removed from best of."
            )
        elif action == "tags":
            await actions.retag_thread(user, thread, form_text(form, "tags"), note)
            message = "Tags saved."
        elif action in ("accept", "unaccept"):
            post_id = (
                validation.object_id(form_text(form, "post_id")) if action == "accept" else None
            )
            if action == "accept" and post_id is None:
                raise Invalid("Choose a reply to accept.", fields={"post_id": "is required"})
            await actions.accept_answer(user, thread, post_id, note)
            message = "Marked as the accepted answer." if post_id else "No accepted answer now."
        elif action in ("move", "merge"):  # the move page's forms (older pages posted here)
            return await _move_or_merge(request, user, thread, form)
        else:
            raise Invalid("Unknown action.", fields={"action": "is not a curation action"})
    except Invalid as exc:
        return redirect(request, target, exc.message, "error")
    return redirect(request, target, message)


async def move_page(request: Request) -> Response:
    """Moving a thread to a community its moderator picks from a list, or merging it into
    another thread (picked, or given by number); a wrong choice is said on the form."""
    user, _ = await page_actor(request)
    thread = await threads.get(user, path_int(request, "id"))
    if request.method == "POST":
        user, form = await posted_form(request)
        return await _move_or_merge(request, user, thread, form)
    return await _move_form(request, user, thread, {}, {})


async def _move_form(
    request: Request,
    user: User | None,
    thread: Thread,
    values: dict[str, str],
    errors: dict[str, str],
) -> Response:
    return await render(
        request,
        "thread_move.html",
        {
            "thread": thread,
            "destinations": await actions.move_destinations(user, thread),
            "candidates": await actions.merge_candidates(user, thread),
            "values": values,
            "errors": errors,
        },
        422 if errors else 200,
    )


def _thread_number(text: str) -> int | None:
    """A thread given as 42, #42 or its address (/t/42, https://.../t/42?page=2#post-3)."""
    path = text.strip().split("?", 1)[0].split("#post", 1)[0].rstrip("/")
    return validation.object_id(path.lstrip("#").rsplit("/", 1)[-1])


async def _move_or_merge(
    request: Request, user: User | None, thread: Thread, form: Any
) -> Response:
    action = form_text(form, "action")
    values = {k: form_text(form, k) for k in ("community", "into", "into_other", "note")}
    values["action"] = action
    errors: dict[str, str] = {}
    try:
        if action not in ("move", "merge"):
            raise Invalid("Choose to move or to merge.", fields={"action": "must be move or merge"})
        if action == "move":
            slug = values["community"]
            chosen = next(
                (c for c in await actions.move_destinations(user, thread) if c.slug == slug), None
            )
            if chosen is None:
                problem = "must be one you moderate, from the list" if slug else "is required"
                raise Invalid("Choose the community to move it to.", fields={"community": problem})
            await actions.move_thread(user, thread, chosen, values["note"])
            return redirect(request, f"/t/{thread.id}", f"Moved to {chosen.name}.")
        given = values["into_other"] or values["into"]
        into = _thread_number(given) if given else None
        if into is None:
            problem = "must be a thread number or address" if given else "is required"
            raise Invalid("Choose the thread to merge it into.", fields={"into": problem})
        try:
            destination = await threads.get(user, into)
        except NotFound:
            raise Invalid(
                "There is no such thread.", fields={"into": "is not a thread you can open"}
            ) from None
        try:
            moved = await actions.merge_threads(user, thread, destination, values["note"])
        except PermissionDenied:
            raise Invalid(
                "You do not moderate that thread's community.",
                fields={"into": "is in a community you do not moderate"},
            ) from None
        return redirect(request, f"/t/{into}", f"Merged {moved} posts into this thread.")
    except Invalid as exc:
        errors = exc.fields or {"form": exc.message}
        if "into" in errors and values["into_other"]:
            errors["into_other"] = errors.pop("into")
    return await _move_form(request, user, thread, values, errors)


async def best_of(request: Request) -> Response:
    user, _ = await page_actor(request)
    community = await communities.get(user, request.path_params["slug"])
    rows = await threads.featured_in(user, community, limit=50)
    return await render(request, "best_of.html", {"community": community, "threads": rows})


async def suspend_page(request: Request) -> Response:
    """The profile's forms: suspend from a community (or everywhere), or lift a suspension."""
    user, form = await posted_form(request)
    target = await accounts.get_by_username(request.path_params["username"])
    slug = form_text(form, "community")
    community = await communities.get(user, slug) if slug else None
    back = f"/u/{target.username}"
    if form_text(form, "action") == "lift":
        await actions.lift_suspension(user, target, form_text(form, "note"), community=community)
        return redirect(request, back, "Suspension lifted.")
    try:
        await actions.suspend_user(
            user,
            target,
            form_text(form, "days") or None,
            form_text(form, "reason"),
            community=community,
        )
    except Invalid as exc:
        return redirect(request, back, exc.message, "error")
    where = f" from posting in {community.name}" if community else ""
    return redirect(request, back, f"@{target.username} is suspended{where}.")


async def notifications_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    user = signed_in(user, "see your notifications")
    if request.method == "POST":
        user, form = await posted_form(request)
        await notifications.mark_read(signed_in(user, "see your notifications"))
        return redirect(request, "/notifications", "All marked as read.", "info")
    before = validation.object_id(request.query_params.get("before", ""))
    rows, next_id = await notifications.recent(
        user, before=before, cache=page_cache.memo(request, "notifications")
    )

    async def build(_: object) -> dict[str, Any]:
        return {"items": rows, "next_id": next_id}

    # The page is this person's: kept by everything it shows of each notification as they are
    # told it now (withheld or not, decided afresh by notifications.recent on every request),
    # read or not, and the next page's link. Relative times in it may lag by the memo's age
    # (static/app.js refreshes them).
    key = ("notifications", user.id, next_id, tuple(notifications.shown_as(n) for n in rows))
    return await page_cache.render_shared(
        request, "notifications.html", key, build, kept_in="own pages"
    )


routes = [
    Route("/moderation", queue_page, methods=["GET"]),
    Route("/moderation/log", log_page, methods=["GET"]),
    Route("/moderation/{id}", decide, methods=["POST"]),
    Route("/c/{slug}/settings", community_settings, methods=["GET", "POST"]),
    Route("/c/{slug}/best", best_of, methods=["GET"]),
    Route("/p/{id}/flag", flag_post, methods=["GET", "POST"]),
    Route("/u/{username}/flag", flag_user, methods=["GET", "POST"]),
    Route("/t/{id}/curate", curate, methods=["POST"]),
    Route("/t/{id}/move", move_page, methods=["GET", "POST"]),
    Route("/u/{username}/suspension", suspend_page, methods=["POST"]),
    Route("/notifications", notifications_page, methods=["GET", "POST"]),
]
