"""Search as the forum uses it: the reader's permissions become a filter inside the query, so
results, totals and facets never include what the reader may not read."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time

from forum import communities, permissions, threads, validation
from forum.errors import BadRequest
from forum.models import Community, User
from search.port import GROUPS, Filters, Hit, Results, SearchIndex
from search.whoosh_format import FIRST_DAY, LAST_DAY
from search.whoosh_index import to_datetime

MAX_PER_PAGE = 50
KINDS = ("thread", "post")
# The dates a search can be narrowed to (the search form's date fields offer only these).
DATE_RANGE = (FIRST_DAY, LAST_DAY)


def _day(value: str | None, field: str, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        raise BadRequest(f"'{field}' must be a date like 2026-03-31.", code="bad_query") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise BadRequest(
            f"'{field}' must be a date from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}.",
            code="bad_query",
        )
    return to_datetime(datetime.combine(day, time.max if end else time.min, UTC))


async def filters_for(
    actor: User | None,
    *,
    community: str | None = None,
    tag: str | None = None,
    author: str | None = None,
    kind: str | None = None,
    thread: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Filters:
    if community:
        await communities.get(actor, community)  # 404 for one the reader may not see
    thread_id = None
    if thread:
        thread_id = _thread_id(thread)
        await threads.get(actor, thread_id)  # 404 for one the reader may not see
    if kind:
        kind = validation.choice(kind, "kind", KINDS)
    readable = await permissions.readable_community_ids(actor)
    hidden: tuple[int, ...] = ()
    if readable is not None:
        every = await Community.all().values_list("id", flat=True)
        hidden = tuple(sorted({int(str(c)) for c in every} - set(readable)))
    return Filters(
        communities=tuple(readable) if readable is not None else None,
        hidden=hidden,
        community=community or None,
        tag=(tag or "").strip().lower().lstrip("#") or None,
        author=(author or "").strip().lower() or None,
        kind=kind or None,
        thread=thread_id,
        since=_day(since, "from"),
        until=_day(until, "to", end=True),
    )


def _thread_id(value: str) -> int:
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 2**63:
        raise BadRequest("'thread' must be a thread number.", code="bad_query")
    return int(value)


def group_for(value: str | None) -> str:
    """How results are listed: "thread" (one per thread, the default) or "post"."""
    return validation.choice(value, "group", GROUPS) if value else GROUPS[0]


async def search(
    index: SearchIndex,
    text: str,
    filters: Filters,
    *,
    page: int = 1,
    per_page: int = 20,
    facets: bool = False,
    group: str = "thread",
) -> Results:
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    return await asyncio.to_thread(
        index.search, text, filters, page=page, per_page=per_page, facets=facets, group=group
    )


async def similar(index: SearchIndex, actor: User | None, title: str, limit: int = 5) -> list[Hit]:
    if len(title.strip()) < 4:
        return []
    filters = await filters_for(actor)
    return await asyncio.to_thread(index.similar, title, filters, limit)
