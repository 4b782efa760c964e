"""Calendar files (iCalendar, built with the `icalendar` library): one event, a community's
feed and a person's own feed, which calendar apps subscribe to.

Calendar apps fetch feeds without signing in. A public community's feed is open to all; for
anything else a person makes a secret calendar key (only its SHA-256 is stored) and puts it in
the feed's address; every fetch asks forum/permissions.py about that person as they are now,
and making a new key or revoking ends the old one. The online link is written only into
the files of those going (and the event's managers)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from icalendar import Calendar
from icalendar import Event as VEvent
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from forum import permissions, security
from forum.errors import NotFound
from forum.events import reads, times
from forum.events.organise import KIND_LABELS
from forum.events.reads import EventView
from forum.models import CalendarKey, Community, Event, User

PRODID = "-//Chaupal//Community events//EN"
FEED_LIMIT = 300


def _uid(event: Event, site_url: str) -> str:
    host = urlsplit(site_url).hostname or "chaupal"
    return f"event-{event.id}@{host}"


def _description(view: EventView, site_url: str) -> str:
    event = view.event
    parts = [event.description] if event.description else []
    if view.online_url:
        parts.append(f"Join online: {view.online_url}")
    elif event.online_url:
        parts.append("Online: the link is shown to those going, on the event page.")
    parts.append(f"Event page: {site_url}/events/{event.id}")
    if event.thread_id:  # type: ignore[attr-defined]
        parts.append(f"Discussion: {site_url}/t/{event.thread_id}")  # type: ignore[attr-defined]
    if event.cancelled_at is not None:
        parts.insert(0, "CANCELLED." + (f" {event.cancel_note}" if event.cancel_note else ""))
    return "\n\n".join(parts)


def vevent(view: EventView, site_url: str, stamp: datetime) -> VEvent:
    event = view.event
    item = VEvent()
    item.add("uid", _uid(event, site_url))
    item.add("dtstamp", stamp)
    item.add("created", event.created_at)
    item.add("last-modified", event.updated_at)
    item.add("sequence", event.sequence)
    item.add("dtstart", times.local(event.starts_at, event.timezone))
    item.add("dtend", times.local(event.ends_at, event.timezone))
    title = event.title
    if event.cancelled_at is not None:
        title = f"Cancelled: {title}"
    item.add("summary", title)
    item.add("description", _description(view, site_url))
    location = event.location or ("Online" if event.online_url else "")
    if view.online_url and not event.location:
        location = view.online_url
    if location:
        item.add("location", location)
    item.add("url", f"{site_url}/events/{event.id}")
    item.add("categories", [KIND_LABELS.get(event.kind, event.kind)])
    item.add("status", "CANCELLED" if event.cancelled_at is not None else "CONFIRMED")
    item.add("transp", "OPAQUE")
    return item


def build(views: list[EventView], *, name: str, site_url: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", times.DEFAULT_ZONE)
    stamp = times.now()
    for view in views:
        calendar.add_component(vevent(view, site_url, stamp))
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


async def event_file(actor: User | None, event_id: int, *, site_url: str) -> tuple[str, bytes]:
    """(file name, iCalendar bytes) of one event the actor may see."""
    view = await reads.get_view(actor, event_id)
    return f"event-{event_id}.ics", build([view], name=view.event.title, site_url=site_url)


async def community_feed(actor: User | None, community: Community, *, site_url: str) -> bytes:
    """The community's events from the last three months on, for whoever may read it."""
    await permissions.require_see_event(actor, community, what="community")
    rows = (
        await Event.filter(community_id=community.id, ends_at__gt=reads.recent_cutoff())
        .order_by("starts_at", "id")
        .limit(FEED_LIMIT)
        .select_related("organiser")
    )
    for row in rows:
        row.community = community
    views = await reads.views(actor, rows)
    return build(views, name=f"{community.name} events", site_url=site_url)


async def personal_feed(user: User, *, site_url: str) -> bytes:
    """Upcoming and recent events of the person's communities."""
    ids = await permissions.communities_of(user)
    rows = (
        await Event.filter(community_id__in=ids or [0], ends_at__gt=reads.recent_cutoff())
        .order_by("starts_at", "id")
        .limit(FEED_LIMIT)
        .select_related("community", "organiser")
    )
    # Ask again about each community, as the person is now.
    visible = [r for r in rows if await permissions.can_read(user, r.community)]
    views = await reads.views(user, visible)
    return build(views, name="My Chaupal events", site_url=site_url)


# Secret calendar keys


async def make_key(actor: User | None) -> str:
    """A new secret key for the person's feeds; the old one stops working. Shown once."""
    user = permissions.require_signed_in(actor, "make a calendar link")
    key = security.new_token()
    digest = security.token_digest(key)
    async with in_transaction():
        await CalendarKey.filter(user_id=user.id).delete()
        try:
            await CalendarKey.create(user_id=user.id, key_hash=digest)
        except IntegrityError:  # pragma: no cover - a 256-bit collision
            raise NotFound("Try again.") from None
    return key


async def revoke_key(actor: User | None) -> bool:
    user = permissions.require_signed_in(actor, "revoke a calendar link")
    return await CalendarKey.filter(user_id=user.id).delete() > 0


async def has_key(user: User | None) -> bool:
    return user is not None and await CalendarKey.filter(user_id=user.id).exists()


async def user_for_key(key: str) -> User:
    """The person a calendar key belongs to; an unknown or revoked key finds nothing (404)."""
    if not key or len(key) > 100:
        raise NotFound("No such calendar.")
    row = await CalendarKey.get_or_none(key_hash=security.token_digest(key)).select_related("user")
    if row is None:
        raise NotFound("No such calendar.")
    await CalendarKey.filter(id=row.id).update(last_used_at=times.now())
    return row.user
