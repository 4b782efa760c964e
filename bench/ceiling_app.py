"""The ceiling for bench/pages.py: a bare Starlette app that returns one fixed HTML page.

    python bench/ceiling_app.py --page FILE [--host H] [--port P] [--workers N] [--log-level warning]

It is served by uvicorn exactly as `python server.py serve` serves Chaupal (the same
uvicorn.run() options; loop and http left on "auto", which picks uvloop and httptools when they
are installed; --workers N runs N worker processes, as `server.py serve --workers N` does), so
the gap between the two figures is what Chaupal itself spends per request: routing its
middleware, authentication, queries, templates.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def create_app(body: bytes) -> Starlette:
    async def page(request: Request) -> Response:
        return Response(body, media_type="text/html")

    async def healthz(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    return Starlette(routes=[Route("/", page), Route("/healthz", healthz)])


def app_from_env() -> Starlette:
    """The factory each worker calls when --workers > 1."""
    return create_app(Path(os.environ["CEILING_PAGE"]).read_bytes())


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--page", required=True, help="file whose bytes are served at /")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    if args.workers > 1:  # as server.py's cmd_serve: an import string, so workers can import it
        os.environ["CEILING_PAGE"] = str(Path(args.page).resolve())
        uvicorn.run(
            "ceiling_app:app_from_env",
            factory=True,
            app_dir=str(Path(__file__).resolve().parent),
            host=args.host,
            port=args.port,
            workers=args.workers,
            proxy_headers=False,
            log_level=args.log_level,
        )
    else:  # the same call as server.py's cmd_serve for one worker
        uvicorn.run(
            create_app(Path(args.page).read_bytes()),
            host=args.host,
            port=args.port,
            proxy_headers=False,
            log_level=args.log_level,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
