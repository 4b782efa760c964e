"""Community pages: a community's thread list, creating one, joining, leaving and the members."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import communities, courses, invites, permissions, reads
from forum.errors import DomainError, Invalid, NotFound
from forum.events import reads as event_reads
from forum.models import Community, User
from forum.web import page_cache
from forum.web.events import zone_of
from forum.web.http import settings_of
from forum.web.render import (
    form_text,
    page_actor,
    posted_form,
    redirect,
    render,
    safe_next,
    signed_in,
)
from moderation import actions


async def community_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    community = await page_cache.community(request, user, request.path_params["slug"])
    cursor = request.query_params.get("cursor") or None
    tag = request.query_params.get("tag") or None
    limit = settings_of(request).threads_per_page
    pinned: list[reads.ThreadView] = []
    views = page_cache.memo(request, "rows")
    if not cursor and not tag:
        pinned, _ = await reads.threads_in(user, community, pinned=True, limit=10, cache=views)
    rows, next_cursor = await reads.threads_in(
        user,
        community,
        cursor=cursor,
        limit=limit,
        tag=tag,
        pinned=None if tag else False,
        cache=views,
    )
    who = await permissions.reader(user)
    suspension = await permissions.suspension_notice(user, community)
    # Its learning panel changes with its competencies (the site version) or its courses.
    moderator = permissions.moderates(who, community.id)
    learning_key = (community.id, await page_cache.site_version(request), moderator)
    events = await event_reads.next_in(community.id)
    zone = zone_of(user)
    # The same for every reader of a kind (permissions.reader_class) with the same suspension
    # notice there, while its threads (each by its version) and next events are the same.
    key = (
        community,
        permissions.reader_class(who, community.id),
        suspension,
        tuple((t.id, t.version) for t in pinned),
        tuple((t.id, t.version) for t in rows),
        next_cursor,
        tuple((e.id, e.updated_at, e.going_count, e.waitlist_count) for e in events),
        zone,
        learning_key,
    )

    async def build(_: object) -> dict[str, Any]:
        kept = page_cache.memo(request, "community_learning")
        learning = kept.get(learning_key)
        if learning is None:
            learning = await courses.community_panel(user, community)
            kept.put(learning_key, learning)
        return {
            "community": community,
            "pinned": pinned,
            "pinned_rows": page_cache.thread_rows(request, pinned, show_community=False),
            "threads": rows,
            "thread_rows": page_cache.thread_rows(request, rows, show_community=False),
            "next_cursor": next_cursor,
            "tag": tag,
            "caps": permissions.community_caps(
                who, community.id, community.visibility, suspended=suspension is not None
            ),
            "events": events,
            "zone": zone,
            "learning": learning,
            "suspension": suspension,
        }

    return await page_cache.render_shared(request, "community.html", key, build)


async def new_community(request: Request) -> Response:
    user, _ = await page_actor(request)
    permissions.require_admin(user)
    values: dict[str, str] = {"kind": "role", "visibility": "public"}
    errors: dict[str, str] = {}
    if request.method == "POST":
        user, form = await posted_form(request)
        values = {
            k: form_text(form, k) for k in ("slug", "name", "description", "kind", "visibility")
        }
        try:
            community = await actions.create_community(user, **values)
            return redirect(request, f"/c/{community.slug}", f"Created {community.name}.")
        except (Invalid, DomainError) as exc:
            errors = exc.fields or {"form": exc.message}
    status = 422 if errors else 200
    return await render(request, "community_new.html", {"values": values, "errors": errors}, status)


async def join(request: Request) -> Response:
    """GET: the page an invitation link opens; POST: join, or ask to join a private community."""
    user, _ = await page_actor(request)
    signed_in(user, "join a community")
    if request.method == "GET":
        return await render(request, "join.html", {"slug": request.path_params["slug"][:40]})
    user, form = await posted_form(request)
    community = await communities.find_for_membership(user, request.path_params["slug"])
    joined = permissions.counts_as_member(await communities.join(user, community))
    if joined:
        # A join button elsewhere (a thread's reply box) says where to go back to: a path of
        # this site only.
        back = safe_next(form_text(form, "next"), default=f"/c/{community.slug}")
        return redirect(request, back, f"Welcome to {community.name}.")
    return redirect(
        request,
        "/communities",
        "Your request to join was sent to the community's moderators.",
        "info",
    )


async def leave(request: Request) -> Response:
    user, _ = await posted_form(request)
    community = await communities.find_for_membership(user, request.path_params["slug"])
    await communities.leave(user, community)
    target = (
        f"/c/{community.slug}" if await permissions.can_read(user, community) else "/communities"
    )
    return redirect(request, target, f"You left {community.name}.", "info")


async def members_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    community = await communities.get(user, request.path_params["slug"])
    error = None
    if request.method == "POST":
        user, form = await posted_form(request)
        username, status = form_text(form, "username"), form_text(form, "status")
        try:
            await actions.set_member_status(
                user, community, username, status, form_text(form, "note")
            )
            words = {
                "member": "is now a member",
                "moderator": "is now a moderator",
                "removed": "was removed",
            }
            return redirect(
                request, f"/c/{community.slug}/members", f"@{username} {words[status]}."
            )
        except (Invalid, NotFound) as exc:
            error = exc.message
    return await members_view(request, user, community, {"error": error}, 422 if error else 200)


async def members_view(
    request: Request,
    user: User | None,
    community: Community,
    extra: dict[str, Any],
    status: int = 200,
) -> Response:
    """The members page (its requests, invitations and members), with what the form that was
    posted adds (an error, a new invitation link)."""
    who = await permissions.reader(user)
    caps = permissions.community_caps(who, community.id, community.visibility)
    pending = await communities.members(user, community, "pending") if caps.can_moderate else []
    members = await communities.members(user, community)
    member_caps = {
        ms.id: permissions.member_caps(
            who,
            community.id,
            target_id=ms.user_id,  # type: ignore[attr-defined]
            status=ms.status,
        )
        for ms in members
    }
    return await render(
        request,
        "members.html",
        {
            "community": community,
            "members": members,
            "pending": pending,
            "caps": caps,
            "member_caps": member_caps,
            "invites": await invites.listing(user, community) if caps.can_invite else [],
            "invite_states": invites.STATE_LABELS,
            "error": None,
            "invite_values": {},
            "invite_errors": {},
            **extra,
        },
        status,
    )


routes = [
    Route("/communities/new", new_community, methods=["GET", "POST"]),
    Route("/c/{slug}", community_page, methods=["GET"]),
    Route("/c/{slug}/join", join, methods=["GET", "POST"]),
    Route("/c/{slug}/leave", leave, methods=["POST"]),
    Route("/c/{slug}/members", members_page, methods=["GET", "POST"]),
]
