"""GET /healthz: the process is up and serving."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum.web.http import json_response


async def healthz(request: Request) -> Response:
    return json_response({"status": "ok"})


routes = [
    Route("/healthz", healthz, methods=["GET"]),
]
