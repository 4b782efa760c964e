"""Chaupal: the app factory and the command line.

python server.py serve [--host H] [--port P] [--workers N] [--log-level info|warning|debug]
python server.py migrate
python server.py create-admin USERNAME --email E   (password: CHAUPAL_ADMIN_PASSWORD or stdin)
python server.py seed-demo
python server.py send-reminders
python server.py import-courses FILE [--format csv|json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import os
import socket
import sys
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from whoosh.index import LockError

import forum.web.accounts
import forum.web.api.accounts
import forum.web.api.communities
import forum.web.api.courses
import forum.web.api.events
import forum.web.api.health
import forum.web.api.invites
import forum.web.api.posts
import forum.web.api.search
import forum.web.api.social
import forum.web.api.threads
import forum.web.communities
import forum.web.courses
import forum.web.events
import forum.web.home
import forum.web.invites
import forum.web.posts
import forum.web.request_log
import forum.web.search
import forum.web.social
import forum.web.threads
import forum.web.ws
from forum import db
from forum.errors import DomainError
from forum.events import reminders
from forum.live import Hub, PokeAfterWrites
from forum.settings import Settings
from forum.web.http import (
    SECURITY_HEADER_FIELDS,
    Guard,
    TrustedProxies,
    error_json,
    http_error_as_domain,
    is_api,
    log,
)
from forum.web.render import error_page, make_templates
from forum.web.routing import SegmentRouter
from forum.web.static import CachedStaticFiles
from moderation import api as moderation_api
from moderation import pages as moderation_pages
from moderation.limits import make_limiter
from search import catalogue, maintenance
from search.course_index import WhooshCourseIndex
from search.whoosh_index import WhooshIndex
from search.writer import OutboxWriter

HERE = os.path.dirname(os.path.abspath(__file__))

# The modules of routes, one per area: the JSON API, the pages, and the live socket.
AREAS = (
    forum.web.api.health,
    forum.web.api.accounts,
    forum.web.api.communities,
    forum.web.api.threads,
    forum.web.api.posts,
    forum.web.api.search,
    forum.web.api.social,
    forum.web.api.events,
    forum.web.api.courses,
    forum.web.api.invites,
    moderation_api,
    forum.web.home,
    forum.web.communities,
    forum.web.threads,
    forum.web.posts,
    forum.web.accounts,
    forum.web.search,
    forum.web.social,
    forum.web.events,
    forum.web.courses,
    forum.web.invites,
    moderation_pages,
    forum.web.ws,
)


def all_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = [route for area in AREAS for route in area.routes]
    static = CachedStaticFiles(directory=os.path.join(HERE, "static"))
    return [*routes, Mount("/static", static, name="static")]


def create_app(settings: Settings) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await db.open_database(settings.database_url, migrate=settings.migrate_on_start)
        index = await maintenance.open_index(settings.index_dir)
        writer = OutboxWriter(index)
        app.state.search = index
        app.state.search_writer = writer
        course_index = WhooshCourseIndex(settings.course_index_dir)
        app.state.courses = course_index
        course_sync = asyncio.create_task(_sync_courses(course_index), name="course-index-sync")
        hub = Hub(settings.redis_url)
        await hub.start()
        app.state.hub = hub
        digests = asyncio.create_task(_digest_loop(settings)) if settings.smtp_url else None
        event_reminders = (
            asyncio.create_task(reminders.run(settings.reminder_every, _reminder_mailer(settings)))
            if settings.reminder_every > 0
            else None
        )
        app.state.limiter = (
            make_limiter(settings.redis_url, settings.rate_limits)
            if settings.rate_limits_enabled
            else None
        )
        writer.start()
        try:
            yield
        finally:
            for task in (digests, event_reminders):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            await hub.stop()
            await writer.stop()
            course_sync.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await course_sync
            course_index.close()
            index.close()
            await db.close_database()

    async def domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        if is_api(request):
            return error_json(exc)
        return await error_page(request, exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return await domain_error(request, http_error_as_domain(exc))

    async def client_gone(request: Request, exc: Exception) -> Response:
        # The client hung up before sending its whole body: nobody is left to answer, and
        # nothing went wrong on this side.
        log.info("client went away mid-request: %s %s", request.method, request.url.path)
        return Response(status_code=400)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        error = DomainError(
            "Something went wrong on our side. Please try again.", code="server_error"
        )
        error.status = 500
        response = await domain_error(request, error)
        # Starlette sends this answer from outside every middleware: the Guard's headers too.
        response.headers.update(SECURITY_HEADER_FIELDS)
        return response

    app = Starlette(
        middleware=[
            # Only when its lines would be written (`serve --log-level info` or debug): otherwise
            # not even the few microseconds of watching each request.
            *(
                [Middleware(forum.web.request_log.RequestLog)]
                if forum.web.request_log.log.isEnabledFor(logging.INFO)
                else []
            ),
            *(
                [Middleware(TrustedProxies, trusted=settings.forwarded_allow_ips)]
                if settings.forwarded_allow_ips
                else []
            ),
            Middleware(Guard, max_body_bytes=settings.max_body_bytes),
            Middleware(PokeAfterWrites),
        ],
        exception_handlers={
            DomainError: domain_error,
            HTTPException: http_error,
            ClientDisconnect: client_gone,
            Exception: server_error,
        },
    )
    # Starlette's Router, finding a request's route among the few that could match its path
    # (forum/web/routing.py) rather than trying each in turn.
    app.router = SegmentRouter(all_routes(), lifespan=lifespan)
    app.state.settings = settings
    app.state.templates = make_templates(settings)
    return app


async def _sync_courses(index: WhooshCourseIndex) -> None:
    """Brings the course index in line with the database once the app has started (a change
    committed just before a crash, or an index written by another release)."""
    try:
        await catalogue.sync(index)
    except LockError:
        pass  # another worker is writing it: that one syncs
    except Exception:
        log.exception("syncing the course index failed; it is retried at the next start")


async def _digest_loop(settings: Settings) -> None:
    from forum import digests

    assert settings.smtp_url is not None
    while True:
        await asyncio.sleep(settings.digest_every)
        try:
            await digests.send_due(
                settings.smtp_url, site_url=settings.site_url, sender=settings.mail_from
            )
        except Exception:
            log.exception("sending email digests failed; will retry")


def _reminder_mailer(settings: Settings) -> reminders.Mailer | None:
    if not settings.smtp_url:
        return None
    return reminders.smtp_mailer(
        settings.smtp_url, sender=settings.mail_from, site_url=settings.site_url
    )


# The command line


def _settings() -> Settings:
    return Settings.from_env(os.environ)


async def _with_db(settings: Settings, work: object) -> None:
    await db.open_database(settings.database_url, migrate=True)
    try:
        await work  # type: ignore[misc]
    finally:
        await db.close_database()


# Live messages are small JSON fanned out to many sockets: compressing each one per connection
# cost the server more than sending it (about a sixth of its time at 1,000 readers).
WEBSOCKETS: dict[str, Any] = {"ws": "websockets-sansio", "ws_per_message_deflate": False}
# Forwarded headers are read by the app (forum/web/http.py's TrustedProxies), from the proxies in
# CHAUPAL_FORWARDED_ALLOW_IPS only: uvicorn's own reading trusts 127.0.0.1 unless told otherwise.
PROXY_HEADERS: dict[str, Any] = {"proxy_headers": False}


LOG_DATE = "%Y-%m-%d %H:%M:%S"


def log_config(level_name: str) -> dict[str, Any]:
    """Logging for `serve`, applied by uvicorn in every worker: Chaupal's own lines at the
    chosen level, one line per request (forum/web/request_log.py, at info and below) in place of
    uvicorn's access log, and uvicorn's and Tortoise's start-up chatter only at debug and below."""
    from uvicorn.config import LOG_LEVELS

    level = LOG_LEVELS[level_name]
    quiet = level if level < logging.INFO else max(level, logging.WARNING)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {
                "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
                "datefmt": LOG_DATE,
            },
            "request": {"format": "%(asctime)s %(message)s", "datefmt": LOG_DATE},
        },
        "handlers": {
            "plain": {"class": "logging.StreamHandler", "formatter": "plain"},
            "request": {"class": "logging.StreamHandler", "formatter": "request"},
        },
        "loggers": {
            "chaupal.requests": {"handlers": ["request"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["plain"], "level": quiet, "propagate": False},
            "uvicorn.error": {"level": quiet},
            "uvicorn.access": {"handlers": [], "level": quiet, "propagate": False},
            "tortoise": {"level": quiet},
        },
        "root": {"handlers": ["plain"], "level": level},
    }


def ready_line(url: str, settings: Settings, hint: str | None, workers: int = 1) -> str:
    """The one line `serve` prints once it is listening."""
    details = [f"data in {settings.data_dir}"]
    if hint:
        details.append(f"sign in as {hint}")
    served = f" with {workers} workers" if workers > 1 else ""
    return f"Chaupal is serving {url}{served} ({'; '.join(details)})"


def listening_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def _prepare_to_serve(settings: Settings) -> str | None:
    """Migrates once (so several workers do not race to do it) and finds the demo's sign-in."""
    from forum import demo

    await db.open_database(settings.database_url, migrate=True)
    try:
        return await demo.sign_in_hint()
    finally:
        await db.close_database()


def cmd_serve(args: argparse.Namespace) -> int:
    import logging.config

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    settings = _settings()
    logging.config.dictConfig(log_config(args.log_level))
    hint = asyncio.run(_prepare_to_serve(settings))
    os.environ["CHAUPAL_MIGRATE_ON_START"] = "false"
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_config": log_config(args.log_level),
        "log_level": None,  # the levels are log_config's
        "access_log": False,  # forum/web/request_log.py writes one line per request
        **PROXY_HEADERS,
        **WEBSOCKETS,
    }

    def announce(port: int, workers: int = 1) -> None:
        print(ready_line(listening_url(args.host, port), settings, hint, workers), flush=True)

    if args.workers > 1:
        # As uvicorn.run() does for workers, with the line printed once the socket listens
        # (connections wait in its backlog while the workers start).
        config = uvicorn.Config(
            "server:app_from_env", factory=True, workers=args.workers, **options
        )
        sock = config.bind_socket()
        announce(sock.getsockname()[1], args.workers)
        Multiprocess(config, sockets=[sock]).run()
        return 0

    class Announcing(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started and not self.should_exit:
                announce(self.servers[0].sockets[0].getsockname()[1])

    app = create_app(settings.with_(migrate_on_start=False))
    server = Announcing(uvicorn.Config(app, **options))
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0 if server.started else 1


def app_from_env() -> Starlette:
    return create_app(Settings.from_env(os.environ))


def cmd_migrate(args: argparse.Namespace) -> int:
    asyncio.run(_with_db(_settings(), asyncio.sleep(0)))
    print("Database is up to date.")
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    from forum import accounts
    from forum.errors import DomainError

    password = os.environ.get("CHAUPAL_ADMIN_PASSWORD")
    if not password:
        password = (
            getpass.getpass("Password: ")
            if sys.stdin.isatty()
            else sys.stdin.readline().rstrip("\n")
        )

    async def work() -> None:
        user = await accounts.create_admin(args.username, args.email, password or "")
        print(f"Admin '{user.username}' is ready.")

    try:
        asyncio.run(_with_db(_settings(), work()))
    except DomainError as exc:
        details = "; ".join(f"{k} {v}" for k, v in exc.fields.items())
        print(f"error: {exc.message} {details}".strip(), file=sys.stderr)
        return 2
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from forum import demo

    settings = _settings()

    async def work() -> None:
        index = WhooshIndex(settings.index_dir)
        course_index = WhooshCourseIndex(settings.course_index_dir)
        try:
            print(await demo.seed(search_index=index, course_index=course_index))
        finally:
            course_index.close()
            index.close()

    asyncio.run(_with_db(settings, work()))
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    settings = _settings()

    async def work() -> None:
        index = WhooshIndex(settings.index_dir)
        try:
            count, seconds = await maintenance.reindex(index, procs=args.procs)
        finally:
            index.close()
        print(
            f"Indexed {count} documents in {seconds:.1f} s ({count / max(seconds, 1e-6):,.0f}/s)."
        )

    asyncio.run(_with_db(settings, work()))
    return 0


def cmd_check_index(args: argparse.Namespace) -> int:
    settings = _settings()
    drift = maintenance.Drift()

    async def work() -> None:
        nonlocal drift
        index = WhooshIndex(settings.index_dir)
        try:
            drift = await maintenance.check(index, repair=args.repair)
        finally:
            index.close()

    asyncio.run(_with_db(settings, work()))
    for name in ("missing", "stale", "extra"):
        items = getattr(drift, name)
        sample = ", ".join(items[:10]) + (" ..." if len(items) > 10 else "")
        print(f"{name}: {len(items)}" + (f" ({sample})" if items else ""))
    if drift.clean:
        print("The index matches the database.")
        return 0
    if args.repair:
        print(
            "Repaired: missing and stale threads are queued for the writer; extra documents removed."
        )
        return 0
    print("Run with --repair to fix.")
    return 1


def cmd_import_courses(args: argparse.Namespace) -> int:
    import time

    from forum import course_import, progress
    from forum.errors import DomainError

    settings = _settings()
    try:
        with open(args.file, "rb") as handle:
            text = course_import.decode(handle.read())
    except OSError as exc:
        print(f"error: {exc.strerror}: {args.file}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    report = course_import.Report()
    started = time.monotonic()

    def shown(unit: str) -> Any:
        began = time.monotonic()

        def show(done: int, total: int) -> None:
            if total >= 1000:
                progress.bar(sys.stderr, done, total, began, unit)
                if done >= total:
                    sys.stderr.write("\n")

        return show

    async def work() -> None:
        nonlocal report
        index = WhooshCourseIndex(settings.course_index_dir)
        try:
            report = await course_import.import_text(
                None,
                text,
                fmt=args.format,
                filename=args.file,
                index=index,
                progress=shown("rows"),
                index_progress=shown("courses indexed"),
            )
        finally:
            index.close()

    try:
        asyncio.run(_with_db(settings, work()))
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(f"{report.summary()} Took {time.monotonic() - started:.1f} s.")
    for problem in report.errors:
        print(f"  {problem}")
    return 1 if report.errors else 0


def cmd_send_digests(args: argparse.Namespace) -> int:
    from forum import digests

    settings = _settings()
    if not settings.smtp_url:
        print("error: set CHAUPAL_SMTP_URL (e.g. smtp://127.0.0.1:25)", file=sys.stderr)
        return 2
    smtp_url = settings.smtp_url

    async def work() -> None:
        count = await digests.send_due(
            smtp_url, site_url=settings.site_url, sender=settings.mail_from
        )
        print(f"Sent {count} digest(s).")

    asyncio.run(_with_db(settings, work()))
    return 0


def cmd_send_reminders(args: argparse.Namespace) -> int:
    settings = _settings()
    sent: list[reminders.Sent] = []

    async def work() -> None:
        sent.extend(await reminders.send_due(mailer=_reminder_mailer(settings)))

    asyncio.run(_with_db(settings, work()))
    people = sum(len(s.told) for s in sent)
    print(f"Sent {len(sent)} event reminder(s) to {people} people.")
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("tortoise").setLevel(logging.WARNING)  # not its start and stop
    parser = argparse.ArgumentParser(prog="server.py", description="Chaupal forum")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--log-level",
        default="info",
        choices=("critical", "error", "warning", "info", "debug", "trace"),
        help="info (default): one line per request; warning: problems only",
    )
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="create or upgrade the database schema").set_defaults(
        func=cmd_migrate
    )

    admin = sub.add_parser("create-admin", help="create a site administrator")
    admin.add_argument("username")
    admin.add_argument("--email", required=True)
    admin.set_defaults(func=cmd_create_admin)

    sub.add_parser("seed-demo", help="load demo communities, people and threads").set_defaults(
        func=cmd_seed_demo
    )

    reindex = sub.add_parser("reindex", help="rebuild the search index from the database")
    reindex.add_argument(
        "--procs",
        type=int,
        default=min(os.cpu_count() or 1, 4),
        choices=range(1, 17),
        metavar="N",
        help="indexing processes (default: the CPUs, at most 4)",
    )
    reindex.set_defaults(func=cmd_reindex)
    check = sub.add_parser("check-index", help="compare the search index with the database")
    check.add_argument(
        "--repair", action="store_true", help="queue missing documents, drop extra ones"
    )
    check.set_defaults(func=cmd_check_index)

    courses = sub.add_parser(
        "import-courses", help="add or update catalogue courses from a CSV or JSON file"
    )
    courses.add_argument("file")
    courses.add_argument("--format", choices=("csv", "json"), help="default: from the file")
    courses.set_defaults(func=cmd_import_courses)

    sub.add_parser("send-digests", help="email unread-notification digests now").set_defaults(
        func=cmd_send_digests
    )

    sub.add_parser(
        "send-reminders", help="send the event reminders that are due now (serve does it too)"
    ).set_defaults(func=cmd_send_reminders)

    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
