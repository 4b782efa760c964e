"""The search port: what the forum needs from a full-text index. WhooshIndex implements it;
tests may pass a fake where that is the point of the test. Its methods block, so callers run
them off the event loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Filters:
    """What the reader may see and what they asked to narrow to. `communities` None means
    every community (admins); otherwise only these community ids are searched. `hidden`, when
    given, lists the communities the reader may NOT see (usually a few private ones): the index
    masks those out, which is much cheaper than matching every readable one."""

    communities: tuple[int, ...] | None
    hidden: tuple[int, ...] | None = None
    community: str | None = None
    tag: str | None = None
    author: str | None = None
    kind: str | None = None  # "thread" or "post"
    thread: int | None = None  # one thread's posts only
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Match:
    """Another post of a thread that matched, listed under the thread's best one."""

    post_id: int
    author: str
    created_at: datetime | None


@dataclass
class Hit:
    thread_id: int
    post_id: int
    kind: str
    title: str
    community: str
    author: str
    snippet_html: str
    title_html: str
    score: float
    created_at: datetime | None
    # Grouped by thread: how many of the thread's posts matched (this one included), and a
    # few of the others, in the order they were written.
    matches: int = 1
    others: list[Match] = field(default_factory=list)


GROUPS = ("thread", "post")  # one result per thread (the default), or one per matching post


@dataclass
class Results:
    total: int  # threads when grouped by thread, posts otherwise
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None
    fallback: str | None = None  # "any" when no result had every word


class SearchIndex(Protocol):
    def apply(self, upserts: list[dict[str, Any]], deletes: list[tuple[str, str]]) -> None: ...

    def search(
        self,
        text: str,
        filters: Filters,
        *,
        page: int,
        per_page: int,
        facets: bool,
        group: str = "thread",
    ) -> Results: ...

    def similar(self, title: str, filters: Filters, limit: int) -> list[Hit]: ...

    def stamps(self) -> dict[str, tuple[str, int]]: ...

    def close(self) -> None: ...


# The course catalogue has an index of its own (small, rarely written): catalogue search and
# course suggestions ranked by relevance to a discussion's text.


@dataclass(frozen=True)
class CourseQuery:
    """Catalogue search: words, narrowed to a competency (slug), provider or language."""

    text: str = ""
    competency: str | None = None
    provider: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class CourseHit:
    code: str
    score: float


class CourseIndex(Protocol):
    def apply(
        self,
        upserts: list[dict[str, Any]],
        deletes: list[str],
        progress: Any = None,
    ) -> None: ...

    def search(
        self, query: CourseQuery, *, page: int, per_page: int
    ) -> tuple[int, list[CourseHit]]: ...

    def suggest(self, text: str, *, limit: int, exclude: frozenset[str]) -> list[CourseHit]: ...

    def stamps(self) -> dict[str, str]: ...

    def close(self) -> None: ...
