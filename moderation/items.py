"""Opening review items. Forum services call these inside their own transactions when
something needs a moderator (a held post, a join request); the queue decides them."""

from __future__ import annotations

from datetime import UTC, datetime

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
