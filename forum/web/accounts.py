"""Account pages: signing in and out, registering, settings (profile, password, digests, API
tokens) and a person's public page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import accounts, communities, courses, permissions, points, threads, validation
from forum.errors import DomainError, Invalid, TooManyRequests
from forum.models import User
from forum.web.http import ANON_COOKIE, SESSION_COOKIE, settings_of
from forum.web.limits import hit, sign_in
from forum.web.render import (
    cookie_args,
    form_errors,
    form_text,
    page_actor,
    posted_form,
    redirect,
    render,
    render_refused,
    safe_next,
    signed_in,
    try_again_in,
)
from moderation import actions


async def start_session(request: Request, user: User, target: str, message: str) -> Response:
    """Signs the browser in (a new session cookie) and goes on to target with a message."""
    token = await accounts.start_session(user, settings_of(request).session_days)
    response = redirect(request, target, message)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=86400 * settings_of(request).session_days,
        **cookie_args(request),
    )
    response.delete_cookie(ANON_COOKIE, path="/")
    return response


async def login(request: Request) -> Response:
    target = safe_next(request.query_params.get("next"))
    error = None
    username = ""
    if request.method == "POST":
        _, form = await posted_form(request)
        username = form_text(form, "username")
        target = safe_next(form_text(form, "next") or target)
        try:
            user = await sign_in(request, username, form_text(form, "password"))
        except TooManyRequests as exc:
            error = f"Too many sign-in attempts. {try_again_in(exc.retry_after)}."
            context = {"next": target, "username": username, "error": error}
            return await render_refused(request, "login.html", context, exc)
        if user is not None:
            return await start_session(request, user, target, f"Welcome back, {user.display_name}.")
        error = "That username and password do not match an account."
    return await render(
        request,
        "login.html",
        {"next": target, "username": username, "error": error},
        401 if error else 200,
    )


async def logout(request: Request) -> Response:
    await posted_form(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await accounts.end_session(token)
    response = redirect(request, "/", "You are signed out.", "info")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def register(request: Request) -> Response:
    values = {"username": "", "email": "", "display_name": "", "role": "", "sector": ""}
    errors: dict[str, str] = {}
    refused: DomainError | None = None
    asked_next = request.query_params.get("next") or ""  # e.g. the invitation that brought them
    if request.method == "POST":
        _, form = await posted_form(request)
        values = {k: form_text(form, k) for k in values}
        asked_next = form_text(form, "next") or asked_next
        try:
            await hit(request, "register")
            user = await accounts.register(
                values["username"],
                values["email"],
                form_text(form, "password"),
                values["display_name"],
                values["role"],
                values["sector"],
            )
            return await start_session(
                request,
                user,
                safe_next(asked_next) if asked_next else "/communities",
                f"Welcome to Chaupal, {user.display_name}. Join a few communities to begin.",
            )
        except DomainError as exc:
            errors, refused = form_errors(exc), exc
    context = {
        "values": values,
        "errors": errors,
        "next": safe_next(asked_next) if asked_next else "",
    }
    if refused is not None:
        return await render_refused(request, "register.html", context, refused)
    return await render(request, "register.html", context)


async def settings_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    user = signed_in(user, "change your settings")
    errors: dict[str, str] = {}
    new_token = None
    status = 200
    profile = {name: getattr(user, name) for name in PROFILE_FIELDS}
    if request.method == "POST":
        user, form = await posted_form(request)
        user = signed_in(user, "change your settings")
        what = form_text(form, "form")
        try:
            if what == "profile":
                profile = {name: form_text(form, name) for name in PROFILE_FIELDS}
                await accounts.update_profile(user, user, **profile)
                return redirect(request, "/settings", "Your profile is saved.")
            if what == "password":
                await accounts.change_password(
                    user, form_text(form, "current_password"), form_text(form, "new_password")
                )
                return await start_session(
                    request,
                    user,
                    "/settings",
                    "Password changed. Other sessions and tokens were signed out.",
                )
            if what == "digest":
                on = form_text(form, "email_digest") == "on"
                await accounts.set_email_digest(user, on)
                return redirect(
                    request,
                    "/settings",
                    "You will get email digests." if on else "No more email digests.",
                )
            if what == "token":
                new_token, _ = await accounts.create_token(user, form_text(form, "name"))
            elif what == "revoke":
                await accounts.revoke_token_by_id(
                    user, validation.object_id(form_text(form, "token_id")) or 0
                )
                return redirect(request, "/settings#tokens", "Token revoked.", "info")
            else:
                raise Invalid("Unknown form.")
        except Invalid as exc:
            errors, status = exc.fields or {"form": exc.message}, 422
    return await render(
        request,
        "settings.html",
        {
            "tokens": await accounts.list_tokens(user),
            "new_token": new_token,
            "errors": errors,
            "profile": profile,  # what was typed, when the profile form needs another look
        },
        status,
    )


PROFILE_FIELDS = ("display_name", "role", "sector", "bio")


async def user_page(request: Request) -> Response:
    viewer, _ = await page_actor(request)
    person = await accounts.get_by_username(request.path_params["username"])
    recent = await threads.started_by(viewer, person)
    visible = {c.id for c in await communities.list_visible(viewer)}
    their = [c for c in await communities.mine(person) if c.id in visible]
    caps = permissions.person_caps(await permissions.reader(viewer), person_id=person.id)
    return await render(
        request,
        "user.html",
        {
            "person": person,
            "recent": recent,
            "communities": their,
            "caps": caps,
            "suspensions": await actions.suspension_choices(viewer, person),
            "competencies": await courses.competencies_of_user(person),
            "points": await points.year_summary(viewer, person, points.now().year),
        },
    )


routes = [
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/register", register, methods=["GET", "POST"]),
    Route("/settings", settings_page, methods=["GET", "POST"]),
    Route("/u/{username}", user_page, methods=["GET"]),
]
