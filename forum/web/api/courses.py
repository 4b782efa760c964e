"""The JSON API of courses, competencies and learning points (API.md's Courses section and
what the pages' scripts need). Routes parse, resolve the actor, call one service and shape
the answer."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import (
    accounts,
    communities,
    course_import,
    courses,
    permissions,
    points,
    serialize,
    threads,
)
from forum.errors import BadRequest, Invalid
from forum.web.http import api_actor, json_response, path_int, query_int, read_json
from moderation import actions
from search.port import CourseIndex

SUGGEST_QUERY_MAX = 4000  # characters of a draft sent in a query string


def course_index(request: Request) -> CourseIndex:
    index: CourseIndex = request.app.state.courses
    return index


def text_param(request: Request, name: str, max_len: int = 300) -> str:
    return request.query_params.get(name, "")[:max_len]


# The catalogue


async def list_courses(request: Request) -> Response:
    actor = await api_actor(request)
    limit = query_int(request, "limit", 20, high=courses.PAGE_MAX)
    page = query_int(request, "page", 1, high=10_000)
    found = await courses.browse(
        actor,
        course_index(request),
        courses.CatalogueFilters(
            q=text_param(request, "q"),
            competency=text_param(request, "competency", 80) or None,
            provider=text_param(request, "provider", 120) or None,
            language=text_param(request, "language", 40) or None,
        ),
        page=page,
        per_page=limit,
    )
    items = [
        serialize.course(c, found.competencies.get(c.id), found.discussions.get(c.id, 0))
        for c in found.courses
    ]
    more = page * limit < found.total
    return json_response(
        {"items": items, "next": str(page + 1) if more else None, "total": found.total}
    )


async def create_course(request: Request) -> Response:
    actor = await api_actor(request)
    data = await read_json(request)
    course = await courses.create(actor, data, course_index(request))
    competencies = (await courses.competencies_of([course.id])).get(course.id, [])
    return json_response(serialize.course(course, competencies, 0), 201)


async def get_course(request: Request) -> Response:
    actor = await api_actor(request)
    found = await courses.detail(
        actor, request.path_params["code"], limit=query_int(request, "limit", 20, high=100)
    )
    body = serialize.course(found.course, found.competencies, found.discussion_count)
    body["discussions"] = [serialize.thread(t) for t in found.discussions]
    body["communities"] = [serialize.community(c) for c in found.communities]
    return json_response(body)


async def put_course(request: Request) -> Response:
    actor = await api_actor(request)
    data = await read_json(request)
    course = await courses.put(actor, request.path_params["code"], data, course_index(request))
    competencies = (await courses.competencies_of([course.id])).get(course.id, [])
    return json_response(serialize.course(course, competencies))


async def delete_course(request: Request) -> Response:
    actor = await api_actor(request)
    await courses.delete(actor, request.path_params["code"], course_index(request))
    return json_response({"code": request.path_params["code"].upper(), "deleted": True})


async def import_courses(request: Request) -> Response:
    """The body is the file: CSV or JSON (see forum/course_import.py), as ?format= says or the
    content type, else as it looks."""
    actor = await api_actor(request)
    permissions.require_manage_catalogue(actor)
    fmt = request.query_params.get("format") or None
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if fmt is None and kind in ("text/csv", "application/json"):
        fmt = "csv" if kind == "text/csv" else "json"
    if fmt is not None and fmt not in course_import.FORMATS:
        raise BadRequest("'format' must be csv or json.", code="bad_query")
    text = course_import.decode(await request.body())
    report = await course_import.import_text(actor, text, fmt=fmt, index=course_index(request))
    return json_response(report.as_json())


async def list_competencies(request: Request) -> Response:
    await api_actor(request)
    groups = await courses.framework()
    items = [serialize.competency(c) for _, group in groups for c in group]
    return json_response(serialize.listing(items))


# Courses and discussions


async def _linked_json(thread_id: int) -> dict[str, Any]:
    linked = (await courses.linked_to([thread_id])).get(thread_id, [])
    competencies = await courses.competencies_of([c.id for c in linked])
    return serialize.listing([serialize.course(c, competencies.get(c.id)) for c in linked])


async def thread_courses(request: Request) -> Response:
    actor = await api_actor(request)
    thread = await threads.get(actor, path_int(request, "id"))
    return json_response(await _linked_json(thread.id))


async def link_course(request: Request) -> Response:
    actor = await api_actor(request)
    thread = await threads.get(actor, path_int(request, "id"))
    data = await read_json(request)
    code = data.get("code")
    if not isinstance(code, str) or not code.strip():
        raise Invalid("Give the course's code.", fields={"code": "is required"})
    linked = await courses.link(actor, thread, code)
    return json_response(await _linked_json(thread.id), 201 if linked else 200)


async def unlink_course(request: Request) -> Response:
    actor = await api_actor(request)
    thread = await threads.get(actor, path_int(request, "id"))
    await courses.unlink(actor, thread, request.path_params["code"])
    return json_response(await _linked_json(thread.id))


def _suggestions_json(found: list[courses.Suggestion]) -> dict[str, Any]:
    items = []
    for s in found:
        body = serialize.course(s.course)
        body["score"] = round(s.score, 4)
        items.append(body)
    return serialize.listing(items)


async def thread_suggestions(request: Request) -> Response:
    actor = await api_actor(request)
    thread = await threads.get(actor, path_int(request, "id"))
    limit = query_int(request, "limit", courses.SUGGESTIONS, high=20)
    found = await courses.suggest_for_thread(actor, course_index(request), thread, limit=limit)
    return json_response(_suggestions_json(found))


async def draft_suggestions(request: Request) -> Response:
    """Suggestions for a thread being written: ?title=&body= (the catalogue is public)."""
    await api_actor(request)
    limit = query_int(request, "limit", courses.SUGGESTIONS, high=20)
    found = await courses.suggest_for_text(
        course_index(request),
        text_param(request, "title", 200),
        text_param(request, "body", SUGGEST_QUERY_MAX),
        limit=limit,
    )
    return json_response(_suggestions_json(found))


# Communities tied to courses; competencies of communities and people


async def community_courses(request: Request) -> Response:
    actor = await api_actor(request)
    community = await communities.get(actor, request.path_params["slug"])
    tied = await courses.courses_tied(community)
    return json_response(serialize.listing([serialize.course(c) for c in tied]))


async def tie_course(request: Request) -> Response:
    actor = await api_actor(request)
    community = await communities.get(actor, request.path_params["slug"])
    code = request.path_params["code"]
    if request.method == "PUT":
        changed = await courses.tie(actor, community, code)
    else:
        changed = await courses.untie(actor, community, code)
    tied = await courses.courses_tied(community)
    return json_response(
        serialize.listing([serialize.course(c) for c in tied]),
        201 if changed and request.method == "PUT" else 200,
    )


async def community_competencies(request: Request) -> Response:
    actor = await api_actor(request)
    community = await communities.get(actor, request.path_params["slug"])
    if request.method == "PUT":
        data = await read_json(request)
        chosen = await courses.set_community_competencies(
            actor, community, data.get("competencies")
        )
    else:
        chosen = await courses.competencies_of_community(community)
    return json_response(serialize.listing([serialize.competency(c) for c in chosen]))


async def my_competencies(request: Request) -> Response:
    actor = permissions.require_signed_in(await api_actor(request), "see your competencies")
    if request.method == "PUT":
        data = await read_json(request)
        chosen = await courses.set_user_competencies(actor, data.get("competencies"))
    else:
        chosen = await courses.competencies_of_user(actor)
    return json_response(serialize.listing([serialize.competency(c) for c in chosen]))


async def user_competencies(request: Request) -> Response:
    await api_actor(request)
    person = await accounts.get_by_username(request.path_params["username"])
    chosen = await courses.competencies_of_user(person)
    return json_response(serialize.listing([serialize.competency(c) for c in chosen]))


# Learning points


def _summary_json(summary: points.YearSummary) -> dict[str, Any]:
    return {
        "year": summary.year,
        "total": summary.total,
        "target": summary.target,
        "items": [serialize.points_entry(e) for e in summary.entries],
        "next": None,
    }


async def my_points(request: Request) -> Response:
    actor = permissions.require_signed_in(await api_actor(request), "see your points")
    year = points.year_of(request.query_params.get("year"))
    return json_response(_summary_json(await points.year_summary(actor, actor, year)))


async def my_points_csv(request: Request) -> Response:
    actor = await api_actor(request)
    return points_csv_response(await points.ledger_csv(actor))


def points_csv_response(text: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": 'attachment; filename="learning-points.csv"',
            "cache-control": "private, no-store",
        },
    )


async def user_points(request: Request) -> Response:
    actor = await api_actor(request)
    person = await accounts.get_by_username(request.path_params["username"])
    year = points.year_of(request.query_params.get("year"))
    return json_response(_summary_json(await points.year_summary(actor, person, year)))


async def adjust_points(request: Request) -> Response:
    actor = await api_actor(request)
    person = await accounts.get_by_username(request.path_params["username"])
    data = await read_json(request)
    entry = await actions.adjust_points(actor, person, data.get("points"), data.get("reason"))
    view = points.Entry(entry=entry, thread_title=None, thread_id=None, post_id=None)
    return json_response(serialize.points_entry(view), 201)


async def points_target(request: Request) -> Response:
    actor = await api_actor(request)
    if request.method == "PUT":
        data = await read_json(request)
        year, target = await actions.set_points_target(actor, data.get("year"), data.get("target"))
    else:
        year = points.year_of(request.query_params.get("year"))
        target = await points.target_for(year)
    return json_response({"year": year, "target": target})


async def leaderboard(request: Request) -> Response:
    actor = await api_actor(request)
    community = await communities.get(actor, request.path_params["slug"])
    month = points.month_of(request.query_params.get("month"))
    rows = await points.leaderboard(actor, community, month)
    return json_response(
        {
            "community": community.slug,
            "month": month.strftime("%Y-%m"),
            "items": [
                {"rank": n, "user": serialize.user(s.user), "points": s.points}
                for n, s in enumerate(rows, start=1)
            ],
            "next": None,
        }
    )


routes = [
    Route("/api/v1/courses", list_courses, methods=["GET"]),
    Route("/api/v1/courses", create_course, methods=["POST"]),
    Route("/api/v1/courses/import", import_courses, methods=["POST"]),
    Route("/api/v1/courses/{code}", get_course, methods=["GET"]),
    Route("/api/v1/courses/{code}", put_course, methods=["PUT"]),
    Route("/api/v1/courses/{code}", delete_course, methods=["DELETE"]),
    Route("/api/v1/competencies", list_competencies, methods=["GET"]),
    Route("/api/v1/course-suggestions", draft_suggestions, methods=["GET"]),
    Route("/api/v1/threads/{id}/courses", thread_courses, methods=["GET"]),
    Route("/api/v1/threads/{id}/courses", link_course, methods=["POST"]),
    Route("/api/v1/threads/{id}/courses/{code}", unlink_course, methods=["DELETE"]),
    Route("/api/v1/threads/{id}/course-suggestions", thread_suggestions, methods=["GET"]),
    Route("/api/v1/communities/{slug}/courses", community_courses, methods=["GET"]),
    Route("/api/v1/communities/{slug}/courses/{code}", tie_course, methods=["PUT", "DELETE"]),
    Route(
        "/api/v1/communities/{slug}/competencies", community_competencies, methods=["GET", "PUT"]
    ),
    Route("/api/v1/communities/{slug}/leaderboard", leaderboard, methods=["GET"]),
    Route("/api/v1/me/competencies", my_competencies, methods=["GET", "PUT"]),
    Route("/api/v1/me/points", my_points, methods=["GET"]),
    Route("/api/v1/me/points.csv", my_points_csv, methods=["GET"]),
    Route("/api/v1/users/{username}/competencies", user_competencies, methods=["GET"]),
    Route("/api/v1/users/{username}/points", user_points, methods=["GET"]),
    Route("/api/v1/users/{username}/points", adjust_points, methods=["POST"]),
    Route("/api/v1/points/target", points_target, methods=["GET", "PUT"]),
]
