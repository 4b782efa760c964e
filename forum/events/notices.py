"""Telling people about events: promotions from the waitlist, changes, cancellations and
reminders, as notifications. Only people who may read the event's community now are told;
each notification names the event's discussion thread, so the pages, the live channel and
digests withhold its details from anyone who later loses access (forum/notifications.py)."""

from __future__ import annotations

from forum import notifications, permissions
from forum.models import Community, Event, EventRsvp

# The answers of those who hear about changes and cancellation.
CONCERNED = ("going", "waitlisted")


def data_of(event: Event, community: Community, message: str) -> dict[str, object]:
    return {
        "event_id": event.id,
        "title": event.title,
        "community": community.slug,
        "thread_id": event.thread_id,  # type: ignore[attr-defined]
        "message": message,
    }


async def community_of(event: Event) -> Community:
    community = getattr(event, "community", None)
    if isinstance(community, Community):
        return community
    return await Community.get(id=event.community_id)  # type: ignore[attr-defined]


async def tell(user_ids: list[int], event: Event, kind: str, message: str) -> list[int]:
    """Notifies those of these people who may read the event's community; returns them."""
    community = await community_of(event)
    told = await permissions.readers_of(user_ids, community)
    for user_id in told:
        await notifications.notify(user_id, kind, **data_of(event, community, message))
    return told


async def tell_attendees(
    event: Event, kind: str, message: str, answers: tuple[str, ...] = CONCERNED
) -> list[int]:
    """Notifies everyone going (and waiting, by default), inside the caller's transaction."""
    ids = await EventRsvp.filter(event_id=event.id, answer__in=answers).values_list(
        "user_id", flat=True
    )
    return await tell([int(str(i)) for i in ids], event, kind, message)
