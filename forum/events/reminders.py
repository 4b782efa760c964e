"""Reminders a day and an hour before an event, for those going.

Each reminder is a row (EventReminder) written with the event and moved with it. A scheduler
task in each worker (started by server.py's lifespan) looks for due rows in the database, so
nothing is held in memory and a restart loses nothing. A worker claims a row with a
conditional UPDATE (sent_at still empty) as the first statement of the transaction that also
writes the notifications: two workers never both send one, and a worker that dies mid-way
sends nothing (its transaction rolls back) and the row is sent on the next round. Emails to
people with digests on are sent after commit, at most once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from tortoise.transactions import in_transaction

from forum import notifications, permissions
from forum.events import notices, times
from forum.models import Event, EventReminder, EventRsvp, User

log = logging.getLogger("chaupal.events")

LEADS = {"day": timedelta(days=1), "hour": timedelta(hours=1)}
BATCH = 50

# Sends one reminder email: (person, event, text).
Mailer = Callable[[User, Event, str], Awaitable[None]]


async def schedule(event: Event) -> None:
    """(Re)arms the reminders of an event for its current start; call in its transaction.
    A reminder whose moment has passed is not armed (an event made an hour ahead gets no
    "tomorrow" reminder); one already sent for an earlier time is armed again."""
    now = times.now()
    for kind, lead in LEADS.items():
        due = event.starts_at - lead
        if due <= now:
            await EventReminder.filter(event_id=event.id, kind=kind, sent_at__isnull=True).delete()
            continue
        updated = await EventReminder.filter(event_id=event.id, kind=kind).update(
            due_at=due, sent_at=None
        )
        if not updated:
            await EventReminder.create(event_id=event.id, kind=kind, due_at=due)


async def unschedule(event_id: int) -> None:
    await EventReminder.filter(event_id=event_id, sent_at__isnull=True).delete()


def message(kind: str, event: Event, zone_name: str | None) -> str:
    when = times.show(event.starts_at, zone_name)
    if kind == "day":
        return f"Reminder: {event.title} is tomorrow, {when}."
    return f"Reminder: {event.title} starts in an hour, {when}."


@dataclass
class Sent:
    reminder_id: int
    event_id: int
    told: list[int]


async def send_due(now: datetime | None = None, *, mailer: Mailer | None = None) -> list[Sent]:
    """Sends every reminder due by `now`; returns what was sent by this call."""
    now = now or times.now()
    sent: list[Sent] = []
    while True:
        due = (
            await EventReminder.filter(sent_at__isnull=True, due_at__lte=now)
            .order_by("due_at", "id")
            .limit(BATCH)
            .values_list("id", flat=True)
        )
        if not due:
            return sent
        for reminder_id in due:
            done = await _send_one(int(str(reminder_id)), now, mailer)
            if done is not None:
                sent.append(done)
        if len(due) < BATCH:
            return sent


async def _send_one(reminder_id: int, now: datetime, mailer: Mailer | None) -> Sent | None:
    emails: list[tuple[User, str]] = []
    async with in_transaction():
        claimed = await EventReminder.filter(id=reminder_id, sent_at__isnull=True).update(
            sent_at=now
        )
        if not claimed:
            return None  # another worker has it
        row = await EventReminder.get(id=reminder_id)
        event = await Event.get_or_none(id=row.event_id).select_related("community")  # type: ignore[attr-defined]
        if event is None or event.cancelled_at is not None or event.starts_at <= now:
            return Sent(reminder_id, row.event_id, [])  # type: ignore[attr-defined]
        going = await EventRsvp.filter(event_id=event.id, answer="going").values_list(
            "user_id", flat=True
        )
        told = await permissions.readers_of([int(str(u)) for u in going], event.community)
        people = await User.filter(id__in=told) if told else []
        for person in people:
            text = message(row.kind, event, person.timezone or None)
            await notifications.notify(
                person.id, "event_reminder", **notices.data_of(event, event.community, text)
            )
            if mailer is not None and person.email_digest:
                emails.append((person, text))
    for person, text in emails:
        try:
            await mailer(person, event, text)  # type: ignore[misc]
        except Exception:  # one bad address must not stop the others
            log.exception("sending an event reminder email failed")
    return Sent(reminder_id, event.id, [p.id for p in people])


def compose(person: User, event: Event, text: str, *, sender: str, site_url: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = person.email
    email["Subject"] = text.removeprefix("Reminder: ")[:150]
    email.set_content(
        f"Namaste {person.display_name},\n\n{text}\n\n"
        f"The event: {site_url}/events/{event.id}\n\n"
        "You get this email because you are going and have email digests on; "
        f"turn them off in Settings: {site_url}/settings\n"
    )
    return email


def smtp_mailer(smtp_url: str, *, sender: str, site_url: str) -> Mailer:
    """Sends through the SMTP server that sends digests (forum/digests.py)."""
    from forum import digests

    async def send(person: User, event: Event, text: str) -> None:
        email = compose(person, event, text, sender=sender, site_url=site_url)
        await asyncio.to_thread(digests.deliver, smtp_url, email)

    return send


async def run(every: float, mailer: Mailer | None) -> None:
    """The scheduler loop of one worker: a round every `every` seconds."""
    while True:
        await asyncio.sleep(every)
        try:
            await send_due(mailer=mailer)
        except Exception:
            log.exception("sending event reminders failed; will retry")
