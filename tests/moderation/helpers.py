"""Small helpers shared by the moderation tests: API calls with a role's token, browser
sessions with CSRF, and reading the audit log and review items straight from the database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from forum import accounts, communities, security
from forum.models import AuditEntry, Flag, ReviewItem, User
from tests.conftest import ORIGIN, SECRET, bearer

# httpx files cookies of the dot-less host "testserver" under "testserver.local".
COOKIE_DOMAIN = "testserver.local"
SAME_ORIGIN = {"Origin": ORIGIN}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


async def call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    json: Any = None,
    params: dict[str, Any] | None = None,
) -> httpx.Response:
    return await client.request(method, path, headers=headers or {}, json=json, params=params)


async def flag(
    client: httpx.AsyncClient, headers: dict[str, str], post_id: int, reason="spam", note=""
) -> httpx.Response:
    body = {"reason": reason}
    if note:
        body["note"] = note
    return await client.post(f"/api/v1/posts/{post_id}/flags", headers=headers, json=body)


async def queue(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/moderation/queue", headers=headers, params=params)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def decide(
    client: httpx.AsyncClient, headers: dict[str, str], item_id: int, action: str, **extra: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/moderation/queue/{item_id}", headers=headers, json={"action": action, **extra}
    )


async def log(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/moderation/log", headers=headers, params=params)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def start_thread(
    client: httpx.AsyncClient, headers: dict[str, str], slug: str, body: str, **extra: Any
) -> httpx.Response:
    payload = {"title": extra.pop("title", "A question about procurement rules"), "body": body}
    payload.update(extra)
    return await client.post(f"/api/v1/communities/{slug}/threads", headers=headers, json=payload)


async def reply(
    client: httpx.AsyncClient, headers: dict[str, str], thread_id: int, body: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/threads/{thread_id}/posts", headers=headers, json={"body": body}
    )


async def open_item_for_post(post_id: int) -> ReviewItem | None:
    return await ReviewItem.get_or_none(post_id=post_id, status="open")


async def item_of(post_id: int) -> ReviewItem:
    """The post's open review item, which must exist."""
    item = await open_item_for_post(post_id)
    assert item is not None, f"post {post_id} has no open review item"
    return item


async def items_for_post(post_id: int) -> list[ReviewItem]:
    return await ReviewItem.filter(post_id=post_id).order_by("id")


def actor_name(entry: AuditEntry) -> str | None:
    return entry.actor.username if entry.actor else None


async def suspended_until(user: User):
    """When the user's suspension ends; they must be suspended."""
    until = (await User.get(id=user.id)).suspended_until
    assert until is not None, f"@{user.username} is not suspended"
    return until


async def audit_rows() -> list[AuditEntry]:
    return await AuditEntry.all().order_by("id").select_related("actor", "community")


async def flags_of(user: User) -> list[Flag]:
    return await Flag.filter(flagger_id=user.id).order_by("id")


# Browser sessions


async def browser_session(client: httpx.AsyncClient, user: User) -> str:
    """Gives the client a session cookie for the user; returns the matching CSRF token."""
    token = await accounts.start_session(user, 1)
    client.cookies.set("chaupal_session", token, domain=COOKIE_DOMAIN)
    return security.csrf_token(SECRET, token)


async def post_form(
    client: httpx.AsyncClient, path: str, data: dict[str, str], csrf: str
) -> httpx.Response:
    return await client.post(path, data={"csrf_token": csrf, **data}, headers=SAME_ORIGIN)


def csrf_in(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "the page has no csrf_token hidden input"
    return match.group(1)


@dataclass
class Member:
    user: User
    headers: dict[str, str]


async def add_members(make_user, community, admin: User, *names: str) -> list[Member]:
    """Plain members of the community, with API tokens ready."""
    people = []
    for name in names:
        person = await make_user(username=name)
        await communities.set_member_status(admin, community, name, "member")
        person = await User.get(id=person.id)
        people.append(Member(person, await bearer(person)))
    return people
