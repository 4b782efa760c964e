"""Rate limits: registering (per address), signing in (wrong passwords per account and address;
attempts and failing usernames per address), posting and flagging (per person). Past a limit the API answers 429 with a Retry-After header in whole seconds and
the error code too_many_requests; the web forms answer a 429 page with the same header.

These tests run their own app with rate limits on and set very low."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from forum.models import Flag, Post, User
from server import create_app
from tests.conftest import ORIGIN, PASSWORD, TABLES, using_postgres
from tests.moderation import helpers as h

# Helpers

LIMITS = {
    "CHAUPAL_RATE_POST_USER": "2/minute",
    "CHAUPAL_RATE_LOGIN_USER": "2/minute",
    "CHAUPAL_RATE_LOGIN_NAMES_IP": "3/minute",
    "CHAUPAL_RATE_REGISTER_IP": "2/minute",
    "CHAUPAL_RATE_FLAG_USER": "2/minute",
}


@pytest.fixture
async def limited(settings) -> AsyncIterator[Any]:
    application = create_app(settings.with_(rate_limits_enabled=True, rate_limits=LIMITS))
    async with application.router.lifespan_context(application):
        if using_postgres():
            from tortoise import connections

            await connections.get("default").execute_script(
                "; ".join(f"DELETE FROM {table}" for table in TABLES)
            )
        yield application


@pytest.fixture(autouse=True)
async def _app_first(limited) -> None:
    """Overrides the package's fixture: these tests use the rate-limited app only."""


@pytest.fixture
async def client(limited) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=limited)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as c:
        yield c


@pytest.fixture
async def new_client(limited) -> AsyncIterator[Any]:
    """Browsers on the rate-limited app (overrides the package's fixture)."""
    async with contextlib.AsyncExitStack() as stack:

        async def make() -> httpx.AsyncClient:
            return await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url=ORIGIN)
            )

        yield make


def assert_too_many(r: httpx.Response) -> int:
    assert r.status_code == 429, r.text
    retry = r.headers.get("retry-after")
    assert retry is not None and retry.isdigit(), r.headers
    assert 1 <= int(retry) <= 60
    return int(retry)


def assert_too_many_json(r: httpx.Response) -> None:
    assert_too_many(r)
    assert r.json()["error"]["code"] == "too_many_requests"
    assert r.json()["error"]["message"]


async def post_once(client, world, kind: str, n: int, who: str = "author") -> httpx.Response:
    body = f"Post number {n} about the annual property return deadline."
    if kind == "thread":
        return await h.start_thread(client, world.headers[who], world.community.slug, body)
    return await h.reply(client, world.headers[who], world.thread.id, body)


# Posting


@pytest.mark.parametrize(
    "kinds",
    [("thread", "thread", "thread"), ("reply", "reply", "reply"), ("thread", "reply", "reply")],
)
async def test_third_post_within_a_minute_is_429_with_retry_after(client, world, kinds):
    answers = [await post_once(client, world, kind, n) for n, kind in enumerate(kinds)]
    assert [a.status_code for a in answers[:2]] == [201, 201]
    assert_too_many_json(answers[2])
    assert await Post.filter(author_id=world.author.id).count() == 4  # 2 from the world + 2


async def test_post_limit_is_per_person(client, world):
    for n in range(2):
        assert (await post_once(client, world, "reply", n)).status_code == 201
    assert_too_many_json(await post_once(client, world, "reply", 9))
    other = await post_once(client, world, "reply", 10, who="member")
    assert other.status_code == 201


async def test_web_reply_form_past_the_limit_gets_a_429_page(client, world, browser):
    c, csrf = await browser(world.author)
    for n in range(2):
        r = await h.post_form(
            c, f"/t/{world.thread.id}/reply", {"body": f"Web reply {n} here."}, csrf
        )
        assert r.status_code == 303, r.text
    r = await h.post_form(c, f"/t/{world.thread.id}/reply", {"body": "Web reply 3 here."}, csrf)
    assert_too_many(r)
    assert r.headers["content-type"].startswith("text/html")


# Signing in


async def token(client, username: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token", json={"username": username, "password": password}
    )


async def test_sign_in_limit_is_per_username(client, world):
    assert (await token(client, "author", "wrong password!")).status_code == 401
    assert (await token(client, "Author", "wrong password!")).status_code == 401
    third = await token(client, "author")  # even the right password must wait
    assert_too_many_json(third)
    assert (await token(client, "plain_member")).status_code == 201


@pytest.fixture
async def from_address(limited) -> AsyncIterator[Any]:
    """Clients on the rate-limited app, each from the address given."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(address: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=limited, client=(address, 40000))
            return await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url=ORIGIN)
            )

        yield make


async def test_wrong_passwords_block_the_account_from_that_address_only(world, from_address):
    guesser, owner = await from_address("203.0.113.7"), await from_address("198.51.100.20")
    assert (await token(guesser, "author", "wrong password!")).status_code == 401
    assert (await token(guesser, "author", "wrong password!")).status_code == 401
    assert_too_many_json(await token(guesser, "author"))
    assert (await token(owner, "author")).status_code == 201
    assert (await token(guesser, "plain_member")).status_code == 201


async def test_right_passwords_do_not_count(world, from_address):
    client = await from_address("203.0.113.7")
    for _ in range(3):
        assert (await token(client, "author")).status_code == 201
    assert (await token(client, "author", "a typo password")).status_code == 401
    assert (await token(client, "author", "a typo password")).status_code == 401
    assert_too_many_json(await token(client, "author", "a typo password"))


async def test_guesses_sent_at_once_are_counted_like_guesses_one_after_another(world, from_address):
    import asyncio

    client = await from_address("203.0.113.7")
    answers = await asyncio.gather(
        *(token(client, "author", f"guess number {n}") for n in range(6))
    )
    assert sorted(a.status_code for a in answers) == [401, 401, 429, 429, 429, 429]


async def test_an_address_failing_on_many_usernames_is_stopped(world, from_address):
    sprayer, office = await from_address("203.0.113.7"), await from_address("198.51.100.20")
    for name in ("author", "flagger", "author", "plain_member"):  # a name counts once
        assert (await token(sprayer, name, "Summer2024!")).status_code == 401
    assert_too_many_json(await token(sprayer, "mod_this", "Summer2024!"))
    assert_too_many_json(await token(sprayer, "mod_other"))  # a new name, even the right password
    assert (await token(sprayer, "flagger")).status_code == 201  # one it already tried
    assert (await token(office, "mod_this")).status_code == 201


async def test_people_signing_in_from_one_office_address_are_not_stopped(world, from_address):
    office = await from_address("198.51.100.20")
    for name in ("author", "flagger", "plain_member", "mod_this", "mod_other"):
        assert (await token(office, name)).status_code == 201


async def test_forwarded_headers_from_an_untrusted_peer_change_nothing(world, from_address):
    guesser = await from_address("203.0.113.7")
    for n in range(2):
        r = await guesser.post(
            "/api/v1/auth/token",
            json={"username": "author", "password": "wrong password!"},
            headers={"X-Forwarded-For": f"192.0.2.{n}", "Forwarded": f"for=192.0.2.{n}"},
        )
        assert r.status_code == 401
    assert_too_many_json(
        await guesser.post(
            "/api/v1/auth/token",
            json={"username": "author", "password": PASSWORD},
            headers={"X-Forwarded-For": "192.0.2.99"},
        )
    )


async def test_web_login_form_past_the_limit_gets_a_429_page(client, world):
    page = await client.get("/login")
    csrf = h.csrf_in(page.text)
    answers = []
    for _ in range(3):
        answers.append(
            await client.post(
                "/login",
                data={"csrf_token": csrf, "username": "author", "password": "wrong password!"},
                headers=h.SAME_ORIGIN,
            )
        )
    assert [a.status_code for a in answers[:2]] == [401, 401]
    assert_too_many(answers[2])
    assert answers[2].headers["content-type"].startswith("text/html")
    assert "seconds" in answers[2].text


# Registering


async def register(client, n: int) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/register",
        json={
            "username": f"newcomer{n}",
            "email": f"newcomer{n}@example.org",
            "password": PASSWORD,
        },
    )


async def test_third_registration_from_one_address_is_429(client, world):
    assert [(await register(client, n)).status_code for n in range(2)] == [201, 201]
    third = await register(client, 3)
    assert_too_many_json(third)
    assert not await User.exists(username="newcomer3")


# Flagging


async def test_third_flag_within_the_window_is_429(client, world):
    targets = [world.reply.id, world.opening.id]
    extra = await h.reply(client, world.headers["flagger"], world.thread.id, "Flag me as well.")
    targets.append(extra.json()["id"])
    answers = [await h.flag(client, world.headers["member"], t, "spam") for t in targets]
    assert [a.status_code for a in answers[:2]] == [201, 201]
    assert_too_many_json(answers[2])
    assert await Flag.filter(flagger_id=world.member.id).count() == 2
    other = await h.flag(client, world.headers["flagger"], world.reply.id, "spam")
    assert other.status_code == 201
