"""Learning points: helpful participation counted towards a yearly target, the way Argentina's
civil service counts 60 points a year towards promotion.

An append-only ledger (PointEntry). Points are awarded inside the transaction of the action that
earns them (forum/social.py's react, forum/threads.py's accept_answer and set_featured), each
under an idempotency key naming what earned it, so undoing an action and doing it again never
counts twice; undoing does not take points back (admins can, with an adjustment). Who sees
which entries, in a profile, a total, a leaderboard or an export, is asked of
forum/permissions.py."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from forum import permissions, validation
from forum.errors import BadRequest, Invalid
from forum.models import Community, PointEntry, PointsTarget, Post, Thread, User

RULES = {
    "accepted_answer": 5,  # a reply of yours accepted as the answer
    "reaction": 1,  # someone found a post of yours helpful, insightful or said thanks
    "best_of": 3,  # a thread of yours added to its community's best of
    "event_attended": 2,  # for events, when they exist
}
REASON_LABELS = {
    "accepted_answer": "Accepted answer",
    "reaction": "Reaction received",
    "best_of": "Thread in best of",
    "event_attended": "Event attended",
    "adjustment": "Adjustment by an administrator",
}
REACTION_POINTS_PER_DAY = 5
DEFAULT_TARGET = 60
ADJUST_MAX = 1000
TARGET_MAX = 10_000
LEADERBOARD_SIZE = 20
HISTORY_MAX = 200


def now() -> datetime:
    return datetime.now(UTC)


def _day_start(when: datetime) -> datetime:
    return when.replace(hour=0, minute=0, second=0, microsecond=0)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


# Awarding (inside the action's transaction)


async def award(
    user_id: int,
    reason: str,
    key: str,
    *,
    points: int | None = None,
    thread_id: int | None = None,
    post_id: int | None = None,
    actor_id: int | None = None,
    note: str = "",
) -> PointEntry | None:
    """Appends an entry unless one with this key exists; returns it, or None."""
    if await PointEntry.filter(key=key).exists():
        return None
    try:
        async with in_transaction():  # a savepoint: a racing duplicate must not abort the action
            return await PointEntry.create(
                user_id=user_id,
                points=RULES[reason] if points is None else points,
                reason=reason,
                key=key[:120],
                note=note[:500],
                thread_id=thread_id,
                post_id=post_id,
                actor_id=actor_id,
            )
    except IntegrityError:
        return None


async def reaction_received(post: Post, reactor: User) -> PointEntry | None:
    """One point to the post's author per person reacting to the post (whatever the kinds), up
    to REACTION_POINTS_PER_DAY a day; past that the entry is kept with no points."""
    author_id: int = post.author_id  # type: ignore[attr-defined]
    if not permissions.earns_points(author_id, granted_by=reactor.id):
        return None
    key = f"reaction:{post.id}:{reactor.id}"
    if await PointEntry.filter(key=key).exists():
        return None
    # Awards to one person are serialised (PostgreSQL), so the daily cap holds under races.
    await User.filter(id=author_id).select_for_update().values_list("id", flat=True)
    today = (
        await PointEntry.filter(
            user_id=author_id, reason="reaction", created_at__gte=_day_start(now())
        )
        .annotate(total=Sum("points"))
        .values_list("total", flat=True)
    )
    used = int(str(today[0] or 0)) if today else 0
    capped = used >= REACTION_POINTS_PER_DAY
    return await award(
        author_id,
        "reaction",
        key,
        points=0 if capped else RULES["reaction"],
        thread_id=post.thread_id,
        post_id=post.id,
        actor_id=reactor.id,
        note=f"over the daily limit of {REACTION_POINTS_PER_DAY}" if capped else "",
    )


async def answer_accepted(thread: Thread, post_id: int, actor: User) -> PointEntry | None:
    rows = await Post.filter(id=post_id).values_list("author_id", flat=True)
    if not rows:
        return None
    author_id = int(str(rows[0]))
    asker_id: int = thread.author_id  # type: ignore[attr-defined]
    if not permissions.earns_points(author_id, granted_by=actor.id, asker_id=asker_id):
        return None
    return await award(
        author_id,
        "accepted_answer",
        f"accepted:{post_id}",
        thread_id=thread.id,
        post_id=post_id,
        actor_id=actor.id,
    )


async def thread_featured(thread: Thread, actor: User) -> PointEntry | None:
    author_id: int = thread.author_id  # type: ignore[attr-defined]
    if not permissions.earns_points(author_id, granted_by=actor.id):
        return None
    return await award(
        author_id, "best_of", f"best_of:{thread.id}", thread_id=thread.id, actor_id=actor.id
    )


# Admin: adjustments and the yearly target (moderation/actions.py audits them)


async def adjust(actor: User | None, person: User, points: object, reason: object) -> PointEntry:
    """An administrator adds (or, negative, removes) points with a reason."""
    admin = permissions.require_adjust_points(actor)
    whole = isinstance(points, int) and not isinstance(points, bool)
    if not whole or not 0 < abs(points) <= ADJUST_MAX:  # type: ignore[arg-type]
        raise Invalid(
            "Points must be a whole number, not zero.",
            fields={"points": f"must be a whole number from -{ADJUST_MAX} to {ADJUST_MAX}, not 0"},
        )
    why = validation.one_line(reason, "reason", min_len=3, max_len=500)
    return await PointEntry.create(
        user_id=person.id,
        points=points,
        reason="adjustment",
        key=f"adjust:{uuid.uuid4().hex}",
        note=why,
        actor_id=admin.id,
    )


async def target_for(year: int) -> int:
    found = await PointsTarget.filter(year=year).values_list("target", flat=True)
    return int(str(found[0])) if found else DEFAULT_TARGET


async def set_target(actor: User | None, year: object, target: object) -> tuple[int, int]:
    """An administrator sets a year's target (this year's if none given); returns (year,
    target)."""
    admin = permissions.require_adjust_points(actor)
    when = _year(year)
    value = validation.object_id(target)
    if value is None or value > TARGET_MAX:
        raise Invalid(
            "The target must be a whole number of points.",
            fields={"target": f"must be 1 to {TARGET_MAX}"},
        )
    async with in_transaction():
        updated = await PointsTarget.filter(year=when).update(target=value, set_by_id=admin.id)
        if not updated:
            await PointsTarget.create(year=when, target=value, set_by_id=admin.id)
    return when, value


def _year(value: object) -> int:
    if value is None or value == "":
        return now().year
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2100:
        raise Invalid("The year must be like 2026.", fields={"year": "must be like 2026"})
    return value


def year_of(raw: str | None) -> int:
    """A year from a query string; bad input is a 400."""
    try:
        return _year(raw)
    except Invalid:
        raise BadRequest("'year' must be a year like 2026.", code="bad_query") from None


_MONTH = re.compile(r"(\d{4})-(\d{2})")


def month_of(raw: str | None) -> date:
    """The first day of the month given as YYYY-MM (this month if none); bad input is a 400."""
    if not raw:
        today = now().date()
        return today.replace(day=1)
    match = _MONTH.fullmatch(raw.strip())
    if (
        match is None
        or not 2000 <= int(match.group(1)) <= 2100
        or not 1 <= int(match.group(2)) <= 12
    ):
        raise BadRequest("'month' must be like 2026-03.", code="bad_query")
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_step(month: date, step: int) -> date:
    """The first day of the month `step` months after (or before) month's."""
    index = month.year * 12 + month.month - 1 + step
    return date(index // 12, index % 12 + 1, 1)


# Reading, filtered by what the viewer may read


@dataclass
class Entry:
    """An entry as a viewer sees it: where it came from, if they may read that."""

    entry: PointEntry
    thread_title: str | None
    thread_id: int | None
    post_id: int | None

    @property
    def label(self) -> str:
        return REASON_LABELS.get(self.entry.reason, self.entry.reason)


MERGE_CHAIN_MAX = 5


@dataclass(frozen=True)
class _ThreadRow:
    id: int
    status: str
    author_id: int
    community_id: int
    visibility: str
    title: str
    merged_into_id: int | None


async def _threads(ids: set[int]) -> dict[int, _ThreadRow]:
    """The threads, and those they were merged into (a chain of merges too)."""
    found: dict[int, _ThreadRow] = {}
    wanted = set(ids)
    for _ in range(MERGE_CHAIN_MAX + 1):
        wanted -= set(found)
        if not wanted:
            break
        for row in await Thread.filter(id__in=list(wanted)).values_list(
            "id",
            "status",
            "author_id",
            "community_id",
            "community__visibility",
            "title",
            "merged_into_id",
        ):
            into = int(str(row[6])) if row[6] is not None else None
            found[int(str(row[0]))] = _ThreadRow(
                int(str(row[0])),
                str(row[1]),
                int(str(row[2])),
                int(str(row[3])),
                str(row[4]),
                str(row[5]),
                into,
            )
        wanted = {t.merged_into_id for t in found.values() if t.merged_into_id} - set(found)
    return found


def _final(threads: dict[int, _ThreadRow], thread_id: int) -> _ThreadRow | None:
    """Where a thread is now: itself, or the thread it was merged into (and so on)."""
    row = threads.get(thread_id)
    for _ in range(MERGE_CHAIN_MAX):
        if row is None or row.merged_into_id is None:
            break
        row = threads.get(row.merged_into_id)
    return row


async def _discussions(
    entries: list[PointEntry],
) -> dict[int, tuple[permissions.Discussion, _ThreadRow]]:
    """entry id -> the facts of the discussion that earned it, as it is now, and its thread.
    A post's thread is the one it is in now (moves and merges take posts along); a thread
    merged into another is as visible as that one."""
    post_ids = {e.post_id for e in entries if e.post_id}
    posts = (
        {
            int(str(pid)): (int(str(thread_id)), str(status), int(str(author)))
            for pid, thread_id, status, author in await Post.filter(
                id__in=list(post_ids)
            ).values_list("id", "thread_id", "status", "author_id")
        }
        if post_ids
        else {}
    )
    homes: dict[int, int] = {}
    for e in entries:
        post = posts.get(e.post_id or 0)
        thread_id = post[0] if post else e.thread_id
        if thread_id:
            homes[e.id] = thread_id
    threads = await _threads(set(homes.values()))
    found: dict[int, tuple[permissions.Discussion, _ThreadRow]] = {}
    for e in entries:
        row = _final(threads, homes.get(e.id, 0))
        if row is None:
            continue
        post = posts.get(e.post_id or 0)
        facts = permissions.Discussion(
            thread=permissions.ThreadFacts(
                status=row.status,
                author_id=row.author_id,
                community_id=row.community_id,
                visibility=row.visibility,
            ),
            post=permissions.PostFacts(status=post[1], author_id=post[2]) if post else None,
        )
        found[e.id] = (facts, row)
    return found


async def _visible(viewer: User | None, entries: list[PointEntry]) -> list[Entry]:
    who = await permissions.reader(viewer)
    discussions = await _discussions(entries)
    shown = []
    for e in entries:
        facts, thread = discussions.get(e.id, (None, None))
        owner: int = e.user_id  # type: ignore[attr-defined]
        if not permissions.sees_points_entry(who, owner_id=owner, discussion=facts):
            continue
        # The discussion is named only to those who may read it (its owner may have lost access).
        readable = facts is not None and permissions.reads_discussion(who, facts)
        shown.append(
            Entry(
                entry=e,
                thread_title=thread.title if readable and thread else None,
                thread_id=thread.id if readable and thread else None,
                post_id=e.post_id if readable else None,
            )
        )
    return shown


@dataclass
class YearSummary:
    year: int
    total: int
    target: int
    entries: list[Entry]

    @property
    def percent(self) -> int:
        return min(100, round(100 * max(self.total, 0) / self.target)) if self.target else 100


async def year_summary(viewer: User | None, person: User, year: int) -> YearSummary:
    """The person's points in a year, as the viewer may see them (everything, for the person
    and admins), newest first, with the year's target."""
    start, end = year_bounds(year)
    rows = await PointEntry.filter(
        user_id=person.id, created_at__gte=start, created_at__lt=end
    ).order_by("-id")
    entries = await _visible(viewer, list(rows))
    return YearSummary(
        year=year,
        total=sum(e.entry.points for e in entries),
        target=await target_for(year),
        entries=entries[:HISTORY_MAX],
    )


async def ledger_csv(actor: User | None) -> str:
    """The actor's own ledger, every year, oldest first, for their training record."""
    user = permissions.require_signed_in(actor, "export your points")
    entries = await _visible(user, list(await PointEntry.filter(user_id=user.id).order_by("id")))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "points", "reason", "note", "discussion", "link", "running_total"])
    total = 0
    for e in entries:
        total += e.entry.points
        link = f"/p/{e.post_id}" if e.post_id else f"/t/{e.thread_id}" if e.thread_id else ""
        writer.writerow(
            [
                e.entry.created_at.date().isoformat(),
                e.entry.points,
                e.label,
                _csv_safe(e.entry.note),
                _csv_safe(e.thread_title or ""),
                link,
                total,
            ]
        )
    return out.getvalue()


def _csv_safe(text: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: quote them as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@dataclass
class Standing:
    user: User
    points: int


async def leaderboard(
    viewer: User | None, community: Community, month: date, *, size: int = LEADERBOARD_SIZE
) -> list[Standing]:
    """Points earned in a month in the community's discussions (where they are now, after
    moves and merges), counting only entries the viewer may read (the caller has checked the
    viewer reads the community)."""
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = (start + timedelta(days=32)).replace(day=1)
    threads_here = Thread.filter(community_id=community.id).values("id")
    posts_here = Post.filter(thread__community_id=community.id).values("id")
    rows = await PointEntry.filter(
        Q(thread_id__in=Subquery(threads_here)) | Q(post_id__in=Subquery(posts_here)),
        created_at__gte=start,
        created_at__lt=end,
    )
    who = await permissions.reader(viewer)
    discussions = await _discussions(list(rows))
    totals: dict[int, int] = defaultdict(int)
    for e in rows:
        facts, thread = discussions.get(e.id, (None, None))
        owner: int = e.user_id  # type: ignore[attr-defined]
        if thread is None or thread.community_id != community.id:
            continue  # earned here, but the discussion has moved on
        if permissions.sees_points_entry(who, owner_id=owner, discussion=facts):
            totals[owner] += e.points
    ranked = sorted(((p, uid) for uid, p in totals.items() if p > 0), key=lambda r: (-r[0], r[1]))
    ranked = ranked[:size]
    people = {u.id: u for u in await User.filter(id__in=[uid for _, uid in ranked])}
    return [Standing(people[uid], p) for p, uid in ranked if uid in people]
