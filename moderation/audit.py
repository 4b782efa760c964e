"""The audit log: append-only, one entry per moderator or admin action."""

from __future__ import annotations

from forum import permissions
from forum.errors import NotFound
from forum.models import AuditEntry, Community, User


async def record(
    actor: User | None,
    action: str,
    target: str,
    *,
    community: Community | None = None,
    note: str = "",
) -> AuditEntry:
    return await AuditEntry.create(
        actor=actor, action=action, target=target[:80], community=community, note=note[:2000]
    )


async def entries(
    actor: User | None,
    *,
    community: str | None = None,
    action: str | None = None,
    actor_name: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> tuple[list[AuditEntry], str | None]:
    """Newest first. Moderators see their communities' entries; admins everything."""
    user = permissions.require_signed_in(actor, "read the audit log")
    query = AuditEntry.all()
    moderated = permissions.audit_scope(await permissions.reader(user))
    if moderated is not None:
        query = query.filter(community_id__in=moderated)
    if community:
        found = await Community.get_or_none(slug=community[:40])
        if found is None or not await permissions.can_moderate(user, found):
            raise NotFound("No such community.")
        query = query.filter(community_id=found.id)
    if action:
        query = query.filter(action__startswith=action[:40])
    if actor_name:
        query = query.filter(actor__username=actor_name.strip().lower()[:30])
    if before:
        query = query.filter(id__lt=before)
    limit = max(1, min(limit, 200))
    rows = await query.order_by("-id").limit(limit + 1).select_related("actor", "community")
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (str(rows[-1].id) if more and rows else None)
