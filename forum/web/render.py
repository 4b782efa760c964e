"""What every page shares: the template environment and its filters, render() and redirect(),
flash messages, the CSRF token a form carries, the header's counts, form helpers and the HTML
error page. The page routes (forum/web/*.py, moderation/pages.py) all render through here."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
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

# Slots: what a rendering shared by several readers leaves for each one (their CSRF token,
# account menu, name, the reactions they gave), filled in per request by `fill`. A slot holds
# NUL characters, which no text from outside can (forms, JSON and addresses refuse them), and
# a random part, so nothing written on the site can pose as one.
_MARK = f"\x00{security.new_token()[:12]}:"
_SLOT = re.compile(re.escape(_MARK) + r"([a-z_]+):([^\x00]*)\x00")


def slot(name: str, arg: str = "") -> Markup:
    return Markup(f"{_MARK}{name}:{arg}\x00")  # noqa: S704 - made here, of a random mark


CSRF_SLOT = slot("csrf")


class _SlotToken:
    __slots__ = ()

    def __str__(self) -> str:
        return CSRF_SLOT

    __html__ = __str__


class SharedReader:
    """The reader, in a rendering made for every reader of a kind: `{% if user %}` holds,
    their id and names are slots, and any other fact about them has no place there (reading
    one is an error, so a template cannot put one person's detail in a shared page)."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return True

    @property
    def id(self) -> Markup:
        return slot("user_id")

    @property
    def username(self) -> Markup:
        return slot("username")

    @property
    def display_name(self) -> Markup:
        return slot("display_name")

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"a page shared by several readers read user.{name}")


class ReactionMarks:
    """Which reactions the reader gave, as the post stream marks them (a pressed button)."""

    __slots__ = ("mine",)

    def __init__(self, mine: Mapping[int, Iterable[str]]) -> None:
        self.mine = mine

    def css(self, post_id: int, kind: str) -> str:
        return " is-mine" if kind in self.mine.get(post_id, ()) else ""

    def pressed(self, post_id: int, kind: str) -> str:
        return "true" if kind in self.mine.get(post_id, ()) else "false"


class SharedReactionMarks(ReactionMarks):
    """The same marks as slots, for a post stream several readers share."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__({})

    def css(self, post_id: int, kind: str) -> str:
        return slot("react_css", f"{post_id}.{kind}")

    def pressed(self, post_id: int, kind: str) -> str:
        return slot("react_pressed", f"{post_id}.{kind}")


@dataclass
class Personal:
    """One request's own parts of a page: who is asking, their CSRF token, header counts and
    flash message, and the newest live event id (where the page's live updates resume)."""

    request: Request
    auth: Auth
    csrf: CsrfToken
    flash: dict[str, str] | None
    header: HeaderInfo
    live_since: int
    reactions: ReactionMarks

    @property
    def user(self) -> User | None:
        return self.auth.user


async def personal(request: Request) -> Personal:
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
    return Personal(
        request,
        auth,
        csrf,
        flash,
        await header_info(auth.user),
        request.app.state.hub.last_id,
        ReactionMarks({}),
    )


def _values(me: Personal) -> dict[str, Any]:
    return {
        "user": me.user,
        "header": me.header,
        "flash": me.flash,
        "path": me.request.url.path,
        "csrf_token": me.csrf,
    }


_ACCOUNT_MENUS_MAX = 2_000  # kept per app: the menus rendered lately


def account_menu(me: Personal) -> Markup:
    """The header's account links for this reader."""
    user, header = me.user, me.header
    token = str(me.csrf) if user is not None else ""
    key = (
        user.id if user else None,
        user.username if user else None,
        user.display_name if user else None,
        header.unread,
        header.moderator,
        me.request.url.path,
        token,
    )
    state = me.request.app.state
    menus: dict[tuple[object, ...], Markup] | None = getattr(state, "account_menus", None)
    if menus is None:
        menus = state.account_menus = {}
    found = menus.get(key)
    if found is None:
        env: Environment = state.templates
        found = Markup(env.get_template("_account_menu.html").render(_values(me)))  # noqa: S704
        if len(menus) >= _ACCOUNT_MENUS_MAX:
            menus.clear()
        menus[key] = found
    return found


def notices(me: Personal) -> Markup:
    """The reader's suspension and flash message, under the header (mostly nothing)."""
    if not me.flash and not me.header.suspended:
        return Markup()
    env: Environment = me.request.app.state.templates
    return Markup(env.get_template("_notices.html").render(_values(me)))  # noqa: S704


def _page_values(me: Personal, shared: bool) -> dict[str, Any]:
    """What every page template sees besides its own context: for a shared rendering, the
    reader's parts are slots."""
    request = me.request
    common = {"request": request, "path": request.url.path, "site_caps": me.header.caps}
    if shared:
        return {
            **common,
            "user": SharedReader() if me.user is not None else None,
            "csrf_token": _SlotToken(),
            "header": None,
            "flash": None,
            "live_since": slot("live"),
            "account_menu": slot("account"),
            "notices": slot("notices"),
            "reaction_marks": SharedReactionMarks(),
        }
    return {
        **common,
        "user": me.user,
        "csrf_token": me.csrf,
        "header": me.header,
        "flash": me.flash,
        "live_since": me.live_since,
        "account_menu": account_menu(me),
        "notices": notices(me),
        "reaction_marks": me.reactions,
    }


def render_page(me: Personal, template: str, context: dict[str, Any], *, shared: bool) -> str:
    """A page's HTML: for this reader, or (shared) for every reader of a kind, with slots."""
    env: Environment = me.request.app.state.templates
    rendering = _RENDERING_CSRF.set(_SlotToken() if shared else me.csrf)
    try:
        values = _page_values(me, shared)
        # A shared rendering's personal values are always the slots, whatever the context says.
        both = {**context, **values} if shared else {**values, **context}
        return env.get_template(template).render(both)
    finally:
        _RENDERING_CSRF.reset(rendering)


# What a reaction slot holds until the reader's reactions are known: not given.
_REACTION_DEFAULT = {"react_css": "", "react_pressed": "false"}
_REACTION_GIVEN = {"react_css": " is-mine", "react_pressed": "true"}


@dataclass(frozen=True, slots=True)
class Skeleton:
    """A shared rendering cut at its slots, so filling it in touches only the slots: `parts`
    is the text with each slot's place holding "" (a reaction's, the value for "not given"),
    and the rest say which places are which."""

    parts: tuple[str, ...]
    csrf: tuple[int, ...]  # places of the reader's CSRF token
    reactions: Mapping[int, tuple[tuple[int, str, str], ...]]  # post id -> (place, kind, slot)
    others: tuple[tuple[int, str], ...]  # (place, slot name)
    memo_size: int  # what forum/web/page_cache.py's memos count it as


def skeleton(html: str) -> Skeleton:
    parts: list[str] = []
    csrf: list[int] = []
    reactions: dict[int, list[tuple[int, str, str]]] = {}
    others: list[tuple[int, str]] = []
    at = 0
    for found in _SLOT.finditer(html):
        parts.append(html[at : found.start()])
        name, arg = found.group(1), found.group(2)
        place = len(parts)
        if name == "csrf":
            csrf.append(place)
            parts.append("")
        elif name in _REACTION_DEFAULT:
            post_id, _, kind = arg.partition(".")
            reactions.setdefault(int(post_id), []).append((place, kind, name))
            parts.append(_REACTION_DEFAULT[name])
        elif name in _PERSONAL_SLOTS:
            others.append((place, name))
            parts.append("")
        else:
            raise ValueError(f"unknown slot {name!r}")
        at = found.end()
    parts.append(html[at:])
    return Skeleton(
        tuple(parts),
        tuple(csrf),
        {post_id: tuple(places) for post_id, places in reactions.items()},
        tuple(others),
        memo_size=len(html) + 64 * len(parts),
    )


_PERSONAL_SLOTS = frozenset({"live", "account", "notices", "user_id", "username", "display_name"})


def fill(kept: Skeleton, me: Personal) -> str:
    """A skeleton with this reader's parts in its slots."""
    out = list(kept.parts)
    if kept.csrf:
        token = str(me.csrf)
        for place in kept.csrf:
            out[place] = token
    if kept.reactions:
        for post_id, kinds in me.reactions.mine.items():
            for place, kind, name in kept.reactions.get(post_id, ()):
                if kind in kinds:
                    out[place] = _REACTION_GIVEN[name]
    user = me.user
    for place, name in kept.others:
        if name == "live":
            out[place] = str(me.live_since)
        elif name == "account":
            out[place] = account_menu(me)
        elif name == "notices":
            out[place] = notices(me)
        elif user is None:
            out[place] = ""
        elif name == "user_id":
            out[place] = str(user.id)
        else:  # username, display_name
            out[place] = str(escape(getattr(user, name)))
    return "".join(out)


def respond(me: Personal, html: str, status: int = 200) -> HTMLResponse:
    """The page's response, with the cookies and headers its reader's parts need."""
    request = me.request
    response = HTMLResponse(html, status_code=status)
    request.scope["chaupal.csrf_used"] = me.csrf.used
    if me.csrf.new_anon:
        response.set_cookie(
            ANON_COOKIE, me.csrf.new_anon, max_age=86400 * 30, **cookie_args(request)
        )
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/")
    if me.user is not None:
        response.headers["cache-control"] = "private, no-store"
    return response


async def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    me = await personal(request)
    return respond(me, render_page(me, template, context or {}, shared=False), status)


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
