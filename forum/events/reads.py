"""What a reader may see of events: one event, a community's events, the upcoming events of
the reader's communities; each with the reader's answer and capabilities (from
forum/permissions.py), which pages, the API and calendar files all read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q

from forum import permissions, reads, validation
from forum.errors import BadRequest, NotFound
from forum.events import organise, rsvp, times
from forum.models import Community, Event, EventPolicy, User

PAGE_MAX = 100


@dataclass
class EventView:
    """An event as one reader sees it."""

    event: Event
    answer: str | None
    caps: permissions.EventCaps

    @property
    def community(self) -> Community:
        return self.event.community

    @property
    def online_url(self) -> str | None:
        """The link itself only for those going and the event's managers."""
        return self.event.online_url if self.caps.sees_link and self.event.online_url else None

    @property
    def cancelled(self) -> bool:
        return self.event.cancelled_at is not None

    @property
    def over(self) -> bool:
        return self.event.ends_at <= times.now()

    @property
    def started(self) -> bool:
        return self.event.starts_at <= times.now()

    @property
    def full(self) -> bool:
        cap = self.event.capacity
        return cap is not None and self.event.going_count >= cap

    @property
    def places_left(self) -> int | None:
        cap = self.event.capacity
        return None if cap is None else max(0, cap - self.event.going_count)

    @property
    def status(self) -> str:
        return "cancelled" if self.cancelled else "scheduled"


async def policies_of(community_ids: list[int]) -> dict[int, bool]:
    rows = await EventPolicy.filter(community_id__in=community_ids).values_list(
        "community_id", "members_organise"
    )
    return {int(str(c)): bool(m) for c, m in rows}


async def views(actor: User | None, events: list[Event]) -> list[EventView]:
    """Answers and capabilities for many events in three queries."""
    who = await permissions.reader(actor)
    policies = await policies_of(sorted({e.community.id for e in events}))
    answers = await rsvp.answers_of(actor, [e.id for e in events])
    return [
        EventView(
            event=e,
            answer=answers.get(e.id),
            caps=permissions.event_caps(
                who,
                permissions.EventFacts(
                    community_id=e.community.id,
                    visibility=e.community.visibility,
                    organiser_id=e.organiser_id,  # type: ignore[attr-defined]
                    members_organise=policies.get(e.community.id, False),
                ),
                answer=answers.get(e.id),
            ),
        )
        for e in events
    ]


async def view(actor: User | None, event: Event) -> EventView:
    return (await views(actor, [event]))[0]


async def get(actor: User | None, event_id: int) -> Event:
    """The event with its community and organiser, if the actor may read its community."""
    event = await Event.get_or_none(id=event_id).select_related("community", "organiser")
    if event is None:
        raise NotFound("No such event.")
    await permissions.require_see_event(actor, event.community)
    return event


async def get_view(actor: User | None, event_id: int) -> EventView:
    return await view(actor, await get(actor, event_id))


def encode_cursor(event: Event) -> str:
    return f"{int(event.starts_at.timestamp() * 1_000_000)}.{event.id}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    stamp, _, ident = cursor.partition(".")
    found = validation.object_id(ident)
    try:
        if found is None or not stamp.isascii() or not stamp.isdigit() or len(stamp) > 20:
            raise ValueError(cursor)
        return datetime.fromtimestamp(int(stamp) / 1_000_000, UTC), found
    except (ValueError, OverflowError, OSError):
        raise BadRequest("That page cursor is not valid.", code="bad_cursor") from None


async def list_in(
    actor: User | None,
    community: Community,
    *,
    upcoming: bool | None = None,
    cursor: str | None = None,
    limit: int = 25,
) -> tuple[list[EventView], str | None]:
    """A community's events: upcoming ones soonest first, past ones latest first, or (None)
    all of them by start. Cancelled events stay listed, marked."""
    await permissions.require_see_event(actor, community, what="community")
    limit = max(1, min(limit, PAGE_MAX))
    query = Event.filter(community_id=community.id)
    now = times.now()
    backwards = upcoming is False
    if upcoming is True:
        query = query.filter(ends_at__gt=now)
    elif upcoming is False:
        query = query.filter(ends_at__lte=now)
    if cursor:
        when, ident = decode_cursor(cursor)
        if backwards:
            query = query.filter(Q(starts_at__lt=when) | Q(starts_at=when, id__lt=ident))
        else:
            query = query.filter(Q(starts_at__gt=when) | Q(starts_at=when, id__gt=ident))
    order = ("-starts_at", "-id") if backwards else ("starts_at", "id")
    rows = await query.order_by(*order).limit(limit + 1).select_related("organiser")
    for row in rows:
        row.community = community
    more = len(rows) > limit
    rows = rows[:limit]
    return await views(actor, rows), (encode_cursor(rows[-1]) if more and rows else None)


@dataclass(frozen=True, slots=True)
class NextEvent:
    """What the home page shows of an upcoming event."""

    id: int
    title: str
    starts_at: datetime
    community: reads.CommunityView


_NEXT_SQL = """
SELECT e.id, e.title, e.starts_at, e.community_id, c.slug AS c_slug, c.name AS c_name,
    c.description AS c_description, c.kind AS c_kind, c.visibility AS c_visibility,
    c.member_count AS c_member_count, c.thread_count AS c_thread_count
FROM events e JOIN communities c ON c.id = e.community_id
WHERE e.ends_at > ? AND e.starts_at > ? AND e.cancelled_at IS NULL AND {where}
ORDER BY e.starts_at, e.id LIMIT ?"""


async def next_few(actor: User | None, *, mine_only: bool, limit: int = 3) -> list[NextEvent]:
    """The next events (not cancelled) for the home page: in the actor's communities (or, with
    none, every community they may read). Reads only events not yet over: none lasts longer
    than organise.LONGEST, so the walk along starts_at begins that long ago."""
    who = await permissions.reader(actor)
    ids = permissions.member_community_ids(who) if mine_only else []
    if ids:
        where, params = f"e.community_id IN ({', '.join('?' * len(ids))})", tuple(ids)
    else:
        where, params = permissions.readable_communities_sql(who, alias="c")
    sql = _NEXT_SQL.format(where=where or "1 = 1")
    now = times.now()
    rows = await reads.query(sql, now, now - organise.LONGEST, *params, limit)
    found = [
        NextEvent(
            int(row["id"]),
            row["title"],
            reads.parse_time(row["starts_at"]),
            reads.community_from(row),
        )
        for row in rows
    ]
    # The SQL above already agrees; permissions.py has the last word.
    return [
        e for e in found if permissions.reads_community(who, e.community.id, e.community.visibility)
    ]


async def next_in(community_id: int, limit: int = 3) -> list[Event]:
    """A community's next events (not cancelled), for its page; the caller has checked that
    the reader may read the community. Fixed SQL: the page is read often."""
    sql = (
        "SELECT * FROM events WHERE community_id = ? AND ends_at > ? AND cancelled_at IS NULL"
        " ORDER BY starts_at, id LIMIT ?"
    )
    rows = await reads.query(sql, community_id, times.now(), limit)
    return [Event._init_from_db(**row) for row in rows]


async def upcoming_for(
    actor: User | None, *, mine_only: bool, limit: int = 50, include_cancelled: bool = True
) -> list[EventView]:
    """Upcoming events, soonest first: in the actor's communities, or (mine_only False, or no
    communities) in every community they may read."""
    ids: list[int] | None = None
    if mine_only:
        ids = await permissions.communities_of(actor) or None
    if ids is None:
        ids = await permissions.readable_community_ids(actor)
    query = Event.filter(ends_at__gt=times.now())
    if ids is not None:
        query = query.filter(community_id__in=ids or [0])
    if not include_cancelled:
        query = query.filter(cancelled_at__isnull=True)
    rows = (
        await query.order_by("starts_at", "id")
        .limit(max(1, min(limit, PAGE_MAX)))
        .select_related("community", "organiser")
    )
    return await views(actor, rows)


async def for_thread(actor: User | None, thread_id: int) -> Event | None:
    """The event whose discussion this thread is, if the actor may see it."""
    event = await Event.get_or_none(thread_id=thread_id).select_related("community")
    if event is None or not await permissions.can_read(actor, event.community):
        return None
    return event


def recent_cutoff() -> datetime:
    """Calendar feeds keep the last few months of past events."""
    return times.now() - timedelta(days=90)
