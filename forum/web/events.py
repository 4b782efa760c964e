"""Event pages: the events of one's communities, a community's events, one event (answer,
add to calendar, who is going), the organisers' forms (create, edit, cancel, attendees,
attendance) and a marathon's challenges, teams and results. Each route calls the services in
forum/events/ and renders through forum/web/render.py."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import accounts, communities, permissions, validation
from forum.errors import Conflict, DomainError, Invalid, NotFound
from forum.events import attendance, calendar, marathons, organise, rsvp, times
from forum.events import reads as event_reads
from forum.models import Community, User
from forum.web.http import path_int, settings_of
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

FORM_FIELDS = organise.FIELDS


def zone_of(user: User | None) -> str:
    """The zone a person sees times in: theirs, or the site's (Asia/Kolkata)."""
    return (user.timezone if user is not None else "") or times.DEFAULT_ZONE


def zones_for(current: str) -> list[str]:
    return list(times.COMMON_ZONES) + ([current] if current not in times.COMMON_ZONES else [])


def _event_id(request: Request) -> int:
    return path_int(request, "id")


def _form_data(form: FormData) -> dict[str, Any]:
    return {name: form_text(form, name) for name in FORM_FIELDS if name in form}


async def _require_manage(user: User | None, view: event_reads.EventView) -> None:
    """The organisers' forms: 401 signed out, 403 for others (the API's answers)."""
    await permissions.require_manage_event(
        user,
        view.community,
        organiser_id=view.event.organiser_id,  # type: ignore[attr-defined]
        members_organise=await organise.members_organise(view.community.id),
    )


# Lists


async def my_events(request: Request) -> Response:
    user, _ = await page_actor(request)
    everywhere = request.query_params.get("all") == "1"
    views = await event_reads.upcoming_for(user, mine_only=not everywhere, limit=50)
    mine = await permissions.communities_of(user)
    return await render(
        request,
        "events.html",
        {
            "views": views,
            "zone": zone_of(user),
            "everywhere": everywhere or not mine,
            "has_communities": bool(mine),
        },
    )


async def community_events(request: Request) -> Response:
    user, _ = await page_actor(request)
    community = await communities.get(user, request.path_params["slug"])
    upcoming, _ = await event_reads.list_in(user, community, upcoming=True, limit=50)
    past, past_next = await event_reads.list_in(
        user,
        community,
        upcoming=False,
        cursor=request.query_params.get("before") or None,
        limit=20,
    )
    members_organise = await organise.members_organise(community.id)
    who = await permissions.reader(user)
    return await render(
        request,
        "community_events.html",
        {
            "community": community,
            "upcoming": upcoming,
            "past": past,
            "past_next": past_next,
            "zone": zone_of(user),
            "can_organise": permissions.can_organise(
                who, community.id, community.visibility, members_organise=members_organise
            ),
            "caps": permissions.community_caps(who, community.id, community.visibility),
            "members_organise": members_organise,
            "feed_is_open": permissions.open_to_all(community.visibility),
            "feed_url": f"{settings_of(request).site_url}/api/v1/communities/{community.slug}/events.ics",
        },
    )


async def event_policy(request: Request) -> Response:
    user, form = await posted_form(request)
    community = await communities.get(user, request.path_params["slug"])
    on = form_text(form, "members_organise") == "on"
    await organise.set_members_organise(user, community, on)
    message = (
        "Members may now organise events here."
        if on
        else "Only moderators organise events here now."
    )
    return redirect(request, f"/c/{community.slug}/events", message)


# Creating and editing


def _blank_values(zone: str) -> dict[str, str]:
    return {"kind": "meetup", "timezone": zone, "title": "", "description": "", "location": ""}


async def new_event(request: Request) -> Response:
    user, _ = await page_actor(request)
    community = await communities.get(user, request.path_params["slug"])
    user = signed_in(user, "organise events")
    members_organise = await organise.members_organise(community.id)
    await permissions.require_organise(user, community, members_organise=members_organise)
    values: dict[str, Any] = _blank_values(zone_of(user))
    errors: dict[str, str] = {}
    refused: DomainError | None = None
    if request.method == "POST":
        user, form = await posted_form(request)
        values = _form_data(form)
        try:
            await hit(request, "post", user)
            event = await organise.create(user, community, values)
            return redirect(
                request,
                f"/events/{event.id}",
                "Your event is published, with its own discussion thread.",
            )
        except REFUSED as exc:  # what was typed stays, with what needs fixing
            errors, refused = form_errors(exc), exc
    context = {
        "community": community,
        "event": None,
        "values": values,
        "errors": errors,
        "zones": zones_for(str(values.get("timezone") or times.DEFAULT_ZONE)),
        "kinds": organise.KIND_LABELS,
    }
    if refused is not None:
        return await render_refused(request, "event_form.html", context, refused)
    return await render(request, "event_form.html", context)


async def edit_event(request: Request) -> Response:
    user, _ = await page_actor(request)
    view = await event_reads.get_view(user, _event_id(request))
    event = view.event
    await _require_manage(user, view)
    values: dict[str, Any] = {
        "title": event.title,
        "kind": event.kind,
        "description": event.description,
        "starts_at": times.form_value(event.starts_at, event.timezone),
        "ends_at": times.form_value(event.ends_at, event.timezone),
        "timezone": event.timezone,
        "location": event.location,
        "online_url": event.online_url,
        "capacity": "" if event.capacity is None else str(event.capacity),
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        user, form = await posted_form(request)
        values = _form_data(form)
        changes = {k: v for k, v in values.items() if k != "kind"}
        try:
            changed = await organise.edit(user, event, changes)
            message = "Your changes are saved." if changed else "Nothing changed."
            if {"starts_at", "ends_at", "location", "online_url"} & set(changed):
                message += " Those going and waiting were told."
            return redirect(request, f"/events/{event.id}", message)
        except Invalid as exc:
            errors = exc.fields or {"form": exc.message}
        except Conflict as exc:
            errors = {"form": exc.message}
        values["kind"] = event.kind
    return await render(
        request,
        "event_form.html",
        {
            "community": event.community,
            "event": event,
            "values": values,
            "errors": errors,
            "zones": zones_for(str(values.get("timezone") or times.DEFAULT_ZONE)),
            "kinds": organise.KIND_LABELS,
        },
        422 if errors else 200,
    )


async def cancel_event(request: Request) -> Response:
    user, _ = await page_actor(request)
    view = await event_reads.get_view(user, _event_id(request))
    note = ""
    if request.method == "POST":
        user, form = await posted_form(request)
        note = form_text(form, "note")
        try:
            changed = await organise.cancel(user, view.event, note)
        except Invalid as exc:  # the note kept, with what needs fixing
            context = {"view": view, "zone": zone_of(user), "note": note}
            return await render_refused(
                request, "event_cancel.html", {**context, "errors": form_errors(exc)}, exc
            )
        message = (
            "The event is cancelled; those going and waiting were told."
            if changed
            else "The event was already cancelled."
        )
        return redirect(request, f"/events/{view.event.id}", message, "info")
    await _require_manage(user, view)
    return await render(
        request, "event_cancel.html", {"view": view, "zone": zone_of(user), "note": note}
    )


# One event


async def event_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    view = await event_reads.get_view(user, _event_id(request))
    return await _event_page(request, user, view)


async def _event_page(
    request: Request,
    user: User | None,
    view: Any,
    *,
    challenge: dict[str, str] | None = None,
    refused: DomainError | None = None,
) -> Response:
    """The event's page; after a refused challenge statement, with what was typed and why."""
    going: list[Any] = []
    if view.caps.sees_attendees:
        going = (await attendance.lists(user, view)).going
    board = None
    if view.event.kind == "marathon":
        board = await marathons.board(user, view)
    context = {
        "view": view,
        "event": view.event,
        "community": view.community,
        "zone": zone_of(user),
        "going": going,
        "board": board,
        "challenge": challenge or {"title": "", "statement": "", "team_size": "4"},
        "challenge_errors": form_errors(refused) if refused is not None else {},
    }
    if refused is not None:
        return await render_refused(request, "event.html", context, refused)
    return await render(request, "event.html", context)


async def answer(request: Request) -> Response:
    user, form = await posted_form(request)
    event = await event_reads.get(user, _event_id(request))
    status = await rsvp.respond(user, event, form_text(form, "status"))
    messages = {
        "going": "You are going. Add it to your calendar below.",
        "waitlisted": "The event is full: you are on the waitlist and will be told if a "
        "place frees up.",
        "not_going": "You are not going.",
    }
    return redirect(request, f"/events/{event.id}", messages[status], "success")


async def attendees_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    view = await event_reads.get_view(user, _event_id(request))
    found = await attendance.lists(user, view)
    return await render(
        request,
        "event_attendees.html",
        {
            "view": view,
            "event": view.event,
            "community": view.community,
            "lists": found,
            "zone": zone_of(user),
            "can_mark": view.caps.can_manage and view.started and not view.cancelled,
        },
    )


async def mark_attendance(request: Request) -> Response:
    user, form = await posted_form(request)
    event = await event_reads.get(user, _event_id(request))
    present = set(form.getlist("present"))
    everyone = [v for v in form.getlist("listed") if isinstance(v, str)]
    came = [u for u in everyone if u in present]
    absent = [u for u in everyone if u not in present]
    changed = 0
    if came:
        changed += await attendance.mark(user, event, came, True)
    if absent:
        changed += await attendance.mark(user, event, absent, False)
    return redirect(
        request, f"/events/{event.id}/attendees", f"Attendance saved ({changed} changed)."
    )


# Marathons


async def results_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    view = await event_reads.get_view(user, _event_id(request))
    if view.event.kind != "marathon":
        raise NotFound("This event is not an innovation marathon.")
    return await _results_page(request, user, view)


async def _results_page(
    request: Request,
    user: User | None,
    view: Any,
    *,
    typed: dict[str, Any] | None = None,
    refused: DomainError | None = None,
) -> Response:
    """The results page; after a refused result, with what the team typed and why."""
    context = {
        "view": view,
        "event": view.event,
        "community": view.community,
        "board": await marathons.board(user, view),
        "zone": zone_of(user),
        "typed_result": typed,
        "result_errors": form_errors(refused) if refused is not None else {},
    }
    if refused is not None:
        return await render_refused(request, "event_results.html", context, refused)
    return await render(request, "event_results.html", context)


async def add_challenge(request: Request) -> Response:
    user, form = await posted_form(request)
    event = await event_reads.get(user, _event_id(request))
    challenge = {name: form_text(form, name) for name in ("title", "statement", "team_size")}
    try:
        await marathons.add_challenge(user, event, **challenge)
    except (Invalid, Conflict) as exc:  # the event page again, the statement kept
        view = await event_reads.get_view(user, event.id)
        return await _event_page(request, user, view, challenge=challenge, refused=exc)
    return redirect(request, f"/events/{event.id}#challenges", "Challenge posted.")


async def _team_action(request: Request, work: Any, done: str) -> Response:
    user, form = await posted_form(request)
    event = await event_reads.get(user, _event_id(request))
    try:
        await work(user, event, form)
    except (Invalid, Conflict) as exc:
        detail = "; ".join(exc.fields.values()) if exc.fields else ""
        message = exc.message + (f" ({detail})" if detail and detail not in exc.message else "")
        return redirect(request, f"/events/{event.id}#challenges", message, "error")
    return redirect(request, f"/events/{event.id}#challenges", done)


async def form_team(request: Request) -> Response:
    async def work(user: User | None, event: Any, form: FormData) -> None:
        challenge = validation.integer(form_text(form, "challenge_id"), "challenge_id")
        await marathons.form_team(user, event, challenge, form_text(form, "name"))

    return await _team_action(request, work, "Your team is formed.")


async def join_team(request: Request) -> Response:
    async def work(user: User | None, event: Any, form: FormData) -> None:
        team = await marathons.get_team(event, path_int(request, "team"))
        await marathons.join_team(user, event, team)

    return await _team_action(request, work, "You joined the team.")


async def leave_team(request: Request) -> Response:
    async def work(user: User | None, event: Any, form: FormData) -> None:
        await marathons.leave_team(user, event)

    return await _team_action(request, work, "You left your team.")


async def team_result(request: Request) -> Response:
    user, form = await posted_form(request)
    view = await event_reads.get_view(user, _event_id(request))
    team = await marathons.get_team(view.event, path_int(request, "team"))
    result, url = form_text(form, "result"), form_text(form, "url")
    try:
        await marathons.post_result(user, view, team, result=result, url=url)
    except (Invalid, Conflict) as exc:  # the results page again, what the team wrote kept
        typed = {"team_id": team.id, "result": result, "url": url}
        return await _results_page(request, user, view, typed=typed, refused=exc)
    return redirect(request, f"/events/{view.event.id}/results", "The result is posted.")


# Calendar links and time zone


async def calendar_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    user = signed_in(user, "manage your calendar link")
    key: str | None = None
    errors: dict[str, str] = {}
    if request.method == "POST":
        user, form = await posted_form(request)
        user = signed_in(user, "manage your calendar link")
        action = form_text(form, "action")
        if action == "make":
            key = await calendar.make_key(user)
        elif action == "revoke":
            await calendar.revoke_key(user)
            return redirect(request, "/events/calendar", "Your calendar link is revoked.", "info")
        elif action == "timezone":
            try:
                await accounts.set_timezone(user, form_text(form, "timezone"))
                return redirect(request, "/events/calendar", "Your time zone is saved.")
            except Invalid as exc:
                errors = exc.fields
        else:
            raise Invalid("Unknown form.", fields={"action": "must be make, revoke or timezone"})
    site = settings_of(request).site_url
    mine: list[Community] = await communities.mine(user)
    return await render(
        request,
        "event_calendar.html",
        {
            "key": key,
            "has_key": await calendar.has_key(user),
            "site": site,
            "mine": mine,
            "zone": zone_of(user),
            "zones": zones_for(zone_of(user)),
            "errors": errors,
        },
        422 if errors else 200,
    )


routes = [
    Route("/events", my_events, methods=["GET"]),
    Route("/events/calendar", calendar_page, methods=["GET", "POST"]),
    Route("/events/{id}", event_page, methods=["GET"]),
    Route("/events/{id}/rsvp", answer, methods=["POST"]),
    Route("/events/{id}/edit", edit_event, methods=["GET", "POST"]),
    Route("/events/{id}/cancel", cancel_event, methods=["GET", "POST"]),
    Route("/events/{id}/attendees", attendees_page, methods=["GET"]),
    Route("/events/{id}/attendance", mark_attendance, methods=["POST"]),
    Route("/events/{id}/results", results_page, methods=["GET"]),
    Route("/events/{id}/challenges", add_challenge, methods=["POST"]),
    Route("/events/{id}/teams", form_team, methods=["POST"]),
    Route("/events/{id}/teams/{team}/join", join_team, methods=["POST"]),
    Route("/events/{id}/teams/{team}/result", team_result, methods=["POST"]),
    Route("/events/{id}/team/leave", leave_team, methods=["POST"]),
    Route("/c/{slug}/events", community_events, methods=["GET"]),
    Route("/c/{slug}/events/new", new_event, methods=["GET", "POST"]),
    Route("/c/{slug}/events/policy", event_policy, methods=["POST"]),
]
