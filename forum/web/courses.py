"""The pages of courses, competencies and learning points: the catalogue, a course, starting a
discussion of it, linking courses to a thread, a community's learning panel and leaderboard,
choosing one's competencies, points history and export, catalogue import and points
administration. Same services as forum/course_api.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
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
    threads,
    validation,
)
from forum.errors import BadRequest, DomainError, Invalid, NotFound
from forum.web.api.courses import course_index, points_csv_response
from forum.web.http import path_int, query_int, require_csrf
from forum.web.render import form_text, page_actor, posted_form, redirect, render, signed_in
from moderation import actions

UPLOAD_MAX = 8 * 1024 * 1024  # what the form accepts; the request body cap applies first


# The catalogue and a course


async def catalogue_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    names = ("q", "competency", "provider", "language")
    params = {k: request.query_params.get(k, "")[:200] for k in names}
    page = query_int(request, "page", 1, high=10_000)
    per_page = 20
    found = await courses.browse(
        user,
        course_index(request),
        courses.CatalogueFilters(
            q=params["q"],
            competency=params["competency"] or None,
            provider=params["provider"] or None,
            language=params["language"] or None,
        ),
        page=page,
        per_page=per_page,
    )
    chosen = {k: v for k, v in params.items() if v}

    def page_url(n: int) -> str:
        return "?" + urlencode({**chosen, "page": n})

    return await render(
        request,
        "courses.html",
        {
            "params": params,
            "found": found,
            "facets": await courses.facets(),
            "page": page,
            "pages": max(1, -(-found.total // per_page)),
            "page_url": page_url,
            "filtered": bool(chosen),
            "can_manage": permissions.administers(user),
        },
    )


async def course_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    found = await courses.detail(user, request.path_params["code"])
    if found.course.code != request.path_params["code"]:
        return redirect(request, f"/courses/{quote(found.course.code)}")
    return await render(request, "course.html", {"d": found})


async def discuss_course(request: Request) -> Response:
    """Where to start a discussion of the course: the communities the person may post in, those
    tied to the course first."""
    user, _ = await page_actor(request)
    user = signed_in(user, "start a discussion")
    course = await courses.get(request.path_params["code"])
    tied = {c.id for c in await courses.communities_tied(user, course)}
    postable = await communities.mine(user)
    postable.sort(key=lambda c: (c.id not in tied, c.name.lower()))
    return await render(
        request,
        "course_discuss.html",
        {"course": course, "postable": postable, "tied": tied},
    )


# Courses on a thread


async def thread_courses_form(request: Request) -> Response:
    """Link (one click on a suggestion, or a typed code) or unlink a course."""
    user, form = await posted_form(request)
    thread = await threads.get(user, path_int(request, "id"))
    code = form_text(form, "code").strip()
    if not code:
        raise Invalid("Give the course's code.", fields={"code": "is required"})
    if form_text(form, "action") == "unlink":
        await courses.unlink(user, thread, code)
        return redirect(
            request, f"/t/{thread.id}#courses", "The course is no longer linked.", "info"
        )
    try:
        linked = await courses.link(user, thread, code)
    except NotFound:
        return redirect(
            request, f"/t/{thread.id}#courses", f"No course has the code {code[:40]}.", "error"
        )
    message = "Course linked to this thread." if linked else "That course was already linked."
    return redirect(request, f"/t/{thread.id}#courses", message)


# Communities: learning panel and leaderboard


async def community_learning(request: Request) -> Response:
    """Moderators tie the community to courses and choose its competencies."""
    user, form = await posted_form(request)
    community = await communities.get(user, request.path_params["slug"])
    action = form_text(form, "action")
    back = f"/c/{community.slug}#learning"
    if action == "competencies":
        chosen = await courses.set_community_competencies(
            user, community, form.getlist("competency")
        )
        return redirect(request, back, f"Saved {len(chosen)} competencies.")
    if action in ("tie", "untie"):
        code = form_text(form, "code").strip()
        try:
            if action == "tie":
                await courses.tie(user, community, code)
                return redirect(request, back, "The community is tied to the course.")
            await courses.untie(user, community, code)
        except NotFound:
            return redirect(request, back, f"No course has the code {code[:40]}.", "error")
        return redirect(request, back, "No longer tied to that course.", "info")
    raise Invalid("Unknown action.", fields={"action": "must be competencies, tie or untie"})


async def leaderboard_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    community = await communities.get(user, request.path_params["slug"])
    month = points.month_of(request.query_params.get("month"))
    previous, following = points.month_step(month, -1), points.month_step(month, 1)
    return await render(
        request,
        "leaderboard.html",
        {
            "community": community,
            "month": month,
            "rows": await points.leaderboard(user, community, month),
            "previous": previous,
            "following": following if following <= points.now().date() else None,
        },
    )


# Competencies and points of a person


async def learning_settings(request: Request) -> Response:
    user, _ = await page_actor(request)
    user = signed_in(user, "choose your competencies")
    if request.method == "POST":
        user, form = await posted_form(request)
        user = signed_in(user, "choose your competencies")
        chosen = await courses.set_user_competencies(user, form.getlist("competency"))
        return redirect(request, "/settings/learning", f"Saved {len(chosen)} competencies.")
    mine = {c.id for c in await courses.competencies_of_user(user)}
    return await render(
        request,
        "learning_settings.html",
        {"framework": await courses.framework(), "mine": mine},
    )


async def points_page(request: Request) -> Response:
    viewer, _ = await page_actor(request)
    person = await accounts.get_by_username(request.path_params["username"])
    year = points.year_of(request.query_params.get("year"))
    summary = await points.year_summary(viewer, person, year)
    this_year = points.now().year
    return await render(
        request,
        "points.html",
        {
            "person": person,
            "summary": summary,
            "years": list(range(this_year, this_year - 5, -1)),
            "is_me": viewer is not None and viewer.id == person.id,
            "can_adjust": permissions.administers(viewer),
        },
    )


async def points_export(request: Request) -> Response:
    user, _ = await page_actor(request)
    return points_csv_response(await points.ledger_csv(signed_in(user, "export your points")))


# Administration: the catalogue and points


async def _upload(request: Request) -> tuple[Any, FormData]:
    user, auth = await page_actor(request)
    try:
        form = await request.form(max_files=1, max_fields=10, max_part_size=UPLOAD_MAX)
    except HTTPException as exc:
        raise BadRequest(str(exc.detail), code="bad_form") from None
    texts = [t for pair in form.multi_items() for t in pair if isinstance(t, str)]
    if not all(validation.storable(t) for t in texts):
        raise BadRequest("The form contains text that is not text.", code="bad_text")
    require_csrf(request, auth, form_text(form, "csrf_token"))
    return user, form


async def import_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    permissions.require_manage_catalogue(user)
    report, error, status = None, None, 200
    if request.method == "POST":
        user, form = await _upload(request)
        permissions.require_manage_catalogue(user)
        upload = form.get("file")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise Invalid("Choose a CSV or JSON file.", fields={"file": "is required"})
            text = course_import.decode(await upload.read())
            report = await course_import.import_text(
                user, text, filename=upload.filename, index=course_index(request)
            )
        except (BadRequest, Invalid) as exc:
            error, status = exc.message, exc.status
    return await render(
        request,
        "course_import.html",
        {"report": report, "error": error, "batch": course_import.BATCH},
        status,
    )


async def points_admin(request: Request) -> Response:
    user, _ = await page_actor(request)
    permissions.require_adjust_points(user)
    errors: dict[str, str] = {}
    values = {
        "username": request.query_params.get("username", "")[:31],
        "points": "",
        "reason": "",
        "year": str(points.now().year),
        "target": "",
    }
    status = 200
    if request.method == "POST":
        user, form = await posted_form(request)
        values.update({k: form_text(form, k) for k in values if k in form})
        try:
            if form_text(form, "form") == "target":
                year, target = await actions.set_points_target(
                    user, values["year"], values["target"].strip() or None
                )
                return redirect(request, "/admin/points", f"The {year} target is {target} points.")
            person = await accounts.get_by_username(values["username"].strip().lstrip("@"))
            amount = values["points"].strip()
            number: object = int(amount) if amount.lstrip("-").isdigit() else amount
            entry = await actions.adjust_points(user, person, number, values["reason"])
            return redirect(
                request,
                f"/u/{person.username}/points",
                f"{entry.points:+d} points recorded for {person.display_name}.",
            )
        except DomainError as exc:
            errors, status = exc.fields or {"form": exc.message}, exc.status
    year = points.now().year
    return await render(
        request,
        "points_admin.html",
        {"values": values, "errors": errors, "target": await points.target_for(year), "year": year},
        status,
    )


routes = [
    Route("/courses", catalogue_page, methods=["GET"]),
    Route("/courses/import", import_page, methods=["GET", "POST"]),
    Route("/courses/{code}", course_page, methods=["GET"]),
    Route("/courses/{code}/discuss", discuss_course, methods=["GET"]),
    Route("/t/{id}/courses", thread_courses_form, methods=["POST"]),
    Route("/c/{slug}/learning", community_learning, methods=["POST"]),
    Route("/c/{slug}/leaderboard", leaderboard_page, methods=["GET"]),
    Route("/settings/learning", learning_settings, methods=["GET", "POST"]),
    Route("/u/{username}/points", points_page, methods=["GET"]),
    Route("/points/export.csv", points_export, methods=["GET"]),
    Route("/admin/points", points_admin, methods=["GET", "POST"]),
]
