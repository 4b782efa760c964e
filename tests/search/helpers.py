"""Small helpers shared by the search tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

SEARCH = "/api/v1/search"
SIMILAR = "/api/v1/search/similar"


async def drain(app: Any) -> int:
    """Indexes everything written so far, deterministically (no sleeping)."""
    return int(await app.state.search_writer.drain())


async def search(
    client: httpx.AsyncClient,
    q: str = "",
    *,
    headers: Mapping[str, str] | None = None,
    **params: Any,
) -> dict[str, Any]:
    """GET /api/v1/search, asserting 200; returns the body."""
    r = await client.get(SEARCH, params={"q": q, **params}, headers=dict(headers or {}))
    assert r.status_code == 200, (r.status_code, r.text)
    return r.json()


def post_ids(body: dict[str, Any]) -> set[int]:
    return {item["post_id"] for item in body["items"]}


def thread_ids(body: dict[str, Any]) -> set[int]:
    return {item["thread_id"] for item in body["items"]}


async def first_post_id(thread: Any) -> int:
    from forum.models import Post

    return int((await Post.get(thread_id=thread.id, number=1)).id)
