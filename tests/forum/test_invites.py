"""Invitations into a community: links its moderators share (anyone signed in who opens one joins
at once), invitations by username (a notification with accept and decline) and by email (a link
emailed through a real local SMTP server, aiosmtpd), what an invitation shows when it is not open
any more (nothing of the community), removed and suspended people, the audit log, the rate limit;
and the directory's suggestions by role and by sector."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from forum import accounts, communities, permissions, security
from forum.models import AuditEntry, Community, CommunityInvite, Notification, User
from server import create_app
from tests.conftest import ORIGIN, TABLES, bearer, using_postgres
from tests.forum.helpers import assert_error

PRIVATE_NAME = "Tribal Welfare Cell"
COOKIE_DOMAIN = "testserver.local"  # where httpx files cookies of the host "testserver"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
SAME_ORIGIN = {"Origin": ORIGIN}


# Helpers


@pytest.fixture
async def private(make_community, make_user) -> tuple[Community, User]:
    """A private community and its moderator."""
    moderator = await make_user(username="cell_mod")
    community = await make_community(
        slug="tribal-cell", name=PRIVATE_NAME, visibility="private", moderators=(moderator,)
    )
    return community, moderator


def invites_url(community: Community) -> str:
    return f"/api/v1/communities/{community.slug}/invites"


async def make_link(client: httpx.AsyncClient, community: Community, by: User, **body: Any) -> dict:
    r = await client.post(invites_url(community), json=body, headers=await bearer(by))
    assert r.status_code == 201, r.text
    return r.json()


async def sign_in(client: httpx.AsyncClient, user: User) -> str:
    token = await accounts.start_session(user, 1)
    client.cookies.set("chaupal_session", token, domain=COOKIE_DOMAIN)
    return security.csrf_token("test-secret-key", token)


def csrf_in(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "the page has no form"
    return match.group(1)


async def status_of(user: User, community: Community) -> str | None:
    fresh = await User.get(id=user.id)
    return await permissions.status_in(fresh, community)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope.content)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, f"smtp://127.0.0.1:{controller.port}"
    controller.stop()


@contextlib.asynccontextmanager
async def started(settings, **changes: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app started with changed settings (instead of the package's `client`)."""
    application = create_app(settings.with_(**changes))
    async with application.router.lifespan_context(application):
        if using_postgres():
            from tortoise import connections

            await connections.get("default").execute_script(
                "; ".join(f"DELETE FROM {table}" for table in TABLES)
            )
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as client:
            yield client


@pytest.fixture
async def mail_client(settings, smtp) -> AsyncIterator[httpx.AsyncClient]:
    """The app sending email to the local SMTP server (list it before the factories)."""
    async with started(settings, smtp_url=smtp[1], site_url="http://forum.example") as client:
        yield client


@pytest.fixture
async def dead_mail_client(settings) -> AsyncIterator[httpx.AsyncClient]:
    async with started(settings, smtp_url=f"smtp://127.0.0.1:{free_port()}") as client:
        yield client  # nothing listens there


@pytest.fixture
async def limited_client(settings) -> AsyncIterator[httpx.AsyncClient]:
    limits = {"CHAUPAL_RATE_INVITE_USER": "2/minute"}
    async with started(settings, rate_limits_enabled=True, rate_limits=limits) as client:
        yield client


# Links


async def test_anyone_signed_in_joins_a_private_community_at_once_by_its_link(
    client, private, make_user
):
    community, moderator = private
    outsider = await make_user(username="newcomer")
    link = await make_link(client, community, moderator, expires_in_days=7, max_uses=5)
    assert link["url"].endswith(f"/c/{community.slug}/invite/{link['token']}")
    headers = await bearer(outsider)

    seen = await client.get(f"/api/v1/invites/{link['token']}", headers=headers)
    assert seen.status_code == 200
    assert seen.json()["community"] == {"slug": community.slug, "name": PRIVATE_NAME}
    joined = await client.post(f"/api/v1/invites/{link['token']}/accept", headers=headers)

    assert joined.json() == {"status": "member", "community": community.slug}
    assert (await client.get(f"/api/v1/communities/{community.slug}", headers=headers)).is_success
    listed = await client.get(invites_url(community), headers=await bearer(moderator))
    [row] = listed.json()["items"]
    assert row["created_by"] == "cell_mod" and row["uses"] == 1 and row["max_uses"] == 5
    assert row["state"] == "open" and row["to"] is None


async def test_only_the_links_hash_is_stored(client, private):
    community, moderator = private
    link = await make_link(client, community, moderator)
    row = await CommunityInvite.get(id=link["id"])
    assert row.token_hash == security.token_digest(link["token"])
    assert link["token"] not in str(await CommunityInvite.all().values())


async def test_asking_to_join_a_private_community_still_waits_for_the_moderators(
    client, private, make_user
):
    community, moderator = private
    await make_link(client, community, moderator)
    asker = await make_user()
    r = await client.post(f"/api/v1/communities/{community.slug}/join", headers=await bearer(asker))
    assert r.json() == {"status": "pending"}


async def test_a_waiting_request_is_granted_by_accepting_a_link(client, private, make_user):
    community, moderator = private
    asker = await make_user()
    headers = await bearer(asker)
    await client.post(f"/api/v1/communities/{community.slug}/join", headers=headers)
    link = await make_link(client, community, moderator)

    r = await client.post(f"/api/v1/invites/{link['token']}/accept", headers=headers)

    assert r.json()["status"] == "member"
    queue = await client.get("/api/v1/moderation/queue", headers=await bearer(moderator))
    assert [i for i in queue.json()["items"] if i["kind"] == "join_request"] == []


async def test_members_and_outsiders_cannot_make_or_list_invitations(
    client, private, make_user, make_community
):
    community, _ = private
    member, outsider = await make_user(), await make_user()
    await communities.set_member_status(
        await User.get(username="admin"), community, member.username, "member"
    )
    assert_error(
        await client.post(invites_url(community), json={}, headers=await bearer(member)), 403
    )
    assert_error(await client.get(invites_url(community), headers=await bearer(member)), 403)
    # A private community stays unknown to outsiders.
    assert_error(
        await client.post(invites_url(community), json={}, headers=await bearer(outsider)), 404
    )
    assert_error(await client.post(invites_url(community), json={}), 404)


@pytest.mark.parametrize("body", [{"max_uses": 0}, {"max_uses": "many"}, {"expires_in_days": 999}])
async def test_bad_limits_are_refused_field_by_field(client, private, body):
    community, moderator = private
    r = await client.post(invites_url(community), json=body, headers=await bearer(moderator))
    assert_error(r, 422, field=next(iter(body)))


async def gone_everywhere(client, token: str, slug: str, user: User) -> None:
    """Both the page and the API say the invitation is gone, and name nothing of it."""
    headers = await bearer(user)
    api = await client.get(f"/api/v1/invites/{token}", headers=headers)
    assert_error(api, 404, "invite_gone")
    assert_error(await client.post(f"/api/v1/invites/{token}/accept", headers=headers), 404)
    await sign_in(client, user)
    page = await client.get(f"/c/{slug}/invite/{token}")
    assert page.status_code == 404
    assert "not valid any more" in page.text
    assert PRIVATE_NAME not in page.text and PRIVATE_NAME not in api.text


async def test_a_revoked_link_says_so_and_shows_nothing_of_the_community(
    client, private, make_user
):
    community, moderator = private
    link = await make_link(client, community, moderator)
    r = await client.delete(
        f"{invites_url(community)}/{link['id']}", headers=await bearer(moderator)
    )
    assert r.json() == {"id": link["id"], "revoked": True}

    await gone_everywhere(client, link["token"], community.slug, await make_user())


async def test_an_expired_link_says_so(client, private, make_user):
    community, moderator = private
    link = await make_link(client, community, moderator, expires_in_days=1)
    past = datetime.now(UTC) - timedelta(minutes=1)
    await CommunityInvite.filter(id=link["id"]).update(expires_at=past)

    await gone_everywhere(client, link["token"], community.slug, await make_user())


async def test_a_used_up_link_says_so(client, private, make_user):
    community, moderator = private
    link = await make_link(client, community, moderator, max_uses=1)
    first = await make_user()
    r = await client.post(f"/api/v1/invites/{link['token']}/accept", headers=await bearer(first))
    assert r.json()["status"] == "member"

    await gone_everywhere(client, link["token"], community.slug, await make_user())


async def test_a_made_up_token_or_another_communitys_address_is_gone(
    client, private, make_user, make_community
):
    community, moderator = private
    link = await make_link(client, community, moderator)
    other = await make_community(slug="other-place")
    user = await make_user()
    await sign_in(client, user)
    assert (await client.get(f"/c/{other.slug}/invite/{link['token']}")).status_code == 404
    assert (await client.get(f"/c/{community.slug}/invite/{'x' * 43}")).status_code == 404
    assert (await client.get(f"/c/{community.slug}/invite/%00bad")).status_code == 404


async def test_after_the_community_is_deleted_its_links_are_gone(client, private, make_user):
    community, moderator = private
    link = await make_link(client, community, moderator)
    await Community.filter(id=community.id).delete()
    assert_error(
        await client.get(
            f"/api/v1/invites/{link['token']}", headers=await bearer(await make_user())
        ),
        404,
        "invite_gone",
    )


async def test_signed_out_visitors_are_asked_to_sign_in_and_shown_nothing_else(client, private):
    community, moderator = private
    link = await make_link(client, community, moderator)
    path = f"/c/{community.slug}/invite/{link['token']}"

    page = await client.get(path)

    assert page.status_code == 200
    assert PRIVATE_NAME not in page.text
    assert f"/login?next={path}" in page.text and f"/register?next={path}" in page.text
    assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"  # no path out
    api = await client.get(f"/api/v1/invites/{link['token']}")
    assert api.json()["community"] is None


async def test_the_invitation_page_shows_the_name_and_joins_on_the_button(
    client, private, make_user
):
    community, moderator = private
    link = await make_link(client, community, moderator)
    user = await make_user()
    csrf = await sign_in(client, user)
    path = f"/c/{community.slug}/invite/{link['token']}"

    page = await client.get(path)
    assert page.status_code == 200 and PRIVATE_NAME in page.text and ">Join</button>" in page.text
    # The invitation shows the name only: none of the community's threads or description.
    assert "Officers comparing notes." not in page.text
    r = await client.post(path, data={"csrf_token": csrf}, headers=SAME_ORIGIN)

    assert r.status_code == 303 and r.headers["location"] == f"/c/{community.slug}"
    assert await status_of(user, community) == "member"
    again = await client.get(path)
    assert "already a member" in again.text


async def test_joining_by_link_a_community_made_public_shows_no_more(client, private, make_user):
    community, moderator = private
    link = await make_link(client, community, moderator)
    await communities.set_visibility(await User.get(username="admin"), community, "public")
    await sign_in(client, await make_user())
    page = await client.get(f"/c/{community.slug}/invite/{link['token']}")
    assert PRIVATE_NAME in page.text and "Officers comparing notes." not in page.text


# Removed and suspended people


async def test_a_removed_member_cannot_rejoin_by_link_until_a_moderator_reinstates_them(
    client, private, make_user
):
    community, moderator = private
    admin = await User.get(username="admin")
    person = await make_user(username="was_removed")
    await communities.set_member_status(admin, community, person.username, "member")
    members = f"/api/v1/communities/{community.slug}/members/{person.username}"
    mod_headers = await bearer(moderator)
    await client.post(members, json={"status": "removed"}, headers=mod_headers)
    link = await make_link(client, community, moderator)
    headers = await bearer(person)

    refused = await client.post(f"/api/v1/invites/{link['token']}/accept", headers=headers)
    assert_error(refused, 403, "removed")
    await client.post(members, json={"status": "member"}, headers=mod_headers)  # reinstated
    await client.post(f"/api/v1/communities/{community.slug}/leave", headers=headers)
    joined = await client.post(f"/api/v1/invites/{link['token']}/accept", headers=headers)

    assert joined.json()["status"] == "member"


async def test_a_removed_member_invited_by_name_is_let_back_in(client, private, make_user):
    community, moderator = private
    admin = await User.get(username="admin")
    person = await make_user(username="second_chance")
    await communities.set_member_status(admin, community, person.username, "member")
    await communities.set_member_status(admin, community, person.username, "removed")
    invite = await make_link(client, community, moderator, username="second_chance")

    r = await client.post(f"/api/v1/me/invites/{invite['id']}/accept", headers=await bearer(person))

    assert r.json()["status"] == "member"
    assert not await communities.was_removed(person, community)


async def test_suspended_people_cannot_join_by_invitation(client, private, make_user):
    community, moderator = private
    link = await make_link(client, community, moderator)
    site = await make_user()
    await accounts.suspend(site, datetime.now(UTC) + timedelta(days=3), "spam")
    local = await make_user()
    await communities.suspend_member(
        community, local, datetime.now(UTC) + timedelta(days=3), "rude", by=moderator
    )
    for person in (site, local):
        r = await client.post(
            f"/api/v1/invites/{link['token']}/accept", headers=await bearer(person)
        )
        assert_error(r, 403, "suspended")
        assert await status_of(person, community) is None


# Personal invitations


async def test_an_invitation_by_username_is_notified_and_accepted_or_declined(
    client, private, make_user, make_community
):
    community, moderator = private
    person = await make_user(username="invitee")
    invite = await make_link(client, community, moderator, username="@Invitee")
    assert invite["to"] == "@invitee" and "token" not in invite
    headers = await bearer(person)

    notes = (await client.get("/api/v1/notifications", headers=headers)).json()["items"]
    [note] = [n for n in notes if n["kind"] == "invite"]
    assert note["data"]["name"] == PRIVATE_NAME and note["data"]["by"] == "cell_mod"
    mine = (await client.get("/api/v1/me/invites", headers=headers)).json()["items"]
    assert [m["id"] for m in mine] == [invite["id"]]
    r = await client.post(f"/api/v1/me/invites/{invite['id']}/accept", headers=headers)
    assert r.json() == {"status": "member", "community": community.slug}
    notes = (await client.get("/api/v1/notifications", headers=headers)).json()["items"]
    assert notes[0]["data"]["answered"] == "accepted"

    other = await make_community(slug="second-cell", visibility="private", moderators=(moderator,))
    second = await make_link(client, other, moderator, username="invitee")
    r = await client.post(f"/api/v1/me/invites/{second['id']}/decline", headers=headers)
    assert r.json() == {"status": "declined"}
    assert await status_of(person, other) is None
    assert_error(
        await client.post(f"/api/v1/me/invites/{second['id']}/accept", headers=headers), 404
    )


async def test_someone_elses_invitation_is_not_found(client, private, make_user):
    community, moderator = private
    await make_user(username="invitee")
    nosy = await make_user()
    invite = await make_link(client, community, moderator, username="invitee")
    r = await client.post(f"/api/v1/me/invites/{invite['id']}/accept", headers=await bearer(nosy))
    assert_error(r, 404)
    assert await status_of(nosy, community) is None


async def test_inviting_a_member_an_unknown_name_or_twice_is_refused(client, private, make_user):
    community, moderator = private
    await make_user(username="invitee")
    headers = await bearer(moderator)
    url = invites_url(community)
    assert_error(await client.post(url, json={"username": "nobody_here"}, headers=headers), 404)
    assert_error(await client.post(url, json={"username": "cell_mod"}, headers=headers), 422)
    assert (
        await client.post(url, json={"username": "invitee"}, headers=headers)
    ).status_code == 201
    assert_error(
        await client.post(url, json={"username": "invitee"}, headers=headers),
        409,
        "already_invited",
    )
    assert_error(
        await client.post(url, json={"username": "x", "email": "x@example.org"}, headers=headers),
        422,
    )


async def test_a_revoked_invitation_is_no_longer_offered_in_notifications(
    client, private, make_user
):
    community, moderator = private
    person = await make_user(username="invitee")
    invite = await make_link(client, community, moderator, username="invitee")
    await client.delete(f"{invites_url(community)}/{invite['id']}", headers=await bearer(moderator))
    headers = await bearer(person)

    notes = (await client.get("/api/v1/notifications", headers=headers)).json()["items"]

    assert notes[0]["data"] == {"invite_closed": True}
    await sign_in(client, person)
    page = await client.get("/notifications")
    assert "no longer open" in page.text and PRIVATE_NAME not in page.text
    assert f"/invites/{invite['id']}/accept" not in page.text
    assert_error(
        await client.post(f"/api/v1/me/invites/{invite['id']}/accept", headers=headers), 404
    )


async def test_the_notifications_page_accepts_an_invitation(client, private, make_user):
    community, moderator = private
    person = await make_user(username="invitee")
    invite = await make_link(client, community, moderator, username="invitee")
    csrf = await sign_in(client, person)
    page = await client.get("/notifications")
    assert f'action="/invites/{invite["id"]}/accept"' in page.text

    r = await client.post(
        f"/invites/{invite['id']}/accept", data={"csrf_token": csrf}, headers=SAME_ORIGIN
    )

    assert r.status_code == 303 and r.headers["location"] == f"/c/{community.slug}"
    assert await status_of(person, community) == "member"


# Email invitations


async def test_an_email_invitation_sends_a_link_that_works_after_registering(
    mail_client, make_community, make_user, smtp
):
    inbox, client = smtp[0], mail_client
    moderator = await make_user(username="cell_mod")
    community = await make_community(
        slug="tribal-cell", name=PRIVATE_NAME, visibility="private", moderators=(moderator,)
    )

    invite = await make_link(client, community, moderator, email="New.Officer@Example.org")

    assert invite["to"] == "new.officer@example.org"
    [raw] = inbox.messages
    email = message_from_bytes(raw, policy=policy.default)
    assert email["To"] == "new.officer@example.org" and PRIVATE_NAME in email["Subject"]
    text = email.get_body().get_content()  # type: ignore[union-attr]
    found = re.search(r"http://forum\.example(/c/tribal-cell/invite/[A-Za-z0-9_-]{43})", text)
    assert found, text
    path = found.group(1)
    # A newcomer opens it, registers from there and comes back to it.
    page = await client.get(path)
    assert f"/register?next={path}" in page.text
    form = await client.get(f"/register?next={path}")
    r = await client.post(
        "/register",
        data={
            "csrf_token": csrf_in(form.text),
            "next": path,
            "username": "new_officer",
            "email": "new.officer@example.org",
            "password": "a long enough password",
        },
        headers=SAME_ORIGIN,
    )
    assert r.status_code == 303 and r.headers["location"] == path
    page = await client.get(path)
    assert PRIVATE_NAME in page.text
    joined = await client.post(path, data={"csrf_token": csrf_in(page.text)}, headers=SAME_ORIGIN)
    assert joined.headers["location"] == "/c/tribal-cell"
    newcomer = await User.get(username="new_officer")
    assert await status_of(newcomer, community) == "member"
    # It worked once.
    assert (await client.get(path)).status_code == 404


async def test_the_moderator_is_told_the_same_whether_an_email_has_an_account(
    mail_client, make_community, make_user, smtp
):
    inbox, client = smtp[0], mail_client
    moderator = await make_user(username="cell_mod")
    community = await make_community(visibility="private", moderators=(moderator,))
    existing = await make_user(username="has_account", email="known@example.org")

    known = await make_link(client, community, moderator, email="known@example.org")
    unknown = await make_link(client, community, moderator, email="unknown@example.org")

    shape = {k for k in known if k not in ("id", "created_at", "expires_at", "to")}
    assert {k: known[k] for k in shape} == {k: unknown[k] for k in shape}
    assert known["to"] == "known@example.org" and len(inbox.messages) == 2
    listed = await client.get(invites_url(community), headers=await bearer(moderator))
    assert "has_account" not in listed.text
    # The account is told in its notifications too, and only it may use that invitation.
    assert await Notification.filter(user_id=existing.id, kind="invite").count() == 1
    sent = message_from_bytes(inbox.messages[0], policy=policy.default)
    body = sent.get_body().get_content()  # type: ignore[union-attr]
    token = re.findall(r"/invite/([A-Za-z0-9_-]{43})", body)[0]
    stranger = await bearer(await make_user())
    r = await client.post(f"/api/v1/invites/{token}/accept", headers=stranger)
    assert_error(r, 404, "invite_gone")
    r = await client.post(
        f"/api/v1/me/invites/{known['id']}/accept", headers=await bearer(existing)
    )
    assert r.json()["status"] == "member"


async def test_email_invitations_need_the_site_to_send_email(client, private, make_user):
    community, moderator = private
    await make_user(email="known@example.org")
    headers = await bearer(moderator)
    for address in ("known@example.org", "unknown@example.org"):
        r = await client.post(invites_url(community), json={"email": address}, headers=headers)
        assert_error(r, 422, "email_unavailable", field="email")
    assert await CommunityInvite.all().count() == 0


async def test_a_failed_email_revokes_the_invitation_again(
    dead_mail_client, make_community, make_user
):
    client = dead_mail_client
    moderator = await make_user(username="cell_mod")
    community = await make_community(visibility="private", moderators=(moderator,))
    r = await client.post(
        invites_url(community), json={"email": "far@example.org"}, headers=await bearer(moderator)
    )
    assert_error(r, 503, "mail_failed")
    [row] = await CommunityInvite.all()
    assert row.status == "revoked"


# The audit log and the rate limit


async def test_every_invitation_made_or_revoked_is_audited(client, private, make_user):
    community, moderator = private
    await make_user(username="invitee")
    link = await make_link(client, community, moderator, max_uses=3)
    await make_link(client, community, moderator, username="invitee")
    await client.delete(f"{invites_url(community)}/{link['id']}", headers=await bearer(moderator))
    # Revoking again changes nothing and records nothing.
    await client.delete(f"{invites_url(community)}/{link['id']}", headers=await bearer(moderator))

    rows = await AuditEntry.filter(community_id=community.id).order_by("id")
    assert [(r.action, r.target) for r in rows] == [
        ("invite.create", f"invite:{link['id']}"),
        ("invite.create", f"invite:{link['id'] + 1}"),
        ("invite.revoke", f"invite:{link['id']}"),
    ]
    assert "3 uses" in rows[0].note and rows[1].note == "to @invitee"
    log = await client.get("/api/v1/moderation/log", headers=await bearer(moderator))
    assert "invite.revoke" in log.text


async def test_making_invitations_is_rate_limited(limited_client, make_community, make_user):
    client = limited_client
    moderator = await make_user(username="cell_mod")
    community = await make_community(visibility="private", moderators=(moderator,))
    headers = await bearer(moderator)
    for _ in range(2):
        assert (await client.post(invites_url(community), json={}, headers=headers)).is_success
    r = await client.post(invites_url(community), json={}, headers=headers)
    assert_error(r, 429, "too_many_requests")
    assert int(r.headers["retry-after"]) >= 1


# The members page


async def test_the_members_page_makes_lists_and_revokes_invitations(client, private, make_user):
    community, moderator = private
    await make_user(username="invitee")
    csrf = await sign_in(client, moderator)
    url = f"/c/{community.slug}/members"
    page = await client.get(url)
    assert 'action="/c/tribal-cell/invites"' in page.text

    made = await client.post(
        f"/c/{community.slug}/invites",
        data={"csrf_token": csrf, "kind": "link", "expires_in_days": "7", "max_uses": "10"},
        headers=SAME_ORIGIN,
    )
    assert made.status_code == 201
    link = re.search(r"/c/tribal-cell/invite/([A-Za-z0-9_-]+)", made.text)
    assert link and "shown only once" in made.text
    person = await client.post(
        f"/c/{community.slug}/invites",
        data={"csrf_token": csrf, "kind": "person", "who": "invitee"},
        headers=SAME_ORIGIN,
    )
    assert person.status_code == 303
    page = await client.get(url)
    assert link.group(1) not in page.text  # the token is never shown again
    assert "For @invitee" in page.text and "0 of 10" in page.text and "@cell_mod" in page.text
    bad = await client.post(
        f"/c/{community.slug}/invites",
        data={"csrf_token": csrf, "kind": "person", "who": "no_such_person"},
        headers=SAME_ORIGIN,
    )
    assert bad.status_code == 404 and 'value="no_such_person"' in bad.text
    [row] = await CommunityInvite.filter(kind="link")
    revoked = await client.post(
        f"/c/{community.slug}/invites/{row.id}/revoke",
        data={"csrf_token": csrf},
        headers=SAME_ORIGIN,
    )
    assert revoked.status_code == 303
    assert (await CommunityInvite.get(id=row.id)).status == "revoked"


async def test_members_do_not_see_the_invitations(client, private, make_user):
    community, moderator = private
    member = await make_user()
    await communities.set_member_status(
        await User.get(username="admin"), community, member.username, "member"
    )
    await make_link(client, community, moderator)
    await sign_in(client, member)
    page = await client.get(f"/c/{community.slug}/members")
    assert page.status_code == 200 and "Invitations" not in page.text


# The directory's suggestions


async def test_the_directory_says_whether_a_suggestion_matches_role_or_sector(
    client, make_community, make_user
):
    reader = await make_user(role="Forest Officer", sector="Transport")
    await make_community(name="Forest Officer network", description="Range work.")
    await make_community(name="Transport planners", description="Buses and roads.")
    await make_community(name="Forest officers in transport", description="Timber logistics.")
    await sign_in(client, reader)

    page = await client.get("/communities")

    cards = re.findall(r'suggested-label">([^<]+)</span>\s*<h3><a [^>]*>([^<]+)<', page.text)
    assert sorted((name, label) for label, name in cards) == [
        ("Forest Officer network", "Suggested for your role"),
        ("Forest officers in transport", "Suggested for your role and sector"),
        ("Transport planners", "Suggested for your sector"),
    ]


async def test_a_last_use_taken_at_the_same_moment_lets_only_one_person_in(
    client, private, make_user
):
    community, moderator = private
    link = await make_link(client, community, moderator, max_uses=1)
    people = [await make_user() for _ in range(3)]
    url = f"/api/v1/invites/{link['token']}/accept"
    heads = [await bearer(p) for p in people]

    answers = await asyncio.gather(*(client.post(url, headers=h) for h in heads))

    assert sorted(r.status_code for r in answers) == [200, 404, 404]
    assert (await CommunityInvite.get(id=link["id"])).uses == 1


async def test_accepting_twice_at_once_makes_one_membership(client, private, make_user):
    community, moderator = private
    link = await make_link(client, community, moderator, max_uses=5)
    person = await make_user()
    headers = await bearer(person)
    url = f"/api/v1/invites/{link['token']}/accept"

    answers = await asyncio.gather(*(client.post(url, headers=headers) for _ in range(3)))

    assert [r.json()["status"] for r in answers] == ["member"] * 3
    assert (await Community.get(id=community.id)).member_count == 2  # the moderator and them
