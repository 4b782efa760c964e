"""API contract tests for communities: creating, listing, reading, joining, leaving and
managing members."""

from __future__ import annotations

import httpx
import pytest
from argon2 import PasswordHasher

from forum import security
from forum.models import AuditEntry, Community, Membership
from tests.conftest import bearer
from tests.forum.helpers import assert_error, assert_no_failures, attempt, error_problem

COMMUNITIES = "/api/v1/communities"
COMMUNITY_FIELDS = {
    "slug",
    "name",
    "description",
    "kind",
    "visibility",
    "member_count",
    "thread_count",
}


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Still argon2id, at the lowest cost: these tests are about communities, not passwords."""
    monkeypatch.setattr(
        security, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


def new_community(**overrides) -> dict:
    data = {
        "slug": "forest-officers",
        "name": "Forest Officers",
        "description": "Working plans, fire lines and the rest.",
        "kind": "role",
        "visibility": "public",
    }
    data.update(overrides)
    return data


def slugs(r) -> list[str]:
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) >= {"items", "next"}, body
    return [c["slug"] for c in body["items"]]


async def make_pending(user, community) -> None:
    """Puts a request to join in place, as a private community's join would."""
    await Membership.create(community=community, user=user, status="pending")


async def status_of(user, community) -> str | None:
    row = await Membership.get_or_none(community_id=community.id, user_id=user.id)
    return row.status if row else None


async def fresh(community) -> Community:
    return await Community.get(id=community.id)


def members_url(community, username: str | None = None) -> str:
    url = f"{COMMUNITIES}/{community.slug}/members"
    return f"{url}/{username}" if username else url


# Creating


async def test_admin_creates_a_community(client, admin):
    r = await client.post(COMMUNITIES, json=new_community(), headers=await bearer(admin))
    assert r.status_code == 201, r.text
    data = r.json()
    assert COMMUNITY_FIELDS <= set(data)
    assert data["slug"] == "forest-officers"
    assert data["name"] == "Forest Officers"
    assert data["description"] == "Working plans, fire lines and the rest."
    assert data["kind"] == "role" and data["visibility"] == "public"
    assert data["member_count"] == 0 and data["thread_count"] == 0
    assert await Community.filter(slug="forest-officers").exists()
    r = await client.get(f"{COMMUNITIES}/forest-officers")
    assert r.status_code == 200 and r.json()["name"] == "Forest Officers"


async def test_community_creation_is_audited(client, admin):
    r = await client.post(COMMUNITIES, json=new_community(), headers=await bearer(admin))
    assert r.status_code == 201, r.text
    entry = await AuditEntry.get(action="community.create")
    assert entry.actor_id == admin.id
    assert "forest-officers" in entry.target


async def test_create_community_anonymously_is_401(client, admin):
    assert_error(await client.post(COMMUNITIES, json=new_community()), 401)
    assert not await Community.filter(slug="forest-officers").exists()


async def test_create_community_as_member_is_403(client, admin, make_user):
    user = await make_user()
    assert_error(
        await client.post(COMMUNITIES, json=new_community(), headers=await bearer(user)), 403
    )
    assert not await Community.filter(slug="forest-officers").exists()


async def test_create_community_as_community_moderator_is_403(client, make_user, make_community):
    moderator = await make_user()
    await make_community(moderators=(moderator,))
    r = await client.post(COMMUNITIES, json=new_community(), headers=await bearer(moderator))
    assert_error(r, 403)


INVALID_COMMUNITIES = [
    ({"slug": "ab"}, "slug"),
    ({"slug": "Upper-Case"}, "slug"),
    ({"slug": "has space"}, "slug"),
    ({"slug": "under_score"}, "slug"),
    ({"slug": "-leading-dash"}, "slug"),
    ({"slug": "trailing-dash-"}, "slug"),
    ({"slug": "x" * 41}, "slug"),
    ({"slug": None}, "slug"),
    ({"slug": 12345}, "slug"),
    ({"kind": "club"}, "kind"),
    ({"kind": None}, "kind"),
    ({"kind": ["role"]}, "kind"),
    ({"visibility": "secret"}, "visibility"),
    ({"visibility": True}, "visibility"),
    ({"name": "ab"}, "name"),
    ({"name": {"x": 1}}, "name"),
    ({"description": ["x"]}, "description"),
]


async def test_create_community_with_invalid_fields_is_422(client, admin):
    headers = await bearer(admin)
    failures = []
    for overrides, field in INVALID_COMMUNITIES:
        r = await attempt(
            client, "POST", COMMUNITIES, json=new_community(**overrides), headers=headers
        )
        if problem := error_problem(r, 422, field):
            failures.append((overrides, problem))
    assert_no_failures(failures)
    assert await Community.all().count() == 0


async def test_create_community_accepts_every_kind_and_visibility(client, admin):
    headers = await bearer(admin)
    for kind, visibility in [
        ("role", "public"),
        ("sector", "private"),
        ("topic", "public"),
        ("alumni", "private"),
    ]:
        payload = new_community(slug=f"{kind}-group", kind=kind, visibility=visibility)
        r = await client.post(COMMUNITIES, json=payload, headers=headers)
        assert r.status_code == 201, r.text
        assert (r.json()["kind"], r.json()["visibility"]) == (kind, visibility)
    assert await Community.all().count() == 4


async def test_create_community_with_duplicate_slug_is_409(client, admin, make_community):
    await make_community(slug="forest-officers")
    r = await client.post(
        COMMUNITIES, json=new_community(name="Other name"), headers=await bearer(admin)
    )
    assert_error(r, 409)
    assert await Community.filter(slug="forest-officers").count() == 1


async def test_create_community_with_non_object_json_is_400(client, admin):
    r = await client.post(
        COMMUNITIES,
        content=b'["slug"]',
        headers={**await bearer(admin), "content-type": "application/json"},
    )
    assert_error(r, 400)


# Listing and reading


async def test_list_hides_private_communities_from_anonymous_callers(client, make_community):
    await make_community(slug="open-one")
    await make_community(slug="closed-one", visibility="private")
    assert slugs(await client.get(COMMUNITIES)) == ["open-one"]


async def test_list_hides_private_communities_from_non_members(client, make_user, make_community):
    outsider = await make_user()
    await make_community(slug="open-one")
    await make_community(slug="closed-one", visibility="private")
    assert slugs(await client.get(COMMUNITIES, headers=await bearer(outsider))) == ["open-one"]


async def test_list_hides_private_communities_from_pending_members(
    client, make_user, make_community
):
    asker = await make_user()
    await make_community(slug="open-one")
    closed = await make_community(slug="closed-one", visibility="private")
    await make_pending(asker, closed)
    assert slugs(await client.get(COMMUNITIES, headers=await bearer(asker))) == ["open-one"]


async def test_list_shows_private_communities_to_members(client, make_user, make_community):
    member = await make_user()
    await make_community(slug="open-one", name="A open")
    await make_community(
        slug="closed-one", name="B closed", visibility="private", members=(member,)
    )
    await make_community(slug="closed-two", name="C closed", visibility="private")
    assert sorted(slugs(await client.get(COMMUNITIES, headers=await bearer(member)))) == [
        "closed-one",
        "open-one",
    ]


async def test_list_shows_every_community_to_admins(client, admin, make_community):
    await make_community(slug="open-one")
    await make_community(slug="closed-one", visibility="private")
    assert sorted(slugs(await client.get(COMMUNITIES, headers=await bearer(admin)))) == [
        "closed-one",
        "open-one",
    ]


async def test_list_items_have_the_community_shape(client, make_community):
    await make_community(slug="open-one")
    r = await client.get(COMMUNITIES)
    assert r.status_code == 200
    assert r.json()["next"] is None
    item = r.json()["items"][0]
    assert COMMUNITY_FIELDS <= set(item)


async def test_list_filters_by_kind(client, make_community):
    await make_community(slug="role-one", kind="role")
    await make_community(slug="sector-one", kind="sector")
    await make_community(slug="topic-one", kind="topic")
    assert slugs(await client.get(COMMUNITIES, params={"kind": "sector"})) == ["sector-one"]
    assert slugs(await client.get(COMMUNITIES, params={"kind": "alumni"})) == []


async def test_list_kind_filter_still_hides_private_communities(client, make_user, make_community):
    outsider = await make_user()
    await make_community(slug="open-topic", kind="topic")
    await make_community(slug="closed-topic", kind="topic", visibility="private")
    r = await client.get(COMMUNITIES, params={"kind": "topic"}, headers=await bearer(outsider))
    assert slugs(r) == ["open-topic"]


async def test_list_with_unknown_kind_is_a_client_error(client, make_community):
    await make_community()
    failures = []
    for kind in ["club", "ROLE", "x" * 5000, "role' OR '1'='1", "role,sector"]:
        r = await attempt(client, "GET", COMMUNITIES, params={"kind": kind})
        status = (
            r.status_code if isinstance(r, httpx.Response) and r.status_code in (400, 422) else 422
        )
        if problem := error_problem(r, status):
            failures.append((kind[:40], problem))
    assert_no_failures(failures)


async def test_get_public_community_anonymously(client, make_community):
    community = await make_community(slug="open-one", name="Open One", kind="sector")
    r = await client.get(f"{COMMUNITIES}/open-one")
    assert r.status_code == 200, r.text
    data = r.json()
    assert COMMUNITY_FIELDS <= set(data)
    assert (data["slug"], data["name"], data["kind"], data["visibility"]) == (
        "open-one",
        "Open One",
        "sector",
        "public",
    )
    assert data["description"] == community.description


async def test_private_community_is_404_to_anonymous_callers(client, make_community):
    await make_community(slug="closed-one", visibility="private")
    assert_error(await client.get(f"{COMMUNITIES}/closed-one"), 404)


async def test_private_community_is_404_to_non_members(client, make_user, make_community):
    outsider = await make_user()
    await make_community(slug="closed-one", visibility="private")
    assert_error(await client.get(f"{COMMUNITIES}/closed-one", headers=await bearer(outsider)), 404)


async def test_private_community_404_is_the_same_as_a_missing_one(
    client, make_user, make_community
):
    outsider = await make_user()
    await make_community(slug="closed-one", visibility="private")
    headers = await bearer(outsider)
    hidden = assert_error(await client.get(f"{COMMUNITIES}/closed-one", headers=headers), 404)
    missing = assert_error(await client.get(f"{COMMUNITIES}/no-such-one", headers=headers), 404)
    assert hidden == missing


async def test_private_community_is_readable_by_members_and_admins(
    client, admin, make_user, make_community
):
    member = await make_user()
    await make_community(slug="closed-one", visibility="private", members=(member,))
    r = await client.get(f"{COMMUNITIES}/closed-one", headers=await bearer(member))
    assert r.status_code == 200, r.text
    assert r.json()["visibility"] == "private"
    r = await client.get(f"{COMMUNITIES}/closed-one", headers=await bearer(admin))
    assert r.status_code == 200, r.text


async def test_unknown_community_is_404(client):
    assert_error(await client.get(f"{COMMUNITIES}/no-such-community"), 404)
    assert_error(await client.get(f"{COMMUNITIES}/{'x' * 500}"), 404)


# Joining and leaving


async def test_joining_a_public_community_makes_a_member(client, make_user, make_community):
    user = await make_user()
    community = await make_community()
    headers = await bearer(user)
    r = await client.post(f"{COMMUNITIES}/{community.slug}/join", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "member"
    assert await status_of(user, community) == "member"
    assert (await fresh(community)).member_count == 1
    r = await client.get(f"{COMMUNITIES}/{community.slug}", headers=headers)
    assert r.json()["member_count"] == 1


async def test_joining_twice_keeps_one_membership(client, make_user, make_community):
    user = await make_user()
    community = await make_community()
    headers = await bearer(user)
    for _ in range(2):
        r = await client.post(f"{COMMUNITIES}/{community.slug}/join", headers=headers)
        assert r.status_code == 200 and r.json()["status"] == "member", r.text
    assert await Membership.filter(community_id=community.id).count() == 1
    assert (await fresh(community)).member_count == 1


async def test_joining_anonymously_is_401(client, make_community):
    community = await make_community()
    assert_error(await client.post(f"{COMMUNITIES}/{community.slug}/join"), 401)


async def test_joining_a_private_community_asks_for_approval(client, make_user, make_community):
    user = await make_user()
    community = await make_community(visibility="private")
    r = await client.post(f"{COMMUNITIES}/{community.slug}/join", headers=await bearer(user))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "pending"
    assert await status_of(user, community) == "pending"
    assert (await fresh(community)).member_count == 0


async def test_pending_member_still_cannot_read_a_private_community(
    client, make_user, make_community, make_thread
):
    owner = await make_user()
    asker = await make_user()
    community = await make_community(visibility="private", members=(owner,))
    thread = await make_thread(owner, community)
    await make_pending(asker, community)
    headers = await bearer(asker)
    assert_error(await client.get(f"{COMMUNITIES}/{community.slug}", headers=headers), 404)
    assert_error(await client.get(f"{COMMUNITIES}/{community.slug}/threads", headers=headers), 404)
    assert_error(await client.get(f"/api/v1/threads/{thread.id}", headers=headers), 404)
    assert_error(await client.get(f"{COMMUNITIES}/{community.slug}/members", headers=headers), 404)
    r = await client.post(
        f"{COMMUNITIES}/{community.slug}/threads",
        json={"title": "Let me in please", "body": "x"},
        headers=headers,
    )
    assert_error(r, 404)


async def test_leaving_removes_the_membership(client, make_user, make_community):
    user = await make_user()
    stays = await make_user()
    community = await make_community(members=(user, stays))
    assert (await fresh(community)).member_count == 2
    headers = await bearer(user)
    r = await client.post(f"{COMMUNITIES}/{community.slug}/leave", headers=headers)
    assert r.status_code == 200, r.text
    assert await status_of(user, community) is None
    assert await status_of(stays, community) == "member"
    assert (await fresh(community)).member_count == 1
    # No longer a member: posting is refused.
    r = await client.post(
        f"{COMMUNITIES}/{community.slug}/threads",
        json={"title": "Still here?", "body": "x"},
        headers=headers,
    )
    assert_error(r, 403)


async def test_leaving_a_private_community_ends_read_access(client, make_user, make_community):
    user = await make_user()
    community = await make_community(visibility="private", members=(user,))
    headers = await bearer(user)
    assert (await client.get(f"{COMMUNITIES}/{community.slug}", headers=headers)).status_code == 200
    r = await client.post(f"{COMMUNITIES}/{community.slug}/leave", headers=headers)
    assert r.status_code == 200, r.text
    assert_error(await client.get(f"{COMMUNITIES}/{community.slug}", headers=headers), 404)
    assert slugs(await client.get(COMMUNITIES, headers=headers)) == []


async def test_leaving_without_being_a_member_changes_nothing(client, make_user, make_community):
    user = await make_user()
    member = await make_user()
    community = await make_community(members=(member,))
    r = await client.post(f"{COMMUNITIES}/{community.slug}/leave", headers=await bearer(user))
    assert r.status_code == 200, r.text
    assert (await fresh(community)).member_count == 1


async def test_leaving_anonymously_is_401(client, make_community):
    community = await make_community()
    assert_error(await client.post(f"{COMMUNITIES}/{community.slug}/leave"), 401)


# Members


async def test_members_list_shows_members_and_moderators(client, make_user, make_community):
    member = await make_user(username="member_a")
    moderator = await make_user(username="moder_b")
    asker = await make_user(username="asker_c")
    community = await make_community(members=(member,), moderators=(moderator,))
    await make_pending(asker, community)
    r = await client.get(members_url(community))
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert {i["username"]: i["status"] for i in items} == {
        "member_a": "member",
        "moder_b": "moderator",
    }


async def test_pending_requests_are_listed_for_moderators_only(client, make_user, make_community):
    member = await make_user()
    moderator = await make_user()
    asker = await make_user(username="asker_c")
    community = await make_community(members=(member,), moderators=(moderator,))
    await make_pending(asker, community)
    r = await client.get(
        members_url(community), params={"status": "pending"}, headers=await bearer(moderator)
    )
    assert r.status_code == 200, r.text
    assert [(i["username"], i["status"]) for i in r.json()["items"]] == [("asker_c", "pending")]
    r = await client.get(
        members_url(community), params={"status": "pending"}, headers=await bearer(member)
    )
    assert_error(r, 403)


async def test_members_list_of_private_community_is_404_to_non_members(
    client, make_user, make_community
):
    outsider = await make_user()
    community = await make_community(visibility="private")
    assert_error(await client.get(members_url(community)), 404)
    assert_error(await client.get(members_url(community), headers=await bearer(outsider)), 404)


async def test_moderator_approves_a_pending_member(client, make_user, make_community, make_thread):
    moderator = await make_user()
    asker = await make_user(username="asker_c")
    community = await make_community(visibility="private", moderators=(moderator,))
    thread = await make_thread(moderator, community)
    await make_pending(asker, community)
    assert (await fresh(community)).member_count == 1
    r = await client.post(
        members_url(community, "asker_c"),
        json={"status": "member"},
        headers=await bearer(moderator),
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "member"
    assert await status_of(asker, community) == "member"
    assert (await fresh(community)).member_count == 2
    assert await AuditEntry.filter(action="member.approve", actor_id=moderator.id).exists()
    headers = await bearer(asker)
    assert (await client.get(f"{COMMUNITIES}/{community.slug}", headers=headers)).status_code == 200
    assert (await client.get(f"/api/v1/threads/{thread.id}", headers=headers)).status_code == 200


async def test_moderator_removes_a_member(client, make_user, make_community):
    moderator = await make_user()
    member = await make_user(username="member_a")
    community = await make_community(
        visibility="private", members=(member,), moderators=(moderator,)
    )
    r = await client.post(
        members_url(community, "member_a"),
        json={"status": "removed"},
        headers=await bearer(moderator),
    )
    assert r.status_code == 200, r.text
    assert await status_of(member, community) is None
    assert (await fresh(community)).member_count == 1
    assert_error(
        await client.get(f"{COMMUNITIES}/{community.slug}", headers=await bearer(member)), 404
    )


async def test_moderator_cannot_name_moderators(client, make_user, make_community):
    moderator = await make_user()
    member = await make_user(username="member_a")
    community = await make_community(members=(member,), moderators=(moderator,))
    r = await client.post(
        members_url(community, "member_a"),
        json={"status": "moderator"},
        headers=await bearer(moderator),
    )
    assert_error(r, 403)
    assert await status_of(member, community) == "member"


async def test_moderator_cannot_remove_another_moderator(client, make_user, make_community):
    first = await make_user()
    second = await make_user(username="second_mod")
    community = await make_community(moderators=(first, second))
    r = await client.post(
        members_url(community, "second_mod"),
        json={"status": "removed"},
        headers=await bearer(first),
    )
    assert_error(r, 403)
    assert await status_of(second, community) == "moderator"


async def test_admin_names_a_moderator(client, admin, make_user, make_community, make_thread):
    member = await make_user(username="member_a")
    author = await make_user()
    community = await make_community(members=(member, author))
    thread = await make_thread(author, community)
    r = await client.post(
        members_url(community, "member_a"),
        json={"status": "moderator"},
        headers=await bearer(admin),
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "moderator"
    assert await status_of(member, community) == "moderator"
    # The new moderator can now moderate.
    r = await client.patch(
        f"/api/v1/threads/{thread.id}", json={"pinned": True}, headers=await bearer(member)
    )
    assert r.status_code == 200, r.text


async def test_plain_member_cannot_change_memberships(client, make_user, make_community):
    member = await make_user()
    asker = await make_user(username="asker_c")
    community = await make_community(visibility="private", members=(member,))
    await make_pending(asker, community)
    r = await client.post(
        members_url(community, "asker_c"), json={"status": "member"}, headers=await bearer(member)
    )
    assert_error(r, 403)
    assert await status_of(asker, community) == "pending"


async def test_changing_memberships_anonymously_is_401(client, make_user, make_community):
    member = await make_user(username="member_a")
    community = await make_community(members=(member,))
    r = await client.post(members_url(community, "member_a"), json={"status": "removed"})
    assert_error(r, 401)
    assert await status_of(member, community) == "member"


async def test_changing_membership_of_unknown_user_is_404(client, make_user, make_community):
    moderator = await make_user()
    community = await make_community(moderators=(moderator,))
    r = await client.post(
        members_url(community, "nobody_here"),
        json={"status": "member"},
        headers=await bearer(moderator),
    )
    assert_error(r, 404)


async def test_changing_membership_to_an_invalid_status_is_422(client, make_user, make_community):
    moderator = await make_user()
    asker = await make_user(username="asker_c")
    community = await make_community(visibility="private", moderators=(moderator,))
    await make_pending(asker, community)
    headers = await bearer(moderator)
    failures = []
    for status in ["boss", "pending", "MEMBER", "", None, 1, ["member"], {"status": "member"}]:
        r = await attempt(
            client,
            "POST",
            members_url(community, "asker_c"),
            json={"status": status},
            headers=headers,
        )
        if problem := error_problem(r, 422, "status"):
            failures.append((status, problem))
    r = await attempt(client, "POST", members_url(community, "asker_c"), json={}, headers=headers)
    if problem := error_problem(r, 422, "status"):
        failures.append(("no status", problem))
    assert_no_failures(failures)
    assert await status_of(asker, community) == "pending"


async def test_moderator_of_another_community_cannot_change_memberships(
    client, make_user, make_community
):
    moderator = await make_user()
    asker = await make_user(username="asker_c")
    await make_community(moderators=(moderator,))
    community = await make_community(visibility="private")
    await make_pending(asker, community)
    r = await client.post(
        members_url(community, "asker_c"),
        json={"status": "member"},
        headers=await bearer(moderator),
    )
    assert r.status_code in (403, 404), r.text
    assert_error(r, r.status_code)
    assert await status_of(asker, community) == "pending"


# Counters


async def test_member_and_thread_counts_follow_activity(client, make_user, make_community):
    alice = await make_user()
    bob = await make_user()
    community = await make_community()
    url = f"{COMMUNITIES}/{community.slug}"

    async def counts() -> tuple[int, int]:
        data = (await client.get(url)).json()
        return data["member_count"], data["thread_count"]

    assert await counts() == (0, 0)
    for user in (alice, bob):
        assert (await client.post(f"{url}/join", headers=await bearer(user))).status_code == 200
    assert await counts() == (2, 0)
    r = await client.post(
        f"{url}/threads",
        json={"title": "First thread here", "body": "x"},
        headers=await bearer(alice),
    )
    assert r.status_code == 201, r.text
    first_post = r.json()["posts"][0]["id"]
    r = await client.post(
        f"{url}/threads",
        json={"title": "Second thread here", "body": "y"},
        headers=await bearer(bob),
    )
    assert r.status_code == 201, r.text
    assert await counts() == (2, 2)
    listed = {c["slug"]: c for c in (await client.get(COMMUNITIES)).json()["items"]}
    assert (listed[community.slug]["member_count"], listed[community.slug]["thread_count"]) == (
        2,
        2,
    )
    # Deleting the opening post of an unanswered thread deletes the thread.
    assert (
        await client.delete(f"/api/v1/posts/{first_post}", headers=await bearer(alice))
    ).status_code == 200
    assert await counts() == (2, 1)
    assert (await client.post(f"{url}/leave", headers=await bearer(bob))).status_code == 200
    assert await counts() == (1, 1)


async def test_admin_makes_a_community_private_and_back_moderators_cannot(
    client, admin, make_user, make_community, make_thread
):
    moderator, member = await make_user(), await make_user()
    community = await make_community(members=(member,), moderators=(moderator,))
    thread = await make_thread(member, community)
    path = f"/api/v1/communities/{community.slug}"

    r = await client.patch(path, json={"visibility": "private"}, headers=await bearer(moderator))
    assert r.status_code == 403, r.text
    r = await client.patch(path, json={"visibility": "secret"}, headers=await bearer(admin))
    assert r.status_code == 422, r.text
    assert (await client.get(path)).status_code == 200

    r = await client.patch(path, json={"visibility": "private"}, headers=await bearer(admin))
    assert r.status_code == 200, r.text
    assert (await client.get(path)).status_code == 404
    assert (await client.get(f"/api/v1/threads/{thread.id}")).status_code == 404
    assert (await client.get(f"/t/{thread.id}")).status_code == 404
    member_view = await client.get(f"/api/v1/threads/{thread.id}", headers=await bearer(member))
    assert member_view.status_code == 200
    assert await AuditEntry.filter(action="community.visibility").count() == 1

    r = await client.patch(path, json={"visibility": "public"}, headers=await bearer(admin))
    assert r.status_code == 200
    assert (await client.get(path)).status_code == 200
