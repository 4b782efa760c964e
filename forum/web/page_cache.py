"""In-process caches of shared renderings: what anonymous visitors are sent for a thread (the
rendered page and the thread's JSON), and the memos of parts every reader of a kind shares
(`Memo`, `memo`, `thread_rows`, `communities`; see README "Fast for people who are signed in").

Keys carry the thread's version (forum/models.py: bumped by every change to the thread or its
posts), so a reply, an edit or a moderation decision is seen on the very next request; entries
also expire after a short time, so what a version does not cover (a changed display name, a
renamed community) shows up soon. Who may see the thread is checked on every hit, against its
current row (forum/reads.py thread_stamp and forum/permissions.py). Only requests that carry
no session cookie, no Authorization header and no flash message are answered from here, and
only pages rendered for nobody in particular (no user, no CSRF token) are stored.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from forum import accounts, permissions, reads
from forum.errors import NotFound
from forum.models import User
from forum.web.http import SESSION_COOKIE, authenticate
from forum.web.render import (
    FLASH_COOKIE,
    Personal,
    ReactionMarks,
    Skeleton,
    fill,
    personal,
    render_page,
    respond,
    skeleton,
)

MAX_ENTRIES = 2_000
MAX_BYTES = 32 * 1024 * 1024
MAX_AGE_SECONDS = 30.0
MEMO_BYTES = 8 * 1024 * 1024  # a memo's default; a worker holds a handful of them
# The thread pages' memo holds their rows and rendered post streams: the largest.
MEMO_SIZES = {"thread": 24 * 1024 * 1024, "pages": 32 * 1024 * 1024, "own pages": 16 * 1024 * 1024}


class Memo:
    """A bounded LRU of values whose entries expire after max_age seconds: shared fragments
    and read results keyed by everything they depend on (a thread's version, a reader's
    capabilities), so an entry is only ever served for the same inputs it was made from.
    Bounded by entries and by an estimate of their size (text and bytes by length, row lists
    by the length of their text values, anything else at a flat 1 KiB)."""

    def __init__(
        self,
        *,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MEMO_BYTES,
        max_age: float = MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        measure: Callable[[object], int] | None = None,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_age = max_age
        self.clock = clock
        self.measure = measure or _size
        self.size = 0
        self._entries: OrderedDict[Hashable, tuple[float, object, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> object | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self.clock() - entry[0] > self.max_age:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: Hashable, value: object) -> None:
        if key in self._entries:
            self._drop(key)
        size = self.measure(value)
        self._entries[key] = (self.clock(), value, size)
        self.size += size
        while len(self._entries) > self.max_entries or self.size > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        self._entries.clear()
        self.size = 0

    def _drop(self, key: Hashable) -> None:
        self.size -= self._entries.pop(key)[2]


def _size(value: object) -> int:
    if isinstance(value, str | bytes):
        return len(value) + 64
    if isinstance(value, list):
        total = 64
        for item in value:
            if isinstance(item, dict):
                total += 64 + sum(len(v) for v in item.values() if isinstance(v, str))
            else:
                total += 256
        return total
    measured = getattr(value, "memo_size", None)  # a page's skeleton, a thread's posts
    if isinstance(measured, int):
        return measured
    return 1024


def _length(body: object) -> int:
    return len(body) if isinstance(body, bytes) else 0


class PageCache(Memo):
    """What anonymous visitors are sent: bodies (bytes) sized by their length; a body over an
    eighth of the bound is not kept."""

    def __init__(
        self,
        *,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_BYTES,
        max_age: float = MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            max_entries=max_entries,
            max_bytes=max_bytes,
            max_age=max_age,
            clock=clock,
            measure=_length,
        )

    def get(self, key: Hashable) -> bytes | None:
        found = super().get(key)
        return found if isinstance(found, bytes) else None

    def put(self, key: Hashable, body: object) -> None:
        if isinstance(body, bytes) and len(body) <= self.max_bytes // 8:
            super().put(key, body)


def of(request: Request) -> PageCache:
    """The app's cache (one per app, so each test's app starts empty)."""
    state = request.app.state
    cache: PageCache | None = getattr(state, "page_cache", None)
    if cache is None:
        cache = state.page_cache = PageCache()
    return cache


def anonymous(request: Request) -> bool:
    """A request that may be answered from the cache: nobody signed in (no session cookie, no
    bearer token, even an invalid one) and no flash message waiting to be shown."""
    return (
        request.method in ("GET", "HEAD")
        and "authorization" not in request.headers
        and SESSION_COOKIE not in request.cookies
        and FLASH_COOKIE not in request.cookies
    )


def key(request: Request, kind: str, thread_id: int, *numbers: str) -> tuple[object, ...] | None:
    """(kind, path, thread id, the values of the numeric query parameters named) for a
    cacheable anonymous request, or None. A parameter not named, repeated, or not written as a
    plain number makes a request uncacheable (it is then served the ordinary way). The path is
    part of the key because pages show it (the sign-in link comes back to it)."""
    if not anonymous(request):
        return None
    params = request.query_params
    if any(name not in numbers for name in params):
        return None
    values: list[int | None] = []
    for name in numbers:
        given = params.getlist(name)
        if len(given) > 1:
            return None
        raw = given[0] if given else ""
        if raw == "":
            values.append(None)
        elif raw.isascii() and raw.isdigit() and len(raw) <= 9 and str(int(raw)) == raw:
            values.append(int(raw))
        else:
            return None
    return (kind, request.url.path, thread_id, *values)


def memo(request: Request, name: str) -> Memo:
    """One of the app's memos by name (one per app, so each test's app starts empty)."""
    state = request.app.state
    memos: dict[str, Memo] | None = getattr(state, "memos", None)
    if memos is None:
        memos = state.memos = {}
    found = memos.get(name)
    if found is None:  # on the page cache's clock, so they age alike
        found = memos[name] = Memo(
            max_bytes=MEMO_SIZES.get(name, MEMO_BYTES),
            max_age=of(request).max_age,
            clock=of(request).clock,
        )
    return found


def clear_all(request: Request) -> None:
    of(request).clear()
    for found in getattr(request.app.state, "memos", {}).values():
        found.clear()


async def site_version(request: Request) -> int:
    """forum/reads.py's site_version, as read with the session (or on its own, once a request)."""
    found: int | None = request.scope.get("chaupal.site_version")
    if found is None:
        auth = await authenticate(request)
        found = accounts.site_version_read_with(auth.user) if auth.user is not None else None
        if found is None:
            found = await reads.site_version()
        request.scope["chaupal.site_version"] = found
    return found


async def communities(request: Request) -> list[reads.CommunityView]:
    """Every community, by name, as of the site's communities version (read with the
    session, or on its own for visitors): names, addresses, kinds and visibility are never
    stale; member and thread counts may be, by up to MAX_AGE_SECONDS."""
    version = await site_version(request)
    kept = memo(request, "communities")
    found = kept.get(version)
    if found is None:
        found = await reads.all_communities()
        kept.put(version, found)
    return found  # type: ignore[return-value]


async def community(request: Request, user: User | None, slug: str) -> reads.CommunityView:
    """reads.community from the communities kept by the site's version (a rename, a new
    address or a change of visibility bumps it): the community, if the reader may read it."""
    version = await site_version(request)
    kept = memo(request, "communities")
    by_slug = kept.get(("by slug", version))
    if not isinstance(by_slug, dict):
        by_slug = {c.slug: c for c in await communities(request)}
        kept.put(("by slug", version), by_slug)
    view = by_slug.get(slug[:40])
    if not isinstance(view, reads.CommunityView) or not await permissions.can_read_in(
        user, view.id, view.visibility
    ):
        raise NotFound("No such community.")
    return view


def thread_rows(request: Request, threads: Iterable[Any], *, show_community: bool) -> Markup:
    """Thread list rows (macros.html thread_row) of forum/reads.py's thread views. A row shows
    nothing personal, only the thread, which its version covers (the names of people and
    communities in it may lag by MAX_AGE_SECONDS), so all readers share each row's rendering."""
    kept = memo(request, "rows")
    template = None
    parts: list[str] = []
    for t in threads:
        key = (t.id, t.version, show_community)
        html = kept.get(key)
        if not isinstance(html, str):
            if template is None:
                template = request.app.state.templates.get_template("_thread_row.html")
            html = template.render(t=t, show_community=show_community)
            kept.put(key, html)
        parts.append(html)
    return Markup("".join(parts))  # noqa: S704 - rendered by the autoescaping environment


async def render_shared(
    request: Request,
    template: str,
    key: Hashable,
    build: Callable[[Personal], Awaitable[dict[str, Any]]],
    *,
    reactions: Mapping[int, Iterable[str]] | None = None,
    kept_in: str = "pages",
) -> HTMLResponse:
    """A page every reader of a kind shares: rendered once per `key` (which must hold all
    the page's context depends on besides the reader's own parts) and kept with slots for
    each reader's parts (forum/web/render.py), which are filled in on every request: the
    account menu and notices, the CSRF token, their name and id, the reactions they gave
    (`reactions`: post id -> kinds). The template, address, whether someone is signed in and
    what the site offers them (SiteCaps) are part of every key. `build` makes the context,
    only when no rendering is kept. `kept_in` names the memo: pages kept per person (their
    notifications) go in one of their own, so they never push out the shared ones."""
    me = await personal(request)
    if reactions is not None:
        me.reactions = ReactionMarks(reactions)
    full_key = (
        "page",
        template,
        request.url.path,
        request.url.query,
        me.user is not None,
        me.header.caps,
        key,
    )
    kept = memo(request, kept_in)
    parts = kept.get(full_key)
    if not isinstance(parts, Skeleton):
        parts = skeleton(render_page(me, template, await build(me), shared=True))
        kept.put(full_key, parts)
    return respond(me, fill(parts, me))
