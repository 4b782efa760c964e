"""Answering events: going, or not going. Places are never more than the capacity, however
many people answer at once and however many workers serve them.

Every change of an event's places happens in one transaction that first updates the event's
row (`lock`): PostgreSQL then holds that row's lock until commit, and SQLite's single writer
is taken before anything is read, so answers to one event are applied one after the other,
each seeing the counts the previous one left. The place itself is taken with a conditional
UPDATE (going_count below capacity), and one RSVP row per person and event is kept by a
unique constraint. When a place frees, the first person on the waitlist (by the time they
joined it) takes it and is told."""

from __future__ import annotations

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from forum import permissions, validation
from forum.errors import Conflict
from forum.events import notices, times
from forum.models import Event, EventRsvp, User

ANSWERS = ("going", "not_going")
GOING, WAITLISTED, NOT_GOING = "going", "waitlisted", "not_going"


async def lock(event_id: int) -> None:
    """The first statement of every transaction that changes the event's places."""
    await Event.filter(id=event_id).update(places_version=F("places_version") + 1)


async def _take_place(event_id: int) -> bool:
    """Takes one place if one is free; the condition is checked by the database."""
    taken = await Event.filter(
        Q(capacity__isnull=True) | Q(going_count__lt=F("capacity")), id=event_id
    ).update(going_count=F("going_count") + 1)
    return taken == 1


async def answer_of(user: User | None, event_id: int) -> str | None:
    if user is None:
        return None
    found = await EventRsvp.filter(event_id=event_id, user_id=user.id).values_list(
        "answer", flat=True
    )
    return str(found[0]) if found else None


async def answers_of(user: User | None, event_ids: list[int]) -> dict[int, str]:
    if user is None or not event_ids:
        return {}
    rows = await EventRsvp.filter(event_id__in=event_ids, user_id=user.id).values_list(
        "event_id", "answer"
    )
    return {int(str(e)): str(a) for e, a in rows}


async def respond(actor: User | None, event: Event, status: object) -> str:
    """Going or not going; returns the answer recorded: going, waitlisted or not_going."""
    user = await permissions.require_answer_event(actor, event.community)
    wanted = validation.choice(status, "status", ANSWERS)
    if event.cancelled_at is not None:
        raise Conflict("This event was cancelled.", code="event_cancelled")
    if event.ends_at <= times.now():
        raise Conflict("This event is over.", code="event_over")
    async with in_transaction():
        await lock(event.id)
        row = await EventRsvp.get_or_none(event_id=event.id, user_id=user.id)
        current = row.answer if row is not None else None
        if wanted == GOING:
            if current in (GOING, WAITLISTED):
                return str(current)
            if await _take_place(event.id):
                answer = GOING
            else:
                answer = WAITLISTED
                await Event.filter(id=event.id).update(waitlist_count=F("waitlist_count") + 1)
        else:
            answer = NOT_GOING
            if current == NOT_GOING:
                return NOT_GOING
            if current == GOING:
                await Event.filter(id=event.id).update(going_count=F("going_count") - 1)
            elif current == WAITLISTED:
                await Event.filter(id=event.id).update(waitlist_count=F("waitlist_count") - 1)
        when = times.now()
        if row is None:
            await EventRsvp.create(
                event_id=event.id, user_id=user.id, answer=answer, queued_at=when
            )
        else:
            await EventRsvp.filter(id=row.id).update(answer=answer, queued_at=when)
        if current == GOING:
            await fill_places(event)
            from forum.events import marathons  # marathons builds on this module

            await marathons.drop_member(event.id, user.id)  # a team is for those going
    await _reload_counts(event)
    return answer


async def fill_places(event: Event) -> list[int]:
    """Promotes the waitlist, first come first served, while places are free; tells each person
    promoted. Call inside a transaction that began with `lock`. Returns who was promoted."""
    promoted: list[int] = []
    while True:
        first = (
            await EventRsvp.filter(event_id=event.id, answer=WAITLISTED)
            .order_by("queued_at", "id")
            .first()
        )
        if first is None or not await _take_place(event.id):
            break
        await EventRsvp.filter(id=first.id).update(answer=GOING)
        await Event.filter(id=event.id).update(waitlist_count=F("waitlist_count") - 1)
        promoted.append(first.user_id)  # type: ignore[attr-defined]
    if promoted:
        await notices.tell(
            promoted,
            event,
            "event_promoted",
            f"A place freed up: you are going to {event.title}.",
        )
    return promoted


async def _reload_counts(event: Event) -> None:
    found = await Event.filter(id=event.id).values_list("going_count", "waitlist_count")
    if found:
        event.going_count, event.waitlist_count = (int(str(v)) for v in found[0])
