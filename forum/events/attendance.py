"""Who is going: the lists organisers and attendees see, the organisers' CSV export, and
attendance, which organisers mark after an event starts and which earns learning points."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from tortoise.transactions import in_transaction

from forum import permissions, points
from forum.errors import Conflict, Invalid
from forum.events import times
from forum.events.organise import members_organise
from forum.events.reads import EventView
from forum.models import Event, EventRsvp, User

MAX_MARKED = 500


@dataclass
class Lists:
    going: list[EventRsvp] = field(default_factory=list)
    waitlist: list[EventRsvp] = field(default_factory=list)  # in promotion order
    full: bool = False  # the organisers' view: waitlist and attendance included


async def lists(actor: User | None, view: EventView) -> Lists:
    """Managers see who is going and the waitlist in order; those going see who else is."""
    permissions.allow_attendee_list(view.caps)
    event = view.event
    going = (
        await EventRsvp.filter(event_id=event.id, answer="going")
        .order_by("queued_at", "id")
        .select_related("user")
    )
    if not view.caps.can_manage:
        return Lists(going=list(going))
    waitlist = (
        await EventRsvp.filter(event_id=event.id, answer="waitlisted")
        .order_by("queued_at", "id")
        .select_related("user")
    )
    return Lists(going=list(going), waitlist=list(waitlist), full=True)


def _cell(value: object) -> str:
    """A CSV cell that spreadsheets will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def csv_export(actor: User | None, view: EventView) -> str:
    permissions.allow_attendee_export(view.caps)
    found = await lists(actor, view)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["username", "name", "role", "sector", "answer", "waitlist_position", "since", "attended"]
    )
    rows = [(r, "") for r in found.going] + [
        (r, str(n)) for n, r in enumerate(found.waitlist, start=1)
    ]
    for rsvp_row, position in rows:
        person = rsvp_row.user
        writer.writerow(
            [
                _cell(person.username),
                _cell(person.display_name),
                _cell(person.role),
                _cell(person.sector),
                rsvp_row.answer,
                position,
                rsvp_row.queued_at.isoformat(),
                "yes" if rsvp_row.attended else "no",
            ]
        )
    return out.getvalue()


async def mark(actor: User | None, event: Event, usernames: object, attended: object) -> int:
    """Organisers mark who came (or unmark); returns how many changed. Only people going can be
    marked, once the event has started. Each attendance earns learning points once."""
    community = event.community
    user = await permissions.require_manage_event(
        actor,
        community,
        organiser_id=event.organiser_id,  # type: ignore[attr-defined]
        members_organise=await members_organise(community.id),
    )
    if not isinstance(attended, bool):
        raise Invalid(
            "attended must be true or false.", fields={"attended": "must be true or false"}
        )
    if not isinstance(usernames, list) or not usernames or len(usernames) > MAX_MARKED:
        raise Invalid(
            "Name the people to mark.",
            fields={"usernames": f"must be a list of 1-{MAX_MARKED} usernames"},
        )
    names = []
    for name in usernames:
        if not isinstance(name, str) or not 1 <= len(name) <= 30:
            raise Invalid("Usernames must be text.", fields={"usernames": "must be usernames"})
        names.append(name.strip().lower())
    if event.cancelled_at is not None:
        raise Conflict("This event was cancelled.", code="event_cancelled")
    if event.starts_at > times.now():
        raise Conflict("Attendance is marked once the event has started.", code="not_started")
    people = await User.filter(username__in=names).values_list("id", "username")
    ids = {int(str(i)): str(n) for i, n in people}
    rows = await EventRsvp.filter(event_id=event.id, user_id__in=list(ids), answer="going")
    unknown = sorted(set(names) - {ids[r.user_id] for r in rows})  # type: ignore[attr-defined]
    if unknown:
        raise Invalid(
            "Only people going can be marked: " + ", ".join(unknown[:10]) + ".",
            fields={"usernames": "includes people who are not going"},
        )
    changed = 0
    async with in_transaction():
        for row in rows:
            if row.attended == attended:
                continue
            await EventRsvp.filter(id=row.id).update(
                attended=attended, attended_at=times.now() if attended else None
            )
            changed += 1
            if attended:
                await award_attendance_points(row.user_id, event, user)  # type: ignore[attr-defined]
    return changed


async def award_attendance_points(user_id: int, event: Event, marked_by: User) -> None:
    """Learning points for attending (forum/points.py), once per person and event whatever
    how often attendance is marked."""
    await points.award(
        user_id,
        "event_attended",
        f"event_attended:{event.id}:{user_id}",
        thread_id=event.thread_id,  # type: ignore[attr-defined]
        actor_id=marked_by.id,
    )


async def attended_count(event_id: int) -> int:
    return await EventRsvp.filter(event_id=event_id, attended=True).count()


def parse_usernames(value: object) -> list[str]:
    """Usernames from a form (comma, space or newline separated) or a JSON list."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    raise Invalid("Name the people to mark.", fields={"usernames": "must be usernames"})
