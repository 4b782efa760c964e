"""Bad input never reaches a 500: JSON nested 50,000 deep, lone surrogates in any JSON string,
NUL characters in paths, queries, forms and JSON, search dates past what the index holds, word
filter replacements that look like regular expression templates, and a client that hangs up
mid-body. The routes are read from the app's routing table, so a new route is covered too.

Run on SQLite and, with CHAUPAL_TEST_DATABASE=postgres, on PostgreSQL (where a NUL reaching a
query used to raise from asyncpg). tests/forum/test_bad_input_server.py replays the same inputs
on a real server, over one keep-alive connection."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from starlette.routing import Route

from forum import security
from forum.models import Community, Thread, User
from search.port import Filters
from search.service import DATE_RANGE
from tests.conftest import ORIGIN, PASSWORD, bearer
from tests.forum.helpers import assert_error, assert_no_failures, attempt, error_problem
from tests.moderation.helpers import browser_session

DEEP = b"[" * 50_000 + b"]" * 50_000
SURROGATE = "\ud800"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    monkeypatch.setattr(
        security, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@dataclass
class Site:
    admin: User
    member: User
    community: Community
    thread: Thread
    reply_id: int
    item_id: int
    event_id: int
    team_id: int
    admin_auth: dict[str, str]
    member_auth: dict[str, str]

    def path(self, template: str) -> str:
        """A route's path with real values: every {param} names something that exists."""
        ids = {"threads": self.thread.id, "t": self.thread.id, "posts": self.reply_id}
        ids |= {"p": self.reply_id, "queue": self.item_id, "moderation": self.item_id}
        ids |= {"events": self.event_id, "invites": 1}  # (no such invitation: a 404)

        def value(match: re.Match[str]) -> str:
            name, before = match.group(1), template[: match.start()].split("/")[-2]
            if name == "id":
                return str(ids[before])
            named = {"slug": self.community.slug, "username": self.member.username}
            return str({**named, "team": self.team_id}.get(name, "like"))

        return re.sub(r"\{(\w+)\}", value, template)


@pytest.fixture
async def site(client, admin, make_user, make_community, make_thread) -> Site:
    member = await make_user(username="member_one")
    community = await make_community(members=(member,))
    thread = await make_thread(admin, community)
    admin_auth, member_auth = await bearer(admin), await bearer(member)
    r = await client.post(
        f"/api/v1/threads/{thread.id}/posts",
        headers=member_auth,
        json={"body": "A reply the admin reports."},
    )
    assert r.status_code == 201, r.text
    reply_id = r.json()["id"]
    r = await client.post(
        f"/api/v1/posts/{reply_id}/flags", headers=admin_auth, json={"reason": "spam"}
    )
    assert r.status_code == 201, r.text
    item_id = r.json()["item_id"]
    r = await client.post(
        f"/api/v1/communities/{community.slug}/events",
        headers=admin_auth,
        json={
            "title": "Innovation marathon on handovers",
            "kind": "marathon",
            "starts_at": "2031-03-18T09:00+05:30",
            "ends_at": "2031-03-18T18:00+05:30",
            "location": "Academy hall",
        },
    )
    assert r.status_code == 201, r.text
    event_id = r.json()["id"]
    r = await client.post(
        f"/api/v1/events/{event_id}/challenges",
        headers=admin_auth,
        json={"title": "Handovers that last", "team_size": 3},
    )
    assert r.status_code == 201, r.text
    challenge_id = r.json()["id"]
    r = await client.post(
        f"/api/v1/events/{event_id}/rsvp", headers=member_auth, json={"status": "going"}
    )
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/api/v1/events/{event_id}/teams",
        headers=member_auth,
        json={"challenge_id": challenge_id, "name": "Relay"},
    )
    assert r.status_code == 201, r.text
    return Site(
        admin=admin,
        member=member,
        community=community,
        thread=thread,
        reply_id=reply_id,
        item_id=item_id,
        event_id=event_id,
        team_id=r.json()["id"],
        admin_auth=admin_auth,
        member_auth=member_auth,
    )


def routes(app: Any, *methods: str, api: bool) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if not isinstance(route, Route):
            continue
        if route.path.startswith("/api/") != api:
            continue
        for method in sorted(route.methods or ()):
            if method in methods:
                found.append((method, route.path))
    assert found, methods
    return found


def raw(data: Any) -> bytes:
    """JSON text as a client may send it: json.dumps writes a lone surrogate as \\ud800."""
    return json.dumps(data).encode()


# Deeply nested JSON

# Routes that take no body answer as if none was sent (they never parse it).
TAKE_NO_BODY = {
    ("POST", "/api/v1/communities/{slug}/join"),
    ("POST", "/api/v1/communities/{slug}/leave"),
    ("PUT", "/api/v1/threads/{id}/bookmark"),
    ("POST", "/api/v1/events/{id}/teams/{team}/join"),
    ("POST", "/api/v1/me/calendar-key"),
    ("PUT", "/api/v1/communities/{slug}/courses/{code}"),
    ("POST", "/api/v1/invites/{token}/accept"),
    ("POST", "/api/v1/me/invites/{id}/accept"),
    ("POST", "/api/v1/me/invites/{id}/decline"),
}


async def test_json_nested_50000_deep_is_400_on_every_route_that_reads_json(app, client, site):
    failures = []
    for method, path in routes(app, "POST", "PATCH", "PUT", api=True):
        r = await attempt(
            client,
            method,
            site.path(path),
            content=DEEP,
            headers={**site.admin_auth, "content-type": "application/json"},
        )
        if (method, path) in TAKE_NO_BODY:
            problem = None if isinstance(r, httpx.Response) and r.status_code < 500 else str(r)
        else:
            problem = error_problem(r, 400)
            if problem is None and r.json()["error"]["code"] != "bad_json":
                problem = r.text
        if problem:
            failures.append((method, path, problem))
    assert_no_failures(failures)


async def test_sign_in_with_deeply_nested_json_is_400(client):
    r = await client.post(
        "/api/v1/auth/token", content=DEEP, headers={"content-type": "application/json"}
    )
    assert "nested too deeply" in assert_error(r, 400, "bad_json")["message"]


async def test_json_within_the_depth_limit_still_works(client, site):
    r = await client.post(
        f"/api/v1/communities/{site.community.slug}/threads",
        headers=site.member_auth,
        json={"title": "Tags are one level down", "body": "Body text.", "tags": ["budget"]},
    )
    assert r.status_code == 201, r.text


# Lone surrogates (and NUL) in JSON strings


def bodies(site: Site) -> list[tuple[str, str, dict[str, Any], dict[str, str]]]:
    """(method, path, a valid body, who sends it) for the API's writes."""
    slug, thread, reply = site.community.slug, site.thread.id, site.reply_id
    event = site.event_id
    admin, member = site.admin_auth, site.member_auth
    account = {"email": "new@example.org", "password": "long enough password"}
    return [
        ("POST", "/api/v1/auth/register", {"username": "new_one", **account}, {}),
        ("POST", "/api/v1/auth/register", {"username": "new_two", **account, "role": "x"}, {}),
        ("POST", "/api/v1/auth/token", {"username": "member_one", "password": PASSWORD}, {}),
        ("PATCH", "/api/v1/me", {"display_name": "Asha", "role": "SO", "bio": "Hi"}, member),
        (
            "POST",
            "/api/v1/communities",
            {"slug": "x-y", "name": "Name", "description": "D", "kind": "topic"},
            admin,
        ),
        ("POST", f"/api/v1/communities/{slug}/threads", {"title": "T", "body": "B"}, member),
        ("POST", f"/api/v1/threads/{thread}/posts", {"body": "B"}, member),
        ("PATCH", f"/api/v1/threads/{thread}", {"tags": ["a"], "note": "N"}, admin),
        ("PATCH", f"/api/v1/posts/{reply}", {"body": "B"}, member),
        ("POST", f"/api/v1/posts/{reply}/flags", {"reason": "spam", "note": "N"}, admin),
        ("POST", f"/api/v1/users/{site.member.username}/flags", {"reason": "spam"}, admin),
        ("POST", f"/api/v1/users/{site.member.username}/suspension", {"reason": "R"}, admin),
        ("POST", f"/api/v1/moderation/queue/{site.item_id}", {"action": "A", "note": "N"}, admin),
        (
            "PATCH",
            f"/api/v1/communities/{slug}",
            {"word_filters": [{"word": "w", "action": "replace", "replacement": "r"}]},
            admin,
        ),
        ("POST", f"/api/v1/communities/{slug}/members/member_one", {"status": "S"}, admin),
        ("POST", f"/api/v1/threads/{thread}/move", {"community": slug, "note": "N"}, admin),
        ("POST", f"/api/v1/posts/{reply}/reactions", {"kind": "K"}, admin),
        ("PUT", f"/api/v1/threads/{thread}/subscription", {"level": "L"}, admin),
        (
            "POST",
            f"/api/v1/communities/{slug}/events",
            {
                "title": "Meetup title",
                "kind": "meetup",
                "description": "D",
                "starts_at": "2031-03-18T18:00",
                "ends_at": "2031-03-18T19:00",
                "timezone": "Asia/Kolkata",
                "location": "L",
                "online_url": "https://x.example/",
            },
            admin,
        ),
        ("PATCH", f"/api/v1/events/{event}", {"title": "New title", "location": "L"}, admin),
        ("POST", f"/api/v1/events/{event}/rsvp", {"status": "going"}, member),
        ("POST", f"/api/v1/events/{event}/attendance", {"usernames": ["member_one"]}, admin),
        ("POST", f"/api/v1/events/{event}/challenges", {"title": "T", "statement": "S"}, admin),
        ("POST", f"/api/v1/events/{event}/teams", {"challenge_id": 1, "name": "N"}, member),
        (
            "PUT",
            f"/api/v1/events/{event}/teams/{site.team_id}/result",
            {"result": "R", "url": "U"},
            admin,
        ),
        ("POST", f"/api/v1/events/{event}/cancel", {"note": "N"}, admin),
        ("PUT", "/api/v1/me/timezone", {"timezone": "Asia/Kolkata"}, member),
    ]


def with_bad_text(body: Any, bad: str) -> list[Any]:
    """One copy of the body per string in it (at any depth), that string replaced by `bad`."""
    if isinstance(body, str):
        return [bad]
    if isinstance(body, list):
        return [
            body[:i] + [variant] + body[i + 1 :]
            for i, item in enumerate(body)
            for variant in with_bad_text(item, bad)
        ]
    if isinstance(body, dict):
        variants = [{**{k: v for k, v in body.items()}, bad: "key"}]
        for key, value in body.items():
            variants += [{**body, key: variant} for variant in with_bad_text(value, bad)]
        return variants
    return []


@pytest.mark.parametrize("bad", [SURROGATE, "a\x00b"], ids=["lone surrogate", "NUL"])
async def test_a_lone_surrogate_or_nul_in_any_json_string_is_400(client, site, bad):
    failures = []
    for method, path, body, auth in bodies(site):
        for variant in with_bad_text(body, bad):
            r = await attempt(
                client,
                method,
                path,
                content=raw(variant),
                headers={**auth, "content-type": "application/json"},
            )
            problem = error_problem(r, 400)
            if problem is None and r.json()["error"]["code"] != "bad_text":
                problem = r.text
            if problem:
                failures.append((method, path, variant, problem))
    assert_no_failures(failures)
    assert await User.filter(username__in=("new_one", "new_two")).count() == 0


async def test_a_surrogate_pair_spelt_in_json_is_text(client, site):
    r = await client.post(
        f"/api/v1/threads/{site.thread.id}/posts",
        headers={**site.member_auth, "content-type": "application/json"},
        content=b'{"body": "Well done \\ud83d\\udc4d"}',
    )
    assert r.status_code == 201, r.text
    assert r.json()["body"] == "Well done \U0001f44d"


async def test_a_surrogate_in_a_search_query_is_never_a_500(client):
    # A URL cannot carry a lone surrogate: its UTF-8-like bytes decode as replacement characters.
    for path in ("/api/v1/search?q=%ED%A0%80", "/search?q=%ED%A0%80", "/api/v1/search?q=%F0%9F"):
        r = await client.get(path)
        assert r.status_code == 200, (path, r.status_code)


async def test_services_refuse_a_lone_surrogate_as_invalid_text(site):
    from forum import threads
    from forum.errors import Invalid

    with pytest.raises(Invalid) as raised:
        await threads.start(site.member, site.community, title="Fine title", body=SURROGATE)
    assert raised.value.fields == {"body": "contains characters that are not text"}


@pytest.mark.parametrize("slug", ["\x00x", SURROGATE, "community-1\x00", "Community-1"])
async def test_services_find_no_community_or_person_by_an_impossible_name(site, slug):
    """Websocket topics (community:SLUG) reach the services without the HTTP decoders."""
    from forum import accounts, communities
    from forum.errors import NotFound

    with pytest.raises(NotFound):
        await communities.get(site.admin, slug)
    with pytest.raises(NotFound):
        await communities.find_for_membership(site.member, slug)
    with pytest.raises(NotFound):
        await accounts.get_by_username(slug.replace("community-1", "member_one"))
    assert await accounts.authenticate(slug.replace("community-1", "member_one"), PASSWORD) is None


# NUL characters in paths, queries and forms


async def test_nul_in_any_path_parameter_is_404(app, client, site):
    failures = []
    for method, path in routes(app, "GET", api=True) + routes(app, "GET", api=False):
        for name in re.findall(r"\{(\w+)\}", path):
            target = site.path(path.replace("{" + name + "}", "%00" + "{" + name + "}"))
            r = await attempt(client, method, target, headers=site.admin_auth)
            if isinstance(r, str) or r.status_code != 404:
                failures.append((target, r if isinstance(r, str) else r.status_code))
    assert_no_failures(failures)


@pytest.mark.parametrize("path", ["/u/%00admin", "/c/%00x", "/c/%00x/members"])
async def test_nul_in_a_name_in_the_path_is_not_found(client, site, path):
    page = await client.get(path)
    assert page.status_code == 404
    assert "Page not found" in page.text
    r = await client.get(path, headers={"accept": "application/json"})
    assert_error(r, 404, "not_found")
    assert_error(await client.get("/api/v1/users/%00admin"), 404, "not_found")


async def test_nul_in_any_query_parameter_is_400(app, client, site):
    failures = []
    for method, path in routes(app, "GET", api=True) + routes(app, "GET", api=False):
        for query in ("q=%00", "tag=a%00b", "x%00=1"):
            target = f"{site.path(path)}?{query}"
            r = await attempt(client, method, target, headers=site.admin_auth)
            if isinstance(r, str) or r.status_code != 400:
                failures.append((target, r if isinstance(r, str) else r.status_code))
            elif path.startswith("/api/") and error_problem(r, 400):
                failures.append((target, error_problem(r, 400)))
    assert_no_failures(failures)


async def test_an_escaped_percent_sign_is_not_a_nul(client):
    r = await client.get("/api/v1/search?q=%2500")
    assert r.status_code == 200, r.text


async def test_nul_in_any_posted_form_is_400_before_anything_else(app, client, site):
    csrf = await browser_session(client, site.admin)
    failures = []
    for method, path in routes(app, "POST", api=False):
        for form in ({"csrf_token": csrf, "body": "a\x00b"}, {"csrf_token": csrf, "\x00": "x"}):
            r = await attempt(
                client, method, site.path(path), data=form, headers={"origin": ORIGIN}
            )
            if isinstance(r, str) or r.status_code != 400:
                failures.append((path, form, r if isinstance(r, str) else r.status_code))
    assert_no_failures(failures)


async def test_a_login_name_with_nul_is_400_in_the_api_and_the_form(client, site):
    r = await client.post(
        "/api/v1/auth/token", json={"username": "member\x00_one", "password": PASSWORD}
    )
    assert_error(r, 400, "bad_text")
    page = await client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    r = await client.post(
        "/login",
        data={"csrf_token": csrf.group(1), "username": "\x00member_one", "password": PASSWORD},
        headers={"origin": ORIGIN},
    )
    assert r.status_code == 400
    assert "chaupal_session" not in r.cookies


async def test_a_moderator_note_with_nul_is_400_and_changes_nothing(client, site):
    r = await client.post(
        f"/api/v1/moderation/queue/{site.item_id}",
        headers=site.admin_auth,
        json={"action": "approve", "note": "looked \x00 fine"},
    )
    assert_error(r, 400, "bad_text")
    r = await client.get("/api/v1/moderation/queue", headers=site.admin_auth)
    assert [i["status"] for i in r.json()["items"] if i["id"] == site.item_id] == ["open"]


# Search dates


@pytest.mark.parametrize(
    "query",
    ["from=1969-12-31", "to=9999-12-31", "from=0001-01-01", "to=2149-06-07", "from=2200-01-01"],
)
async def test_search_dates_outside_what_the_index_holds_are_400(client, site, query):
    r = await client.get(f"/api/v1/search?q=backlogs&{query}")
    message = assert_error(r, 400, "bad_query")["message"]
    assert "from 1970-01-01 to 2149-06-06" in message
    page = await client.get(f"/search?q=backlogs&{query}")
    assert page.status_code == 400
    assert "from 1970-01-01 to 2149-06-06" in page.text


async def test_search_dates_at_the_ends_of_the_range_work(client, site):
    r = await client.get("/api/v1/search?q=backlogs&from=1970-01-01&to=2149-06-06")
    assert r.status_code == 200, r.text


async def test_the_search_form_offers_only_the_dates_it_can_search(client):
    page = await client.get("/search")
    first, last = (d.isoformat() for d in DATE_RANGE)
    for name in ("from", "to"):
        field = re.search(rf'<input id="f-{name}"[^>]*>', page.text)
        assert field is not None
        assert f'min="{first}"' in field.group(0) and f'max="{last}"' in field.group(0)


async def test_the_index_takes_any_dates_without_failing(app):
    index = app.state.search
    for since, until in (
        (datetime(1900, 1, 1), None),
        (None, datetime(9999, 12, 31)),
        (datetime(2300, 1, 1), None),
        (None, datetime(1960, 1, 1)),
    ):
        results = index.search(
            "backlogs", Filters(None, since=since, until=until), page=1, per_page=5, facets=True
        )
        assert results.total >= 0


# Word filters


@pytest.mark.parametrize("replacement", ["\\1", "\\q", "\\g<0>", "a\\\\b"])
async def test_a_word_filter_replacement_is_literal_text(client, site, replacement):
    r = await client.patch(
        f"/api/v1/communities/{site.community.slug}",
        headers=site.admin_auth,
        json={"word_filters": [{"word": "darn", "action": "replace", "replacement": replacement}]},
    )
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/api/v1/threads/{site.thread.id}/posts",
        headers=site.member_auth,
        json={"body": "Well darn, the file moved again."},
    )
    assert r.status_code == 201, r.text
    assert r.json()["body"] == f"Well {replacement}, the file moved again."


# A client that hangs up


async def test_a_client_that_disconnects_mid_body_is_not_an_error(app, caplog):
    messages = [
        {"type": "http.request", "body": b'{"username": "asha', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/auth/token",
        "raw_path": b"/api/v1/auth/token",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    with caplog.at_level(logging.INFO):
        await app(scope, receive, send)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] != [500]
