"""The web pages: server-rendered Jinja2 on the same services as the API."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from forum import (
    accounts,
    communities,
    markup,
    notifications,
    permissions,
    posts,
    reads,
    security,
    social,
    threads,
    validation,
)
from forum.errors import BadRequest, DomainError, Invalid, NotFound, NotSignedIn
from forum.models import User
from forum.settings import Settings
from forum.web import page_cache
from forum.web.http import (
    ANON_COOKIE,
    SESSION_COOKIE,
    Auth,
    authenticate,
    error_headers,
    path_int,
    query_int,
    read_form,
    require_csrf,
    settings_of,
)
from forum.web.limits import hit
from moderation import actions
from search import service as search_service

TEMPLATES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "templates")
FLASH_COOKIE = "chaupal_flash"


# Template helpers


def initials(name: str) -> str:
    parts = [p for p in name.replace("_", " ").split() if p]
    letters = "".join(p[0] for p in parts[:2]) or "?"
    return letters.upper()


def avatar_class(user_id: int) -> str:
    return f"avatar-c{user_id % 8}"


def relative(value: datetime | None) -> str:
    if value is None:
        return ""
    seconds = (datetime.now(UTC) - value).total_seconds()
    if seconds < 60:
        return "just now"
    for size, unit in (
        (86400 * 365, "year"),
        (86400 * 30, "month"),
        (86400, "day"),
        (3600, "hour"),
        (60, "minute"),
    ):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def exact(value: datetime | None) -> str:
    return value.strftime("%d %b %Y, %H:%M UTC") if value else ""


def make_templates(settings: Settings) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        site_name=settings.site_name,
        kind_labels=communities.KIND_LABELS,
        suggested_roles=accounts.SUGGESTED_ROLES,
        suggested_sectors=accounts.SUGGESTED_SECTORS,
    )
    env.filters.update(
        initials=initials,
        avatar_class=avatar_class,
        relative=relative,
        exact=exact,
        excerpt=markup.excerpt,
    )
    return env


# Rendering, flashes and redirects


def _flash_serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(settings_of(request).secret_key, salt="flash")


def _cookie_args(request: Request) -> dict[str, Any]:
    return {
        "httponly": True,
        "samesite": "lax",
        "secure": settings_of(request).secure_cookies,
        "path": "/",
    }


@dataclass(frozen=True)
class HeaderInfo:
    """What the header shows a signed-in person: unread notifications, the review queue link,
    and whether they are suspended."""

    unread: int = 0
    moderator: bool = False
    suspended: bool = False


async def header_info(user: User | None) -> HeaderInfo:
    if user is None:
        return HeaderInfo()
    statuses = (await permissions.memberships(user)).values()
    return HeaderInfo(
        unread=await notifications.unread_count(user),
        moderator=user.is_admin or "moderator" in statuses,
        suspended=permissions.suspended(user),
    )


class CsrfToken:
    """A page's CSRF token, made when its template first reads it, i.e. when the page has a
    form. Only then does an anonymous visitor get the cookie the token is bound to, so pages
    without forms set no cookie (and can be shared, see forum/web/page_cache.py)."""

    __slots__ = ("_secret_key", "_binding", "_value", "new_anon")

    def __init__(self, secret_key: str, binding: str | None) -> None:
        self._secret_key = secret_key
        self._binding = binding
        self._value: str | None = None
        self.new_anon: str | None = None

    @property
    def used(self) -> bool:
        return self._value is not None

    def __str__(self) -> str:
        if self._value is None:
            if not self._binding:
                self._binding = self.new_anon = security.new_token()
            self._value = security.csrf_token(self._secret_key, self._binding)
        return self._value

    __html__ = __str__  # what Jinja's autoescape calls


async def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    auth = await authenticate(request)
    csrf = CsrfToken(
        settings_of(request).secret_key, auth.session_token or request.cookies.get(ANON_COOKIE)
    )
    flash = None
    if FLASH_COOKIE in request.cookies:
        try:
            flash = _flash_serializer(request).loads(request.cookies[FLASH_COOKIE])
        except BadSignature:
            flash = None
    env: Environment = request.app.state.templates
    html = env.get_template(template).render(
        request=request,
        user=auth.user,
        csrf_token=csrf,
        flash=flash,
        path=request.url.path,
        header=await header_info(auth.user),
        live_since=request.app.state.hub.last_id,
        **(context or {}),
    )
    response = HTMLResponse(html, status_code=status)
    request.scope["chaupal.csrf_used"] = csrf.used
    if csrf.new_anon:
        response.set_cookie(ANON_COOKIE, csrf.new_anon, max_age=86400 * 30, **_cookie_args(request))
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/")
    if auth.user is not None:
        response.headers["cache-control"] = "private, no-store"
    return response


def redirect(
    request: Request, url: str, message: str | None = None, kind: str = "success"
) -> Response:
    response = RedirectResponse(url, status_code=303)
    if message:
        value = _flash_serializer(request).dumps({"message": message, "kind": kind})
        response.set_cookie(FLASH_COOKIE, value, max_age=60, **_cookie_args(request))
    return response


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after signing in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not parts.path.startswith("/")
        or parts.path.startswith("//")
    ):
        return "/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def error_page(request: Request, exc: DomainError) -> Response:
    if isinstance(exc, NotSignedIn) and request.method == "GET":
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    titles = {
        400: "That request did not make sense",
        401: "Please sign in",
        403: "You cannot do that here",
        404: "Page not found",
        409: "That clashes with something that exists",
        413: "That is too large",
        422: "Please check what you entered",
        500: "Something went wrong",
    }
    try:
        response = await render(
            request,
            "error.html",
            {"title": titles.get(exc.status, "Request failed"), "error": exc},
            exc.status,
        )
        response.headers.update(error_headers(exc) or {})
        return response
    except Exception:  # the error page must never fail: fall back to plain text
        return HTMLResponse(f"<h1>{exc.status}</h1><p>{exc.message}</p>", status_code=exc.status)


async def page_actor(request: Request) -> tuple[User | None, Auth]:
    auth = await authenticate(request)
    if (
        auth.user is None
        and settings_of(request).login_required
        and request.url.path not in OPEN_PATHS
    ):
        raise NotSignedIn("Sign in to use this site.")
    return auth.user, auth


async def posted_form(request: Request) -> tuple[User | None, FormData]:
    user, auth = await page_actor(request)
    form = await read_form(request)
    require_csrf(request, auth, str(form.get("csrf_token") or ""))
    return user, form


def signed_in(user: User | None, doing: str) -> User:
    return permissions.require_signed_in(user, doing)


def _s(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


OPEN_PATHS = frozenset({"/login", "/register"})


# Home and directory


async def home(request: Request) -> Response:
    user, _ = await page_actor(request)
    mine = await communities.mine(user)
    latest = await threads.latest(user, mine_only=bool(mine), limit=20)
    directory = await communities.directory(user) if not mine else None
    return await render(
        request, "home.html", {"mine": mine, "latest": latest, "directory": directory}
    )


async def directory(request: Request) -> Response:
    user, _ = await page_actor(request)
    return await render(request, "directory.html", {"directory": await communities.directory(user)})


async def new_community(request: Request) -> Response:
    user, _ = await page_actor(request)
    permissions.require_admin(user)
    values: dict[str, str] = {"kind": "role", "visibility": "public"}
    errors: dict[str, str] = {}
    if request.method == "POST":
        user, form = await posted_form(request)
        values = {k: _s(form, k) for k in ("slug", "name", "description", "kind", "visibility")}
        try:
            community = await actions.create_community(user, **values)
            return redirect(request, f"/c/{community.slug}", f"Created {community.name}.")
        except (Invalid, DomainError) as exc:
            errors = exc.fields or {"form": exc.message}
    status = 422 if errors else 200
    return await render(request, "community_new.html", {"values": values, "errors": errors}, status)


async def sitemap(request: Request) -> Response:
    user, _ = await page_actor(request)
    return await render(
        request, "sitemap.html", {"communities": await communities.list_visible(user)}
    )


async def search_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    names = ("q", "community", "tag", "author", "kind", "from", "to")
    params = {k: request.query_params.get(k, "")[:300] for k in names}
    page = query_int(request, "page", 1, high=1000)
    per_page = 20
    results, error = None, None
    if params["q"].strip() or params["tag"] or params["author"] or params["community"]:
        try:
            filters = await search_service.filters_for(
                user,
                community=params["community"] or None,
                tag=params["tag"] or None,
                author=params["author"] or None,
                kind=params["kind"] or None,
                since=params["from"] or None,
                until=params["to"] or None,
            )
            results = await search_service.search(
                request.app.state.search,
                params["q"],
                filters,
                page=page,
                per_page=per_page,
                facets=True,
            )
        except (BadRequest, Invalid) as exc:
            error = exc.message

    def page_url(n: int) -> str:
        return "?" + urlencode({**{k: v for k, v in params.items() if v}, "page": n})

    def facet_url(name: str, value: str) -> str:
        return "?" + urlencode({**{k: v for k, v in params.items() if v}, name: value})

    readable = await communities.list_visible(user)
    return await render(
        request,
        "search.html",
        {
            "q": params["q"],
            "search_q": params["q"],
            "params": params,
            "results": results,
            "error": error,
            "page": page,
            "per_page": per_page,
            "page_url": page_url,
            "facet_url": facet_url,
            "communities": readable,
            "community_names": {c.slug: c.name for c in readable},
        },
        400 if error else 200,
    )


# Communities


async def community_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    community = await reads.community(user, request.path_params["slug"])
    cursor = request.query_params.get("cursor") or None
    tag = request.query_params.get("tag") or None
    limit = settings_of(request).threads_per_page
    pinned: list[reads.ThreadView] = []
    if not cursor and not tag:
        pinned, _ = await reads.threads_in(user, community, pinned=True, limit=10)
    rows, next_cursor = await reads.threads_in(
        user, community, cursor=cursor, limit=limit, tag=tag, pinned=None if tag else False
    )
    status = await permissions.status_of(user, community.id)
    return await render(
        request,
        "community.html",
        {
            "community": community,
            "pinned": pinned,
            "threads": rows,
            "next_cursor": next_cursor,
            "tag": tag,
            "status": status,
            "can_moderate": await permissions.can_moderate_in(user, community.id),
            "can_post": user is not None
            and (user.is_admin or status in permissions.MEMBER_STATUSES),
        },
    )


async def join(request: Request) -> Response:
    """GET: the page an invitation link opens; POST: join, or ask to join a private community."""
    user, _ = await page_actor(request)
    signed_in(user, "join a community")
    if request.method == "GET":
        return await render(request, "join.html", {"slug": request.path_params["slug"][:40]})
    user, _ = await posted_form(request)
    community = await communities.find_for_membership(user, request.path_params["slug"])
    status = await communities.join(user, community)
    if status in permissions.MEMBER_STATUSES:
        return redirect(request, f"/c/{community.slug}", f"Welcome to {community.name}.")
    return redirect(
        request,
        "/communities",
        "Your request to join was sent to the community's moderators.",
        "info",
    )


async def leave(request: Request) -> Response:
    user, _ = await posted_form(request)
    community = await communities.find_for_membership(user, request.path_params["slug"])
    await communities.leave(user, community)
    target = (
        f"/c/{community.slug}" if await permissions.can_read(user, community) else "/communities"
    )
    return redirect(request, target, f"You left {community.name}.", "info")


async def members_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    community = await communities.get(user, request.path_params["slug"])
    error = None
    if request.method == "POST":
        user, form = await posted_form(request)
        username, status = _s(form, "username"), _s(form, "status")
        try:
            await actions.set_member_status(user, community, username, status, _s(form, "note"))
            words = {
                "member": "is now a member",
                "moderator": "is now a moderator",
                "removed": "was removed",
            }
            return redirect(
                request, f"/c/{community.slug}/members", f"@{username} {words[status]}."
            )
        except (Invalid, NotFound) as exc:
            error = exc.message
    moderator = await permissions.can_moderate(user, community)
    pending = await communities.members(user, community, "pending") if moderator else []
    return await render(
        request,
        "members.html",
        {
            "community": community,
            "members": await communities.members(user, community),
            "pending": pending,
            "can_moderate": moderator,
            "error": error,
        },
        422 if error else 200,
    )


# Threads


async def new_thread(request: Request) -> Response:
    user, _ = await page_actor(request)
    community = await communities.get(user, request.path_params["slug"])
    signed_in(user, "start a thread")
    values = {"title": "", "body": "", "tags": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        user, form = await posted_form(request)
        await hit(request, "post", user)
        values = {k: _s(form, k) for k in values}
        try:
            thread, _ = await threads.start(user, community, **values)
            return redirect(request, f"/t/{thread.id}", "Your thread is up.")
        except Invalid as exc:
            errors = exc.fields or {"form": exc.message}
    else:
        await permissions.require_post_in(user, community)
    return await render(
        request,
        "thread_new.html",
        {"community": community, "values": values, "errors": errors},
        422 if errors else 200,
    )


async def thread_page(request: Request) -> Response:
    user, _ = await page_actor(request)
    thread_id = path_int(request, "id")
    # Anonymous visitors share one rendering per thread version (see forum/web/page_cache.py); a
    # hit costs one indexed row, on which the permission check is made again.
    cache_key = page_cache.key(request, "page", thread_id, "page") if user is None else None
    if cache_key is not None:
        stamp = await reads.thread_stamp(thread_id)
        if stamp is not None and await reads.can_see(None, stamp):
            cached = page_cache.of(request).get((*cache_key, stamp.version))
            if cached is not None:
                return HTMLResponse(cached)
    thread = await reads.thread(user, thread_id)
    if thread.status == "merged" and thread.merged_into_id:
        return RedirectResponse(f"/t/{thread.merged_into_id}", status_code=301)
    per_page = settings_of(request).posts_per_page
    pages = reads.page_count(thread, per_page)
    page_no = query_int(request, "page", 1, high=max(pages, 1))
    page = await reads.post_page(
        user,
        thread,
        from_number=(page_no - 1) * per_page + 1,
        to_number=page_no * per_page,
        limit=per_page,
    )
    response = await render(
        request, "thread.html", await _thread_context(request, user, thread, page, page_no, pages)
    )
    if (
        cache_key is not None
        and response.status_code == 200
        and not request.scope.get("chaupal.csrf_used")
    ):
        page_cache.of(request).put((*cache_key, thread.version), bytes(response.body))
    return response


async def _thread_context(
    request: Request,
    user: User | None,
    thread: reads.ThreadView,
    page: reads.PostPageView,
    page_no: int,
    pages: int,
    *,
    draft: str = "",
    reply_to: str = "",
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    community = thread.community
    moderator = await permissions.can_moderate_in(user, community.id)
    member = user is not None and (
        user.is_admin or await permissions.is_member_of(user, community.id)
    )
    reply_target = None
    wanted = reply_to or request.query_params.get("reply_to", "")
    wanted_id = validation.object_id(wanted)
    if wanted_id is not None:
        reply_target = await reads.reply_target(thread, wanted_id)
        if reply_target is not None and not draft and request.method == "GET":
            quoted = "\n".join(f"> {line}" for line in reply_target.body.splitlines()[:12])
            draft = f"**@{reply_target.author.username}** wrote:\n{quoted}\n\n"
    can_reply = member and thread.status == "published" and (not thread.locked or moderator)
    return {
        "thread": thread,
        "community": community,
        "page": page,
        "page_no": page_no,
        "pages": pages,
        "can_moderate": moderator,
        "is_member": member,
        "can_reply": can_reply,
        "draft": draft,
        "reply_target": reply_target,
        "errors": errors or {},
        "reactions": await social.counts([p.id for p in page.posts], user),
        "reaction_kinds": social.REACTIONS,
        "bookmarked": await social.is_bookmarked(user, thread),
        "watch_level": await social.level_of(user, thread=thread),
    }


async def post_reply(request: Request) -> Response:
    user, form = await posted_form(request)
    await hit(request, "post", user)
    thread = await threads.get(user, path_int(request, "id"))
    body, reply_to = _s(form, "body"), _s(form, "reply_to")
    try:
        post = await posts.reply(user, thread, body=body, reply_to=reply_to or None)
    except Invalid as exc:
        # The thread's last page again, with what was typed and what needs fixing.
        view = await reads.thread(user, thread.id)
        per_page = settings_of(request).posts_per_page
        pages = reads.page_count(view, per_page)
        page = await reads.post_page(
            user,
            view,
            from_number=(pages - 1) * per_page + 1,
            to_number=pages * per_page,
            limit=per_page,
        )
        context = await _thread_context(
            request,
            user,
            view,
            page,
            pages,
            pages,
            draft=body,
            reply_to=reply_to,
            errors=exc.fields or {"body": exc.message},
        )
        return await render(request, "thread.html", context, 422)
    page_no = posts.page_of(post, settings_of(request).posts_per_page)
    return redirect(request, f"/t/{thread.id}?page={page_no}#post-{post.number}")


async def moderate_thread(request: Request) -> Response:
    user, form = await posted_form(request)
    thread = await threads.get(user, path_int(request, "id"))
    action = _s(form, "action")
    done = {
        "pin": ("pin_thread", True, "Pinned to the top of the community."),
        "unpin": ("pin_thread", False, "Unpinned."),
        "lock": ("lock_thread", True, "Locked: only moderators can reply now."),
        "unlock": ("lock_thread", False, "Unlocked: members can reply again."),
    }
    if action not in done:
        raise Invalid("Unknown action.", fields={"action": "must be pin, unpin, lock or unlock"})
    name, value, message = done[action]
    await getattr(actions, name)(user, thread, value, _s(form, "note"))
    return redirect(request, f"/t/{thread.id}", message)


# Posts


async def post_link(request: Request) -> Response:
    user, _ = await page_actor(request)
    post = await posts.get(user, path_int(request, "id"))
    page_no = posts.page_of(post, settings_of(request).posts_per_page)
    return RedirectResponse(
        f"/t/{post.thread.id}?page={page_no}#post-{post.number}", status_code=303
    )


async def edit_post(request: Request) -> Response:
    user, _ = await page_actor(request)
    post = await posts.get(user, path_int(request, "id"))
    thread = post.thread
    await permissions.require_edit_post(user, post, thread, thread.community)
    body = post.body
    errors: dict[str, str] = {}
    if request.method == "POST":
        user, form = await posted_form(request)
        body = _s(form, "body")
        try:
            changed = await posts.edit(user, post, body=body)
            page_no = posts.page_of(post, settings_of(request).posts_per_page)
            return redirect(
                request,
                f"/t/{thread.id}?page={page_no}#post-{post.number}",
                "Your changes are saved." if changed else "Nothing changed.",
                "success" if changed else "info",
            )
        except Invalid as exc:
            errors = exc.fields or {"body": exc.message}
    return await render(
        request,
        "post_edit.html",
        {"post": post, "thread": thread, "body": body, "errors": errors},
        422 if errors else 200,
    )


async def delete_post(request: Request) -> Response:
    user, _ = await posted_form(request)
    post = await posts.get(user, path_int(request, "id"))
    thread = post.thread
    await posts.delete(user, post)
    if thread.status == "deleted":
        return redirect(request, f"/c/{thread.community.slug}", "The thread was deleted.", "info")
    page_no = posts.page_of(post, settings_of(request).posts_per_page)
    return redirect(
        request,
        f"/t/{thread.id}?page={page_no}#post-{post.number}",
        "The post was removed.",
        "info",
    )


async def post_history(request: Request) -> Response:
    user, _ = await page_actor(request)
    post = await posts.get(user, path_int(request, "id"))
    revisions = await posts.history(user, post)
    show = await permissions.can_see_post_body(user, post, post.thread.community)
    return await render(
        request,
        "post_history.html",
        {"post": post, "thread": post.thread, "revisions": revisions, "show": show},
    )


# Accounts


async def _start_session(request: Request, user: User, target: str, message: str) -> Response:
    token = await accounts.start_session(user, settings_of(request).session_days)
    response = redirect(request, target, message)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=86400 * settings_of(request).session_days,
        **_cookie_args(request),
    )
    response.delete_cookie(ANON_COOKIE, path="/")
    return response


async def login(request: Request) -> Response:
    target = safe_next(request.query_params.get("next"))
    error = None
    username = ""
    if request.method == "POST":
        _, form = await posted_form(request)
        username = _s(form, "username")
        await hit(request, "login", key=username.strip().lower()[:30] or "?")
        target = safe_next(_s(form, "next") or target)
        user = await accounts.authenticate(username, _s(form, "password"))
        if user is not None:
            return await _start_session(
                request, user, target, f"Welcome back, {user.display_name}."
            )
        error = "That username and password do not match an account."
    return await render(
        request,
        "login.html",
        {"next": target, "username": username, "error": error},
        401 if error else 200,
    )


async def logout(request: Request) -> Response:
    _, form = await posted_form(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await accounts.end_session(token)
    response = redirect(request, "/", "You are signed out.", "info")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def register(request: Request) -> Response:
    values = {"username": "", "email": "", "display_name": "", "role": "", "sector": ""}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        _, form = await posted_form(request)
        await hit(request, "register")
        values = {k: _s(form, k) for k in values}
        try:
            user = await accounts.register(
                values["username"],
                values["email"],
                _s(form, "password"),
                values["display_name"],
                values["role"],
                values["sector"],
            )
            return await _start_session(
                request,
                user,
                "/communities",
                f"Welcome to Chaupal, {user.display_name}. Join a few communities to begin.",
            )
        except DomainError as exc:
            errors, status = exc.fields or {"form": exc.message}, exc.status
    return await render(request, "register.html", {"values": values, "errors": errors}, status)


async def settings_page(request: Request) -> Response:
    user, auth = await page_actor(request)
    user = signed_in(user, "change your settings")
    errors: dict[str, str] = {}
    new_token = None
    status = 200
    if request.method == "POST":
        user, form = await posted_form(request)
        user = signed_in(user, "change your settings")
        what = _s(form, "form")
        try:
            if what == "profile":
                await accounts.update_profile(
                    user,
                    user,
                    display_name=_s(form, "display_name"),
                    role=_s(form, "role"),
                    sector=_s(form, "sector"),
                    bio=_s(form, "bio"),
                )
                return redirect(request, "/settings", "Your profile is saved.")
            if what == "password":
                await accounts.change_password(
                    user, _s(form, "current_password"), _s(form, "new_password")
                )
                return await _start_session(
                    request,
                    user,
                    "/settings",
                    "Password changed. Other sessions and tokens were signed out.",
                )
            if what == "digest":
                on = _s(form, "email_digest") == "on"
                await accounts.set_email_digest(user, on)
                return redirect(
                    request,
                    "/settings",
                    "You will get email digests." if on else "No more email digests.",
                )
            if what == "token":
                new_token, _ = await accounts.create_token(user, _s(form, "name"))
            elif what == "revoke":
                await accounts.revoke_token_by_id(
                    user, validation.object_id(_s(form, "token_id")) or 0
                )
                return redirect(request, "/settings#tokens", "Token revoked.", "info")
            else:
                raise Invalid("Unknown form.")
        except Invalid as exc:
            errors, status = exc.fields or {"form": exc.message}, 422
    return await render(
        request,
        "settings.html",
        {"tokens": await accounts.list_tokens(user), "new_token": new_token, "errors": errors},
        status,
    )


async def user_page(request: Request) -> Response:
    viewer, _ = await page_actor(request)
    person = await accounts.get_by_username(request.path_params["username"])
    recent = await threads.started_by(viewer, person)
    visible = {c.id for c in await communities.list_visible(viewer)}
    their = [c for c in await communities.mine(person) if c.id in visible]
    return await render(
        request, "user.html", {"person": person, "recent": recent, "communities": their}
    )


routes = [
    Route("/", home, methods=["GET"]),
    Route("/communities", directory, methods=["GET"]),
    Route("/communities/new", new_community, methods=["GET", "POST"]),
    Route("/sitemap", sitemap, methods=["GET"]),
    Route("/search", search_page, methods=["GET"]),
    Route("/c/{slug}", community_page, methods=["GET"]),
    Route("/c/{slug}/join", join, methods=["GET", "POST"]),
    Route("/c/{slug}/leave", leave, methods=["POST"]),
    Route("/c/{slug}/members", members_page, methods=["GET", "POST"]),
    Route("/c/{slug}/new", new_thread, methods=["GET", "POST"]),
    Route("/t/{id}", thread_page, methods=["GET"]),
    Route("/t/{id}/reply", post_reply, methods=["POST"]),
    Route("/t/{id}/moderate", moderate_thread, methods=["POST"]),
    Route("/p/{id}", post_link, methods=["GET"]),
    Route("/p/{id}/edit", edit_post, methods=["GET", "POST"]),
    Route("/p/{id}/delete", delete_post, methods=["POST"]),
    Route("/p/{id}/history", post_history, methods=["GET"]),
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/register", register, methods=["GET", "POST"]),
    Route("/settings", settings_page, methods=["GET", "POST"]),
    Route("/u/{username}", user_page, methods=["GET"]),
]
