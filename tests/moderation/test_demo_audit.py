"""Loading the demo is setup, not moderation: it writes no audit entries for making
communities or memberships, and the few it writes (pins, locks, best of) are credited to the
demo moderators of those communities."""

from __future__ import annotations

from forum import demo, permissions
from forum.models import AuditEntry, Community, Membership, Thread


async def test_seeding_the_demo_audits_only_its_moderators_own_actions(app):
    await demo.seed(password="a demo test password")
    assert await Community.all().count() > 5 and await Membership.all().count() > 20
    rows = await AuditEntry.all().select_related("actor", "community")
    assert rows, "the demo's pins, locks and best of are moderation by its moderators"
    assert len(rows) < 10
    assert {row.action for row in rows} <= {"thread.pin", "thread.lock", "thread.feature"}
    for row in rows:
        assert row.actor is not None and row.community is not None
        assert row.actor.username != demo.DEMO_ADMIN, (row.action, row.target)
        assert await permissions.can_moderate(row.actor, row.community), (row.action, row.target)
    pinned = await Thread.filter(pinned=True).count()
    assert [r.action for r in rows].count("thread.pin") == pinned


async def test_seeding_the_demo_twice_adds_no_audit_entries(app):
    await demo.seed(password="a demo test password")
    before = await AuditEntry.all().count()
    assert await demo.seed() == "The demo is already loaded."
    assert await AuditEntry.all().count() == before
