"""Moderation and curation endpoints of the JSON API (API.md, Moderation), plus
notifications."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from forum import (
    accounts,
    communities,
    notifications,
    permissions,
    posts,
    serialize,
    threads,
    validation,
)
from forum.errors import Invalid
from forum.models import Community, Flag, ReviewItem, User
from forum.web import page_cache
from forum.web.http import api_actor, json_response, path_int, query_int, read_json
from forum.web.limits import hit
from moderation import actions, audit, queue


def item_json(item: ReviewItem, reports: list[Flag]) -> dict[str, Any]:
    """A review item with its reports. `note`: the moderator's note once decided; while the
    item waits, what its reporters wrote (`decision_note` is always the moderator's)."""
    target: dict[str, Any] = {}
    if item.post is not None:
        post = item.post
        target = {
            "type": "post",
            "post_id": post.id,
            "thread_id": post.thread_id,
            "author": post.author.username,
            "status": post.status,
            "excerpt": post.body[:300],
        }
        if item.kind == "queued_edit":  # what readers see now, and what the author proposes
            target["old_body"] = post.body
            target["new_body"] = item.body
    elif item.user is not None:
        target = {
            "type": "user",
            "username": item.user.username,
            "display_name": item.user.display_name,
        }
    return {
        "id": item.id,
        "kind": item.kind,
        "community": item.community.slug if item.community else None,
        "target": target,
        "reasons": list(item.reasons),
        "score": round(item.score, 2),
        "status": item.status,
        "resolution": item.resolution or None,
        "note": item.note if item.resolution else queue.reporters_note(reports),
        "decision_note": item.note if item.resolution else None,
        "report_count": len(reports),
        "reports": [report_json(flag) for flag in reports],
        "created_at": serialize.when(item.created_at),
        "resolved_at": serialize.when(item.resolved_at),
    }


def report_json(flag: Flag) -> dict[str, Any]:
    return {
        "reporter": flag.flagger.username,
        "reason": flag.reason,
        "note": flag.note,
        "created_at": serialize.when(flag.created_at),
    }


def audit_json(shown: audit.Shown) -> dict[str, Any]:
    """An entry: the contract's fields, and the same in words for this reader (`target_label`
    names only what they may read now; `changes`: values before and after, as recorded)."""
    entry = shown.entry
    return {
        "id": entry.id,
        "actor": entry.actor.username if entry.actor else None,
        "action": entry.action,
        "target": entry.target,
        "community": entry.community.slug if entry.community else None,
        "note": entry.note,
        "created_at": serialize.when(entry.created_at),
        "action_label": shown.action,
        "target_label": shown.target,
        "target_url": shown.url,
        "changes": [
            {"field": c.field, "label": c.label, "old": c.old, "new": c.new} for c in shown.changes
        ],
    }


def flag_json(flag: Flag) -> dict[str, Any]:
    return {
        "id": flag.id,
        "item_id": flag.item_id,  # type: ignore[attr-defined]
        "reason": flag.reason,
        "note": flag.note,
        "weight": round(flag.weight, 2),
        "created_at": serialize.when(flag.created_at),
    }


def notification_json(n: notifications.NotificationView) -> dict[str, Any]:
    return {
        "id": n.id,
        "kind": n.kind,
        "data": n.data,
        "read": n.read_at is not None,
        "created_at": serialize.when(n.created_at),
    }


async def flag_post(request: Request) -> Response:
    actor = await api_actor(request)
    await hit(request, "flag", actor)
    post = await posts.get(actor, path_int(request, "id"))
    data = await read_json(request)
    flag = await queue.flag_post(actor, post, data.get("reason"), data.get("note") or "")
    return json_response(flag_json(flag), 201)


async def flag_user(request: Request) -> Response:
    actor = await api_actor(request)
    await hit(request, "flag", actor)
    target = await accounts.get_by_username(request.path_params["username"])
    data = await read_json(request)
    flag = await queue.flag_user(actor, target, data.get("reason"), data.get("note") or "")
    return json_response(flag_json(flag), 201)


def _queue_filter(request: Request) -> queue.QueueFilter:
    params = request.query_params
    older = params.get("older_than_hours")
    return queue.QueueFilter(
        community=params.get("community") or None,
        kind=params.get("kind") or None,
        status=params.get("status") or "open",
        reason=params.get("reason") or None,
        older_than_hours=query_int(request, "older_than_hours", 0, low=0, high=24 * 365)
        if older
        else None,
    )


async def list_queue(request: Request) -> Response:
    actor = await api_actor(request)
    rows = await queue.list_items(
        actor, _queue_filter(request), limit=query_int(request, "limit", 50, high=200)
    )
    reports = await queue.reports_of(rows)
    return json_response({"items": [item_json(i, reports[i.id]) for i in rows], "next": None})


async def decide(request: Request) -> Response:
    actor = await api_actor(request)
    item = await queue.get_item(actor, path_int(request, "id"))
    data = await read_json(request)
    decided = await queue.decide(
        actor, item, data.get("action"), data.get("note") or "", data.get("days")
    )
    reports = await queue.reports_of([decided])
    return json_response(item_json(decided, reports[decided.id]))


async def audit_log(request: Request) -> Response:
    actor = await api_actor(request)
    params = request.query_params
    rows, next_cursor = await audit.entries(
        actor,
        community=params.get("community") or None,
        action=params.get("action") or None,
        actor_name=params.get("actor") or None,
        before=validation.object_id(params.get("before", "")),
        limit=query_int(request, "limit", 50, high=200),
    )
    shown = await audit.shown(actor, rows)
    return json_response({"items": [audit_json(e) for e in shown], "next": next_cursor})


async def update_community(request: Request) -> Response:
    """PATCH /api/v1/communities/{slug}: moderation policy (community moderators, admins)."""
    actor = await api_actor(request)
    community = await communities.get(actor, request.path_params["slug"])
    data = await read_json(request)
    await actions.update_policy(actor, community, data)
    body = serialize.community(community, await permissions.status_in(actor, community))
    body["policy"] = serialize.policy(community)
    return json_response(body)


async def move_thread(request: Request) -> Response:
    actor = await api_actor(request)
    thread = await threads.get(actor, path_int(request, "id"))
    data = await read_json(request)
    slug = data.get("community")
    if not isinstance(slug, str):
        raise Invalid("Name the community to move to.", fields={"community": "is required"})
    target = await communities.get(actor, slug)
    await actions.move_thread(actor, thread, target, str(data.get("note") or ""))
    return json_response(serialize.thread(thread))


async def merge_thread(request: Request) -> Response:
    actor = await api_actor(request)
    source = await threads.get(actor, path_int(request, "id"))
    data = await read_json(request)
    into = validation.object_id(data.get("into"))
    if into is None:
        raise Invalid(
            "Give the id of the thread to merge into.", fields={"into": "must be a thread id"}
        )
    target = await threads.get(actor, into)
    moved = await actions.merge_threads(actor, source, target, str(data.get("note") or ""))
    return json_response({"moved_posts": moved, "thread": serialize.thread(target)})


async def _scope(actor: User | None, slug: object) -> Community | None:
    """The community a suspension is about (None: site-wide)."""
    if slug is None or slug == "":
        return None
    if not isinstance(slug, str):
        raise Invalid("community must be a slug.", fields={"community": "must be a slug"})
    return await communities.get(actor, slug)


async def suspend(request: Request) -> Response:
    """Site-wide (administrators), or from one community with `"community": slug`."""
    actor = await api_actor(request)
    target = await accounts.get_by_username(request.path_params["username"])
    data = await read_json(request)
    community = await _scope(actor, data.get("community"))
    await actions.suspend_user(
        actor, target, data.get("days"), data.get("reason") or "", community=community
    )
    if community is None:
        return json_response(serialize.suspension(target))
    found = await permissions.suspension_in(target, community.id)
    return json_response(serialize.community_suspension(target, community, found))


async def unsuspend(request: Request) -> Response:
    """Lifts the site-wide suspension, or with `?community=slug` the one from that community."""
    actor = await api_actor(request)
    target = await accounts.get_by_username(request.path_params["username"])
    community = await _scope(actor, request.query_params.get("community"))
    await actions.lift_suspension(actor, target, community=community)
    if community is None:
        return json_response(serialize.suspension(target))
    return json_response(serialize.community_suspension(target, community, None))


async def list_notifications(request: Request) -> Response:
    user = permissions.require_signed_in(await api_actor(request), "see notifications")
    before = validation.object_id(request.query_params.get("before", ""))
    rows, next_id = await notifications.recent(
        user,
        before=before,
        limit=query_int(request, "limit", 30),
        cache=page_cache.memo(request, "notifications"),
    )
    return json_response(
        {
            "items": [notification_json(n) for n in rows],
            "next": str(next_id) if next_id else None,
            "unread": await notifications.unread_count(user),
        }
    )


async def read_notifications(request: Request) -> Response:
    user = permissions.require_signed_in(await api_actor(request), "see notifications")
    data = await read_json(request)
    ids = data.get("ids")
    wanted: list[int] | None = None
    if ids is not None:
        if not isinstance(ids, list) or len(ids) > 500:
            raise Invalid(
                "ids must be a list of notification ids.", fields={"ids": "must be a list"}
            )
        wanted = [i for i in (validation.object_id(x) for x in ids) if i is not None]
    changed = await notifications.mark_read(user, wanted)
    return json_response({"marked": changed, "unread": await notifications.unread_count(user)})


routes = [
    Route("/api/v1/posts/{id}/flags", flag_post, methods=["POST"]),
    Route("/api/v1/users/{username}/flags", flag_user, methods=["POST"]),
    Route("/api/v1/users/{username}/suspension", suspend, methods=["POST"]),
    Route("/api/v1/users/{username}/suspension", unsuspend, methods=["DELETE"]),
    Route("/api/v1/moderation/queue", list_queue, methods=["GET"]),
    Route("/api/v1/moderation/queue/{id}", decide, methods=["POST"]),
    Route("/api/v1/moderation/log", audit_log, methods=["GET"]),
    Route("/api/v1/communities/{slug}", update_community, methods=["PATCH"]),
    Route("/api/v1/threads/{id}/move", move_thread, methods=["POST"]),
    Route("/api/v1/threads/{id}/merge", merge_thread, methods=["POST"]),
    Route("/api/v1/notifications", list_notifications, methods=["GET"]),
    Route("/api/v1/notifications/read", read_notifications, methods=["POST"]),
]
