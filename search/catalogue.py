"""The course index as the forum uses it: documents built from the database, the sync that
brings the index in line with it, and the searches, run off the event loop.

Courses change only by import or by an admin, so instead of an outbox the index carries each
course's content hash: `sync` compares them with the database and re-indexes what differs. It
runs after every import and change, and once when the app starts (so a change committed just
before a crash is indexed then)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from forum.models import Course, CourseCompetency
from search.course_index import Progress, filter_key
from search.port import CourseHit, CourseIndex, CourseQuery

BATCH = 1000
SUGGESTION_TEXT_MAX = 20_000  # characters of a discussion read for suggestions


def course_doc(course: dict[str, Any], competencies: list[tuple[str, str, str]]) -> dict[str, Any]:
    """competencies: (slug, name, theme) of each of the course's competencies."""
    themes = {theme for _, _, theme in competencies if theme}
    return {
        "code": course["code"],
        "title": course["title"],
        "topics": " ".join([name for _, name, _ in competencies] + sorted(themes)),
        "about": f"{course['description'][:4000]} {course['provider']}",
        "competency": ",".join(slug for slug, _, _ in competencies),
        "provider": filter_key(course["provider"]),
        "language": filter_key(course["language"]),
        "stamp": course["content_hash"],
    }


async def documents(codes: list[str]) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for start in range(0, len(codes), BATCH):
        rows = await Course.filter(code__in=codes[start : start + BATCH]).values(
            "id", "code", "title", "provider", "description", "language", "content_hash"
        )
        links: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
        for course_id, slug, name, theme in await CourseCompetency.filter(
            course_id__in=[r["id"] for r in rows]
        ).values_list("course_id", "competency__slug", "competency__name", "competency__theme"):
            links[int(str(course_id))].append((str(slug), str(name), str(theme)))
        docs.extend(course_doc(row, links[row["id"]]) for row in rows)
    return docs


async def sync(index: CourseIndex, progress: Progress | None = None) -> tuple[int, int]:
    """Indexes every course whose content differs from the index's copy and removes courses
    no longer in the database; returns (indexed, removed)."""
    expected = {
        str(code): str(stamp)
        for code, stamp in await Course.all().values_list("code", "content_hash")
    }
    actual = await asyncio.to_thread(index.stamps)
    stale = sorted(code for code, stamp in expected.items() if actual.get(code) != stamp)
    extra = sorted(code for code in actual if code not in expected)
    if not stale and not extra:
        return 0, 0
    docs = await documents(stale)
    await asyncio.to_thread(index.apply, docs, extra, progress)
    return len(docs), len(extra)


async def sync_codes(
    index: CourseIndex, codes: list[str], progress: Progress | None = None
) -> None:
    """Indexes these courses as they are now: those no longer in the database are removed."""
    if not codes:
        return
    docs = await documents(codes)
    found = {d["code"] for d in docs}
    await asyncio.to_thread(index.apply, docs, [c for c in codes if c not in found], progress)


async def search(
    index: CourseIndex, query: CourseQuery, *, page: int, per_page: int
) -> tuple[int, list[CourseHit]]:
    return await asyncio.to_thread(index.search, query, page=page, per_page=per_page)


async def suggest(
    index: CourseIndex, text: str, *, limit: int, exclude: frozenset[str] = frozenset()
) -> list[CourseHit]:
    text = text[:SUGGESTION_TEXT_MAX]
    if not text.strip():
        return []
    return await asyncio.to_thread(index.suggest, text, limit=limit, exclude=exclude)
