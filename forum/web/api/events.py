"""The events API (/api/v1, the "Events" section of API.md and more). Routes parse, resolve
the actor, call one service in forum/events/ and shape the answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import accounts, communities, permissions, validation
from forum.errors import BadRequest, Invalid, NotFound
from forum.events import attendance, calendar, marathons, organise, reads, rsvp, shapes
from forum.models import User
from forum.web.http import api_actor, json_response, path_int, query_int, read_json, settings_of
from forum.web.limits import hit

ICS_TYPE = "text/calendar; charset=utf-8"


def _upcoming(request: Request) -> bool | None:
    raw = request.query_params.get("upcoming")
    if raw is None or raw == "":
        return None
    if raw in ("true", "1"):
        return True
    if raw in ("false", "0"):
        return False
    raise BadRequest("'upcoming' must be true or false.", code="bad_query")


def _ics(body: bytes, filename: str) -> Response:
    return Response(
        body,
        media_type=ICS_TYPE,
        headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "cache-control": "private, max-age=300",
        },
    )


def _event_id(request: Request) -> int:
    return path_int(request, "id")


async def create_event(request: Request) -> Response:
    actor = await api_actor(request)
    community = await communities.get(actor, request.path_params["slug"])
    await hit(request, "post", actor)
    data = await read_json(request)
    event = await organise.create(actor, community, data)
    return json_response(shapes.event(await reads.view(actor, event)), 201)


async def community_events(request: Request) -> Response:
    actor = await api_actor(request)
    community = await communities.get(actor, request.path_params["slug"])
    views, next_cursor = await reads.list_in(
        actor,
        community,
        upcoming=_upcoming(request),
        cursor=request.query_params.get("cursor") or None,
        limit=query_int(request, "limit", 25, high=reads.PAGE_MAX),
    )
    return json_response({"items": [shapes.event(v) for v in views], "next": next_cursor})


async def upcoming_events(request: Request) -> Response:
    """GET /api/v1/events: upcoming events of the caller's communities (`?all=true`: of every
    community they may read)."""
    actor = await api_actor(request)
    everywhere = request.query_params.get("all") in ("1", "true")
    views = await reads.upcoming_for(
        actor, mine_only=not everywhere, limit=query_int(request, "limit", 50, high=100)
    )
    return json_response({"items": [shapes.event(v) for v in views], "next": None})


async def get_event(request: Request) -> Response:
    actor = await api_actor(request)
    view = await reads.get_view(actor, _event_id(request))
    return json_response(shapes.event(view))


async def edit_event(request: Request) -> Response:
    actor = await api_actor(request)
    event = await reads.get(actor, _event_id(request))
    data = await read_json(request)
    await organise.edit(actor, event, data)
    return json_response(shapes.event(await reads.view(actor, event)))


async def cancel_event(request: Request) -> Response:
    actor = await api_actor(request)
    event = await reads.get(actor, _event_id(request))
    data = await read_json(request)
    await organise.cancel(actor, event, data.get("note", ""))
    return json_response(shapes.event(await reads.view(actor, event)))


async def answer(request: Request) -> Response:
    actor = await api_actor(request)
    event = await reads.get(actor, _event_id(request))
    data = await read_json(request)
    status = await rsvp.respond(actor, event, data.get("status"))
    view = await reads.view(actor, event)
    return json_response({"status": status, "event": shapes.event(view)})


async def attendees(request: Request) -> Response:
    actor = await api_actor(request)
    view = await reads.get_view(actor, _event_id(request))
    return json_response(shapes.attendees(await attendance.lists(actor, view)))


async def attendees_csv(request: Request) -> Response:
    actor = await api_actor(request)
    view = await reads.get_view(actor, _event_id(request))
    text = await attendance.csv_export(actor, view)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="event-{view.event.id}-attendees.csv"',
            "cache-control": "private, no-store",
        },
    )


async def mark_attendance(request: Request) -> Response:
    actor = await api_actor(request)
    event = await reads.get(actor, _event_id(request))
    data = await read_json(request)
    changed = await attendance.mark(actor, event, data.get("usernames"), data.get("attended", True))
    return json_response({"changed": changed})


async def event_ics(request: Request) -> Response:
    actor = await api_actor(request)
    name, body = await calendar.event_file(
        actor, _event_id(request), site_url=settings_of(request).site_url
    )
    return _ics(body, name)


async def _feed_reader(request: Request) -> User | None:
    key = request.query_params.get("key")
    if key is not None:
        return await calendar.user_for_key(key)
    return await api_actor(request)


async def community_feed(request: Request) -> Response:
    """A community's feed: open for public communities; with `?key=` (a person's secret
    calendar key) for private ones."""
    reader = await _feed_reader(request)
    community = await communities.get(reader, request.path_params["slug"])
    body = await calendar.community_feed(reader, community, site_url=settings_of(request).site_url)
    return _ics(body, f"{community.slug}-events.ics")


async def my_feed(request: Request) -> Response:
    reader = await _feed_reader(request)
    if reader is None:
        raise NotFound("No such calendar.")
    body = await calendar.personal_feed(reader, site_url=settings_of(request).site_url)
    return _ics(body, "my-events.ics")


def feed_urls(request: Request, key: str, slugs: list[str]) -> dict[str, object]:
    base = settings_of(request).site_url
    return {
        "mine": f"{base}/api/v1/me/events.ics?key={key}",
        "communities": {s: f"{base}/api/v1/communities/{s}/events.ics?key={key}" for s in slugs},
    }


async def make_calendar_key(request: Request) -> Response:
    actor = await api_actor(request)
    key = await calendar.make_key(actor)
    mine = await communities.mine(actor)
    return json_response(
        {"key": key, "feeds": feed_urls(request, key, [c.slug for c in mine])}, 201
    )


async def revoke_calendar_key(request: Request) -> Response:
    actor = await api_actor(request)
    revoked = await calendar.revoke_key(actor)
    return json_response({"status": "revoked" if revoked else "none"})


async def event_policy(request: Request) -> Response:
    actor = await api_actor(request)
    community = await communities.get(actor, request.path_params["slug"])
    data = await read_json(request)
    unknown = set(data) - {"members_organise"}
    if unknown or "members_organise" not in data:
        raise Invalid(
            'Send {"members_organise": true|false}.',
            fields={k[:40]: "is not a setting" for k in sorted(unknown)[:10]}
            or {"members_organise": "is required"},
        )
    await organise.set_members_organise(actor, community, data["members_organise"])
    return json_response(
        {
            "community": community.slug,
            "members_organise": await organise.members_organise(community.id),
        }
    )


async def set_timezone(request: Request) -> Response:
    """PUT /api/v1/me/timezone {"timezone": "Asia/Kolkata"}: the zone pages show times in."""
    actor = permissions.require_signed_in(await api_actor(request), "choose a time zone")
    data = await read_json(request)
    return json_response({"timezone": await accounts.set_timezone(actor, data.get("timezone"))})


# Marathons


async def challenges(request: Request) -> Response:
    actor = await api_actor(request)
    view = await reads.get_view(actor, _event_id(request))
    if view.event.kind != "marathon":
        raise NotFound("This event is not an innovation marathon.")
    return json_response(shapes.board(await marathons.board(actor, view)))


async def add_challenge(request: Request) -> Response:
    actor = await api_actor(request)
    event = await reads.get(actor, _event_id(request))
    data = await read_json(request)
    challenge = await marathons.add_challenge(
        actor,
        event,
        title=data.get("title"),
        statement=data.get("statement", ""),
        team_size=data.get("team_size"),
    )
    return json_response(
        {
            "id": challenge.id,
            "title": challenge.title,
            "statement": challenge.statement,
            "statement_html": challenge.statement_html,
            "team_size": challenge.team_size,
            "teams": [],
        },
        201,
    )


async def form_team(request: Request) -> Response:
    actor = await api_actor(request)
    event = await reads.get(actor, _event_id(request))
    data = await read_json(request)
    challenge_id = validation.integer(data.get("challenge_id"), "challenge_id")
    team = await marathons.form_team(actor, event, challenge_id, data.get("name"))
    return json_response(await _team_json(actor, event.id, team.id), 201)


async def _team_json(actor: User | None, event_id: int, team_id: int) -> dict[str, object]:
    view = await reads.get_view(actor, event_id)
    found = await marathons.board(actor, view)
    for c in found.challenges:
        for t in c.teams:
            if t.team.id == team_id:
                return shapes.team(t)
    raise NotFound("No such team.")


async def join_team(request: Request) -> Response:
    actor = await api_actor(request)
    event = await reads.get(actor, _event_id(request))
    team = await marathons.get_team(event, path_int(request, "team"))
    await marathons.join_team(actor, event, team)
    return json_response(await _team_json(actor, event.id, team.id))


async def leave_team(request: Request) -> Response:
    actor = await api_actor(request)
    event = await reads.get(actor, _event_id(request))
    left = await marathons.leave_team(actor, event)
    return json_response({"status": "left" if left else "not_on_a_team"})


async def team_result(request: Request) -> Response:
    actor = await api_actor(request)
    view = await reads.get_view(actor, _event_id(request))
    team = await marathons.get_team(view.event, path_int(request, "team"))
    data = await read_json(request)
    await marathons.post_result(
        actor, view, team, result=data.get("result"), url=data.get("url", "")
    )
    return json_response(await _team_json(actor, view.event.id, team.id))


routes = [
    Route("/api/v1/communities/{slug}/events.ics", community_feed, methods=["GET"]),
    Route("/api/v1/communities/{slug}/events", community_events, methods=["GET"]),
    Route("/api/v1/communities/{slug}/events", create_event, methods=["POST"]),
    Route("/api/v1/communities/{slug}/event-policy", event_policy, methods=["PATCH"]),
    Route("/api/v1/events", upcoming_events, methods=["GET"]),
    Route("/api/v1/events/{id}.ics", event_ics, methods=["GET"]),
    Route("/api/v1/events/{id}", get_event, methods=["GET"]),
    Route("/api/v1/events/{id}", edit_event, methods=["PATCH"]),
    Route("/api/v1/events/{id}/cancel", cancel_event, methods=["POST"]),
    Route("/api/v1/events/{id}/rsvp", answer, methods=["POST"]),
    Route("/api/v1/events/{id}/attendees.csv", attendees_csv, methods=["GET"]),
    Route("/api/v1/events/{id}/attendees", attendees, methods=["GET"]),
    Route("/api/v1/events/{id}/attendance", mark_attendance, methods=["POST"]),
    Route("/api/v1/events/{id}/challenges", challenges, methods=["GET"]),
    Route("/api/v1/events/{id}/challenges", add_challenge, methods=["POST"]),
    Route("/api/v1/events/{id}/teams", form_team, methods=["POST"]),
    Route("/api/v1/events/{id}/teams/{team}/join", join_team, methods=["POST"]),
    Route("/api/v1/events/{id}/teams/{team}/result", team_result, methods=["PUT"]),
    Route("/api/v1/events/{id}/team", leave_team, methods=["DELETE"]),
    Route("/api/v1/me/events.ics", my_feed, methods=["GET"]),
    Route("/api/v1/me/calendar-key", make_calendar_key, methods=["POST"]),
    Route("/api/v1/me/calendar-key", revoke_calendar_key, methods=["DELETE"]),
    Route("/api/v1/me/timezone", set_timezone, methods=["PUT"]),
]
