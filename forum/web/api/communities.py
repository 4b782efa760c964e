"""Communities in the API: listing, creating, joining, leaving and their members."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import communities, permissions, serialize
from forum.web.http import api_actor, json_response, read_json
from moderation import actions


async def list_communities(request: Request) -> Response:
    actor = await api_actor(request)
    kind = request.query_params.get("kind") or None
    rows = await communities.list_visible(actor, kind)
    status = await permissions.memberships(actor)
    return json_response(
        serialize.listing([serialize.community(c, status.get(c.id)) for c in rows])
    )


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
    return json_response(serialize.listing([serialize.member(m) for m in rows]))


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


routes = [
    Route("/api/v1/communities", list_communities, methods=["GET"]),
    Route("/api/v1/communities", create_community, methods=["POST"]),
    Route("/api/v1/communities/{slug}", get_community, methods=["GET"]),
    Route("/api/v1/communities/{slug}/join", join, methods=["POST"]),
    Route("/api/v1/communities/{slug}/leave", leave, methods=["POST"]),
    Route("/api/v1/communities/{slug}/members", list_members, methods=["GET"]),
    Route("/api/v1/communities/{slug}/members/{username}", set_member, methods=["POST"]),
]
