"""The audit log: append-only, one entry per moderator or admin action."""

from __future__ import annotations

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
