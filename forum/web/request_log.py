"""One readable line per request, in place of uvicorn's access log: method, path, status and
milliseconds (`GET /t/7?page=2 200 4.1 ms`). Secrets never reach the log: cookies and headers
are not written, and the values of query parameters that carry credentials (`?token=` of a
websocket, `?key=` of a calendar feed) are replaced by `[hidden]`. Static files and health
checks are logged at DEBUG, everything else at INFO."""

from __future__ import annotations

import logging
import time
from urllib.parse import unquote_plus

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("chaupal.requests")

# Query parameters whose values are credentials (compared lower-cased).
SECRET_PARAMS = frozenset(
    {"token", "key", "password", "secret", "csrf_token", "access_token", "api_key", "session"}
)
HIDDEN = "[hidden]"
QUIET_PATHS = frozenset({"/healthz", "/favicon.ico"})
QUIET_PREFIXES = ("/static/",)
MAX_TARGET = 300  # characters of path and query shown


def _printable(raw: bytes) -> str:
    """The bytes as visible ASCII, anything else percent-escaped (no line breaks or terminal
    control sequences from a client reach the log)."""
    return "".join(chr(b) if 0x21 <= b <= 0x7E else f"%{b:02X}" for b in raw)


def shown_query(query: bytes) -> str:
    """The query string with the values of SECRET_PARAMS hidden."""
    parts = []
    for part in query.split(b"&"):
        name, eq, value = part.partition(b"=")
        if value and unquote_plus(name.decode("latin-1")).strip().lower() in SECRET_PARAMS:
            part = name + eq + HIDDEN.encode()
        parts.append(_printable(part))
    return "&".join(parts)


def shown_target(scope: Scope) -> str:
    """Path and query as the log shows them."""
    raw_path = scope.get("raw_path") or scope.get("path", "").encode("utf-8")
    target = _printable(raw_path.partition(b"?")[0])
    query = scope.get("query_string", b"")
    if query:
        target += "?" + shown_query(query)
    if len(target) > MAX_TARGET:
        target = target[: MAX_TARGET - 3] + "..."
    return target


def line(method: str, target: str, code: int | None, ms: float) -> str:
    return f"{method} {target} {code if code is not None else '-'} {ms:.1f} ms"


def level_for(path: str) -> int:
    return logging.DEBUG if path in QUIET_PATHS or path.startswith(QUIET_PREFIXES) else logging.INFO


class RequestLog:
    """Pure ASGI middleware writing `line()` for each request when it is answered; a websocket
    is logged when its handshake is answered (101 accepted, 403 refused), as `WS /ws ...`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        level = level_for(scope.get("path", ""))
        if not log.isEnabledFor(level):
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET") if kind == "http" else "WS"
        started = time.perf_counter()
        code: int | None = None
        logged = False

        def write() -> None:
            nonlocal logged
            if not logged:
                logged = True
                ms = (time.perf_counter() - started) * 1000
                log.log(level, line(method, shown_target(scope), code, ms))

        async def watch(message: Message) -> None:
            nonlocal code
            event = message["type"]
            if event in ("http.response.start", "websocket.http.response.start"):
                code = message["status"]
            elif event == "websocket.accept":
                code = 101
                write()
            elif event == "websocket.close" and code is None:
                code = 403
                write()
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except BaseException:
            if code is None and kind == "http":
                code = 500
            raise
        finally:
            write()
