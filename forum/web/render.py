"""What every page shares: the template environment and its filters, render() and redirect(),
flash messages, the CSRF token a form carries, the header's counts, form helpers and the HTML
error page. The page routes (forum/web/*.py, moderation/pages.py) all render through here."""

from __future__ import annotations

import os
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from forum import accounts, communities, courses, markup, notifications, permissions, security
from forum.errors import Conflict, DomainError, Invalid, NotSignedIn, TooLarge, TooManyRequests
from forum.events import organise as event_organise
from forum.events import times as event_times
from forum.language import lang_attribute
from forum.models import User
from forum.settings import Settings
from forum.web.http import (
    ANON_COOKIE,
    SAFE_METHODS,
    Auth,
    asks_to_sign_in,
    authenticate,
    error_headers,
    own_origin,
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


# The CSRF token of the page being rendered, for macros.html's csrf(): macros are imported
# without the page's context (so Jinja keeps one module of them instead of building it anew
# for every page), and read it here. Set around each render, which runs without awaiting.
_RENDERING_CSRF: ContextVar[object] = ContextVar("chaupal_rendering_csrf", default="")


def current_csrf() -> object:
    return _RENDERING_CSRF.get()


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
        current_csrf=current_csrf,
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

# What a fragment rendered for several readers (forum/web/threads.py) carries where each
# reader's CSRF token goes; render() puts the token there. It holds NUL characters, which no
# text from outside can (forms, JSON and addresses refuse them), and a random part.
CSRF_SLOT = f"\x00csrf-{security.new_token()[:12]}\x00"


class _SlotToken:
    __slots__ = ()

    def __str__(self) -> str:
        return CSRF_SLOT

    __html__ = __str__


def render_fragment(request: Request, template: str, context: dict[str, Any]) -> Markup:
    """A part of a page that may be shared by readers for whom it is the same: it sees no
    request, user, flash or header, and its forms carry CSRF_SLOT for render() to fill."""
    env: Environment = request.app.state.templates
    slot = _SlotToken()
    token = _RENDERING_CSRF.set(slot)
    try:
        html = env.get_template(template).render(csrf_token=slot, **context)
    finally:
        _RENDERING_CSRF.reset(token)
    return Markup(html)  # noqa: S704 - rendered by the autoescaping environment


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
    rendering = _RENDERING_CSRF.set(csrf)
    try:
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
    finally:
        _RENDERING_CSRF.reset(rendering)
    if CSRF_SLOT in html:
        html = html.replace(CSRF_SLOT, str(csrf))
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
    request: Request,
    url: str,
    message: str | None = None,
    kind: str = "success",
    *,
    sent: str | None = None,
) -> Response:
    """A 303 to url, with a message for the next page. `sent` names the browser draft the
    next page may forget (static/drafts.js): what was written there is now on the site."""
    response = RedirectResponse(url, status_code=303)
    if message or sent:
        flash: dict[str, str] = {"message": message or "", "kind": kind}
        if sent:
            flash["sent"] = sent
        value = flash_serializer(request).dumps(flash)
        response.set_cookie(FLASH_COOKIE, value, max_age=60, **cookie_args(request))
    return response


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths are followed after signing in or joining (`default` otherwise)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not parts.path.startswith("/")
        or parts.path.startswith("//")
    ):
        return default
    query = f"?{parts.query}" if parts.query else ""
    return parts.path + query + (f"#{parts.fragment}" if parts.fragment else "")


# Forms refused: shown again with what was typed and the reason beside it

# What a form that keeps what was typed catches: bad fields (422), a clash such as the same text
# posted twice (409), too many posts too fast (429).
REFUSED = (Invalid, Conflict, TooManyRequests)


def try_again_in(seconds: int) -> str:
    """A 429's Retry-After in words: "Try again in 40 seconds" (minutes or hours when longer)."""
    seconds = max(1, int(seconds))
    for size, unit in ((3600, "hours"), (60, "minutes")):
        if seconds >= 2 * size:
            return f"Try again in {-(-seconds // size)} {unit}"  # rounded up, never too soon
    return f"Try again in {seconds} second{'s' if seconds != 1 else ''}"


def form_errors(exc: DomainError, field: str = "form") -> dict[str, str]:
    """The inline messages of a refused form: the fields that need attention, or one message
    for the whole form (`field` names where an Invalid without fields belongs)."""
    if isinstance(exc, TooManyRequests):
        return {
            "form": "You are sending faster than this site allows, so this was not sent yet. "
            f"What you wrote is kept here. {try_again_in(exc.retry_after)}."
        }
    if exc.fields:
        return dict(exc.fields)
    return {field if isinstance(exc, Invalid) else "form": exc.message}


async def render_refused(
    request: Request, template: str, context: dict[str, Any], exc: DomainError
) -> HTMLResponse:
    """A form again after the service refused it: the refusal's status (and Retry-After)."""
    response = await render(request, template, context, exc.status)
    response.headers.update(error_headers(exc) or {})
    return response


def too_large_message(limit: int) -> str:
    return (
        f"What you sent is larger than this site accepts (over {limit // 1024} KiB), so it "
        "could not be kept here. Replies and new threads keep a draft in this browser: check "
        "the text in the form, shorten it and send it again."
    )


def referring_page(request: Request) -> str | None:
    """The page of this site a form was sent from (its path and query), if the browser said."""
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    if not referer or f"{parts.scheme}://{parts.netloc}" != own_origin(request):
        return None
    target = safe_next(parts.path + (f"?{parts.query}" if parts.query else ""), default="")
    return target or None


ERROR_TITLES = {
    400: "That request did not make sense",
    401: "Please sign in",
    403: "You cannot do that here",
    404: "Page not found",
    409: "That clashes with something that exists",
    413: "That is too large",
    422: "Please check what you entered",
    429: "Too many requests: please wait a little",
    500: "Something went wrong",
}


async def error_page(request: Request, exc: DomainError) -> Response:
    if isinstance(exc, NotSignedIn) and request.method == "GET":
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    if isinstance(exc, TooLarge) and request.method not in SAFE_METHODS:
        # The body was refused unread: back to the form it came from, which the browser's draft
        # (static/drafts.js) fills again, with the reason.
        back = referring_page(request)
        if back is not None:
            limit = settings_of(request).max_body_bytes
            return redirect(request, back, too_large_message(limit), "error")
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
