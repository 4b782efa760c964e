"""Accounts in the API: registering, API tokens, the caller's own account and profiles."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import accounts, permissions, serialize
from forum.errors import NotSignedIn
from forum.web.http import api_actor, authenticate, json_response, read_json
from forum.web.limits import hit, sign_in


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
    user = await sign_in(request, data.get("username"), data.get("password"))
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


routes = [
    Route("/api/v1/auth/register", register, methods=["POST"]),
    Route("/api/v1/auth/token", create_token, methods=["POST"]),
    Route("/api/v1/auth/token", revoke_token, methods=["DELETE"]),
    Route("/api/v1/me", me, methods=["GET"]),
    Route("/api/v1/me", update_me, methods=["PATCH"]),
    Route("/api/v1/users/{username}", user_profile, methods=["GET"]),
]
