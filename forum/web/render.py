"""What every page shares: the template environment and its filters, render() and redirect(),
flash messages, the CSRF token a form carries, the header's counts, form helpers and the HTML
error page. The page routes (forum/web/*.py, moderation/pages.py) all render through here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from forum import accounts, communities, courses, markup, notifications, permissions, security
from forum.errors import DomainError, NotSignedIn
from forum.events import organise as event_organise
from forum.events import times as event_times
from forum.language import lang_attribute
from forum.models import User
from forum.settings import Settings
from forum.web.http import (
    ANON_COOKIE,
    Auth,
    asks_to_sign_in,
    authenticate,
    error_headers,
    read_form,
    require_csrf,
    settings_of,
)

TEMPLATES = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "templates"
)
FLASH_COOKIE = "chaupal_flash"
OPEN_PATHS = frozenset({"/login", "/register"})  # reachable signed out when sign-in is required


# Template filters


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
        competency_kinds=courses.KIND_LABELS,
        suggested_roles=accounts.SUGGESTED_ROLES,
        suggested_sectors=accounts.SUGGESTED_SECTORS,
        event_kinds=event_organise.KIND_LABELS,
    )
    env.filters.update(
        # Event times in a zone (the viewer's): DD-MM-YYYY HH:MM IST.
        local_time=event_times.show,
        local_date=event_times.show_date,
        local_span=event_times.show_span,
        initials=initials,
        avatar_class=avatar_class,
        relative=relative,
        exact=exact,
        excerpt=markup.excerpt,
        # ` lang="hi"` on writing that is mostly in an Indian script.
        lang_attr=lang_attribute,
    )
    # The state marks pages show ("awaiting review", "removed", "private"...): `x is removed`.
    env.tests.update(permissions.TEMPLATE_TESTS)
    return env


# Cookies, the header and the CSRF token


def flash_serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(settings_of(request).secret_key, salt="flash")


def cookie_args(request: Request) -> dict[str, Any]:
    """How the site's own cookies are set: HttpOnly, SameSite=Lax, Secure when configured."""
    return {
        "httponly": True,
        "samesite": "lax",
        "secure": settings_of(request).secure_cookies,
        "path": "/",
    }


@dataclass(frozen=True)
class HeaderInfo:
    """What the header shows a signed-in person: unread notifications, the review queue link,
    and whether they are suspended; and what the site offers them (`caps`)."""

    unread: int = 0
    moderator: bool = False
    suspended: bool = False
    caps: permissions.SiteCaps = permissions.SiteCaps()


async def header_info(user: User | None) -> HeaderInfo:
    if user is None:
        return HeaderInfo()
    caps = permissions.site_caps(await permissions.reader(user), user)
    return HeaderInfo(
        unread=await notifications.unread_count(user),
        moderator=caps.moderates_somewhere,
        suspended=caps.suspended,
        caps=caps,
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


# Rendering, flashes and redirects


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
            flash = flash_serializer(request).loads(request.cookies[FLASH_COOKIE])
        except BadSignature:
            flash = None
    env: Environment = request.app.state.templates
    header = await header_info(auth.user)
    html = env.get_template(template).render(
        request=request,
        user=auth.user,
        csrf_token=csrf,
        flash=flash,
        path=request.url.path,
        header=header,
        site_caps=header.caps,
        live_since=request.app.state.hub.last_id,
        **(context or {}),
    )
    response = HTMLResponse(html, status_code=status)
    request.scope["chaupal.csrf_used"] = csrf.used
    if csrf.new_anon:
        response.set_cookie(ANON_COOKIE, csrf.new_anon, max_age=86400 * 30, **cookie_args(request))
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
        value = flash_serializer(request).dumps({"message": message, "kind": kind})
        response.set_cookie(FLASH_COOKIE, value, max_age=60, **cookie_args(request))
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


ERROR_TITLES = {
    400: "That request did not make sense",
    401: "Please sign in",
    403: "You cannot do that here",
    404: "Page not found",
    409: "That clashes with something that exists",
    413: "That is too large",
    422: "Please check what you entered",
    500: "Something went wrong",
}


async def error_page(request: Request, exc: DomainError) -> Response:
    if isinstance(exc, NotSignedIn) and request.method == "GET":
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    try:
        response = await render(
            request,
            "error.html",
            {
                "title": ERROR_TITLES.get(exc.status, "Request failed"),
                "error": exc,
                "offer_sign_in": asks_to_sign_in(exc),
            },
            exc.status,
        )
        response.headers.update(error_headers(exc) or {})
        return response
    except Exception:  # the error page must never fail: fall back to plain text
        return HTMLResponse(f"<h1>{exc.status}</h1><p>{exc.message}</p>", status_code=exc.status)


# Who is asking, and what they posted


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
    """The form of a POST, once its CSRF token and Origin are checked."""
    user, auth = await page_actor(request)
    form = await read_form(request)
    require_csrf(request, auth, str(form.get("csrf_token") or ""))
    return user, form


def signed_in(user: User | None, doing: str) -> User:
    return permissions.require_signed_in(user, doing)


def form_text(form: FormData, name: str) -> str:
    """A text field of a posted form ("" when missing or a file)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""
