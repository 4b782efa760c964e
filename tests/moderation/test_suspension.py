"""Suspensions: a suspended person can still read but cannot post, reply, flag or join, and is
told why and until when; admins lift suspensions; moderators may suspend only members of the
communities they moderate; administrators cannot be suspended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forum import accounts, communities
from forum.models import AuditEntry, Membership, Notification, User
from tests.moderation import helpers as h

# Helpers

REASON = "Posting the same advertisement in every community."


async def suspend(client, world, username="author", role="admin", days=3, reason=REASON):
    return await client.post(
        f"/api/v1/users/{username}/suspension",
        headers=world.headers[role],
        json={"days": days, "reason": reason},
    )


async def attempt(client, world, what: str):
    """One thing a suspended author tries to do, through the API."""
    headers = world.headers["author"]
    if what == "post":
        return await h.start_thread(client, headers, world.community.slug, "A brand new question.")
    if what == "reply":
        return await h.reply(client, headers, world.thread.id, "Another reply from me.")
    if what == "flag":
        mine = await h.reply(client, world.headers["member"], world.thread.id, "Member's reply.")
        return await h.flag(client, headers, mine.json()["id"], "spam")
    if what == "flag_user":
        return await client.post(
            "/api/v1/users/plain_member/flags", headers=headers, json={"reason": "spam"}
        )
    if what == "join":
        return await client.post(f"/api/v1/communities/{world.other.slug}/join", headers=headers)
    raise AssertionError(what)


WHAT = ["post", "reply", "flag", "flag_user", "join"]


async def nothing_done(world, what: str) -> bool:
    if what == "join":
        return not await Membership.exists(community_id=world.other.id, user_id=world.author.id)
    return True


# Refusals


@pytest.mark.parametrize("what", WHAT)
async def test_suspended_person_is_refused_with_the_date_and_reason(client, world, what):
    r = await suspend(client, world)
    assert r.status_code == 200, r.text
    until = await h.suspended_until(world.author)
    answer = await attempt(client, world, what)
    assert answer.status_code == 403, f"{what}: {answer.status_code} {answer.text}"
    error = answer.json()["error"]
    assert error["code"] == "suspended"
    assert until.strftime("%d %b %Y") in error["message"]
    assert REASON in error["message"]
    assert await nothing_done(world, what)


@pytest.mark.parametrize("what", WHAT)
async def test_person_whose_suspension_ended_may_act_again(client, world, what):
    await accounts.suspend(world.author, datetime.now(UTC) - timedelta(minutes=1), REASON)
    answer = await attempt(client, world, what)
    assert answer.status_code in (200, 201), answer.text


async def test_suspended_person_can_still_read(client, world):
    await suspend(client, world)
    r = await client.get(f"/api/v1/threads/{world.thread.id}", headers=world.headers["author"])
    assert r.status_code == 200
    assert (await client.get("/api/v1/me", headers=world.headers["author"])).status_code == 200


async def test_suspension_answer_and_notification(client, world):
    r = await suspend(client, world, days=10)
    body = r.json()
    assert body["username"] == "author" and body["reason"] == REASON
    until = datetime.fromisoformat(body["suspended_until"])
    assert abs((until - datetime.now(UTC) - timedelta(days=10)).total_seconds()) < 120
    [note] = await Notification.filter(user_id=world.author.id, kind="moderation")
    assert until.strftime("%d %b %Y") in note.data["message"] and REASON in note.data["message"]


async def test_web_pages_show_the_suspended_person_a_banner_and_refuse_their_reply(
    client, world, browser
):
    await suspend(client, world)
    until = await h.suspended_until(world.author)
    c, csrf = await browser(world.author)
    home = await c.get("/")
    assert home.status_code == 200
    assert "Your account is suspended until" in home.text
    assert until.strftime("%d %b %Y") in home.text and REASON in home.text
    r = await h.post_form(c, f"/t/{world.thread.id}/reply", {"body": "Trying anyway."}, csrf)
    assert r.status_code == 403
    assert REASON in r.text and until.strftime("%d %b %Y") in r.text
    others, _ = await browser(world.member)
    assert "Your account is suspended" not in (await others.get("/")).text


async def test_suspended_person_cannot_join_through_the_web_page(client, world, browser):
    await suspend(client, world)
    c, csrf = await browser(world.author)
    r = await h.post_form(c, f"/c/{world.other.slug}/join", {}, csrf)
    assert r.status_code == 403
    assert not await Membership.exists(community_id=world.other.id, user_id=world.author.id)


# Lifting


async def test_admin_lifts_a_suspension_and_the_person_may_post_again(client, world):
    await suspend(client, world)
    r = await client.delete("/api/v1/users/author/suspension", headers=world.headers["admin"])
    assert r.status_code == 200, r.text
    assert r.json()["suspended_until"] is None
    assert (await User.get(id=world.author.id)).suspended_until is None
    answer = await attempt(client, world, "reply")
    assert answer.status_code == 201
    actions = [e.action for e in await AuditEntry.all().order_by("id")]
    assert actions == ["user.suspend", "user.unsuspend"]


async def test_lifting_when_nobody_is_suspended_changes_nothing(client, world):
    r = await client.delete("/api/v1/users/author/suspension", headers=world.headers["admin"])
    assert r.status_code == 200
    assert not await AuditEntry.exists()


@pytest.mark.parametrize("role", ["moderator", "member", "other_moderator"])
async def test_only_admins_lift_suspensions(client, world, role):
    await suspend(client, world)
    r = await client.delete("/api/v1/users/author/suspension", headers=world.headers[role])
    assert r.status_code == 403
    assert (await User.get(id=world.author.id)).suspended_until is not None


async def test_admin_lifts_through_the_profile_form(client, world, browser):
    await suspend(client, world)
    c, csrf = await browser(world.admin)
    r = await h.post_form(c, "/u/author/suspension", {"action": "lift", "note": "Appeal ok"}, csrf)
    assert r.status_code == 303
    assert (await User.get(id=world.author.id)).suspended_until is None


# Who may suspend whom


@pytest.mark.parametrize(
    ("role", "target", "status"),
    [
        ("moderator", "author", 200),  # a member of the community they moderate
        ("moderator", "outsider", 403),  # a member of another community only
        ("moderator", "mod_other", 403),  # moderates elsewhere, not a member here
        ("moderator", "mod_this", 403),  # themselves
        ("moderator", "admin", 403),
        ("other_moderator", "author", 403),
        ("member", "flagger", 403),
        ("admin", "author", 200),
        ("admin", "outsider", 200),
        ("admin", "admin", 403),
        ("admin", "second_admin", 403),
    ],
)
async def test_who_may_suspend_whom(client, world, make_user, role, target, status):
    await make_user(username="outsider")
    await communities.set_member_status(world.admin, world.other, "outsider", "member")
    await make_user(username="second_admin", is_admin=True)
    if target == "admin":
        await communities.set_member_status(world.admin, world.community, "admin", "member")
    r = await suspend(client, world, username=target, role=role)
    assert r.status_code == status, r.text
    person = await User.get(username=target)
    assert (person.suspended_until is not None) is (status == 200)


async def test_moderator_suspends_through_the_profile_form(client, world, browser):
    c, csrf = await browser(world.moderator)
    r = await h.post_form(c, "/u/author/suspension", {"days": "2", "reason": "Spam."}, csrf)
    assert r.status_code == 303
    author = await User.get(id=world.author.id)
    assert author.suspended_until is not None and author.suspension_reason == "Spam."


@pytest.mark.parametrize("days", [0, 366, "week", -2, True])
async def test_suspension_with_bad_days_is_422(client, world, days):
    r = await suspend(client, world, days=days)
    assert r.status_code == 422, r.text
    assert (await User.get(id=world.author.id)).suspended_until is None


async def test_suspending_someone_missing_is_404(client, world):
    r = await suspend(client, world, username="nobody_here")
    assert r.status_code == 404
