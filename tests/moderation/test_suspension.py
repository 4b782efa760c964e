"""Suspensions: a suspended person can still read but cannot post, reply, edit, delete, react,
flag or join, and is told why and until when; admins lift suspensions. Site-wide suspensions are
for administrators; a community's moderators suspend its members from posting there only (a
suspension from one community bars writing in it and nowhere else), and lift it again.
Administrators cannot be suspended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forum import accounts, communities
from forum.models import (
    AuditEntry,
    CommunitySuspension,
    Membership,
    Notification,
    Post,
    Reaction,
    Thread,
    User,
)
from tests.moderation import helpers as h

# Helpers

REASON = "Posting the same advertisement in every community."


async def suspend(
    client, world, username="author", role="admin", days=3, reason=REASON, community=None
):
    body = {"days": days, "reason": reason}
    if community is not None:
        body["community"] = community
    return await client.post(
        f"/api/v1/users/{username}/suspension", headers=world.headers[role], json=body
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
    if what == "edit":
        return await client.patch(
            f"/api/v1/posts/{world.reply.id}", headers=headers, json={"body": EDITED}
        )
    if what == "delete":
        return await client.delete(f"/api/v1/posts/{world.reply.id}", headers=headers)
    if what == "react":
        theirs = await h.reply(client, world.headers["member"], world.thread.id, "Member's post.")
        return await client.post(
            f"/api/v1/posts/{theirs.json()['id']}/reactions",
            headers=headers,
            json={"kind": "helpful"},
        )
    if what == "tags":
        return await client.patch(
            f"/api/v1/threads/{world.thread.id}", headers=headers, json={"tags": ["e-office"]}
        )
    raise AssertionError(what)


EDITED = "My reply, rewritten while suspended."
WHAT = ["post", "reply", "edit", "delete", "react", "tags", "flag", "flag_user", "join"]
# What a suspension from one community bars: writing there, in any form.
IN_COMMUNITY = ["post", "reply", "edit", "delete", "react", "tags", "flag"]


async def nothing_done(world, what: str) -> bool:
    if what == "join":
        return not await Membership.exists(community_id=world.other.id, user_id=world.author.id)
    if what in ("edit", "delete"):
        reply = await Post.get(id=world.reply.id)
        return reply.body == world.reply.body and reply.status == "published"
    if what == "react":
        return not await Reaction.exists()
    if what == "tags":
        return (await Thread.get(id=world.thread.id)).tags == world.thread.tags
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


@pytest.fixture
async def cast(world, make_user):
    """Besides the world's people: a member of the other community only, a second admin, the
    admin as a plain member here, and a second moderator of this community."""
    await make_user(username="outsider")
    await communities.set_member_status(world.admin, world.other, "outsider", "member")
    await make_user(username="second_admin", is_admin=True)
    await communities.set_member_status(world.admin, world.community, "admin", "member")
    await make_user(username="co_moderator")
    await communities.set_member_status(world.admin, world.community, "co_moderator", "moderator")


@pytest.mark.parametrize(
    ("role", "target", "status"),
    [
        ("moderator", "author", 422),  # moderators must name their community
        ("other_moderator", "author", 422),
        ("member", "flagger", 403),
        ("admin", "author", 200),
        ("admin", "outsider", 200),
        ("admin", "mod_this", 200),
        ("admin", "admin", 403),
        ("admin", "second_admin", 403),
    ],
)
async def test_only_admins_suspend_site_wide(client, world, cast, role, target, status):
    r = await suspend(client, world, username=target, role=role)
    assert r.status_code == status, r.text
    if status == 422:
        assert r.json()["error"]["fields"]["community"]
    person = await User.get(username=target)
    assert (person.suspended_until is not None) is (status == 200)
    assert not await CommunitySuspension.exists()


@pytest.mark.parametrize(
    ("role", "target", "status"),
    [
        ("moderator", "author", 200),  # a member of the community they moderate
        ("moderator", "outsider", 403),  # a member of another community only
        ("moderator", "mod_other", 403),  # moderates elsewhere, not a member here
        ("moderator", "mod_this", 403),  # themselves
        ("moderator", "co_moderator", 403),  # a fellow moderator: for administrators
        ("moderator", "admin", 403),
        ("other_moderator", "author", 403),
        ("member", "flagger", 403),
        ("admin", "author", 200),
        ("admin", "outsider", 200),
        ("admin", "co_moderator", 200),
        ("admin", "admin", 403),
        ("admin", "second_admin", 403),
    ],
)
async def test_who_may_suspend_whom_from_a_community(client, world, cast, role, target, status):
    r = await suspend(client, world, username=target, role=role, community=world.community.slug)
    assert r.status_code == status, r.text
    person = await User.get(username=target)
    found = await CommunitySuspension.get_or_none(user_id=person.id)
    assert (found is not None) is (status == 200)
    assert person.suspended_until is None  # never site-wide
    if status == 200:
        assert found is not None and found.community_id == world.community.id
        body = r.json()
        assert body["community"] == world.community.slug and body["reason"] == REASON
        assert datetime.fromisoformat(body["suspended_until"]) == found.until


async def test_moderator_cannot_suspend_from_a_community_they_do_not_moderate(client, world):
    await communities.set_member_status(world.admin, world.other, "author", "member")
    r = await suspend(client, world, role="moderator", community=world.other.slug)
    assert r.status_code == 403
    assert not await CommunitySuspension.exists()


async def test_suspending_from_a_private_community_one_cannot_read_is_404(client, world):
    hidden = await communities.create(
        world.admin,
        slug="closed-circle",
        name="Closed Circle",
        description="",
        kind="topic",
        visibility="private",
    )
    r = await suspend(client, world, role="moderator", community=hidden.slug)
    assert r.status_code == 404
    assert not await CommunitySuspension.exists()


async def test_moderator_suspends_through_the_profile_form(client, world, browser):
    c, csrf = await browser(world.moderator)
    page = await c.get("/u/author")
    assert "Posting in This Community" in page.text
    assert "Everywhere (the whole site)" not in page.text  # site-wide is for administrators
    assert "Posting in Other Community" not in page.text
    form = {"days": "2", "reason": "Spam.", "community": world.community.slug}
    r = await h.post_form(c, "/u/author/suspension", form, csrf)
    assert r.status_code == 303
    found = await CommunitySuspension.get(user_id=world.author.id)
    assert found.community_id == world.community.id and found.reason == "Spam."
    assert (await User.get(id=world.author.id)).suspended_until is None
    shown = await c.get("/u/author")
    assert "Suspended from posting in" in shown.text and "Lift the suspension from" in shown.text


async def test_profile_offers_no_suspension_to_members_or_other_moderators(client, world, browser):
    for person in (world.member, world.other_moderator):
        c, _ = await browser(person)
        page = await c.get("/u/author")
        assert page.status_code == 200
        assert "Suspend or restore" not in page.text


async def test_admin_chooses_site_wide_or_a_community_on_the_profile_form(client, world, browser):
    c, csrf = await browser(world.admin)
    page = await c.get("/u/author")
    assert "Everywhere (the whole site)" in page.text and "Posting in This Community" in page.text
    r = await h.post_form(c, "/u/author/suspension", {"days": "2", "reason": "Spam."}, csrf)
    assert r.status_code == 303
    assert (await User.get(id=world.author.id)).suspended_until is not None
    assert not await CommunitySuspension.exists()


async def test_moderator_without_a_community_on_the_form_is_told_to_choose_one(
    client, world, browser
):
    c, csrf = await browser(world.moderator)
    r = await h.post_form(c, "/u/author/suspension", {"days": "2", "reason": "Spam."}, csrf)
    assert r.status_code == 303
    page = await c.get(r.headers["location"])
    assert "Name the community you moderate" in page.text
    assert (await User.get(id=world.author.id)).suspended_until is None
    assert not await CommunitySuspension.exists()


@pytest.mark.parametrize("days", [0, 366, "week", -2, True])
async def test_suspension_with_bad_days_is_422(client, world, days):
    r = await suspend(client, world, days=days)
    assert r.status_code == 422, r.text
    assert (await User.get(id=world.author.id)).suspended_until is None


async def test_suspending_someone_missing_is_404(client, world):
    r = await suspend(client, world, username="nobody_here")
    assert r.status_code == 404


# Suspensions from one community


async def suspend_here(client, world, days=3):
    r = await suspend(client, world, role="moderator", days=days, community=world.community.slug)
    assert r.status_code == 200, r.text
    return (await CommunitySuspension.get(user_id=world.author.id)).until


@pytest.mark.parametrize("what", IN_COMMUNITY)
async def test_suspended_from_a_community_cannot_write_there_and_is_told_why(client, world, what):
    until = await suspend_here(client, world)
    answer = await attempt(client, world, what)
    assert answer.status_code == 403, f"{what}: {answer.status_code} {answer.text}"
    error = answer.json()["error"]
    assert error["code"] == "suspended"
    assert "suspended from posting in This Community" in error["message"]
    assert until.strftime("%d %b %Y") in error["message"] and REASON in error["message"]
    assert await nothing_done(world, what)


async def test_suspended_from_a_community_may_still_read_and_write_elsewhere(client, world):
    await suspend_here(client, world)
    headers = world.headers["author"]
    assert (await client.get(f"/api/v1/threads/{world.thread.id}", headers=headers)).is_success
    joined = await client.post(f"/api/v1/communities/{world.other.slug}/join", headers=headers)
    assert joined.status_code == 200, joined.text
    r = await h.start_thread(client, headers, world.other.slug, "A question for the others.")
    assert r.status_code == 201, r.text
    assert (await attempt(client, world, "flag_user")).status_code == 201
    assert (await User.get(id=world.author.id)).suspended_until is None


async def test_leaving_and_joining_again_does_not_end_a_community_suspension(client, world):
    await suspend_here(client, world)
    headers = world.headers["author"]
    slug = world.community.slug
    assert (await client.post(f"/api/v1/communities/{slug}/leave", headers=headers)).is_success
    assert (await client.post(f"/api/v1/communities/{slug}/join", headers=headers)).is_success
    r = await attempt(client, world, "reply")
    assert r.status_code == 403 and r.json()["error"]["code"] == "suspended"


@pytest.mark.parametrize("what", IN_COMMUNITY)
async def test_community_suspension_that_ended_no_longer_bars(client, world, what):
    past = datetime.now(UTC) - timedelta(minutes=1)
    await communities.suspend_member(world.community, world.author, past, REASON, by=None)
    answer = await attempt(client, world, what)
    assert answer.status_code in (200, 201), answer.text


async def test_community_suspension_answer_notification_and_audit(client, world):
    r = await suspend(client, world, role="moderator", days=10, community=world.community.slug)
    body = r.json()
    assert body["username"] == "author" and body["community"] == world.community.slug
    until = datetime.fromisoformat(body["suspended_until"])
    assert abs((until - datetime.now(UTC) - timedelta(days=10)).total_seconds()) < 120
    [note] = await Notification.filter(user_id=world.author.id, kind="moderation")
    assert note.data["community"] == world.community.slug
    message = note.data["message"]
    assert "This Community" in message and until.strftime("%d %b %Y") in message
    assert REASON in message
    [entry] = await h.audit_rows()
    assert (entry.action, entry.target, h.actor_name(entry)) == (
        "user.suspend",
        "user:author",
        "mod_this",
    )
    assert entry.community is not None and entry.community.slug == world.community.slug
    assert "10 days" in entry.note and REASON in entry.note


async def test_suspending_again_replaces_the_earlier_community_suspension(client, world):
    await suspend_here(client, world, days=3)
    later = await suspend_here(client, world, days=20)
    [row] = await CommunitySuspension.all()
    assert row.until == later and (later - datetime.now(UTC)).days >= 19


async def test_moderator_lifts_a_community_suspension_and_the_member_may_post_again(client, world):
    await suspend_here(client, world)
    r = await client.delete(
        "/api/v1/users/author/suspension",
        headers=world.headers["moderator"],
        params={"community": world.community.slug},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "username": "author",
        "community": world.community.slug,
        "suspended_until": None,
        "reason": "",
    }
    assert not await CommunitySuspension.exists()
    assert (await attempt(client, world, "reply")).status_code == 201
    actions = [(e.action, e.community.slug if e.community else None) for e in await h.audit_rows()]
    assert actions == [("user.suspend", "this-community"), ("user.unsuspend", "this-community")]


async def test_lifting_a_community_suspension_nobody_has_changes_nothing(client, world):
    r = await client.delete(
        "/api/v1/users/author/suspension",
        headers=world.headers["moderator"],
        params={"community": world.community.slug},
    )
    assert r.status_code == 200
    assert not await AuditEntry.exists()


async def test_lifting_the_site_wide_suspension_leaves_community_ones(client, world):
    await suspend_here(client, world)
    await suspend(client, world)
    r = await client.delete("/api/v1/users/author/suspension", headers=world.headers["admin"])
    assert r.status_code == 200
    assert (await User.get(id=world.author.id)).suspended_until is None
    assert await CommunitySuspension.exists(user_id=world.author.id)


async def test_pages_show_a_community_suspension_where_it_applies(client, world, browser):
    until = await suspend_here(client, world)
    c, csrf = await browser(world.author)
    date = until.strftime("%d %b %Y")
    for path in (f"/c/{world.community.slug}", f"/t/{world.thread.id}"):
        page = await c.get(path)
        assert page.status_code == 200
        assert "You are suspended from posting in This Community" in page.text, path
        assert date in page.text and REASON in page.text
    thread_page = await c.get(f"/t/{world.thread.id}")
    assert f'action="/t/{world.thread.id}/reply"' not in thread_page.text
    assert f'href="/p/{world.reply.id}/edit"' not in thread_page.text
    community_page = await c.get(f"/c/{world.community.slug}")
    assert f'href="/c/{world.community.slug}/new"' not in community_page.text
    elsewhere = await c.get(f"/c/{world.other.slug}")
    assert "suspended" not in elsewhere.text
    assert "Your account is suspended" not in (await c.get("/")).text  # not site-wide
    profile = await c.get("/u/author")
    assert "You are suspended from posting in" in profile.text and REASON in profile.text
    r = await h.post_form(c, f"/t/{world.thread.id}/reply", {"body": "Trying anyway."}, csrf)
    assert r.status_code == 403
    assert "This Community" in r.text and date in r.text
    others, _ = await browser(world.member)
    assert "suspended" not in (await others.get(f"/t/{world.thread.id}")).text
    assert "Suspended from posting" not in (await others.get("/u/author")).text


async def test_moderator_lifts_a_community_suspension_through_the_profile_form(
    client, world, browser
):
    await suspend_here(client, world)
    c, csrf = await browser(world.moderator)
    form = {"action": "lift", "community": world.community.slug, "note": "Apologised."}
    r = await h.post_form(c, "/u/author/suspension", form, csrf)
    assert r.status_code == 303
    assert not await CommunitySuspension.exists()


async def test_other_moderator_cannot_lift_a_community_suspension_through_the_form(
    client, world, browser
):
    await suspend_here(client, world)
    c, csrf = await browser(world.other_moderator)
    form = {"action": "lift", "community": world.community.slug}
    r = await h.post_form(c, "/u/author/suspension", form, csrf)
    assert r.status_code == 403
    assert await CommunitySuspension.exists()
