"""Opening review items. Forum services call these inside their own transactions when
something needs a moderator (a held post or edit, a join request); the queue decides them."""

from __future__ import annotations

from datetime import UTC, datetime

from forum import reads
from forum.models import Community, Post, ReviewItem, User


async def open_item(
    kind: str,
    *,
    community: Community | None,
    post: Post | None = None,
    user: User | None = None,
    reasons: list[str] | None = None,
    score: float = 0.0,
) -> ReviewItem:
    """The open item for this target, created if needed; reasons and score accumulate."""
    query = ReviewItem.filter(kind=kind, status="open")
    query = (
        query.filter(post_id=post.id)
        if post is not None
        else query.filter(user_id=user.id if user else None)
    )
    if community is not None and post is None:
        query = query.filter(community_id=community.id)
    item = await query.first()
    if item is None:
        return await ReviewItem.create(
            kind=kind,
            community=community,
            post=post,
            user=user,
            reasons=list(dict.fromkeys(reasons or [])),
            score=score,
        )
    merged = list(dict.fromkeys([*item.reasons, *(reasons or [])]))
    item.reasons, item.score = merged, item.score + score
    await item.save(update_fields=["reasons", "score"])
    return item


async def close_open(
    kind: str, *, community: Community, user: User, resolution: str, actor: User | None
) -> None:
    """Closes an open item decided elsewhere (a join request approved on the members page)."""
    await ReviewItem.filter(
        kind=kind, community_id=community.id, user_id=user.id, status="open"
    ).update(
        status="resolved",
        resolution=resolution,
        resolved_at=datetime.now(UTC),
        resolved_by_id=actor.id if actor else None,
    )


async def open_edit(post_id: int) -> ReviewItem | None:
    """The held edit of a post waiting for review, if any."""
    return await ReviewItem.get_or_none(kind="queued_edit", post_id=post_id, status="open")


async def open_edits(post_ids: list[int]) -> list[ReviewItem]:
    """Held edits waiting for review among these posts."""
    if not post_ids:
        return []
    # Fixed SQL (a thread page asks this for its reader's own posts on every view).
    marks = ", ".join("?" * len(post_ids))
    sql = f"SELECT * FROM review_items WHERE post_id IN ({marks}) AND kind = ? AND status = ?"  # noqa: S608
    rows = await reads.query(sql, *post_ids, "queued_edit", "open")
    return [ReviewItem._init_from_db(**row) for row in rows]


async def hold_edit(
    *, community: Community, post: Post, editor: User, body: str, reasons: list[str]
) -> ReviewItem:
    """Puts the proposed text of a post in the queue; a newer proposal replaces a waiting one."""
    item = await open_edit(post.id)
    if item is None:
        return await ReviewItem.create(
            kind="queued_edit",
            community=community,
            post=post,
            user=editor,
            reasons=list(dict.fromkeys(reasons)),
            body=body,
        )
    item.body, item.reasons = body, list(dict.fromkeys(reasons))
    await item.save(update_fields=["body", "reasons"])
    return item


async def withdraw_edit(post_id: int, resolution: str = "withdrawn") -> bool:
    """Closes a post's waiting edit without a moderator: its author replaced it with text that
    needs no review, or the post was deleted. Returns whether one was waiting."""
    closed = await ReviewItem.filter(kind="queued_edit", post_id=post_id, status="open").update(
        status="resolved", resolution=resolution, resolved_at=datetime.now(UTC)
    )
    return closed > 0
