"""API contract tests for threads and posts: starting, listing and paging, replying, editing
with history, sanitised HTML, soft deletion, pinning and locking, privacy and bad input."""

from __future__ import annotations

from datetime import datetime
from html.parser import HTMLParser

import httpx
import pytest
from argon2 import PasswordHasher

from forum import security
from forum.models import AuditEntry, Community, Post, PostRevision, Thread
from tests.conftest import bearer
from tests.forum.helpers import assert_error, assert_no_failures, attempt, error_problem

THREAD_FIELDS = {
    "id",
    "community",
    "title",
    "author",
    "tags",
    "status",
    "pinned",
    "locked",
    "post_count",
    "created_at",
    "last_activity_at",
}
POST_FIELDS = {
    "id",
    "thread_id",
    "author",
    "body",
    "body_html",
    "status",
    "created_at",
    "edited_at",
}


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Still argon2id, at the lowest cost: these tests are about threads, not passwords."""
    monkeypatch.setattr(
        security, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


def assert_iso(value: str) -> None:
    assert datetime.fromisoformat(value).utcoffset() is not None, value


def threads_url(community) -> str:
    return f"/api/v1/communities/{community.slug}/threads"


async def start_thread(client, user, community, **fields) -> dict:
    payload = {"title": "How do you clear e-office backlogs?", "body": "We have 400 files pending."}
    payload.update(fields)
    r = await client.post(threads_url(community), json=payload, headers=await bearer(user))
    assert r.status_code == 201, r.text
    return r.json()


async def post_reply(client, user, thread_id: int, body: str = "An answer.", **fields) -> dict:
    r = await client.post(
        f"/api/v1/threads/{thread_id}/posts",
        json={"body": body, **fields},
        headers=await bearer(user),
    )
    assert r.status_code == 201, r.text
    return r.json()


async def thread_json(client, thread_id: int, user=None, **params) -> dict:
    headers = await bearer(user) if user else {}
    r = await client.get(f"/api/v1/threads/{thread_id}", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def listed_ids(client, community, user=None, **params) -> tuple[list[int], str | None]:
    headers = await bearer(user) if user else {}
    r = await client.get(threads_url(community), params=params, headers=headers)
    assert r.status_code == 200, r.text
    return [t["id"] for t in r.json()["items"]], r.json()["next"]


class Elements(HTMLParser):
    """Every start tag of an HTML fragment with its attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {k: v or "" for k, v in attrs}))

    def tags(self) -> set[str]:
        return {t for t, _ in self.found}


def assert_safe_html(html: str) -> Elements:
    elements = Elements(html)
    assert not elements.tags() & {
        "script",
        "iframe",
        "object",
        "embed",
        "style",
        "svg",
        "b",
        "div",
    }, html
    for tag, attrs in elements.found:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, html)
            assert name != "style" or "expression" not in value, html
            if name in ("href", "src"):
                assert (
                    value.strip().lower().startswith(("http://", "https://", "mailto:", "/", "#"))
                ), (tag, name, value)
    return elements


# Starting threads


async def test_member_starts_a_published_thread(client, make_user, make_community):
    user = await make_user(username="asha_k")
    community = await make_community(members=(user,))
    data = await start_thread(
        client, user, community, title="  Clearing   files  ", body="Body **bold**"
    )
    assert THREAD_FIELDS <= set(data)
    assert data["status"] == "published"
    assert data["community"] == community.slug
    assert data["title"] == "Clearing files"
    assert data["author"] == "asha_k"
    assert data["pinned"] is False and data["locked"] is False
    assert data["post_count"] == 1
    assert data["tags"] == []
    assert_iso(data["created_at"])
    assert_iso(data["last_activity_at"])
    [first] = data["posts"]
    assert POST_FIELDS <= set(first)
    assert first["thread_id"] == data["id"]
    assert first["body"] == "Body **bold**"
    assert "<strong>bold</strong>" in first["body_html"]
    assert first["status"] == "published"
    assert first["edited_at"] is None
    assert await Thread.filter(id=data["id"], community_id=community.id).exists()


async def test_thread_tags_are_normalised(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    data = await start_thread(
        client, user, community, tags=["  Budget ", "#E-Office", "budget", "gfr-2017"]
    )
    assert data["tags"] == ["budget", "e-office", "gfr-2017"]
    fetched = await thread_json(client, data["id"])
    assert fetched["tags"] == ["budget", "e-office", "gfr-2017"]


async def test_thread_is_readable_after_creation(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    data = await start_thread(client, user, community)
    fetched = await thread_json(client, data["id"])
    assert THREAD_FIELDS <= set(fetched)
    assert fetched["title"] == data["title"]
    assert [p["id"] for p in fetched["posts"]] == [data["posts"][0]["id"]]


async def test_admin_may_post_without_joining(client, admin, make_community):
    community = await make_community()
    data = await start_thread(client, admin, community)
    assert data["author"] == "admin"


async def test_non_member_cannot_start_a_thread(client, make_user, make_community):
    outsider = await make_user()
    community = await make_community()
    r = await client.post(
        threads_url(community),
        json={"title": "Let me post", "body": "x"},
        headers=await bearer(outsider),
    )
    assert_error(r, 403)
    assert await Thread.all().count() == 0


async def test_anonymous_cannot_start_a_thread(client, make_community):
    community = await make_community()
    r = await client.post(threads_url(community), json={"title": "Let me post", "body": "x"})
    assert_error(r, 401)
    assert await Thread.all().count() == 0


async def test_starting_a_thread_in_a_private_community_as_non_member_is_404(
    client, make_user, make_community
):
    outsider = await make_user()
    community = await make_community(visibility="private")
    r = await client.post(
        threads_url(community),
        json={"title": "Let me post", "body": "x"},
        headers=await bearer(outsider),
    )
    assert_error(r, 404)
    r = await client.post(threads_url(community), json={"title": "Let me post", "body": "x"})
    assert_error(r, 404)
    assert await Thread.all().count() == 0


async def test_starting_a_thread_in_an_unknown_community_is_404(client, make_user):
    user = await make_user()
    r = await client.post(
        "/api/v1/communities/nowhere/threads",
        json={"title": "Hello there", "body": "x"},
        headers=await bearer(user),
    )
    assert_error(r, 404)


INVALID_THREADS = [
    ({"title": "abcd"}, "title"),
    ({"title": "    a    "}, "title"),
    ({"title": "x" * 151}, "title"),
    ({"title": None}, "title"),
    ({"title": 12345678}, "title"),
    ({"title": ["a", "list", "title"]}, "title"),
    ({"body": None}, "body"),
    ({"body": ""}, "body"),
    ({"body": "   \n  "}, "body"),
    ({"body": ["a", "list"]}, "body"),
    ({"body": {"text": "x"}}, "body"),
    ({"body": 42}, "body"),
    ({"body": True}, "body"),
    ({"body": "x" * 20_001}, "body"),
    ({"tags": ["a", "b", "c", "d", "e", "f"]}, "tags"),
    ({"tags": ["has space"]}, "tags"),
    ({"tags": ["x" * 31]}, "tags"),
    ({"tags": ["-dash-first"]}, "tags"),
    ({"tags": ["<script>"]}, "tags"),
    ({"tags": ["ok", 5]}, "tags"),
    ({"tags": [["nested"]]}, "tags"),
    ({"tags": {"a": "b"}}, "tags"),
    ({"tags": 7}, "tags"),
]


async def test_start_thread_with_invalid_fields_is_422(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    headers = await bearer(user)
    failures = []
    for overrides, field in INVALID_THREADS:
        payload = {"title": "A proper title", "body": "A body."} | overrides
        r = await attempt(client, "POST", threads_url(community), json=payload, headers=headers)
        if problem := error_problem(r, 422, field):
            failures.append((overrides, problem))
    assert_no_failures(failures)
    assert await Thread.all().count() == 0
    assert (await Community.get(id=community.id)).thread_count == 0


async def test_start_thread_without_a_body_field_is_422(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    r = await client.post(
        threads_url(community), json={"title": "A proper title"}, headers=await bearer(user)
    )
    error = assert_error(r, 422)
    assert "body" in error.get("fields", {}), error


async def test_five_tags_are_allowed(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    data = await start_thread(client, user, community, tags=["a1", "b2", "c3", "d4", "e5"])
    assert data["tags"] == ["a1", "b2", "c3", "d4", "e5"]


async def test_start_thread_with_bad_json_is_400(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    headers = {**await bearer(user), "content-type": "application/json"}
    failures = []
    for payload in [b"[]", b'"title"', b"12", b"{not json", b"\xff\xfe"]:
        r = await attempt(client, "POST", threads_url(community), content=payload, headers=headers)
        if problem := error_problem(r, 400):
            failures.append((payload, problem))
    assert_no_failures(failures)
    assert await Thread.all().count() == 0


# Listing threads


async def test_threads_are_listed_newest_activity_first(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    first = (await start_thread(client, user, community, title="First thread"))["id"]
    second = (await start_thread(client, user, community, title="Second thread"))["id"]
    third = (await start_thread(client, user, community, title="Third thread"))["id"]
    assert (await listed_ids(client, community))[0] == [third, second, first]
    await post_reply(client, user, first)
    ids, next_cursor = await listed_ids(client, community)
    assert ids == [first, third, second]
    assert next_cursor is None


async def test_thread_list_items_have_the_thread_shape(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    await start_thread(client, user, community, tags=["budget"])
    r = await client.get(threads_url(community))
    [item] = r.json()["items"]
    assert THREAD_FIELDS <= set(item)
    assert item["tags"] == ["budget"] and item["community"] == community.slug


async def test_thread_list_pages_with_a_cursor(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    made = [
        (await start_thread(client, user, community, title=f"Thread number {i}"))["id"]
        for i in range(5)
    ]
    expected = list(reversed(made))
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        ids, cursor = await listed_ids(client, community, **params)
        pages += 1
        assert len(ids) <= 2
        seen.extend(ids)
        if cursor is None:
            break
        assert isinstance(cursor, str) and pages < 10
    assert seen == expected
    assert pages == 3


async def test_thread_list_cursor_breaks_ties_on_equal_activity_times(
    client, make_user, make_community
):
    user = await make_user()
    community = await make_community(members=(user,))
    made = [
        (await start_thread(client, user, community, title=f"Thread number {i}"))["id"]
        for i in range(4)
    ]
    same = await Thread.get(id=made[0]).values_list("last_activity_at", flat=True)
    await Thread.filter(id__in=made).update(last_activity_at=same)
    page1, cursor = await listed_ids(client, community, limit=2)
    assert cursor is not None
    page2, cursor = await listed_ids(client, community, limit=2, cursor=cursor)
    assert cursor is None
    assert page1 + page2 == sorted(made, reverse=True)


async def test_thread_list_filters_by_tag(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    tagged = (await start_thread(client, user, community, tags=["budget"]))["id"]
    await start_thread(client, user, community, tags=["transfers"])
    assert (await listed_ids(client, community, tag="budget"))[0] == [tagged]


async def test_thread_list_with_a_malformed_cursor_is_400(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    await start_thread(client, user, community)
    failures = []
    for cursor in ["garbage", "123", "1.x", "x.1", "1.2.3", ".", "99999999999999999999999999.1"]:
        r = await attempt(client, "GET", threads_url(community), params={"cursor": cursor})
        if problem := error_problem(r, 400):
            failures.append((cursor, problem))
    assert_no_failures(failures)


async def test_thread_list_cursor_with_an_out_of_range_id_is_400_or_served(
    client, make_user, make_community
):
    """A cursor naming an id no row can have is either refused (400) or served as a position,
    never a server error, on any database."""
    user = await make_user()
    community = await make_community(members=(user,))
    thread = await start_thread(client, user, community)
    stamp = int(datetime.fromisoformat(thread["last_activity_at"]).timestamp() * 1_000_000) + 1
    failures = []
    for ident in ["2147483648", "9223372036854775808", "9" * 30]:
        r = await attempt(
            client, "GET", threads_url(community), params={"cursor": f"{stamp}.{ident}"}
        )
        if isinstance(r, httpx.Response) and r.status_code == 200:
            if [t["id"] for t in r.json()["items"]] != [thread["id"]]:
                failures.append((ident, r.text[:300]))
        elif problem := error_problem(r, 400):
            failures.append((ident, problem))
    assert_no_failures(failures)


async def test_thread_list_with_a_bad_limit_is_400(client, make_community):
    community = await make_community()
    failures = []
    for limit in ["100000", "101", "0", "-1", "abc", "1e3", "2.5"]:
        r = await attempt(client, "GET", threads_url(community), params={"limit": limit})
        if problem := error_problem(r, 400):
            failures.append((limit, problem))
    assert_no_failures(failures)


async def test_private_thread_list_is_404_to_non_members(
    client, make_user, make_community, make_thread
):
    member = await make_user()
    outsider = await make_user()
    community = await make_community(visibility="private", members=(member,))
    await make_thread(member, community)
    assert_error(await client.get(threads_url(community)), 404)
    assert_error(await client.get(threads_url(community), headers=await bearer(outsider)), 404)
    ids, _ = await listed_ids(client, community, member)
    assert len(ids) == 1


# Reading a thread, paged


async def test_thread_posts_page_with_after_cursor(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    thread = await start_thread(client, user, community, body="Post 1")
    ids = [thread["posts"][0]["id"]] + [
        (await post_reply(client, user, thread["id"], f"Post {n}"))["id"] for n in range(2, 6)
    ]
    seen: list[int] = []
    page = await thread_json(client, thread["id"], limit=2)
    assert [p["body"] for p in page["posts"]] == ["Post 1", "Post 2"]
    seen += [p["id"] for p in page["posts"]]
    for _ in range(5):
        if not page.get("next"):
            break
        page = await thread_json(client, thread["id"], limit=2, after=page["next"])
        seen += [p["id"] for p in page["posts"]]
    assert seen == ids
    assert page["next"] is None
    assert page["post_count"] == 5


async def test_thread_posts_after_the_last_post_is_an_empty_page(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    thread = await start_thread(client, user, community)
    page = await thread_json(client, thread["id"], after=thread["posts"][0]["id"])
    assert page["posts"] == [] and page["next"] is None


async def test_thread_with_a_malformed_after_cursor_is_400(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    thread = await start_thread(client, user, community)
    failures = []
    for after in ["abc", "-1", "1.5", "0x10", " 1", "9" * 40, "\u00b2"]:
        r = await attempt(client, "GET", f"/api/v1/threads/{thread['id']}", params={"after": after})
        if problem := error_problem(r, 400):
            failures.append((after, problem))
    assert_no_failures(failures)


async def test_thread_with_an_after_cursor_from_another_thread_is_400(
    client, make_user, make_community
):
    user = await make_user()
    community = await make_community(members=(user,))
    one = await start_thread(client, user, community)
    other = await start_thread(client, user, community)
    r = await client.get(f"/api/v1/threads/{one['id']}", params={"after": other["posts"][0]["id"]})
    assert_error(r, 400)


async def test_thread_with_an_out_of_range_after_cursor_is_400(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    thread = await start_thread(client, user, community)
    failures = []
    for after in ["2147483648", "4294967296", "999999999999"]:
        r = await attempt(client, "GET", f"/api/v1/threads/{thread['id']}", params={"after": after})
        if problem := error_problem(r, 400):
            failures.append((after, problem))
    assert_no_failures(failures)


async def test_thread_with_a_bad_limit_is_400(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    thread = await start_thread(client, user, community)
    failures = []
    for limit in ["100000", "101", "0", "abc"]:
        r = await attempt(client, "GET", f"/api/v1/threads/{thread['id']}", params={"limit": limit})
        if problem := error_problem(r, 400):
            failures.append((limit, problem))
    assert_no_failures(failures)


# Replying


async def test_member_replies_to_a_thread(client, make_user, make_community):
    author = await make_user()
    replier = await make_user(username="replier")
    community = await make_community(members=(author, replier))
    thread = await start_thread(client, author, community)
    post = await post_reply(client, replier, thread["id"], "We use a **weekly** review.")
    assert POST_FIELDS <= set(post)
    assert post["thread_id"] == thread["id"]
    assert post["author"] == "replier"
    assert post["status"] == "published"
    assert "<strong>weekly</strong>" in post["body_html"]
    assert_iso(post["created_at"])
    fetched = await thread_json(client, thread["id"])
    assert fetched["post_count"] == 2
    assert [p["id"] for p in fetched["posts"]][-1] == post["id"]
    assert fetched["last_activity_at"] >= thread["last_activity_at"]


async def test_reply_to_another_post_of_the_same_thread(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    thread = await start_thread(client, user, community)
    first = await post_reply(client, user, thread["id"], "First reply")
    second = await post_reply(
        client, user, thread["id"], "Answering the first", reply_to=first["id"]
    )
    assert second["reply_to"] == first["id"]
    assert (await Post.get(id=second["id"])).reply_to_id == first["id"]


async def test_reply_to_a_post_of_another_thread_is_422(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    one = await start_thread(client, user, community)
    other = await start_thread(client, user, community)
    r = await client.post(
        f"/api/v1/threads/{one['id']}/posts",
        json={"body": "Cross-thread", "reply_to": other["posts"][0]["id"]},
        headers=await bearer(user),
    )
    error = assert_error(r, 422)
    assert "reply_to" in error.get("fields", {}), error
    assert await Post.filter(thread_id=one["id"]).count() == 1


async def reply_to_failures(client, user, thread_id: int, values: list) -> list:
    headers = await bearer(user)
    failures = []
    for reply_to in values:
        r = await attempt(
            client,
            "POST",
            f"/api/v1/threads/{thread_id}/posts",
            json={"body": "x", "reply_to": reply_to},
            headers=headers,
        )
        if problem := error_problem(r, 422, "reply_to"):
            failures.append((reply_to, problem))
    return failures


async def test_reply_to_garbage_is_422(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    thread = await start_thread(client, user, community)
    failures = await reply_to_failures(
        client, user, thread["id"], ["abc", True, 1.5, [1], {"id": 1}, -1, 0, 999999, "\u00b2"]
    )
    assert_no_failures(failures)
    assert await Post.filter(thread_id=thread["id"]).count() == 1


async def test_reply_to_an_out_of_range_id_is_422(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    thread = await start_thread(client, user, community)
    failures = await reply_to_failures(
        client, user, thread["id"], [2**31, str(2**31), 2**63, 10**20]
    )
    assert_no_failures(failures)
    assert await Post.filter(thread_id=thread["id"]).count() == 1


async def test_reply_with_invalid_body_is_422(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    thread = await start_thread(client, user, community)
    headers = await bearer(user)
    failures = []
    for payload in [
        {},
        {"body": None},
        {"body": ""},
        {"body": "   "},
        {"body": 42},
        {"body": ["x"]},
        {"body": {"a": 1}},
        {"body": "x" * 20_001},
    ]:
        r = await attempt(
            client, "POST", f"/api/v1/threads/{thread['id']}/posts", json=payload, headers=headers
        )
        if problem := error_problem(r, 422, "body"):
            failures.append((str(payload)[:40], problem))
    assert_no_failures(failures)
    assert (await thread_json(client, thread["id"]))["post_count"] == 1


async def test_reply_by_non_member_is_403_and_anonymous_is_401(client, make_user, make_community):
    author = await make_user()
    outsider = await make_user()
    community = await make_community(members=(author,))
    thread = await start_thread(client, author, community)
    url = f"/api/v1/threads/{thread['id']}/posts"
    assert_error(await client.post(url, json={"body": "Hi"}, headers=await bearer(outsider)), 403)
    assert_error(await client.post(url, json={"body": "Hi"}), 401)


async def test_locked_thread_refuses_member_replies_but_not_moderators(
    client, make_user, make_community
):
    member = await make_user()
    moderator = await make_user()
    community = await make_community(members=(member,), moderators=(moderator,))
    thread = await start_thread(client, member, community)
    r = await client.patch(
        f"/api/v1/threads/{thread['id']}", json={"locked": True}, headers=await bearer(moderator)
    )
    assert r.status_code == 200, r.text
    url = f"/api/v1/threads/{thread['id']}/posts"
    assert_error(
        await client.post(url, json={"body": "Member reply"}, headers=await bearer(member)), 403
    )
    r = await client.post(url, json={"body": "Moderator reply"}, headers=await bearer(moderator))
    assert r.status_code == 201, r.text
    assert [p["body"] for p in (await thread_json(client, thread["id"]))["posts"]][
        -1
    ] == "Moderator reply"


# Editing


async def test_author_edits_a_post_and_history_is_kept(client, make_user, make_community):
    user = await make_user(username="asha_k")
    community = await make_community(members=(user,))
    thread = await start_thread(client, user, community, body="Version one")
    post_id = thread["posts"][0]["id"]
    headers = await bearer(user)
    r = await client.patch(
        f"/api/v1/posts/{post_id}", json={"body": "Version **two**"}, headers=headers
    )
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["body"] == "Version **two**"
    assert "<strong>two</strong>" in data["body_html"]
    assert data["edited_at"] is not None
    assert_iso(data["edited_at"])
    r = await client.patch(
        f"/api/v1/posts/{post_id}", json={"body": "Version three"}, headers=headers
    )
    assert r.status_code == 200, r.text
    r = await client.get(f"/api/v1/posts/{post_id}/history")
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["body"] for i in items] == ["Version **two**", "Version one"]
    assert all(i["editor"] == "asha_k" for i in items)
    fetched = await thread_json(client, thread["id"])
    assert fetched["posts"][0]["body"] == "Version three"


async def test_other_member_cannot_edit_a_post(client, make_user, make_community):
    author = await make_user()
    other = await make_user()
    community = await make_community(members=(author, other))
    thread = await start_thread(client, author, community, body="Original")
    post_id = thread["posts"][0]["id"]
    r = await client.patch(
        f"/api/v1/posts/{post_id}", json={"body": "Vandalised"}, headers=await bearer(other)
    )
    assert_error(r, 403)
    assert (await Post.get(id=post_id)).body == "Original"
    assert await PostRevision.all().count() == 0


async def test_anonymous_cannot_edit_a_post(client, make_user, make_community):
    author = await make_user()
    community = await make_community(members=(author,))
    thread = await start_thread(client, author, community, body="Original")
    r = await client.patch(f"/api/v1/posts/{thread['posts'][0]['id']}", json={"body": "Vandalised"})
    assert_error(r, 401)
    assert (await Post.get(id=thread["posts"][0]["id"])).body == "Original"


async def test_moderator_edits_a_post_and_is_recorded_as_editor(client, make_user, make_community):
    author = await make_user()
    moderator = await make_user(username="the_mod")
    community = await make_community(members=(author,), moderators=(moderator,))
    thread = await start_thread(client, author, community, body="Contains a phone number")
    post_id = thread["posts"][0]["id"]
    r = await client.patch(
        f"/api/v1/posts/{post_id}", json={"body": "Redacted"}, headers=await bearer(moderator)
    )
    assert r.status_code == 200, r.text
    assert r.json()["body"] == "Redacted"
    history = (await client.get(f"/api/v1/posts/{post_id}/history")).json()["items"]
    assert [(h["body"], h["editor"]) for h in history] == [("Contains a phone number", "the_mod")]


async def test_edit_with_invalid_body_is_422(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    thread = await start_thread(client, user, community, body="Original")
    post_id = thread["posts"][0]["id"]
    headers = await bearer(user)
    failures = []
    for payload in [
        {},
        {"body": None},
        {"body": ""},
        {"body": 42},
        {"body": ["x"]},
        {"body": {"body": "x"}},
        {"body": True},
    ]:
        r = await attempt(
            client, "PATCH", f"/api/v1/posts/{post_id}", json=payload, headers=headers
        )
        if problem := error_problem(r, 422, "body"):
            failures.append((payload, problem))
    assert_no_failures(failures)
    assert (await Post.get(id=post_id)).body == "Original"
    assert await PostRevision.all().count() == 0


async def test_get_post_returns_the_post(client, make_user, make_community):
    user = await make_user(username="asha_k")
    community = await make_community(members=(user,))
    thread = await start_thread(client, user, community, body="Hello")
    r = await client.get(f"/api/v1/posts/{thread['posts'][0]['id']}")
    assert r.status_code == 200, r.text
    data = r.json()
    assert POST_FIELDS <= set(data)
    assert (data["thread_id"], data["author"], data["body"]) == (thread["id"], "asha_k", "Hello")


# Sanitised HTML

HOSTILE = (
    "<script>alert('x')</script>\n\n"
    "[click me](javascript:alert(1))\n\n"
    "<img src=x onerror=alert(1)>\n\n"
    '<a href="javascript:alert(2)" onclick="alert(3)">raw link</a>\n\n'
    '<b>raw bold</b> <div style="background:url(javascript:x)">div</div>\n\n'
    "![pic](data:text/html;base64,PHNjcmlwdD4=)\n\n"
    "<iframe src=https://evil.example></iframe>\n\n"
    "**real bold** and [a real link](https://example.org/page)"
)


def assert_rendered_markdown(html: str) -> None:
    elements = assert_safe_html(html)
    assert "<strong>real bold</strong>" in html, html
    links = [attrs for tag, attrs in elements.found if tag == "a"]
    assert [a["href"] for a in links] == ["https://example.org/page"], html
    assert "nofollow" in links[0].get("rel", ""), html


async def test_body_html_is_sanitised_on_thread_start(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    thread = await start_thread(client, user, community, body=HOSTILE)
    assert thread["posts"][0]["body"] == HOSTILE
    assert_rendered_markdown(thread["posts"][0]["body_html"])
    fetched = await thread_json(client, thread["id"])
    assert_rendered_markdown(fetched["posts"][0]["body_html"])


async def test_body_html_is_sanitised_on_reply_and_edit(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    thread = await start_thread(client, user, community)
    post = await post_reply(client, user, thread["id"], HOSTILE)
    assert_rendered_markdown(post["body_html"])
    r = await client.patch(
        f"/api/v1/posts/{post['id']}",
        json={"body": "Edited:\n\n" + HOSTILE},
        headers=await bearer(user),
    )
    assert r.status_code == 200, r.text
    assert_rendered_markdown(r.json()["body_html"])
    assert_rendered_markdown((await client.get(f"/api/v1/posts/{post['id']}")).json()["body_html"])


async def test_markdown_is_rendered(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    body = "# Heading\n\n- one\n- two\n\n`code` and *em*\n\n> quoted"
    html = (await start_thread(client, user, community, body=body))["posts"][0]["body_html"]
    tags = assert_safe_html(html).tags()
    assert {"h1", "ul", "li", "code", "em", "blockquote"} <= tags, html


# Deleting


async def test_deleting_a_reply_is_soft(client, make_user, make_community):
    author = await make_user()
    replier = await make_user()
    reader = await make_user()
    community = await make_community(members=(author, replier, reader))
    thread = await start_thread(client, author, community)
    reply = await post_reply(client, replier, thread["id"], "Secret-ish reply")
    r = await client.delete(f"/api/v1/posts/{reply['id']}", headers=await bearer(replier))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "deleted"
    stored = await Post.get(id=reply["id"])
    assert stored.status == "deleted" and stored.body == "Secret-ish reply"
    for who in (reader, None):
        fetched = await thread_json(client, thread["id"], who)
        listed = {p["id"]: p for p in fetched["posts"]}
        assert reply["id"] in listed
        assert listed[reply["id"]]["status"] == "deleted"
        assert listed[reply["id"]]["body"] == ""
        assert "Secret-ish" not in listed[reply["id"]]["body_html"]
        assert fetched["post_count"] == 1
    r = await client.get(f"/api/v1/posts/{reply['id']}", headers=await bearer(reader))
    assert r.status_code == 200 and r.json()["body"] == "" and r.json()["status"] == "deleted"


async def test_deleting_by_another_member_is_403_and_anonymous_is_401(
    client, make_user, make_community
):
    author = await make_user()
    other = await make_user()
    community = await make_community(members=(author, other))
    thread = await start_thread(client, author, community)
    post_id = thread["posts"][0]["id"]
    assert_error(await client.delete(f"/api/v1/posts/{post_id}", headers=await bearer(other)), 403)
    assert_error(await client.delete(f"/api/v1/posts/{post_id}"), 401)
    assert (await Post.get(id=post_id)).status == "published"


async def test_moderator_deletes_a_post(client, make_user, make_community):
    author = await make_user()
    moderator = await make_user()
    community = await make_community(members=(author,), moderators=(moderator,))
    thread = await start_thread(client, author, community)
    reply = await post_reply(client, author, thread["id"], "Off topic")
    r = await client.delete(f"/api/v1/posts/{reply['id']}", headers=await bearer(moderator))
    assert r.status_code == 200, r.text
    assert (await Post.get(id=reply["id"])).status == "deleted"


async def test_deleting_the_opening_post_of_an_unanswered_thread_hides_the_thread(
    client, make_user, make_community
):
    author = await make_user()
    reader = await make_user()
    moderator = await make_user()
    community = await make_community(members=(author, reader), moderators=(moderator,))
    thread = await start_thread(client, author, community)
    post_id = thread["posts"][0]["id"]
    r = await client.delete(f"/api/v1/posts/{post_id}", headers=await bearer(author))
    assert r.status_code == 200, r.text
    for who in (author, reader):
        assert_error(
            await client.get(f"/api/v1/threads/{thread['id']}", headers=await bearer(who)), 404
        )
        assert_error(await client.get(f"/api/v1/posts/{post_id}", headers=await bearer(who)), 404)
    assert_error(await client.get(f"/api/v1/threads/{thread['id']}"), 404)
    assert (await listed_ids(client, community, reader))[0] == []
    assert (
        await client.get(f"/api/v1/threads/{thread['id']}", headers=await bearer(moderator))
    ).status_code == 200


async def test_deleting_the_opening_post_of_an_answered_thread_keeps_the_thread(
    client, make_user, make_community
):
    author = await make_user()
    replier = await make_user()
    community = await make_community(members=(author, replier))
    thread = await start_thread(client, author, community)
    await post_reply(client, replier, thread["id"], "An answer")
    r = await client.delete(
        f"/api/v1/posts/{thread['posts'][0]['id']}", headers=await bearer(author)
    )
    assert r.status_code == 200, r.text
    fetched = await thread_json(client, thread["id"], replier)
    assert [p["status"] for p in fetched["posts"]] == ["deleted", "published"]
    assert fetched["posts"][0]["body"] == ""


async def test_deleted_post_cannot_be_edited_or_deleted_again(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    thread = await start_thread(client, user, community)
    reply = await post_reply(client, user, thread["id"], "Soon gone")
    headers = await bearer(user)
    assert (await client.delete(f"/api/v1/posts/{reply['id']}", headers=headers)).status_code == 200
    r = await client.patch(
        f"/api/v1/posts/{reply['id']}", json={"body": "Back again"}, headers=headers
    )
    assert 400 <= r.status_code < 500
    assert_error(r, r.status_code)
    r = await client.delete(f"/api/v1/posts/{reply['id']}", headers=headers)
    assert 400 <= r.status_code < 500
    assert_error(r, r.status_code)
    assert (await thread_json(client, thread["id"]))["post_count"] == 1


# Pinning and locking


@pytest.mark.parametrize("field, action", [("pinned", "thread.pin"), ("locked", "thread.lock")])
async def test_moderator_pins_and_locks_threads_with_an_audit_entry(
    client, make_user, make_community, field, action
):
    author = await make_user()
    moderator = await make_user()
    community = await make_community(members=(author,), moderators=(moderator,))
    thread = await start_thread(client, author, community)
    r = await client.patch(
        f"/api/v1/threads/{thread['id']}",
        json={field: True, "note": "Useful"},
        headers=await bearer(moderator),
    )
    assert r.status_code == 200, r.text
    assert r.json()[field] is True
    assert getattr(await Thread.get(id=thread["id"]), field) is True
    assert (await thread_json(client, thread["id"]))[field] is True
    entry = await AuditEntry.get(action=action)
    assert entry.actor_id == moderator.id
    assert entry.community_id == community.id
    assert str(thread["id"]) in entry.target
    assert entry.note == "Useful"


async def test_admin_pins_a_thread(client, admin, make_user, make_community):
    author = await make_user()
    community = await make_community(members=(author,))
    thread = await start_thread(client, author, community)
    r = await client.patch(
        f"/api/v1/threads/{thread['id']}", json={"pinned": True}, headers=await bearer(admin)
    )
    assert r.status_code == 200 and r.json()["pinned"] is True, r.text
    assert await AuditEntry.filter(action="thread.pin", actor_id=admin.id).exists()


async def test_unpinning_writes_its_own_audit_entry(client, make_user, make_community):
    moderator = await make_user()
    community = await make_community(moderators=(moderator,))
    thread = await start_thread(client, moderator, community)
    headers = await bearer(moderator)
    url = f"/api/v1/threads/{thread['id']}"
    assert (await client.patch(url, json={"pinned": True}, headers=headers)).status_code == 200
    r = await client.patch(url, json={"pinned": False}, headers=headers)
    assert r.status_code == 200 and r.json()["pinned"] is False
    actions = await AuditEntry.all().order_by("id").values_list("action", flat=True)
    assert [a for a in actions if a.startswith("thread.")] == ["thread.pin", "thread.unpin"]


@pytest.mark.parametrize("payload", [{"pinned": True}, {"locked": True}])
async def test_member_cannot_pin_or_lock(client, make_user, make_community, payload):
    author = await make_user()
    community = await make_community(members=(author,))
    thread = await start_thread(client, author, community)
    r = await client.patch(
        f"/api/v1/threads/{thread['id']}", json=payload, headers=await bearer(author)
    )
    assert_error(r, 403)
    stored = await Thread.get(id=thread["id"])
    assert stored.pinned is False and stored.locked is False
    assert not await AuditEntry.filter(action__startswith="thread.").exists()


async def test_anonymous_cannot_pin(client, make_user, make_community):
    author = await make_user()
    community = await make_community(members=(author,))
    thread = await start_thread(client, author, community)
    assert_error(await client.patch(f"/api/v1/threads/{thread['id']}", json={"pinned": True}), 401)
    assert (await Thread.get(id=thread["id"])).pinned is False


async def test_pin_or_lock_with_a_non_boolean_is_422(client, make_user, make_community):
    moderator = await make_user()
    community = await make_community(moderators=(moderator,))
    thread = await start_thread(client, moderator, community)
    headers = await bearer(moderator)
    failures = []
    for field in ("pinned", "locked"):
        for value in ["yes", "true", 1, None, [True], {"on": True}]:
            r = await attempt(
                client,
                "PATCH",
                f"/api/v1/threads/{thread['id']}",
                json={field: value},
                headers=headers,
            )
            if problem := error_problem(r, 422, field):
                failures.append((field, value, problem))
    assert_no_failures(failures)
    stored = await Thread.get(id=thread["id"])
    assert stored.pinned is False and stored.locked is False


# Privacy of threads and posts in private communities


async def test_private_thread_and_post_endpoints_are_404_to_non_members(
    client, make_user, make_community, make_thread
):
    member = await make_user()
    outsider = await make_user()
    community = await make_community(visibility="private", members=(member,))
    thread = await make_thread(member, community, body="Private matter")
    post_id = (await Post.get(thread_id=thread.id, number=1)).id
    requests = [
        ("GET", f"/api/v1/threads/{thread.id}", None),
        ("GET", f"/api/v1/posts/{post_id}", None),
        ("GET", f"/api/v1/posts/{post_id}/history", None),
        ("POST", f"/api/v1/threads/{thread.id}/posts", {"body": "Let me in"}),
        ("PATCH", f"/api/v1/posts/{post_id}", {"body": "Changed"}),
        ("DELETE", f"/api/v1/posts/{post_id}", None),
        ("PATCH", f"/api/v1/threads/{thread.id}", {"locked": True}),
    ]
    missing = assert_error(await client.get("/api/v1/threads/999999"), 404)
    for headers in ({}, await bearer(outsider)):
        for method, url, payload in requests:
            r = await client.request(method, url, json=payload, headers=headers)
            error = assert_error(r, 404)
            assert "Private matter" not in r.text
            assert error["code"] == missing["code"], (method, url, error)
    stored = await Post.get(id=post_id)
    assert (stored.body, stored.status) == ("Private matter", "published")
    assert await Post.filter(thread_id=thread.id).count() == 1
    assert (await Thread.get(id=thread.id)).locked is False
    # The member still reads everything.
    assert (await thread_json(client, thread.id, member))["posts"][0]["body"] == "Private matter"


# Ids and garbage


def id_requests(ident: str) -> list[tuple[str, str]]:
    return [
        ("GET", f"/api/v1/threads/{ident}"),
        ("PATCH", f"/api/v1/threads/{ident}"),
        ("POST", f"/api/v1/threads/{ident}/posts"),
        ("GET", f"/api/v1/posts/{ident}"),
        ("GET", f"/api/v1/posts/{ident}/history"),
        ("PATCH", f"/api/v1/posts/{ident}"),
        ("DELETE", f"/api/v1/posts/{ident}"),
    ]


async def id_failures(client, user, idents: list[str]) -> list:
    headers = await bearer(user)
    failures = []
    for ident in idents:
        for method, path in id_requests(ident):
            payload = {"body": "x", "pinned": True} if method in ("POST", "PATCH") else None
            r = await attempt(client, method, path, json=payload, headers=headers)
            if problem := error_problem(r, 404):
                failures.append((method, path, problem))
    return failures


async def test_ids_that_are_not_numbers_are_404(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    await start_thread(
        client, user, community
    )  # ids 1 exist, so "1.5" or "01x" cannot fall back to them
    failures = await id_failures(
        client, user, ["abc", "1.5", "-1", "0x1", "1e3", "%201", "9" * 40, "\u00b2", "1\u00b2"]
    )
    assert_no_failures(failures)


async def test_unknown_ids_are_404(client, make_user):
    user = await make_user()
    assert_no_failures(await id_failures(client, user, ["999999", "0"]))


async def test_out_of_range_ids_are_404(client, make_user):
    user = await make_user()
    assert_no_failures(
        await id_failures(client, user, ["2147483648", "4294967296", "999999999999"])
    )


async def test_garbage_input_never_causes_a_server_error(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    thread = await start_thread(client, user, community)
    tid, pid = thread["id"], thread["posts"][0]["id"]
    headers = await bearer(user)
    attempts = [
        ("POST", threads_url(community), {"title": 5, "body": 5, "tags": 5}),
        ("POST", threads_url(community), {"title": {"a": 1}, "body": [1, 2], "tags": {"x": 1}}),
        (
            "POST",
            threads_url(community),
            {"title": "Valid title", "body": "x", "tags": [None, 1.5]},
        ),
        ("POST", threads_url(community), {"title": "\x00\x00\x00\x00\x00", "body": "\x00"}),
        ("POST", f"/api/v1/threads/{tid}/posts", {"body": 3.14, "reply_to": "abc"}),
        ("POST", f"/api/v1/threads/{tid}/posts", {"body": "ok", "reply_to": {"id": pid}}),
        ("POST", f"/api/v1/threads/{tid}/posts", {"body": "ok", "reply_to": 10**30}),
        ("PATCH", f"/api/v1/posts/{pid}", {"body": {"nested": ["x"]}}),
        ("PATCH", f"/api/v1/threads/{tid}", {"pinned": "true", "locked": 0}),
        ("PATCH", f"/api/v1/threads/{tid}", {"note": ["x"]}),
        ("GET", threads_url(community) + "?limit=100000", None),
        ("GET", threads_url(community) + "?cursor=" + "9" * 400, None),
        ("GET", threads_url(community) + "?cursor=1.-1", None),
        ("GET", threads_url(community) + "?tag=" + "x" * 1000, None),
        ("GET", f"/api/v1/threads/{tid}?limit=100000", None),
        ("GET", f"/api/v1/threads/{tid}?after=&limit=", None),
        ("GET", f"/api/v1/threads/{tid}?after=" + "1" * 12, None),
    ]
    failures = []
    for method, url, payload in attempts:
        try:
            r = await client.request(method, url, json=payload, headers=headers)
        except Exception as exc:  # the test transport re-raises what the app did not handle
            failures.append((method, url, payload, f"unhandled {type(exc).__name__}: {exc}"))
            continue
        if r.status_code >= 500:
            failures.append((method, url, payload, r.status_code))
        elif r.status_code >= 400:
            assert_error(r, r.status_code)
    assert not failures, "\n".join(map(str, failures))
    r = await client.get(threads_url(community), params={"limit": "100000"})
    assert_error(r, 400)
