"""Invitation pages: the page an invitation link opens, the members page's invitation forms, and
accepting or declining an invitation from one's notifications."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import communities, invites, permissions
from forum.errors import Conflict, Invalid, NotFound
from forum.web.api.invites import mail_of
from forum.web.communities import members_view
from forum.web.http import path_int, settings_of
from forum.web.limits import hit
from forum.web.render import form_text, page_actor, posted_form, redirect, render
from moderation import actions


async def invite_page(request: Request) -> Response:
    """GET: the community's name and a Join button (signed out: only a sign-in prompt);
    POST: join at once."""
    slug, token = request.path_params["slug"][:40], request.path_params["token"][:200]
    if request.method == "POST":
        user, _ = await posted_form(request)
        community, _ = await invites.accept_link(user, slug, token)
        return redirect(request, f"/c/{community.slug}", f"Welcome to {community.name}.")
    user, _ = await page_actor(request)
    opened = await invites.open_link(user, slug, token)
    member = opened is not None and permissions.counts_as_member(opened.status)
    # (The site's referrer policy sends other sites no path: the token stays here.)
    return await render(request, "invite.html", {"opened": opened, "is_member": member})


async def create_invite(request: Request) -> Response:
    """The members page's two forms: a new link, or an invitation for one person."""
    user, form = await posted_form(request)
    community = await communities.get(user, request.path_params["slug"])
    await hit(request, "invite", user)
    values = {k: form_text(form, k) for k in ("who", "expires_in_days", "max_uses")}
    try:
        if form_text(form, "kind") == "link":
            _, token = await actions.create_invite_link(
                user,
                community,
                expires_in_days=values["expires_in_days"],
                max_uses=values["max_uses"],
            )
            link = f"{settings_of(request).site_url}{invites.link_path(community, token)}"
            return await members_view(request, user, community, {"new_link": link}, 201)
        who = values["who"].strip()
        if "@" in who.lstrip("@"):
            await hit(request, "invite_email", user)
            await actions.invite_person(user, community, email=who, mail=mail_of(request))
        else:
            await actions.invite_person(user, community, username=who, mail=mail_of(request))
    except (Invalid, NotFound, Conflict, invites.MailFailed) as exc:
        extra = {
            "invite_error": exc.message,
            "invite_values": values,
            "invite_errors": {"who": next(iter(exc.fields.values()))} if exc.fields else {},
        }
        return await members_view(request, user, community, extra, exc.status)
    return redirect(request, f"/c/{community.slug}/members", f"Invitation sent to {who}.")


async def revoke_invite(request: Request) -> Response:
    user, _ = await posted_form(request)
    community = await communities.get(user, request.path_params["slug"])
    revoked = await actions.revoke_invite(user, community, path_int(request, "id"))
    words = "Invitation revoked." if revoked else "That invitation was closed already."
    return redirect(request, f"/c/{community.slug}/members", words, "info")


async def accept_mine(request: Request) -> Response:
    user, _ = await posted_form(request)
    community, _ = await invites.accept(user, path_int(request, "id"))
    return redirect(request, f"/c/{community.slug}", f"Welcome to {community.name}.")


async def decline_mine(request: Request) -> Response:
    user, _ = await posted_form(request)
    await invites.decline(user, path_int(request, "id"))
    return redirect(request, "/notifications", "Invitation declined.", "info")


routes = [
    Route("/c/{slug}/invite/{token}", invite_page, methods=["GET", "POST"]),
    Route("/c/{slug}/invites", create_invite, methods=["POST"]),
    Route("/c/{slug}/invites/{id}/revoke", revoke_invite, methods=["POST"]),
    Route("/invites/{id}/accept", accept_mine, methods=["POST"]),
    Route("/invites/{id}/decline", decline_mine, methods=["POST"]),
]
