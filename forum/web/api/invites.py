"""Invitations in the API: a community's moderators make, list and revoke them; people open and
accept links, and answer invitations made for them."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import communities, invites, serialize
from forum.errors import Invalid
from forum.models import Community, CommunityInvite
from forum.web.http import api_actor, json_response, path_int, read_json, settings_of
from forum.web.limits import hit
from moderation import actions


def mail_of(request: Request) -> invites.Mail:
    settings = settings_of(request)
    return invites.Mail(settings.smtp_url, settings.mail_from, settings.site_url)


def invite_json(listed: invites.Listed) -> dict[str, Any]:
    invite = listed.invite
    made_by = invite.created_by
    return {
        "id": invite.id,
        "kind": invite.kind,
        "state": listed.state,
        "to": listed.to or None,
        "created_by": made_by.username if made_by else None,
        "created_at": serialize.when(invite.created_at),
        "expires_at": serialize.when(invite.expires_at),
        "max_uses": invite.max_uses,
        "uses": invite.uses,
        "last_used_at": serialize.when(invite.last_used_at),
    }


def opened_json(community: Community, status: str | None) -> dict[str, Any]:
    """All an invitation shows of its community: its name and address."""
    return {"community": {"slug": community.slug, "name": community.name}, "my_status": status}


async def list_invites(request: Request) -> Response:
    actor = await api_actor(request)
    community = await communities.get(actor, request.path_params["slug"])
    rows = await invites.listing(actor, community)
    return json_response(serialize.listing([invite_json(r) for r in rows]))


async def create_invite(request: Request) -> Response:
    actor = await api_actor(request)
    community = await communities.get(actor, request.path_params["slug"])
    data = await read_json(request)
    username, email = data.get("username"), data.get("email")
    if username not in (None, "") and email not in (None, ""):
        raise Invalid(
            "Invite by username or by email, not both.",
            fields={"email": "give a username or an email, not both"},
        )
    await hit(request, "invite", actor)
    if username in (None, "") and email in (None, ""):
        invite, token = await actions.create_invite_link(
            actor,
            community,
            expires_in_days=data.get("expires_in_days"),
            max_uses=data.get("max_uses"),
        )
        body = invite_json(await _listed(invite))
        path = invites.link_path(community, token)
        body.update(token=token, path=path, url=f"{settings_of(request).site_url}{path}")
        return json_response(body, 201)
    if email not in (None, ""):
        await hit(request, "invite_email", actor)
    invite = await actions.invite_person(
        actor, community, username=username, email=email, mail=mail_of(request)
    )
    return json_response(invite_json(await _listed(invite)), 201)


async def _listed(invite: CommunityInvite) -> invites.Listed:
    await invite.fetch_related("created_by", "invitee")
    return invites.Listed(invite, "open", invites.shown_to(invite))


async def revoke_invite(request: Request) -> Response:
    actor = await api_actor(request)
    community = await communities.get(actor, request.path_params["slug"])
    invite_id = path_int(request, "id")
    revoked = await actions.revoke_invite(actor, community, invite_id)
    return json_response({"id": invite_id, "revoked": revoked})


async def open_invite(request: Request) -> Response:
    actor = await api_actor(request)
    opened = await invites.open_link(actor, None, request.path_params["token"])
    if opened is None:  # signed out: the invitation asks them to sign in, and shows nothing
        return json_response({"community": None, "my_status": None, "sign_in": True})
    body = opened_json(opened.community, opened.status)
    body["refusal"] = opened.refusal
    return json_response(body)


async def accept_invite(request: Request) -> Response:
    actor = await api_actor(request)
    community, status = await invites.accept_link(actor, None, request.path_params["token"])
    return json_response({"status": status, "community": community.slug})


async def my_invites(request: Request) -> Response:
    actor = await api_actor(request)
    rows = await invites.mine(actor)
    return json_response(
        serialize.listing(
            [
                {
                    "id": r.id,
                    "community": {"slug": r.community.slug, "name": r.community.name},
                    "by": r.created_by.username if r.created_by else None,
                    "created_at": serialize.when(r.created_at),
                    "expires_at": serialize.when(r.expires_at),
                }
                for r in rows
            ]
        )
    )


async def accept_mine(request: Request) -> Response:
    actor = await api_actor(request)
    community, status = await invites.accept(actor, path_int(request, "id"))
    return json_response({"status": status, "community": community.slug})


async def decline_mine(request: Request) -> Response:
    actor = await api_actor(request)
    await invites.decline(actor, path_int(request, "id"))
    return json_response({"status": "declined"})


routes = [
    Route("/api/v1/communities/{slug}/invites", list_invites, methods=["GET"]),
    Route("/api/v1/communities/{slug}/invites", create_invite, methods=["POST"]),
    Route("/api/v1/communities/{slug}/invites/{id}", revoke_invite, methods=["DELETE"]),
    Route("/api/v1/invites/{token}", open_invite, methods=["GET"]),
    Route("/api/v1/invites/{token}/accept", accept_invite, methods=["POST"]),
    Route("/api/v1/me/invites", my_invites, methods=["GET"]),
    Route("/api/v1/me/invites/{id}/accept", accept_mine, methods=["POST"]),
    Route("/api/v1/me/invites/{id}/decline", decline_mine, methods=["POST"]),
]
