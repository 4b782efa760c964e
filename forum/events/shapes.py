"""JSON shapes of events (the contract's "Events" section, plus extra fields)."""

from __future__ import annotations

from typing import Any

from forum.events import times
from forum.events.attendance import Lists
from forum.events.marathons import Board, TeamView
from forum.events.reads import EventView
from forum.models import EventRsvp, User


def event(view: EventView) -> dict[str, Any]:
    e = view.event
    return {
        "id": e.id,
        "community": e.community.slug,
        "title": e.title,
        "kind": e.kind,
        "description": e.description,
        "description_html": e.description_html,
        "starts_at": times.iso(e.starts_at, e.timezone),
        "ends_at": times.iso(e.ends_at, e.timezone),
        "timezone": e.timezone,
        "location": e.location,
        "online": bool(e.online_url),
        "online_url": view.online_url,
        "capacity": e.capacity,
        "going_count": e.going_count,
        "waitlist_count": e.waitlist_count,
        "my_status": view.answer,
        "thread_id": e.thread_id,  # type: ignore[attr-defined]
        "status": view.status,
        "cancelled_at": e.cancelled_at.isoformat() if e.cancelled_at else None,
        "cancel_note": e.cancel_note if view.cancelled else "",
        "organiser": e.organiser.username,
        "url": f"/events/{e.id}",
        "ics_url": f"/api/v1/events/{e.id}.ics",
        "can_manage": view.caps.can_manage,
    }


def person(u: User) -> dict[str, Any]:
    return {"username": u.username, "display_name": u.display_name, "role": u.role}


def _rsvp(row: EventRsvp, full: bool) -> dict[str, Any]:
    body = person(row.user)
    if full:
        body["since"] = row.queued_at.isoformat()
        body["attended"] = row.attended
    return body


def attendees(found: Lists) -> dict[str, Any]:
    body: dict[str, Any] = {"going": [_rsvp(r, found.full) for r in found.going]}
    if found.full:
        body["waitlist"] = [_rsvp(r, True) for r in found.waitlist]
    return body


def team(t: TeamView) -> dict[str, Any]:
    row = t.team
    return {
        "id": row.id,
        "challenge_id": row.challenge_id,  # type: ignore[attr-defined]
        "name": row.name,
        "size_limit": row.size_limit,
        "member_count": row.member_count,
        "members": [person(m) for m in t.members],
        "result": row.result,
        "result_html": row.result_html,
        "result_url": row.result_url,
        "result_at": row.result_at.isoformat() if row.result_at else None,
    }


def board(b: Board) -> dict[str, Any]:
    return {
        "items": [
            {
                "id": c.challenge.id,
                "title": c.challenge.title,
                "statement": c.challenge.statement,
                "statement_html": c.challenge.statement_html,
                "team_size": c.challenge.team_size,
                "teams": [team(t) for t in c.teams],
            }
            for c in b.challenges
        ],
        "my_team_id": b.my_team_id,
        "next": None,
    }
