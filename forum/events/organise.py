"""Organising events: creating them (each with its own discussion thread), editing,
cancelling, and each community's choice of whether its members may organise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from forum import permissions, threads, validation
from forum.errors import Conflict, Invalid
from forum.events import notices, reminders, rsvp, times
from forum.models import Community, Event, EventPolicy, User
from moderation import audit

KINDS = ("meetup", "marathon", "webinar")
KIND_LABELS = {"meetup": "Meetup", "marathon": "Innovation marathon", "webinar": "Webinar"}
TITLE_MIN, TITLE_MAX = 5, 150
DESCRIPTION_MAX = 10_000
LOCATION_MAX = 200
URL_MAX = 500
CAPACITY_MAX = 10_000
LONGEST = timedelta(days=14)
# Fields whose change attendees are told about.
NOTICED = ("starts_at", "ends_at", "location", "online_url", "timezone")


# What an organiser writes about an event (the API's body and the web form alike).
FIELDS = (
    "title",
    "kind",
    "description",
    "starts_at",
    "ends_at",
    "timezone",
    "location",
    "online_url",
    "capacity",
)


async def members_organise(community_id: int) -> bool:
    """Whether the community lets its members (not only moderators) organise events."""
    found = await EventPolicy.filter(community_id=community_id).values_list(
        "members_organise", flat=True
    )
    return bool(found and found[0])


async def set_members_organise(actor: User | None, community: Community, value: object) -> bool:
    """Moderators let members organise events, or stop them; returns whether it changed."""
    await permissions.require_moderate(actor, community)
    if not isinstance(value, bool):
        raise Invalid(
            "members_organise must be true or false.",
            fields={"members_organise": "must be true or false"},
        )
    if await members_organise(community.id) == value:
        return False
    async with in_transaction():
        updated = await EventPolicy.filter(community_id=community.id).update(members_organise=value)
        if not updated:
            await EventPolicy.create(community_id=community.id, members_organise=value)
        await audit.record(
            actor,
            "community.events_policy",
            f"community:{community.slug}",
            community=community,
            note="members may organise events" if value else "only moderators organise events",
            changes={"members_organise": (not value, value)},
        )
    return True


@dataclass
class Fields:
    """Checked values of an event's fields (those given)."""

    values: dict[str, Any]


def _title(value: object) -> str:
    return validation.one_line(value, "title", min_len=TITLE_MIN, max_len=TITLE_MAX)


def _description(value: object) -> str:
    return validation.text(value, "description", max_len=DESCRIPTION_MAX)


def _location(value: object) -> str:
    return validation.one_line(value, "location", max_len=LOCATION_MAX)


def _online_url(value: object) -> str:
    text = validation.one_line(value, "online_url", max_len=URL_MAX, label="Online link")
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
        raise Invalid(
            "The online link must be a web address starting with https://.",
            fields={"online_url": "must be a web address starting with https://"},
        )
    return text


def _capacity(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(
            "Capacity must be a whole number of places.",
            fields={"capacity": "must be a whole number (or empty for no limit)"},
        )
    if not 1 <= value <= CAPACITY_MAX:
        raise Invalid(
            f"Capacity must be between 1 and {CAPACITY_MAX:,}.",
            fields={"capacity": f"must be between 1 and {CAPACITY_MAX:,} (or empty for no limit)"},
        )
    return value


def check(data: dict[str, Any], *, current: Event | None = None) -> dict[str, Any]:
    """Checks the fields present in `data` (all required ones when creating); raises Invalid
    naming every field that needs attention."""
    creating = current is None
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    unknown = set(data) - set(FIELDS)
    if unknown:
        errors.update({name[:40]: "is not an event field" for name in sorted(unknown)[:10]})

    def attempt(field: str, fn: Any) -> None:
        if field in data or (creating and field in ("title", "kind")):
            try:
                out[field] = fn(data.get(field))
            except Invalid as exc:
                errors.update(exc.fields or {field: exc.message})

    attempt("title", _title)
    attempt("kind", lambda v: validation.choice(v, "kind", KINDS))
    attempt("description", _description)
    attempt("location", _location)
    attempt("online_url", _online_url)
    attempt("capacity", _capacity)
    zone_given: str | None = None
    if "timezone" in data:
        try:
            zone_given = out["timezone"] = times.zone_name(data.get("timezone"))
        except Invalid as exc:
            errors.update(exc.fields)
    for field in ("starts_at", "ends_at"):
        if field in data or creating:
            try:
                out[field] = times.parse(data.get(field), field, zone_given)
            except Invalid as exc:
                errors.update(exc.fields)
    times_known = not {"starts_at", "ends_at", "timezone"} & set(errors)
    if times_known:
        starts: datetime = out["starts_at"] if "starts_at" in out else current.starts_at  # type: ignore[union-attr]
        ends: datetime = out["ends_at"] if "ends_at" in out else current.ends_at  # type: ignore[union-attr]
        if ends <= starts:
            errors["ends_at"] = "must be after the start"
        elif ends - starts > LONGEST:
            errors["ends_at"] = "must be within 14 days of the start"
        moved = "starts_at" in out and (current is None or out["starts_at"] != current.starts_at)
        if moved and starts < times.now() - timedelta(minutes=5):
            errors["starts_at"] = "must be in the future"
    location = out.get("location", current.location if current else "")
    online = out.get("online_url", current.online_url if current else "")
    if not location and not online and not {"location", "online_url"} & set(errors):
        errors["location"] = "or an online link is needed: say where people meet"
    if current is not None and "capacity" in out and out["capacity"] is not None:
        if out["capacity"] < current.going_count:
            errors["capacity"] = f"cannot be below the {current.going_count} people already going"
    if errors:
        raise Invalid("Some fields need attention.", fields=errors)
    return out


def thread_body(event: Event, fields: dict[str, Any]) -> str:
    label = KIND_LABELS[fields["kind"]]
    when = times.show_span(fields["starts_at"], fields["ends_at"], fields.get("timezone"))
    where = fields.get("location") or "Online"
    intro = (
        f"**{label}** · {when} · {where}\n\n"
        f"This is the discussion thread of the event [{fields['title']}](/events/{event.id}). "
        "Answer whether you are going on the event page; ask questions and share notes here."
    )
    description = fields.get("description") or ""
    return f"{intro}\n\n{description}" if description else intro


async def create(actor: User | None, community: Community, data: dict[str, Any]) -> Event:
    """Creates the event and its discussion thread, in one transaction."""
    user = await permissions.require_organise(
        actor, community, members_organise=await members_organise(community.id)
    )
    fields = check(data)
    fields.setdefault("timezone", times.DEFAULT_ZONE)
    fields.setdefault("description", "")
    html = await threads.render(fields["description"]) if fields["description"] else ""
    async with in_transaction():
        event = await Event.create(
            community=community,
            organiser=user,
            description_html=html,
            **fields,
        )
        try:
            thread, _ = await threads.start(
                user,
                community,
                title=fields["title"],
                body=thread_body(event, fields),
                tags=["event", fields["kind"]],
            )
        except Invalid as exc:
            raise Invalid(
                exc.message,
                code=exc.code,
                fields={("description" if k == "body" else k): v for k, v in exc.fields.items()},
            ) from None
        await Event.filter(id=event.id).update(thread_id=thread.id)
        event.thread_id = thread.id
        await reminders.schedule(event)
    event.community = community
    event.organiser = user
    return event


async def edit(actor: User | None, event: Event, data: dict[str, Any]) -> list[str]:
    """Changes the given fields; returns the names of those that changed. Attendees hear of a
    new time or place; a larger capacity promotes the waitlist."""
    community = event.community
    await permissions.require_manage_event(
        actor,
        community,
        organiser_id=event.organiser_id,  # type: ignore[attr-defined]
        members_organise=await members_organise(community.id),
    )
    if event.cancelled_at is not None:
        raise Conflict("This event was cancelled; it cannot be changed.", code="event_cancelled")
    async with in_transaction():
        await rsvp.lock(event.id)
        fresh = await Event.get(id=event.id)
        fields = check(data, current=fresh)
        changed = [k for k, v in fields.items() if getattr(fresh, k) != v]
        if not changed:
            return []
        values = {k: fields[k] for k in changed}
        if "description" in values:
            values["description_html"] = (
                await threads.render(values["description"]) if values["description"] else ""
            )
        await Event.filter(id=event.id).update(**values, sequence=F("sequence") + 1)
        for k, v in values.items():
            setattr(event, k, v)
        event.sequence = fresh.sequence + 1
        if "capacity" in changed:
            event.going_count = fresh.going_count
            await rsvp.fill_places(event)
        if {"starts_at", "ends_at"} & set(changed):
            await reminders.schedule(event)
        noticed = [k for k in changed if k in NOTICED]
        if noticed:
            await notices.tell_attendees(
                event,
                "event_changed",
                f"{event.title} changed: {_describe_change(event, noticed)}.",
            )
    await event.refresh_from_db()
    return changed


def _describe_change(event: Event, changed: list[str]) -> str:
    parts = []
    if {"starts_at", "ends_at", "timezone"} & set(changed):
        parts.append("now " + times.show_span(event.starts_at, event.ends_at, event.timezone))
    if "location" in changed:
        parts.append(f"at {event.location}" if event.location else "no venue now")
    if "online_url" in changed:
        parts.append("new online link" if event.online_url else "no online link now")
    return "; ".join(parts)


async def cancel(actor: User | None, event: Event, note: object = "") -> bool:
    """Cancels the event (it stays listed as cancelled); those going or waiting are told.
    Returns whether anything changed."""
    community = event.community
    await permissions.require_manage_event(
        actor,
        community,
        organiser_id=event.organiser_id,  # type: ignore[attr-defined]
        members_organise=await members_organise(community.id),
    )
    reason = validation.text(note, "note", max_len=1000)
    async with in_transaction():
        await rsvp.lock(event.id)
        when = times.now()
        updated = await Event.filter(id=event.id, cancelled_at__isnull=True).update(
            cancelled_at=when, cancel_note=reason, sequence=F("sequence") + 1
        )
        if not updated:
            return False
        event.cancelled_at, event.cancel_note = when, reason
        await reminders.unschedule(event.id)
        message = f"{event.title} was cancelled." + (f" {reason}" if reason else "")
        await notices.tell_attendees(event, "event_cancelled", message)
    await event.refresh_from_db()
    return True
