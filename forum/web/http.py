"""What the API and the pages share: who is asking, CSRF and Origin checks, bounded bodies,
security headers, and the one place domain errors become HTTP responses."""

from __future__ import annotations

import ipaddress
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forum import accounts, security, validation
from forum.errors import (
    BadRequest,
    DomainError,
    NotFound,
    NotSignedIn,
    PermissionDenied,
    TooLarge,
    TooManyRequests,
)
from forum.models import User
from forum.settings import Network, Settings
from forum.web import personal

log = logging.getLogger("chaupal")

SESSION_COOKIE = "chaupal_session"
ANON_COOKIE = "chaupal_anon"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
SECURITY_HEADER_FIELDS = {name.decode(): value.decode() for name, value in SECURITY_HEADERS}


class Guard:
    """Pure ASGI middleware: security headers on every response, a hard cap on body size, and no
    NUL character in the address (a path with one names nothing; a query with one is refused)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        limit = self.max_body_bytes
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit() or int(value) > limit:
                    # Refused unread: JSON for the API; a browser goes back to its form (see
                    # render.error_page).
                    await answer_error(
                        scope, _no_receive, _closing(send_with_headers), too_large(limit)
                    )
                    return
        refused = address_problem(scope)
        if refused is not None:
            await answer_error(scope, receive, send_with_headers, refused)
            return
        seen = 0

        async def bounded_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise too_large(limit)
            return message

        await self.app(scope, bounded_receive, send_with_headers)


def address_problem(scope: Scope) -> DomainError | None:
    """A NUL (%00) has no place in any path or query: no name, search or id contains one, and
    PostgreSQL cannot even compare text with it."""
    if "\x00" in scope["path"]:
        return NotFound("Nothing here. The address may be mistyped, or the page may have moved.")
    if b"%00" in scope.get("query_string", b""):
        return BadRequest("The address contains a NUL character (%00).", code="bad_query")
    return None


async def answer_error(scope: Scope, receive: Receive, send: Send, exc: DomainError) -> None:
    """Answers an error from outside the routes, the way the app answers one from inside them
    (JSON for API clients, the error page for browsers)."""
    handler = getattr(scope.get("app"), "exception_handlers", {}).get(DomainError)
    if handler is None:
        response: Response = error_json(exc)
    else:
        response = await handler(Request(scope, receive), exc)
    await response(scope, receive, send)


def too_large(limit: int) -> TooLarge:
    return TooLarge(f"The request body is larger than {limit // 1024} KiB.")


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def _closing(send: Send) -> Send:
    """An answer sent without reading the body ends the connection (what is left of the body
    would be read as the next request)."""

    async def closing_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), (b"connection", b"close")]
        await send(message)

    return closing_send


class TrustedProxies:
    """Pure ASGI middleware for running behind reverse proxies. When the peer is one of the
    trusted proxies (CHAUPAL_FORWARDED_ALLOW_IPS), the client is the address it reports in
    X-Forwarded-For (or, without that header, Forwarded), and the scheme the one it was reached
    by (X-Forwarded-Proto, or Forwarded's proto). Addresses are read from the right, each
    proxy having added the one it saw: the first that is not a trusted proxy is the client,
    and anything left of it is what the client wrote itself. From any other peer the headers
    mean nothing: the peer is the client."""

    def __init__(self, app: ASGIApp, trusted: tuple[Network, ...]) -> None:
        self.app = app
        self.trusted = trusted

    def trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        peer = scope.get("client")
        if scope["type"] in ("http", "websocket") and peer and self.trusts(peer[0]):
            hops, proto = forwarded(scope["headers"])
            client = self.client_of(hops)
            scope = dict(scope)
            if client is not None:
                scope["client"] = (client, 0)
            if proto in ("http", "https"):
                scope["scheme"] = proto if scope["type"] == "http" else proto.replace("http", "ws")
        await self.app(scope, receive, send)

    def client_of(self, hops: list[str | None]) -> str | None:
        for hop in reversed(hops):
            if hop is None:  # not an address: whoever wrote it, the proxies did not vouch for it
                return None
            if not self.trusts(hop):
                return hop
        return hops[0] if hops else None


def forwarded(headers: list[tuple[bytes, bytes]]) -> tuple[list[str | None], str | None]:
    """The client addresses the proxies reported, left to right (None for one that is not an
    address), and the scheme the nearest proxy reports: from X-Forwarded-For and
    X-Forwarded-Proto, or from Forwarded (RFC 7239) when there is no X-Forwarded-For."""
    x_for: list[str] = []
    x_proto: str | None = None
    elements: list[str] = []
    for name, value in headers:
        if name == b"x-forwarded-for":
            x_for += value.decode("latin-1").split(",")
        elif name == b"x-forwarded-proto":
            x_proto = value.decode("latin-1").split(",")[-1].strip().lower()
        elif name == b"forwarded":
            elements += value.decode("latin-1").split(",")
    if x_for or not elements:
        return [_address(hop) for hop in x_for], x_proto
    hops: list[str | None] = []
    proto = None
    for element in elements:
        pairs = {
            key.strip().lower(): value.strip().strip('"')
            for key, _, value in (pair.partition("=") for pair in element.split(";"))
        }
        hops.append(_address(pairs.get("for", "")))
        proto = pairs.get("proto", "").lower() or proto
    return hops, x_proto or proto


def _address(hop: str) -> str | None:
    """An IP address as proxies write it ("203.0.113.7", "203.0.113.7:5123", "[2001:db8::1]",
    "[2001:db8::1]:443", "2001:db8::1"), normalised; None for anything else."""
    hop = hop.strip().strip('"')
    if hop.startswith("["):
        hop = hop[1:].partition("]")[0]
    elif hop.count(":") == 1:
        hop = hop.partition(":")[0]
    try:
        return str(ipaddress.ip_address(hop))
    except ValueError:
        return None


@dataclass
class Auth:
    user: User | None
    via: str | None  # "token", "session" or None
    session_token: str | None = None


async def authenticate(request: Request) -> Auth:
    """Who is asking, resolved once per request: a bearer token wins over the session cookie."""
    cached: Auth | None = request.scope.get("chaupal.auth")
    if cached is not None:
        return cached
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotSignedIn("Use 'Authorization: Bearer <token>'.", code="bad_token")
        user = await accounts.user_for_token(token.strip())
        if user is None:
            raise NotSignedIn("That token is not valid.", code="bad_token")
        auth = Auth(user, "token")
    else:
        session_token = request.cookies.get(SESSION_COOKIE)
        user = await accounts.user_for_session(session_token) if session_token else None
        auth = Auth(user, "session" if user else None, session_token if user else None)
    if auth.user is not None:
        await personal.of(request).prime(auth.user)
    request.scope["chaupal.auth"] = auth
    return auth


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def origin_allowed(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        referer = request.headers.get("referer")
        if not referer:
            return False
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    origin = origin.rstrip("/")
    return origin == own_origin(request) or origin in settings_of(request).allowed_origins


def csrf_binding(request: Request, auth: Auth) -> str:
    """The cookie value a CSRF token is bound to: the session, or the anonymous visitor cookie."""
    return auth.session_token or request.cookies.get(ANON_COOKIE, "")


def require_same_origin(request: Request) -> None:
    if not origin_allowed(request):
        raise PermissionDenied("This request did not come from this site.", code="bad_origin")


def require_csrf(request: Request, auth: Auth, supplied: str | None) -> None:
    require_same_origin(request)
    if not security.csrf_valid(
        settings_of(request).secret_key, csrf_binding(request, auth), supplied or ""
    ):
        raise PermissionDenied(
            "The form has expired or did not come from this site. Reload the page and try again.",
            code="bad_csrf",
        )


async def api_actor(request: Request) -> User | None:
    """The API caller. A browser using the session cookie must also prove the request is its own."""
    auth = await authenticate(request)
    if auth.via == "session" and request.method not in SAFE_METHODS:
        require_csrf(request, auth, request.headers.get(CSRF_HEADER))
    if auth.user is None and settings_of(request).login_required and not _open_path(request):
        raise NotSignedIn("Sign in to use this site.")
    return auth.user


def _open_path(request: Request) -> bool:
    return request.url.path in ("/api/v1/auth/register", "/api/v1/auth/token", "/healthz")


MAX_JSON_DEPTH = 20  # the API's bodies are two levels deep (an object holding a list of tags)


async def read_json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    data = parse_json(raw)
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.", code="bad_json")
    return data


def parse_json(raw: bytes | str) -> Any:
    """JSON from outside: well formed, at most MAX_JSON_DEPTH deep, and every string in it (keys
    too) storable text. Anything else is a 400, never a RecursionError or a database error."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise BadRequest(_TOO_DEEP, code="bad_json") from None
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The body is not valid JSON.", code="bad_json") from None
    pending: list[tuple[Any, int]] = [(data, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if not validation.storable(value):
                raise BadRequest(_NOT_TEXT, code="bad_text")
        elif isinstance(value, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise BadRequest(_TOO_DEEP, code="bad_json")
            if isinstance(value, dict):
                pending.extend((key, depth) for key in value)
                pending.extend((item, depth + 1) for item in value.values())
            else:
                pending.extend((item, depth + 1) for item in value)
    return data


_TOO_DEEP = f"The JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels)."
_NOT_TEXT = "The request contains a NUL character or a lone surrogate code point: not text."


async def read_form(request: Request) -> FormData:
    # A field may fill the whole body the Guard allows: a 20,000-character post in Devanagari is
    # about 180 KB once form-encoded.
    limit = settings_of(request).max_body_bytes
    try:
        form = await request.form(max_files=0, max_fields=50, max_part_size=limit)
    except HTTPException as exc:
        raise BadRequest(str(exc.detail), code="bad_form") from None
    for name, value in form.multi_items():
        if not validation.storable(name) or (
            isinstance(value, str) and not validation.storable(value)
        ):
            raise BadRequest(_NOT_TEXT, code="bad_text")
    return form


def query_int(request: Request, name: str, default: int, *, low: int = 1, high: int = 100) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a whole number.", code="bad_query") from None
    if not low <= value <= high:
        raise BadRequest(f"'{name}' must be between {low} and {high}.", code="bad_query")
    return value


def path_int(request: Request, name: str) -> int:
    """Path ids: anything that is not a plain positive number is simply not found."""
    found = validation.object_id(str(request.path_params.get(name, "")))
    if found is None:
        raise NotFound("Not found.")
    return found


def error_json(exc: DomainError) -> JSONResponse:
    body: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.fields:
        body["fields"] = exc.fields
    return JSONResponse({"error": body}, status_code=exc.status, headers=error_headers(exc))


def asks_to_sign_in(exc: DomainError) -> bool:
    """Whether an error's answer is HTTP's "sign in first" (401)."""
    return exc.status == 401  # bookkeeping: an HTTP status code, not an access rule


def error_headers(exc: DomainError) -> dict[str, str] | None:
    if asks_to_sign_in(exc):
        return {"www-authenticate": "Bearer"}
    if isinstance(exc, TooManyRequests):
        return {"retry-after": str(exc.retry_after)}
    return None


def is_api(request: Request) -> bool:
    path = request.url.path
    return (
        path.startswith("/api/")
        or path == "/healthz"
        or "application/json" in request.headers.get("accept", "").split(",")[0]
    )


HTTP_CODES = {
    400: "bad_request",
    401: "not_signed_in",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "too_many_requests",
}


def http_error_as_domain(exc: HTTPException) -> DomainError:
    error = DomainError(
        str(exc.detail) if exc.detail else "Request failed.", code=HTTP_CODES.get(exc.status_code)
    )
    error.status = exc.status_code
    if exc.status_code == 404:
        error.message = "Nothing here. The address may be mistyped, or the page may have moved."
    return error


def json_response(data: Any, status: int = 200) -> Response:
    return JSONResponse(data, status_code=status)
