"""The pages of courses, competencies and learning points."""

from __future__ import annotations

from starlette.routing import Route

routes: list[Route] = []
