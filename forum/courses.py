"""The course catalogue and its competency framework; courses linked to discussions and tied
to communities; competencies on communities and profiles; suggestions.

The catalogue itself is public: any reader may browse it. What a course shows of the forum
(its discussions, the communities tied to it, their counts) is asked of forum/permissions.py
for each reader. Catalogue search and suggestions go through the course index port
(search/port.py's CourseIndex), which callers pass in."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import urlsplit

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Subquery
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from forum import communities, permissions, threads, validation
from forum.errors import Conflict, Invalid, NotFound
from forum.models import (
    Community,
    CommunityCompetency,
    CommunityCourse,
    Competency,
    Course,
    CourseCompetency,
    Post,
    Thread,
    ThreadCourse,
    User,
    UserCompetency,
)
from search import catalogue
from search.analysis import WORD
from search.port import CourseIndex, CourseQuery

KINDS = ("behavioural", "functional", "domain")
KIND_LABELS = {"behavioural": "Behavioural", "functional": "Functional", "domain": "Domain"}
CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
MAX_COMPETENCIES = 20  # on a course, a community or a profile
MAX_DURATION = 100_000  # minutes
PAGE_MAX = 50
DISCUSSIONS_SHOWN = 20
SUGGESTIONS = 5


# Values


class HasId(Protocol):
    """A community or forum/reads.py's view of one."""

    @property
    def id(self) -> int: ...


@dataclass(frozen=True)
class CompetencyRef:
    """A competency as a course names it: by name, with its kind (and theme) when it may be
    new to the framework."""

    name: str
    kind: str | None = None
    theme: str = ""

    @property
    def slug(self) -> str:
        return competency_slug(self.name)


@dataclass(frozen=True)
class CourseValues:
    code: str
    title: str
    provider: str = ""
    url: str = ""
    description: str = ""
    duration_minutes: int | None = None
    language: str = ""
    competencies: tuple[CompetencyRef, ...] = ()

    def digest(self) -> str:
        """The content hash: the same values always give the same hash, so importing the same
        row again changes nothing."""
        data = [
            self.title,
            self.provider,
            self.url,
            self.description,
            self.duration_minutes,
            self.language,
            sorted(c.slug for c in self.competencies),
        ]
        return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()

    def columns(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "provider": self.provider,
            "url": self.url,
            "description": self.description,
            "duration_minutes": self.duration_minutes,
            "language": self.language,
            "content_hash": self.digest(),
        }


@lru_cache(maxsize=10_000)
def competency_slug(name: str) -> str:
    """Words of any script, lower-cased, joined by dashes: "Data Analysis" -> data-analysis."""
    return "-".join(w.lower() for w in WORD.findall(name))[:80]


# Checking what is given


def code_of(value: object) -> str:
    code = validation.pattern(
        value.strip() if isinstance(value, str) else value,
        "code",
        CODE_RE,
        "must be 1-40 letters, digits, dots, dashes or underscores",
    )
    return code.upper()


def _url(value: object) -> str:
    url = validation.one_line(value, "url", max_len=500)
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        raise Invalid("URL must be an http(s) address.", fields={"url": "must start with https://"})
    return url


_DURATION = re.compile(
    r"\s*(?:(\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hour|hours))?\s*(?:(\d+)\s*(?:m|min|mins|minute|minutes))?\s*"
)


def _duration(minutes: object, text: object) -> int | None:
    """duration_minutes (a whole number) or duration ("4h", "90 min", "1h 30m", or minutes)."""
    if minutes not in (None, ""):
        value = minutes
    elif text not in (None, ""):
        if isinstance(text, int | float) and not isinstance(text, bool):
            value = text
        elif isinstance(text, str) and text.strip().isdigit():
            value = int(text.strip())
        else:
            match = _DURATION.fullmatch(text.lower()) if isinstance(text, str) else None
            if match is None or not (match.group(1) or match.group(2)):
                raise Invalid(
                    "Duration must be like 4h, 90 min or 1h 30m.",
                    fields={"duration": "must be like 4h, 90 min or 1h 30m"},
                )
            value = round(float(match.group(1) or 0) * 60) + int(match.group(2) or 0)
    else:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_DURATION:
        raise Invalid(
            "Duration must be a whole number of minutes.",
            fields={"duration": f"must be 1 to {MAX_DURATION} minutes"},
        )
    return value


def competency_refs(value: object) -> tuple[CompetencyRef, ...]:
    """A list of names ("Data analysis"), "kind:Name" or "kind:Theme/Name" strings, or objects
    {"name", "kind", "theme"}; a string is split at semicolons (a CSV cell)."""
    if value is None or value == "":
        return ()
    items: list[object]
    if isinstance(value, str):
        items = [part for part in value.split(";") if part.strip()]
    elif isinstance(value, list):
        items = list(value)
    else:
        raise Invalid(
            "Competencies must be a list.", fields={"competencies": "must be a list of names"}
        )
    refs: dict[str, CompetencyRef] = {}
    for item in items:
        ref = _competency_ref(item)
        if not ref.slug:
            raise Invalid(
                "A competency needs a name.", fields={"competencies": "has an empty name"}
            )
        refs.setdefault(ref.slug, ref)
    if len(refs) > MAX_COMPETENCIES:
        problem = f"at most {MAX_COMPETENCIES} competencies"
        raise Invalid(f"Competencies: {problem}.", fields={"competencies": problem})
    return tuple(refs.values())


def _competency_ref(item: object) -> CompetencyRef:
    problem = "must be names, 'kind:Name' or {name, kind}"
    if isinstance(item, Mapping):
        name, kind, theme = item.get("name"), item.get("kind"), item.get("theme") or ""
    elif isinstance(item, str):
        kind, sep, rest = item.partition(":")
        if sep and kind.strip().isalpha():  # "kind:Name" or "kind:Theme/Name"
            kind = kind.strip().lower()
            theme, _, name = rest.rpartition("/")
        else:
            name, kind, theme = item, None, ""
    else:
        raise Invalid(f"Competencies {problem}.", fields={"competencies": problem})
    if kind is not None and kind not in KINDS:
        raise Invalid(
            f"Competency kind must be one of {', '.join(KINDS)}.",
            fields={"competencies": f"kind must be one of {', '.join(KINDS)}"},
        )
    return CompetencyRef(
        name=validation.one_line(name, "competencies", min_len=2, max_len=80, label="Competency"),
        kind=kind,
        theme=validation.one_line(theme, "competencies", max_len=80, label="Theme"),
    )


def clean(raw: Mapping[str, object]) -> CourseValues:
    """A course's fields, checked; every problem at once, as Invalid with one message per field."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    checks = (
        ("code", lambda: code_of(raw.get("code"))),
        ("title", lambda: validation.one_line(raw.get("title"), "title", min_len=3, max_len=200)),
        ("provider", lambda: validation.one_line(raw.get("provider"), "provider", max_len=120)),
        ("url", lambda: _url(raw.get("url"))),
        (
            "description",
            lambda: validation.text(raw.get("description"), "description", max_len=10_000),
        ),
        (
            "duration_minutes",
            lambda: _duration(raw.get("duration_minutes"), raw.get("duration")),
        ),
        ("language", lambda: validation.one_line(raw.get("language"), "language", max_len=40)),
        ("competencies", lambda: competency_refs(raw.get("competencies"))),
    )
    for name, check in checks:
        try:
            values[name] = check()
        except Invalid as exc:
            errors.update(exc.fields or {name: exc.message})
    if errors:
        raise Invalid("Some fields need attention.", fields=errors)
    if values["language"]:
        values["language"] = values["language"][0].upper() + values["language"][1:]
    return CourseValues(**values)


# Saving


@dataclass
class Saved:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, code, reason)
    codes: list[str] = field(default_factory=list)  # created or updated


class Framework:
    """The competency framework, loaded once for a batch of saves, growing as courses name
    new competencies (with their kind)."""

    def __init__(self) -> None:
        self.by_slug: dict[str, Competency] = {}

    async def load(self) -> Framework:
        self.by_slug = {c.slug: c for c in await Competency.all()}
        return self

    def problem(self, ref: CompetencyRef, pending: Mapping[str, CompetencyRef]) -> str | None:
        known = self.by_slug.get(ref.slug)
        if known is not None:
            if ref.kind and ref.kind != known.kind:
                return f"competency '{ref.name}' is {known.kind} in the framework, not {ref.kind}"
            return None
        if ref.slug in pending:
            other = pending[ref.slug]
            if ref.kind and other.kind and ref.kind != other.kind:
                return f"competency '{ref.name}' is given as {other.kind} and as {ref.kind}"
            return None
        if not ref.kind:
            return (
                f"competency '{ref.name}' is not in the framework: give its kind, "
                f"e.g. functional:{ref.name}"
            )
        return None

    async def add(self, refs: Iterable[CompetencyRef]) -> None:
        new = [
            Competency(slug=r.slug, name=r.name, kind=r.kind, theme=r.theme)
            for r in refs
            if r.slug not in self.by_slug
        ]
        if new:
            await Competency.bulk_create(new, ignore_conflicts=True)
            for c in await Competency.filter(slug__in=[c.slug for c in new]):
                self.by_slug[c.slug] = c

    def ids(self, refs: Iterable[CompetencyRef]) -> list[int]:
        return [self.by_slug[r.slug].id for r in refs]


async def save_batch(
    rows: list[tuple[int, CourseValues]], framework: Framework, *, create_only: bool = False
) -> Saved:
    """Creates or updates (by code) the courses of rows, (line, values), in one transaction:
    rows whose content hash is unchanged are left alone; rows naming competencies the framework
    cannot place are reported with their line and not saved."""
    result = Saved()
    pending: dict[str, CompetencyRef] = {}
    good: list[tuple[int, CourseValues]] = []
    for line, values in rows:
        problems = [p for ref in values.competencies if (p := framework.problem(ref, pending))]
        if problems:
            result.errors.append((line, values.code, "; ".join(problems)))
            continue
        for ref in values.competencies:
            if ref.slug not in framework.by_slug and ref.kind:
                pending.setdefault(ref.slug, ref)
        good.append((line, values))
    if not good:
        return result
    async with in_transaction():
        await framework.add(pending.values())
        existing = {
            str(code): (int(str(cid)), str(digest))
            for code, cid, digest in await Course.filter(
                code__in=[v.code for _, v in good]
            ).values_list("code", "id", "content_hash")
        }
        new: list[CourseValues] = []
        for line, values in good:
            found = existing.get(values.code)
            if found is None:
                new.append(values)
                continue
            if create_only:
                result.errors.append((line, values.code, "a course with this code exists"))
                continue
            course_id, digest = found
            if digest == values.digest():
                result.unchanged += 1
                continue
            await Course.filter(id=course_id).update(**values.columns())
            await _touch_threads_of(course_id)
            await CourseCompetency.filter(course_id=course_id).delete()
            await CourseCompetency.bulk_create(
                [
                    CourseCompetency(course_id=course_id, competency_id=c)
                    for c in framework.ids(values.competencies)
                ]
            )
            result.updated += 1
            result.codes.append(values.code)
        if new:
            await Course.bulk_create([Course(code=v.code, **v.columns()) for v in new])
            ids = {
                str(code): int(str(cid))
                for code, cid in await Course.filter(code__in=[v.code for v in new]).values_list(
                    "code", "id"
                )
            }
            await CourseCompetency.bulk_create(
                [
                    CourseCompetency(course_id=ids[v.code], competency_id=c)
                    for v in new
                    for c in framework.ids(v.competencies)
                ]
            )
            result.created += len(new)
            result.codes.extend(v.code for v in new)
    return result


async def _touch_threads_of(course_id: int) -> None:
    """Threads showing the course change with it (see Thread.version)."""
    await Thread.filter(
        id__in=Subquery(ThreadCourse.filter(course_id=course_id).values("thread_id"))
    ).update(version=F("version") + 1)


async def create(actor: User | None, raw: Mapping[str, object], index: CourseIndex) -> Course:
    """An admin adds one course (409 if its code exists)."""
    permissions.require_manage_catalogue(actor)
    values = clean(raw)
    if await Course.filter(code=values.code).exists():
        raise Conflict("A course with this code exists.", fields={"code": "is taken"})
    return await _save_one(values, index, create_only=True)


async def put(
    actor: User | None, code: str, raw: Mapping[str, object], index: CourseIndex
) -> Course:
    """An admin creates or replaces the course with this code."""
    permissions.require_manage_catalogue(actor)
    values = clean({**raw, "code": code})
    return await _save_one(values, index, create_only=False)


async def _save_one(values: CourseValues, index: CourseIndex, *, create_only: bool) -> Course:
    try:
        saved = await save_batch([(1, values)], await Framework().load(), create_only=create_only)
    except IntegrityError:  # the same code created at the same moment
        raise Conflict("A course with this code exists.", fields={"code": "is taken"}) from None
    if saved.errors:
        _, _, reason = saved.errors[0]
        code = "conflict" if reason.startswith("a course") else "invalid"
        error = Conflict if code == "conflict" else Invalid
        raise error(reason[0].upper() + reason[1:] + ".", fields={"competencies": reason})
    await catalogue.sync_codes(index, saved.codes)
    return await get(values.code)


async def delete(actor: User | None, code: str, index: CourseIndex) -> bool:
    permissions.require_manage_catalogue(actor)
    course = await get(code)
    async with in_transaction():
        await _touch_threads_of(course.id)
        await Course.filter(id=course.id).delete()
    await catalogue.sync_codes(index, [course.code])
    return True


# Reading


async def get(code: str) -> Course:
    """The course with this code; a code no course could have is simply not found."""
    wanted = str(code).strip()
    found = await Course.get_or_none(code=wanted.upper()) if CODE_RE.fullmatch(wanted) else None
    if found is None:
        raise NotFound("No such course.")
    return found


async def competencies_of(course_ids: list[int]) -> dict[int, list[Competency]]:
    """course id -> its competencies, by kind then name, in one query."""
    found: dict[int, list[Competency]] = defaultdict(list)
    if not course_ids:
        return found
    links = await CourseCompetency.filter(course_id__in=course_ids).select_related("competency")
    for link in links:
        found[link.course_id].append(link.competency)  # type: ignore[attr-defined]
    for items in found.values():
        items.sort(key=_competency_order)
    return found


def _competency_order(c: Competency) -> tuple[int, str]:
    return (KINDS.index(c.kind) if c.kind in KINDS else len(KINDS), c.name.lower())


async def discussion_counts(actor: User | None, course_ids: list[int]) -> dict[int, int]:
    """course id -> how many of its discussions the actor may read."""
    if not course_ids:
        return {}
    visible = permissions.threads_listed_anywhere_q(
        await permissions.reader(actor), prefix="thread__"
    )
    rows = (
        await ThreadCourse.filter(visible, course_id__in=course_ids)
        .annotate(n=Count("id"))
        .group_by("course_id")
        .values_list("course_id", "n")
    )
    return {int(str(cid)): int(str(n)) for cid, n in rows}


@dataclass
class CatalogueFilters:
    q: str = ""
    competency: str | None = None
    provider: str | None = None
    language: str | None = None


@dataclass
class CataloguePage:
    total: int
    courses: list[Course]
    competencies: dict[int, list[Competency]]
    discussions: dict[int, int]
    searched: bool


async def browse(
    actor: User | None,
    index: CourseIndex,
    filters: CatalogueFilters,
    *,
    page: int = 1,
    per_page: int = 20,
) -> CataloguePage:
    """One page of the catalogue: search results by relevance when there are words, else every
    course (narrowed by the filters) by title."""
    per_page = max(1, min(per_page, PAGE_MAX))
    q = filters.q.strip()[:300]
    competency = competency_slug(filters.competency) if filters.competency else None
    if q:
        total, hits = await catalogue.search(
            index,
            CourseQuery(q, competency, filters.provider or None, filters.language or None),
            page=page,
            per_page=per_page,
        )
        by_code = {c.code: c for c in await Course.filter(code__in=[h.code for h in hits])}
        courses = [by_code[h.code] for h in hits if h.code in by_code]
    else:
        query = Course.all()
        if competency:
            query = query.filter(
                id__in=Subquery(
                    CourseCompetency.filter(competency__slug=competency).values("course_id")
                )
            )
        if filters.provider:
            query = query.filter(provider__iexact=filters.provider[:120])
        if filters.language:
            query = query.filter(language__iexact=filters.language[:40])
        total = await query.count()
        courses = await query.order_by("title", "id").offset((page - 1) * per_page).limit(per_page)
    ids = [c.id for c in courses]
    return CataloguePage(
        total=total,
        courses=courses,
        competencies=await competencies_of(ids),
        discussions=await discussion_counts(actor, ids),
        searched=bool(q),
    )


@dataclass
class Facets:
    providers: list[tuple[str, int]]
    languages: list[tuple[str, int]]
    framework: list[tuple[str, list[Competency]]]


async def facets() -> Facets:
    """What the catalogue can be narrowed by: providers and languages with their course counts,
    and the competency framework by kind."""

    async def counted(column: str) -> list[tuple[str, int]]:
        rows = (
            await Course.exclude(**{column: ""})
            .annotate(n=Count("id"))
            .group_by(column)
            .values_list(column, "n")
        )
        return sorted(((str(v), int(str(n))) for v, n in rows), key=lambda r: r[0].lower())

    return Facets(
        providers=await counted("provider"),
        languages=await counted("language"),
        framework=await framework(),
    )


async def framework() -> list[tuple[str, list[Competency]]]:
    """Every competency, grouped by kind (behavioural, functional, domain), by theme and name."""
    rows = await Competency.all().order_by("theme", "name")
    return [(kind, [c for c in rows if c.kind == kind]) for kind in KINDS]


@dataclass
class CourseDetail:
    course: Course
    competencies: list[Competency]
    discussions: list[Thread]
    discussion_count: int
    communities: list[Community]


async def detail(actor: User | None, code: str, *, limit: int = DISCUSSIONS_SHOWN) -> CourseDetail:
    """A course with what the actor may read of the forum about it: its discussions (newest
    activity first) and the communities tied to it."""
    course = await get(code)
    visible = permissions.threads_listed_anywhere_q(await permissions.reader(actor))
    linked = Thread.filter(
        visible, id__in=Subquery(ThreadCourse.filter(course_id=course.id).values("thread_id"))
    )
    discussions = (
        await linked.order_by("-last_activity_at", "-id")
        .limit(max(1, min(limit, 100)))
        .select_related("community", "author", "last_poster")
    )
    return CourseDetail(
        course=course,
        competencies=(await competencies_of([course.id])).get(course.id, []),
        discussions=list(discussions),
        discussion_count=await linked.count(),
        communities=await communities_tied(actor, course),
    )


async def communities_tied(actor: User | None, course: Course) -> list[Community]:
    ids = await CommunityCourse.filter(course_id=course.id).values_list("community_id", flat=True)
    return await _readable_communities(actor, [int(str(i)) for i in ids])


async def _readable_communities(actor: User | None, ids: list[int]) -> list[Community]:
    if not ids:
        return []
    readable = await permissions.readable_community_ids(actor)
    if readable is not None:
        allowed = set(readable)
        ids = [i for i in ids if i in allowed]
    return await Community.filter(id__in=ids).order_by("name") if ids else []


# Courses linked to discussions


async def linked_to(thread_ids: list[int]) -> dict[int, list[Course]]:
    """thread id -> its linked courses, in the order they were linked. The catalogue is public,
    so this needs no reader: callers have already checked the threads."""
    found: dict[int, list[Course]] = defaultdict(list)
    if not thread_ids:
        return found
    for link in (
        await ThreadCourse.filter(thread_id__in=thread_ids).order_by("id").select_related("course")
    ):
        found[link.thread_id].append(link.course)  # type: ignore[attr-defined]
    return found


async def link(actor: User | None, thread: Thread, code: str) -> bool:
    """The thread's author or a moderator links a course; returns whether it was new."""
    user = await permissions.require_link_courses(actor, thread, thread.community)
    course = await get(code)
    if await ThreadCourse.filter(thread_id=thread.id, course_id=course.id).exists():
        return False
    async with in_transaction():
        try:
            async with in_transaction():  # a savepoint: a racing duplicate must not abort ours
                await ThreadCourse.create(thread_id=thread.id, course_id=course.id, linked_by=user)
        except IntegrityError:
            return False
        await threads.touch(thread.id)  # cached pages show the links
    return True


async def unlink(actor: User | None, thread: Thread, code: str) -> bool:
    await permissions.require_link_courses(actor, thread, thread.community)
    course = await get(code)
    async with in_transaction():
        removed = await ThreadCourse.filter(thread_id=thread.id, course_id=course.id).delete()
        if removed:
            await threads.touch(thread.id)
    return removed > 0


async def link_many(actor: User | None, thread: Thread, codes: Iterable[str]) -> int:
    """Links each known course of codes (a new thread's chosen suggestions); unknown codes are
    skipped. Returns how many were linked."""
    linked = 0
    for code in list(dict.fromkeys(codes))[:MAX_COMPETENCIES]:
        try:
            linked += await link(actor, thread, code)
        except NotFound:
            continue
    return linked


# Suggestions


@dataclass
class Suggestion:
    course: Course
    score: float


async def _courses_for(hits: list[Any]) -> list[Suggestion]:
    by_code = {c.code: c for c in await Course.filter(code__in=[h.code for h in hits])}
    return [Suggestion(by_code[h.code], h.score) for h in hits if h.code in by_code]


async def suggest_for_text(
    index: CourseIndex, title: str, body: str = "", *, limit: int = SUGGESTIONS
) -> list[Suggestion]:
    """Courses for a discussion being written, best first. The title counts double."""
    text = f"{title}\n{title}\n{body}"
    if len(text.strip()) < 4:
        return []
    hits = await catalogue.suggest(index, text, limit=max(1, min(limit, 20)))
    return await _courses_for(hits)


async def suggest_for_thread(
    actor: User | None, index: CourseIndex, thread: Thread, *, limit: int = SUGGESTIONS
) -> list[Suggestion]:
    """Courses for a thread the actor reads (threads.get has checked), from its title and its
    opening post as far as the actor may read it; courses already linked are left out."""
    first = await Post.get_or_none(thread_id=thread.id, number=1)
    body = ""
    if first is not None and await permissions.can_see_post_body(actor, first, thread.community):
        body = first.body
    linked = await ThreadCourse.filter(thread_id=thread.id).values_list("course__code", flat=True)
    text = f"{thread.title}\n{thread.title}\n{body}"
    hits = await catalogue.suggest(
        index,
        text,
        limit=max(1, min(limit, 20)),
        exclude=frozenset(str(c) for c in linked),
    )
    return await _courses_for(hits)


async def suggest_for_person(
    index: CourseIndex,
    person: User,
    competencies: list[Competency],
    *,
    limit: int = SUGGESTIONS,
) -> list[Suggestion]:
    """Courses for someone's home page, from their role, sector and competencies."""
    names = [c.name for c in competencies]
    text = " ".join([person.role, person.sector, *names, *names])
    if not text.strip():
        return []
    hits = await catalogue.suggest(index, text, limit=limit)
    return await _courses_for(hits)


async def communities_for_person(
    actor: User, competencies: list[Competency], *, limit: int = 6
) -> list[Community]:
    """Communities the person does not belong to that share their competencies, readable by
    them, most shared first."""
    if not competencies:
        return []
    rows = (
        await CommunityCompetency.filter(competency_id__in=[c.id for c in competencies])
        .annotate(n=Count("id"))
        .group_by("community_id")
        .values_list("community_id", "n")
    )
    joined = await permissions.memberships(actor)
    ranked = sorted(
        ((int(str(n)), int(str(cid))) for cid, n in rows if int(str(cid)) not in joined),
        reverse=True,
    )
    found = {c.id: c for c in await _readable_communities(actor, [cid for _, cid in ranked])}
    return [found[cid] for _, cid in ranked if cid in found][:limit]


# What pages show


@dataclass
class ThreadCourses:
    """The courses beside a thread: those linked, and for the people who may link, whether
    they may and the suggestions."""

    linked: list[Course]
    can_link: bool
    suggestions: list[Suggestion]

    @property
    def shown(self) -> bool:
        return bool(self.linked) or self.can_link


async def thread_panel(actor: User | None, thread: Any, index: CourseIndex) -> ThreadCourses:
    """thread: a Thread or forum/reads.py's ThreadView the actor may read."""
    linked = (await linked_to([thread.id])).get(thread.id, [])
    can_link = actor is not None and await permissions.can_link_courses(
        actor, thread, thread.community
    )
    suggestions = await suggest_for_thread(actor, index, thread) if can_link else []
    return ThreadCourses(linked=linked, can_link=can_link, suggestions=suggestions)


async def chosen(codes: Iterable[object]) -> list[Course]:
    """The known courses among codes (a new thread's courses to link), in their order."""
    given = [c.strip()[:40].upper() for c in codes if isinstance(c, str)]
    wanted = list(dict.fromkeys(given))[:MAX_COMPETENCIES]
    found = {c.code: c for c in await Course.filter(code__in=wanted)}
    return [found[c] for c in wanted if c in found]


@dataclass
class CommunityLearning:
    courses: list[Course]
    competencies: list[Competency]
    framework: list[tuple[str, list[Competency]]]  # for its moderators to choose from


async def community_panel(actor: User | None, community: HasId) -> CommunityLearning:
    """What a community page shows of learning (the caller has checked the actor reads it)."""
    moderator = await permissions.can_moderate_in(actor, community.id)
    return CommunityLearning(
        courses=await courses_tied(community),
        competencies=await competencies_of_community(community),
        framework=await framework() if moderator else [],
    )


@dataclass
class HomeSuggestions:
    courses: list[Suggestion]
    communities: list[Community]


async def home_suggestions(
    actor: User | None, index: CourseIndex, *, limit: int = 6, every: Sequence[Any] | None = None
) -> HomeSuggestions:
    """Courses and communities for a person's home page: from their competencies first, then
    their role and sector (communities they have not joined and may read)."""
    if actor is None:
        return HomeSuggestions([], [])
    mine = await competencies_of_user(actor)
    by_competency = await communities_for_person(actor, mine, limit=limit)
    by_role = (await communities.directory(actor, every)).suggested
    seen = {c.id for c in by_competency}
    picked = by_competency + [c for c in by_role if c.id not in seen]
    return HomeSuggestions(
        courses=await suggest_for_person(index, actor, mine), communities=picked[:limit]
    )


# Competencies on profiles and communities; communities tied to courses


async def _competencies(slugs: object) -> list[Competency]:
    if slugs is None or slugs == "":
        return []
    if isinstance(slugs, str):
        slugs = [s for s in re.split(r"[\s,]+", slugs) if s]
    if not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs):
        raise Invalid(
            "Competencies must be a list.", fields={"competencies": "must be a list of names"}
        )
    wanted = list(dict.fromkeys(competency_slug(s) for s in slugs))
    if len(wanted) > MAX_COMPETENCIES:
        problem = f"at most {MAX_COMPETENCIES} competencies"
        raise Invalid(f"Competencies: {problem}.", fields={"competencies": problem})
    found = {c.slug: c for c in await Competency.filter(slug__in=wanted)}
    unknown = [s for s in wanted if s not in found]
    if unknown:
        problem = f"not in the framework: {', '.join(unknown[:5])}"
        raise Invalid(f"Competencies {problem}.", fields={"competencies": problem})
    return sorted(found.values(), key=_competency_order)


async def competencies_of_user(user: User) -> list[Competency]:
    rows = await UserCompetency.filter(user_id=user.id).select_related("competency")
    return sorted((r.competency for r in rows), key=_competency_order)


async def set_user_competencies(actor: User | None, slugs: object) -> list[Competency]:
    """A person chooses their competencies from the framework (replacing the earlier choice)."""
    user = permissions.require_signed_in(actor, "choose your competencies")
    chosen = await _competencies(slugs)
    async with in_transaction():
        await UserCompetency.filter(user_id=user.id).delete()
        await UserCompetency.bulk_create(
            [UserCompetency(user_id=user.id, competency_id=c.id) for c in chosen]
        )
    return chosen


async def competencies_of_community(community: HasId) -> list[Competency]:
    rows = await CommunityCompetency.filter(community_id=community.id).select_related("competency")
    return sorted((r.competency for r in rows), key=_competency_order)


async def set_community_competencies(
    actor: User | None, community: Community, slugs: object
) -> list[Competency]:
    """The community's moderators choose the competencies it is about."""
    await permissions.require_moderate(actor, community)
    chosen = await _competencies(slugs)
    async with in_transaction():
        await CommunityCompetency.filter(community_id=community.id).delete()
        await CommunityCompetency.bulk_create(
            [CommunityCompetency(community_id=community.id, competency_id=c.id) for c in chosen]
        )
    return chosen


async def courses_tied(community: HasId) -> list[Course]:
    """The courses or programmes a community is tied to (the caller has checked it may read the
    community; the catalogue is public)."""
    rows = (
        await CommunityCourse.filter(community_id=community.id)
        .order_by("id")
        .select_related("course")
    )
    return [r.course for r in rows]


async def tie(actor: User | None, community: Community, code: str) -> bool:
    """The community's moderators tie it to a course (an alumni group, a batch forum)."""
    await permissions.require_moderate(actor, community)
    course = await get(code)
    if await CommunityCourse.filter(community_id=community.id, course_id=course.id).exists():
        return False
    try:
        await CommunityCourse.create(community_id=community.id, course_id=course.id)
    except IntegrityError:
        return False
    return True


async def untie(actor: User | None, community: Community, code: str) -> bool:
    await permissions.require_moderate(actor, community)
    course = await get(code)
    return await CommunityCourse.filter(community_id=community.id, course_id=course.id).delete() > 0
