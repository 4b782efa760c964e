"""/static: the stylesheet, scripts, images and fonts, as Starlette serves files (ETag,
Last-Modified, 304s), with caching fitted to each. Font files are never edited in place (a new
version of a font comes under a new name), so browsers keep them for a year without asking
again; everything else is revalidated on each use, so a new release's CSS and JavaScript are
seen at once."""

from __future__ import annotations

import os

from starlette.responses import Response
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

FONT_SUFFIXES = (".woff2",)
FONT_CACHE = "public, max-age=31536000, immutable"
OTHER_CACHE = "no-cache"


class CachedStaticFiles(StaticFiles):
    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        is_font = os.fspath(full_path).endswith(FONT_SUFFIXES)
        response.headers["cache-control"] = FONT_CACHE if is_font else OTHER_CACHE
        return response
