"""The server-rendered web pages, driven through httpx against the real app: reading, the
private-community boundary, accounts, CSRF and Origin checks, communities, threads and posts,
settings, and the security and accessibility basics every page shares."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from forum import accounts, communities, posts, security
from forum.models import Membership, Post, Thread, User
from tests.conftest import ORIGIN, PASSWORD, SECRET, ClientFactory

# httpx files cookies of the dot-less host "testserver" under "testserver.local" (the cookiejar
# rule for such hosts); a cookie set for domain "testserver" is never sent back.
COOKIE_DOMAIN = "testserver.local"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
SAME_ORIGIN = {"Origin": ORIGIN}


# Helpers


async def sign_in(client: httpx.AsyncClient, user: User) -> str:
    """Gives the client a session cookie for the user; returns the matching CSRF token."""
    token = await accounts.start_session(user, 1)
    set_session_cookie(client, token)
    return security.csrf_token(SECRET, token)


def set_session_cookie(client: httpx.AsyncClient, token: str) -> None:
    client.cookies.set("chaupal_session", token, domain=COOKIE_DOMAIN)


@pytest.fixture(autouse=True)
async def _app_first(client: httpx.AsyncClient) -> None:
    """The app (and its database) starts before any factory fixture of these tests runs."""


@pytest.fixture
def signed_in_as(
    new_client: ClientFactory,
) -> Callable[[User], Awaitable[tuple[httpx.AsyncClient, str]]]:
    """A fresh client with a session for the user, and its CSRF token."""

    async def make(user: User) -> tuple[httpx.AsyncClient, str]:
        c = await new_client()
        token = await sign_in(c, user)
        return c, token

    return make


def csrf_in(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "the page has no csrf_token hidden input"
    return match.group(1)


async def csrf_from_page(client: httpx.AsyncClient, path: str) -> str:
    r = await client.get(path)
    assert r.status_code == 200, (path, r.status_code)
    return csrf_in(r.text)


async def post_form(
    client: httpx.AsyncClient,
    path: str,
    data: dict[str, str],
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.post(path, data=data, headers=SAME_ORIGIN if headers is None else headers)


async def login_via_form(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> str:
    """Signs in through /login like a browser; returns the CSRF token of the new session."""
    token = await csrf_from_page(client, "/login")
    r = await post_form(
        client, "/login", {"csrf_token": token, "username": username, "password": password}
    )
    assert r.status_code == 303, r.text
    return await csrf_from_page(client, "/settings")


def post_block(html: str, number: int) -> str:
    """The markup of one post of a thread page."""
    start = html.find(f'id="post-{number}"')
    assert start != -1, f"post {number} is not on the page"
    end = html.find('<li class="post', start)
    return html[start : end if end != -1 else html.find("</ol>", start)]


async def opening_post(thread: Thread) -> Post:
    return await Post.get(thread_id=thread.id, number=1)


def textarea_value(html: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no textarea named {name}"
    return match.group(1)


# Reading


async def test_anonymous_visitor_can_read_home_directory_community_and_thread(
    client, make_user, make_community, make_thread
):
    author = await make_user(display_name="Meera Iyer")
    community = await make_community(name="District Collectors", members=(author,))
    thread = await make_thread(
        author, community, title="Flood relief tenders in 48 hours", body="What worked for you?"
    )

    home = await client.get("/")
    assert home.status_code == 200
    assert "Flood relief tenders in 48 hours" in home.text

    directory = await client.get("/communities")
    assert directory.status_code == 200
    assert (
        f'href="/c/{community.slug}"' in directory.text and "District Collectors" in directory.text
    )

    page = await client.get(f"/c/{community.slug}")
    assert page.status_code == 200
    assert "Flood relief tenders in 48 hours" in page.text and "Sign in to join" in page.text

    shown = await client.get(f"/t/{thread.id}")
    assert shown.status_code == 200
    assert "What worked for you?" in shown.text and "Meera Iyer" in shown.text
    assert "Sign in to reply" in shown.text and f'action="/t/{thread.id}/reply"' not in shown.text


async def test_user_page_lists_the_threads_they_started(
    client, make_user, make_community, make_thread
):
    author = await make_user(
        username="prolific", display_name="Prolific Officer", role="Forest Officer"
    )
    community = await make_community(name="Forest Officers", members=(author,))
    await make_thread(author, community, title="Compensatory afforestation land banks")
    r = await client.get("/u/prolific")
    assert r.status_code == 200
    assert "Compensatory afforestation land banks" in r.text
    assert "<dd>Forest Officer</dd>" in r.text and 'href="/c/' + community.slug + '"' in r.text


@pytest.fixture
async def private_world(make_user, make_community, make_thread) -> dict[str, Any]:
    """A public community (with an outsider as member) and a private one with a secret thread."""
    author = await make_user(username="insider", display_name="Insider Officer")
    outsider = await make_user(username="outsider")
    hopeful = await make_user(username="hopeful")
    public = await make_community(name="Open Finance Forum", members=(author, outsider, hopeful))
    await make_thread(author, public, title="Public question about budgets")
    private = await make_community(
        slug="cadre-review-cell", name="Cadre Review Cell", visibility="private", members=(author,)
    )
    author = await User.get(id=author.id)  # the service caches memberships per User object
    secret = await make_thread(
        author, private, title="Confidential cadre restructuring notes", body="Eyes only."
    )
    await communities.join(hopeful, private)  # a pending request is not membership
    assert await communities.join(hopeful, private) == "pending"
    return {
        "author": author,
        "outsider": outsider,
        "hopeful": hopeful,
        "public": public,
        "private": private,
        "secret": secret,
        "secret_post": await opening_post(secret),
    }


def private_paths(world: dict[str, Any]) -> list[str]:
    slug, thread_id, post_id = world["private"].slug, world["secret"].id, world["secret_post"].id
    return [
        f"/c/{slug}",
        f"/c/{slug}/members",
        f"/c/{slug}/new",
        f"/t/{thread_id}",
        f"/t/{thread_id}?page=1",
        f"/p/{post_id}",
        f"/p/{post_id}/history",
    ]


async def test_private_community_and_its_threads_are_not_found_for_anonymous_visitors(
    client, private_world
):
    for path in private_paths(private_world):
        r = await client.get(path)
        assert r.status_code == 404, (path, r.status_code)
        assert "Cadre Review Cell" not in r.text and "Confidential cadre" not in r.text, path


@pytest.mark.parametrize("who", ["outsider", "hopeful"])
async def test_private_community_and_its_threads_are_not_found_for_non_members(
    private_world, signed_in_as, who
):
    c, _ = await signed_in_as(private_world[who])
    for path in private_paths(private_world):
        r = await c.get(path)
        assert r.status_code == 404, (who, path, r.status_code)
        assert "Cadre Review Cell" not in r.text and "Confidential cadre" not in r.text, (who, path)


async def test_private_titles_never_appear_in_listings_for_anonymous_or_non_members(
    client, private_world, signed_in_as
):
    pages = ["/", "/communities", "/sitemap", "/u/insider", "/u/outsider", "/u/hopeful"]
    outsider, _ = await signed_in_as(private_world["outsider"])
    hopeful, _ = await signed_in_as(private_world["hopeful"])
    for name, c in (("anonymous", client), ("outsider", outsider), ("pending", hopeful)):
        for path in pages:
            r = await c.get(path)
            assert r.status_code == 200, (name, path, r.status_code)
            for secret in (
                "Cadre Review Cell",
                "cadre-review-cell",
                "Confidential cadre restructuring notes",
            ):
                assert secret not in r.text, (name, path, secret)
        assert "Public question about budgets" in (await c.get("/u/insider")).text, name

    # The same pages do show them to a member: the checks above look at the right things.
    member, _ = await signed_in_as(private_world["author"])
    assert "Confidential cadre restructuring notes" in (await member.get("/u/insider")).text
    assert "Cadre Review Cell" in (await member.get("/communities")).text
    assert "Confidential cadre restructuring notes" in (await member.get("/")).text


# Registration


async def test_register_form_creates_a_session_and_redirects(client):
    form = await client.get("/register")
    assert form.status_code == 200
    assert "chaupal_anon" in form.cookies
    data = {
        "csrf_token": csrf_in(form.text),
        "username": "asha_k",
        "display_name": "Asha Kulkarni",
        "email": "asha@example.org",
        "password": "a long enough password",
        "role": "Forest Officer",
        "sector": "Environment",
    }
    r = await post_form(client, "/register", data)
    assert r.status_code == 303
    assert r.headers["location"] == "/communities"
    assert r.cookies.get("chaupal_session")
    set_cookie = "; ".join(r.headers.get_list("set-cookie")).lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie

    welcome = await client.get("/communities")
    assert "Welcome to Chaupal, Asha Kulkarni" in welcome.text
    me = await client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["username"] == "asha_k" and me.json()["role"] == "Forest Officer"


@pytest.mark.parametrize(
    ("fields", "bad_fields", "password"),
    [
        (
            {"username": "Bad Name!", "email": "not-an-email"},
            ("username", "email", "password"),
            "tiny-pw-9",
        ),
        (
            {"username": "Bad Name!", "email": "ravi@example.org"},
            ("username",),
            "a perfectly fine passphrase",
        ),
    ],
    ids=["short-password", "good-password"],
)
async def test_register_form_errors_rerender_with_422_keeping_values_but_not_the_password(
    client, fields, bad_fields, password
):
    token = await csrf_from_page(client, "/register")
    data = {
        "csrf_token": token,
        "display_name": "Ravi <b>Kumar</b>",
        "role": "Deputy Secretary",
        "sector": "Revenue",
        "password": password,
        **fields,
    }
    r = await post_form(client, "/register", data)
    assert r.status_code == 422
    assert "There is a problem" in r.text
    for name in bad_fields:
        assert f'id="f-{name}-error"' in r.text, name
    assert f'value="{fields["username"]}"' in r.text
    assert f'value="{fields["email"]}"' in r.text
    assert 'value="Deputy Secretary"' in r.text and 'value="Revenue"' in r.text
    assert 'value="Ravi &lt;b&gt;Kumar&lt;/b&gt;"' in r.text
    assert password not in r.text
    assert "chaupal_session" not in r.cookies
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_register_form_with_a_taken_username_keeps_values(client, make_user):
    await make_user(username="taken_name")
    token = await csrf_from_page(client, "/register")
    data = {
        "csrf_token": token,
        "username": "taken_name",
        "email": "other@example.org",
        "password": "another good password",
    }
    r = await post_form(client, "/register", data)
    assert r.status_code in (409, 422)
    assert 'id="f-username-error"' in r.text and 'value="taken_name"' in r.text
    assert "another good password" not in r.text
    assert await User.filter(username="taken_name").count() == 1


# Signing in and out


async def test_login_with_wrong_password_shows_401_page_with_message(client, make_user):
    await make_user(username="mohan")
    token = await csrf_from_page(client, "/login")
    r = await post_form(
        client, "/login", {"csrf_token": token, "username": "mohan", "password": "not my password"}
    )
    assert r.status_code == 401
    assert "That username and password do not match an account." in r.text
    assert 'value="mohan"' in r.text and "not my password" not in r.text
    assert "chaupal_session" not in r.cookies


async def test_login_redirects_to_a_same_site_next_path(client, make_user):
    await make_user(username="mohan")
    token = await csrf_from_page(client, "/login?next=/communities")
    r = await post_form(
        client,
        "/login?next=/communities",
        {"csrf_token": token, "username": "mohan", "password": PASSWORD},
    )
    assert r.status_code == 303 and r.headers["location"] == "/communities"
    assert r.cookies.get("chaupal_session")


def browser_would_leave_site(location: str, current: str = ORIGIN + "/login") -> bool:
    """Resolves Location as a browser does (tabs and newlines dropped, backslashes read as
    slashes, relative to the current page) and says whether it points at another site."""
    cleaned = re.sub(r"[\t\r\n]", "", location).replace("\\", "/").strip()
    target = urlsplit(urljoin(current, cleaned))
    return (target.scheme, target.netloc) != tuple(urlsplit(current)[:2])


OFF_SITE_TARGETS = [
    "//evil.example",
    "//evil.example/path",
    "https://evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "///evil.example",
    "javascript:alert(1)",
]


async def post_login_with_next(
    client: httpx.AsyncClient, target: str, where: str
) -> httpx.Response:
    token = await csrf_from_page(client, "/login")
    data = {"csrf_token": token, "username": "mohan", "password": PASSWORD}
    if where == "form":
        return await post_form(client, "/login", {**data, "next": target})
    return await client.post("/login", params={"next": target}, data=data, headers=SAME_ORIGIN)


@pytest.mark.parametrize("target", OFF_SITE_TARGETS)
@pytest.mark.parametrize("where", ["query", "form"])
async def test_login_never_redirects_off_site(client, make_user, target, where):
    await make_user(username="mohan")
    r = await post_login_with_next(client, target, where)
    assert r.status_code == 303
    location = r.headers["location"]
    assert not browser_would_leave_site(location), location
    assert "evil.example" not in location


@pytest.mark.parametrize("target", OFF_SITE_TARGETS)
@pytest.mark.parametrize("where", ["query", "form"])
async def test_login_with_a_refused_next_lands_on_a_real_page(client, make_user, target, where):
    """A refused target falls back to a path of this site, never an empty Location (which a
    browser resolves to /login again, so the new session looks like a failed sign-in)."""
    await make_user(username="mohan")
    r = await post_login_with_next(client, target, where)
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith("/") and not location.startswith("//"), repr(location)
    assert not location.startswith("/login"), repr(location)


async def test_logout_revokes_the_session(client, make_user, new_client):
    await make_user(username="mohan")
    token = await login_via_form(client, "mohan")
    old_cookie = client.cookies.get("chaupal_session")
    assert old_cookie

    r = await post_form(client, "/logout", {"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/"

    replay = await new_client()
    set_session_cookie(replay, old_cookie)
    assert (await replay.get("/api/v1/me")).status_code == 401
    settings = await replay.get("/settings")
    assert settings.status_code == 303 and settings.headers["location"].startswith("/login")
    home = await replay.get("/")
    assert "Sign out" not in home.text and "Sign in" in home.text


# CSRF and Origin


@pytest.fixture
async def member_setup(make_user, make_community, make_thread, signed_in_as) -> dict[str, Any]:
    member = await make_user(username="member")
    community = await make_community(members=(member,))
    other = await make_community(slug="other-community", name="Other Community")
    thread = await make_thread(member, community)
    c, token = await signed_in_as(member)
    return {
        "client": c,
        "token": token,
        "user": member,
        "community": community,
        "other": other,
        "thread": thread,
    }


async def test_form_post_without_csrf_token_is_refused_with_403(member_setup, client):
    c, thread = member_setup["client"], member_setup["thread"]
    attempts = [
        ("/c/other-community/join", {}),
        (f"/t/{thread.id}/reply", {"body": "Sneaky reply"}),
        ("/settings", {"form": "profile", "display_name": "Hijacked", "role": "", "sector": ""}),
        ("/logout", {}),
    ]
    for path, data in attempts:
        r = await post_form(c, path, data)
        assert r.status_code == 403, (path, r.status_code)
        r = await post_form(c, path, {**data, "csrf_token": "0" * 64})
        assert r.status_code == 403, (path, "forged token", r.status_code)
    assert not await Membership.filter(
        user_id=member_setup["user"].id, community_id=member_setup["other"].id
    ).exists()
    assert not await Post.filter(thread_id=thread.id, body="Sneaky reply").exists()
    assert (await User.get(id=member_setup["user"].id)).display_name != "Hijacked"
    assert (await c.get("/api/v1/me")).status_code == 200  # not signed out either

    # Anonymous forms are protected the same way.
    await client.get("/register")
    r = await post_form(
        client,
        "/register",
        {"username": "nocsrf", "email": "n@example.org", "password": "long enough pw"},
    )
    assert r.status_code == 403
    assert not await User.filter(username="nocsrf").exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "http://testserver.evil.example"},
        {"Origin": "null"},
        {"Origin": "null", "Referer": "https://evil.example/page"},
        {},
    ],
    ids=["foreign", "lookalike", "null", "null-foreign-referer", "none"],
)
async def test_form_post_from_another_origin_is_refused_with_403(member_setup, headers):
    c, token = member_setup["client"], member_setup["token"]
    r = await post_form(c, "/c/other-community/join", {"csrf_token": token}, headers=headers)
    assert r.status_code == 403
    assert not await Membership.filter(
        user_id=member_setup["user"].id, community_id=member_setup["other"].id
    ).exists()
    # The same form from this site works.
    r = await post_form(c, "/c/other-community/join", {"csrf_token": token})
    assert r.status_code == 303


# Communities


async def test_signed_in_officer_joins_a_public_community_via_the_form(
    make_user, make_community, signed_in_as
):
    officer = await make_user()
    community = await make_community(name="Transport Planners")
    c, _ = await signed_in_as(officer)
    page = await c.get(f"/c/{community.slug}")
    assert f'action="/c/{community.slug}/join"' in page.text and ">Join</button>" in page.text
    assert "Start a thread" not in page.text

    r = await post_form(c, f"/c/{community.slug}/join", {"csrf_token": csrf_in(page.text)})
    assert r.status_code == 303 and r.headers["location"] == f"/c/{community.slug}"

    after = await c.get(f"/c/{community.slug}")
    assert "Welcome to Transport Planners." in after.text
    assert f'action="/c/{community.slug}/leave"' in after.text and "Start a thread" in after.text
    membership = await Membership.get(user_id=officer.id, community_id=community.id)
    assert membership.status == "member"


async def test_asking_to_join_a_private_community_via_the_form_leaves_a_pending_request(
    make_user, make_community, signed_in_as
):
    officer = await make_user(username="hopeful")
    moderator = await make_user(username="gatekeeper")
    community = await make_community(
        slug="ias-2009-batch", name="IAS 2009 Batch", visibility="private", moderators=(moderator,)
    )
    c, token = await signed_in_as(officer)

    r = await post_form(c, f"/c/{community.slug}/join", {"csrf_token": token})
    assert r.status_code == 303, f"asking to join answered {r.status_code}"
    membership = await Membership.get_or_none(user_id=officer.id, community_id=community.id)
    assert membership is not None and membership.status == "pending"

    mod, _ = await signed_in_as(moderator)
    members = await mod.get(f"/c/{community.slug}/members")
    assert "@hopeful" in members.text


async def test_moderator_approves_a_pending_request_from_the_members_page(
    make_user, make_community, signed_in_as
):
    officer = await make_user(username="hopeful", display_name="Hopeful Officer")
    moderator = await make_user(username="gatekeeper")
    community = await make_community(
        slug="ias-2009-batch", name="IAS 2009 Batch", visibility="private", moderators=(moderator,)
    )
    assert await communities.join(officer, community) == "pending"
    applicant, _ = await signed_in_as(officer)
    assert (await applicant.get(f"/c/{community.slug}")).status_code == 404

    mod, _ = await signed_in_as(moderator)
    page = await mod.get(f"/c/{community.slug}/members")
    assert page.status_code == 200
    requests = page.text[
        page.text.index("Requests to join") : page.text.index('id="members-heading"')
    ]
    assert "@hopeful" in requests and ">Approve</button>" in requests

    r = await post_form(
        mod,
        f"/c/{community.slug}/members",
        {"csrf_token": csrf_in(page.text), "username": "hopeful", "status": "member"},
    )
    assert r.status_code == 303 and r.headers["location"] == f"/c/{community.slug}/members"
    after = await mod.get(f"/c/{community.slug}/members")
    assert "@hopeful is now a member." in after.text and "No one is waiting." in after.text

    now_member = await applicant.get(f"/c/{community.slug}")
    assert now_member.status_code == 200 and "Start a thread" in now_member.text


async def test_plain_member_cannot_approve_requests(make_user, make_community, signed_in_as):
    officer = await make_user(username="hopeful")
    member = await make_user(username="regular")
    community = await make_community(visibility="private", members=(member,))
    await communities.join(officer, community)
    c, token = await signed_in_as(member)
    page = await c.get(f"/c/{community.slug}/members")
    assert (
        page.status_code == 200
        and "Requests to join" not in page.text
        and "@hopeful" not in page.text
    )
    r = await post_form(
        c,
        f"/c/{community.slug}/members",
        {"csrf_token": token, "username": "hopeful", "status": "member"},
    )
    assert r.status_code == 403
    assert (await Membership.get(user_id=officer.id, community_id=community.id)).status == "pending"


# Threads and posts


async def test_member_starts_a_thread_via_the_form(make_user, make_community, signed_in_as):
    member = await make_user()
    community = await make_community(members=(member,))
    c, _ = await signed_in_as(member)
    form = await c.get(f"/c/{community.slug}/new")
    assert form.status_code == 200
    data = {
        "csrf_token": csrf_in(form.text),
        "title": "GeM procurement for small works",
        "body": "Has anyone used **GeM** for works under 5 lakh?",
        "tags": "procurement, GeM",
    }
    r = await post_form(c, f"/c/{community.slug}/new", data)
    assert r.status_code == 303
    match = re.fullmatch(r"/t/(\d+)", r.headers["location"])
    assert match, r.headers["location"]
    page = await c.get(r.headers["location"])
    assert "Your thread is up." in page.text
    assert "<h1>GeM procurement for small works</h1>" in page.text
    assert "<strong>GeM</strong>" in page.text
    assert (
        f'href="/c/{community.slug}?tag=procurement"' in page.text
        and f'href="/c/{community.slug}?tag=gem"' in page.text
    )
    assert "GeM procurement for small works" in (await c.get(f"/c/{community.slug}")).text


async def test_start_thread_form_errors_keep_what_was_typed(
    make_user, make_community, signed_in_as
):
    member = await make_user()
    community = await make_community(members=(member,))
    c, token = await signed_in_as(member)
    data = {
        "csrf_token": token,
        "title": "Hi",
        "body": "A body worth keeping",
        "tags": "ok, not a tag!",
    }
    r = await post_form(c, f"/c/{community.slug}/new", data)
    assert r.status_code == 422
    assert 'id="f-title-error"' in r.text and 'id="f-tags-error"' in r.text
    assert 'value="Hi"' in r.text and textarea_value(r.text, "body") == "A body worth keeping"
    assert not await Thread.filter(community_id=community.id).exists()


async def test_non_member_cannot_start_a_thread(make_user, make_community, signed_in_as):
    officer = await make_user()
    community = await make_community()
    c, token = await signed_in_as(officer)
    assert (await c.get(f"/c/{community.slug}/new")).status_code == 403
    r = await post_form(
        c,
        f"/c/{community.slug}/new",
        {"csrf_token": token, "title": "Not a member here", "body": "x"},
    )
    assert r.status_code == 403
    assert not await Thread.filter(community_id=community.id).exists()


async def test_reply_via_the_form_redirects_to_the_post_anchor(
    make_user, make_community, make_thread, signed_in_as
):
    author = await make_user()
    replier = await make_user(display_name="Second Officer")
    community = await make_community(members=(author, replier))
    thread = await make_thread(author, community)
    c, _ = await signed_in_as(replier)
    page = await c.get(f"/t/{thread.id}")
    assert f'action="/t/{thread.id}/reply"' in page.text

    r = await post_form(
        c,
        f"/t/{thread.id}/reply",
        {
            "csrf_token": csrf_in(page.text),
            "body": "We cleared ours with a *weekly* drive.",
            "reply_to": "",
        },
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/t/{thread.id}?page=1#post-2"
    after = await c.get(f"/t/{thread.id}?page=1")
    reply = post_block(after.text, 2)
    assert "We cleared ours with a <em>weekly</em> drive." in reply and "Second Officer" in reply


async def test_empty_reply_rerenders_the_thread_with_422(
    make_user, make_community, make_thread, signed_in_as
):
    author = await make_user()
    community = await make_community(members=(author,))
    thread = await make_thread(author, community)
    c, token = await signed_in_as(author)
    r = await post_form(c, f"/t/{thread.id}/reply", {"csrf_token": token, "body": "   "})
    assert r.status_code == 422
    assert 'id="reply-body-error"' in r.text
    assert await Post.filter(thread_id=thread.id).count() == 1


async def test_quote_link_prefills_the_reply_box_with_a_quote(
    make_user, make_community, make_thread, signed_in_as
):
    author = await make_user(username="quoted_one")
    replier = await make_user()
    community = await make_community(members=(author, replier))
    thread = await make_thread(
        author, community, body="First line of advice\nSecond line <b>here</b>"
    )
    first = await opening_post(thread)
    c, _ = await signed_in_as(replier)

    page = await c.get(f"/t/{thread.id}?reply_to={first.id}")
    assert page.status_code == 200
    assert f'href="/t/{thread.id}?page=1&amp;reply_to={first.id}#reply"' in page.text
    draft = textarea_value(page.text, "body")
    assert draft.startswith(
        "**@quoted_one** wrote:\n&gt; First line of advice\n&gt; Second line &lt;b&gt;here&lt;/b&gt;"
    )
    assert f'name="reply_to" id="reply-to" value="{first.id}"' in page.text
    assert 'Replying to <span id="reply-target-name">@quoted_one</span>' in page.text

    r = await post_form(
        c,
        f"/t/{thread.id}/reply",
        {"csrf_token": csrf_in(page.text), "body": "Agreed.", "reply_to": str(first.id)},
    )
    assert r.status_code == 303
    reply = post_block((await c.get(f"/t/{thread.id}")).text, 2)
    assert f'In reply to <a href="/p/{first.id}">' in reply


async def test_edit_post_via_the_form_and_history_shows_the_old_body(
    make_user, make_community, make_thread, signed_in_as
):
    author = await make_user()
    community = await make_community(members=(author,))
    thread = await make_thread(author, community, body="Original wording of the question")
    first = await opening_post(thread)
    c, _ = await signed_in_as(author)

    form = await c.get(f"/p/{first.id}/edit")
    assert (
        form.status_code == 200
        and textarea_value(form.text, "body") == "Original wording of the question"
    )
    r = await post_form(
        c,
        f"/p/{first.id}/edit",
        {"csrf_token": csrf_in(form.text), "body": "Revised wording of the question"},
    )
    assert r.status_code == 303 and r.headers["location"] == f"/t/{thread.id}?page=1#post-1"

    page = await c.get(f"/t/{thread.id}")
    block = post_block(page.text, 1)
    assert "Revised wording of the question" in block and "Original wording" not in block
    assert f'href="/p/{first.id}/history"' in block

    history = await c.get(f"/p/{first.id}/history")
    assert history.status_code == 200
    assert '<pre class="revision-body">Original wording of the question</pre>' in history.text
    assert "Revised wording of the question" in history.text


async def test_another_member_cannot_edit_someone_elses_post(
    make_user, make_community, make_thread, signed_in_as
):
    author = await make_user()
    other = await make_user()
    community = await make_community(members=(author, other))
    thread = await make_thread(author, community, body="Mine")
    first = await opening_post(thread)
    c, token = await signed_in_as(other)
    assert (await c.get(f"/p/{first.id}/edit")).status_code == 403
    r = await post_form(c, f"/p/{first.id}/edit", {"csrf_token": token, "body": "Defaced"})
    assert r.status_code == 403
    assert (await Post.get(id=first.id)).body == "Mine"


async def test_delete_post_via_the_form_shows_it_as_removed(
    make_user, make_community, make_thread, signed_in_as, client
):
    author = await make_user()
    replier = await make_user()
    community = await make_community(members=(author, replier))
    thread = await make_thread(author, community)
    reply = await posts.reply(replier, thread, body="Regrettable advice about backdating files")
    c, token = await signed_in_as(replier)

    r = await post_form(c, f"/p/{reply.id}/delete", {"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == f"/t/{thread.id}?page=1#post-2"
    for viewer in (c, client):
        page = await viewer.get(f"/t/{thread.id}")
        assert page.status_code == 200
        block = post_block(page.text, 2)
        assert "This post was removed." in block
        assert "Regrettable advice" not in page.text


async def test_moderator_pins_and_locks_a_thread_and_members_lose_the_reply_form(
    make_user, make_community, make_thread, signed_in_as
):
    moderator = await make_user()
    member = await make_user()
    community = await make_community(members=(member,), moderators=(moderator,))
    thread = await make_thread(member, community, title="Annual property returns deadline")
    await make_thread(member, community, title="A newer unrelated thread")
    mod, mod_token = await signed_in_as(moderator)

    member_client, member_token = await signed_in_as(member)
    r = await post_form(
        member_client, f"/t/{thread.id}/moderate", {"csrf_token": member_token, "action": "pin"}
    )
    assert r.status_code == 403

    r = await post_form(mod, f"/t/{thread.id}/moderate", {"csrf_token": mod_token, "action": "pin"})
    assert r.status_code == 303 and r.headers["location"] == f"/t/{thread.id}"
    listing = (await member_client.get(f"/c/{community.slug}")).text
    pinned = listing[listing.index(">Pinned</h2>") : listing.index(">Latest threads</h2>")]
    assert "Annual property returns deadline" in pinned and "A newer unrelated thread" not in pinned

    r = await post_form(
        mod, f"/t/{thread.id}/moderate", {"csrf_token": mod_token, "action": "lock"}
    )
    assert r.status_code == 303
    page = await member_client.get(f"/t/{thread.id}")
    assert "This thread is locked." in page.text
    assert f'action="/t/{thread.id}/reply"' not in page.text and "quote-button" not in page.text
    r = await post_form(
        member_client, f"/t/{thread.id}/reply", {"csrf_token": member_token, "body": "Late reply"}
    )
    assert r.status_code == 403
    assert not await Post.filter(thread_id=thread.id, body="Late reply").exists()

    mod_page = await mod.get(f"/t/{thread.id}")
    assert f'action="/t/{thread.id}/reply"' in mod_page.text and ">Unlock</button>" in mod_page.text

    r = await post_form(
        mod, f"/t/{thread.id}/moderate", {"csrf_token": mod_token, "action": "explode"}
    )
    assert r.status_code == 422


async def test_long_threads_are_paged_by_twenty(make_user, make_community, make_thread, client):
    author = await make_user()
    community = await make_community(members=(author,))
    thread = await make_thread(author, community, body="Post body number 1")
    for n in range(2, 26):
        await posts.reply(author, thread, body=f"Post body number {n}")

    first = await client.get(f"/t/{thread.id}")
    assert first.status_code == 200
    assert 'id="post-20"' in first.text and 'id="post-21"' not in first.text
    assert '<a href="?page=2" rel="next">Next</a>' in first.text

    second = await client.get(f"/t/{thread.id}?page=2")
    assert second.status_code == 200
    assert 'id="post-20"' not in second.text
    assert all(f'id="post-{n}"' in second.text for n in range(21, 26))
    assert "Post body number 25" in second.text
    assert '<span class="current" aria-current="page">2</span>' in second.text


@pytest.mark.parametrize("page", ["999", "0", "-1", "two", "2.5"])
async def test_thread_page_out_of_range_is_a_400_page_not_a_500(
    make_user, make_community, make_thread, client, page
):
    author = await make_user()
    community = await make_community(members=(author,))
    thread = await make_thread(author, community)
    r = await client.get(f"/t/{thread.id}?page={page}")
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/html")
    assert "That request did not make sense" in r.text and '<main id="main"' in r.text


async def test_thread_ids_that_are_not_numbers_are_404_pages(client):
    for path in ("/t/abc", "/t/99999999", "/p/1e3", "/p/-1/edit"):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert "Page not found" in r.text, path


# Settings


async def test_settings_profile_form_updates_role_and_sector(make_user, signed_in_as):
    officer = await make_user(username="mover", role="Section Officer", sector="Finance")
    c, _ = await signed_in_as(officer)
    page = await c.get("/settings")
    assert page.status_code == 200 and 'value="Section Officer"' in page.text
    data = {
        "csrf_token": csrf_in(page.text),
        "form": "profile",
        "display_name": "Mover Singh",
        "role": "District Collector",
        "sector": "Revenue",
        "bio": "Moved to Pune district this year.",
    }
    r = await post_form(c, "/settings", data)
    assert r.status_code == 303 and r.headers["location"] == "/settings"
    after = await c.get("/settings")
    assert "Your profile is saved." in after.text
    assert 'value="District Collector"' in after.text and 'value="Revenue"' in after.text
    me = (await c.get("/api/v1/me")).json()
    assert (me["display_name"], me["role"], me["sector"]) == (
        "Mover Singh",
        "District Collector",
        "Revenue",
    )
    profile = await c.get("/u/mover")
    assert "<dd>District Collector</dd>" in profile.text and "<dd>Revenue</dd>" in profile.text


async def test_api_token_is_shown_once_works_as_bearer_and_can_be_revoked(
    make_user, signed_in_as, new_client
):
    officer = await make_user(username="scripter")
    c, token = await signed_in_as(officer)
    r = await post_form(
        c, "/settings", {"csrf_token": token, "form": "token", "name": "nightly roster export"}
    )
    assert r.status_code == 200
    match = re.search(r'<code class="token-value">([^<]+)</code>', r.text)
    assert match, "the new token is not shown"
    api_token = match.group(1)
    assert "nightly roster export" in r.text

    again = await c.get("/settings")
    assert api_token not in again.text and "token-value" not in again.text

    api = await new_client()
    me = await api.get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"})
    assert me.status_code == 200 and me.json()["username"] == "scripter"

    token_id = re.search(r'name="token_id" value="(\d+)"', again.text)
    assert token_id
    r = await post_form(
        c, "/settings", {"csrf_token": token, "form": "revoke", "token_id": token_id.group(1)}
    )
    assert r.status_code == 303 and r.headers["location"] == "/settings#tokens"
    assert "nightly roster export" not in (await c.get("/settings")).text
    gone = await api.get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"})
    assert gone.status_code == 401


async def test_password_change_signs_out_other_sessions(
    client, make_user, signed_in_as, new_client
):
    officer = await make_user(username="careful")
    token = await login_via_form(client, "careful")
    other, _ = await signed_in_as(officer)
    assert (await other.get("/api/v1/me")).status_code == 200
    api = await new_client()
    api_token = (
        await api.post("/api/v1/auth/token", json={"username": "careful", "password": PASSWORD})
    ).json()["token"]

    data = {
        "csrf_token": token,
        "form": "password",
        "current_password": PASSWORD,
        "new_password": "a brand new passphrase",
    }
    r = await post_form(client, "/settings", data)
    assert r.status_code == 303 and r.headers["location"] == "/settings"
    assert r.cookies.get("chaupal_session")

    mine = await client.get("/settings")
    assert mine.status_code == 200 and "Password changed." in mine.text
    assert (await other.get("/api/v1/me")).status_code == 401
    assert (
        await api.get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"})
    ).status_code == 401

    fresh = await new_client()
    login_token = await csrf_from_page(fresh, "/login")
    old = await post_form(
        fresh, "/login", {"csrf_token": login_token, "username": "careful", "password": PASSWORD}
    )
    assert old.status_code == 401
    new = await post_form(
        fresh,
        "/login",
        {"csrf_token": login_token, "username": "careful", "password": "a brand new passphrase"},
    )
    assert new.status_code == 303


async def test_password_change_with_the_wrong_current_password_is_refused(make_user, signed_in_as):
    officer = await make_user(username="careful")
    c, token = await signed_in_as(officer)
    data = {
        "csrf_token": token,
        "form": "password",
        "current_password": "wrong wrong wrong",
        "new_password": "a brand new passphrase",
    }
    r = await post_form(c, "/settings", data)
    assert r.status_code == 422
    assert 'id="f-current_password-error"' in r.text
    assert "a brand new passphrase" not in r.text and "wrong wrong wrong" not in r.text
    assert (await c.get("/api/v1/me")).status_code == 200


# Security headers, accessibility basics, and user content


@pytest.fixture
async def sample_paths(make_user, make_community, make_thread) -> list[str]:
    author = await make_user(username="author")
    await make_user(username="reader")
    community = await make_community(members=(author,))
    thread = await make_thread(author, community)
    return [
        "/",
        "/communities",
        f"/c/{community.slug}",
        f"/t/{thread.id}",
        "/login",
        "/register",
        "/sitemap",
        "/u/reader",
        "/no/such/page",
        f"/t/{thread.id}?page=999",
    ]


def directives(csp: str) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            result[words[0].lower()] = words[1:]
    return result


async def test_pages_send_security_headers(client, sample_paths):
    responses = [await client.get(path) for path in sample_paths]
    responses.append(
        await client.post("/logout", data={}, headers={"Origin": "https://evil.example"})
    )
    for r in responses:
        where = (r.request.method, r.request.url.path, r.status_code)
        csp = directives(r.headers.get("content-security-policy", ""))
        assert "script-src" in csp, where
        assert (
            "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
        ), where
        assert "*" not in csp["script-src"] and "data:" not in csp["script-src"], where
        assert csp.get("object-src") == ["'none'"] and csp.get("frame-ancestors") == ["'none'"], (
            where
        )
        assert r.headers.get("x-frame-options", "").upper() == "DENY", where
        assert r.headers.get("x-content-type-options", "").lower() == "nosniff", where


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def live_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every element a browser would build from the page (escaped text is not a tag)."""
    parser = _TagCollector()
    parser.feed(html)
    parser.close()
    return parser.tags


FOCUSABLE_RE = re.compile(
    r"<(a\s[^>]*href|button|input(?![^>]*type=\"hidden\")|select|textarea)\b[^>]*>", re.I
)


async def test_pages_have_lang_skip_link_and_main_landmark(client, sample_paths):
    for path in sample_paths:
        html = (await client.get(path)).text
        assert re.search(r'<html lang="[a-z]{2}', html), path
        assert '<main id="main"' in html, path
        body = html[html.index("<body") :]
        first = FOCUSABLE_RE.search(body)
        assert (
            first and 'class="skip-link"' in first.group(0) and 'href="#main"' in first.group(0)
        ), (path, first and first.group(0))
        assert html.count('id="main"') == 1, path
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert " src=" in tag, (path, tag)  # no inline scripts: the CSP would block them anyway


async def test_script_in_user_markdown_is_stripped_on_the_thread_page(
    make_user, make_community, signed_in_as, client
):
    member = await make_user()
    community = await make_community(members=(member,))
    c, token = await signed_in_as(member)
    body = (
        "Before\n\n<script>alert('body')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        "[click me](javascript:alert(2))\n\n"
        '<a href="https://example.org" onclick="alert(3)">link</a>\n\n'
        '<iframe src="https://evil.example"></iframe>\n\nAfter'
    )
    r = await post_form(
        c,
        f"/c/{community.slug}/new",
        {
            "csrf_token": token,
            "title": "Title with <script>alert('t')</script>",
            "body": body,
            "tags": "",
        },
    )
    assert r.status_code == 303
    for viewer in (c, client):
        html = (await viewer.get(r.headers["location"])).text
        assert "Before" in html and "After" in html
        tags = live_tags(html)
        scripts = [attrs for tag, attrs in tags if tag == "script"]
        assert scripts == [
            {"src": "/static/app.js", "defer": None},
            {"src": "/static/live.js", "defer": None},
            {"src": "/static/drafts.js", "defer": None},
        ]
        assert not [t for t, _ in tags if t in ("iframe", "object", "embed")]
        for tag, attrs in tags:
            assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
            for name in ("href", "src", "action", "formaction"):
                assert not (attrs.get(name) or "").strip().lower().startswith("javascript:"), (
                    tag,
                    attrs,
                )
        assert "Title with &lt;script&gt;" in html
