"""API contract tests for accounts: registration, tokens, /me, profiles and the two ways of
authenticating (bearer token; session cookie + CSRF + Origin)."""

from __future__ import annotations

from datetime import datetime

import pytest
from argon2 import PasswordHasher

from forum import security
from forum.models import ApiToken, User
from tests.conftest import ORIGIN, PASSWORD, bearer, sign_in
from tests.forum.helpers import assert_error, assert_no_failures, attempt, error_problem

REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"
ME = "/api/v1/me"
USER_FIELDS = {"id", "username", "display_name", "role", "sector", "is_admin", "created_at"}


@pytest.fixture(autouse=True)
def cheap_password_hashing(request, monkeypatch):
    """Still argon2id, at the lowest cost, to keep the suite fast; tests about how passwords are
    stored use the application's real hasher."""
    if "stored_as" not in request.function.__name__:
        monkeypatch.setattr(
            security, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        )


def assert_user_shape(data: dict) -> None:
    assert USER_FIELDS <= set(data), data
    assert isinstance(data["id"], int)
    assert isinstance(data["is_admin"], bool)
    assert datetime.fromisoformat(data["created_at"]).utcoffset() is not None, data["created_at"]


def registration(**overrides) -> dict:
    data = {"username": "asha_k", "email": "asha@example.org", "password": "long enough password"}
    data.update(overrides)
    return data


async def cookie_sign_in(client, user) -> str:
    """sign_in() from conftest, made to stick: it sets the cookie for domain "testserver", which
    httpx's cookie jar never sends (it matches host-only names as "testserver.local"), so the
    cookie is re-set host-only. Returns the CSRF token for the session."""
    client.cookies.clear()
    csrf = await sign_in(client, user)
    token = next(c.value for c in client.cookies.jar if c.name == "chaupal_session")
    client.cookies.clear()
    client.cookies.set("chaupal_session", token)
    return csrf


async def register(client, **overrides):
    return await client.post(REGISTER, json=registration(**overrides))


# Registration


async def test_register_returns_201_with_the_user_shape(client):
    r = await register(client, display_name="Asha K", role="District Collector", sector="Revenue")
    assert r.status_code == 201, r.text
    data = r.json()
    assert_user_shape(data)
    assert data["username"] == "asha_k"
    assert data["display_name"] == "Asha K"
    assert data["role"] == "District Collector"
    assert data["sector"] == "Revenue"
    assert data["is_admin"] is False
    assert "password" not in data and "password_hash" not in data
    assert await User.filter(username="asha_k").exists()


async def test_register_without_display_name_uses_the_username(client):
    r = await register(client)
    assert r.status_code == 201, r.text
    assert r.json()["display_name"] == "asha_k"


async def test_register_cannot_make_an_admin(client):
    r = await register(client, is_admin=True)
    assert r.status_code == 201, r.text
    assert r.json()["is_admin"] is False
    assert (await User.get(username="asha_k")).is_admin is False


async def test_password_is_stored_as_an_argon2id_hash(client):
    r = await register(client, password="a secret passphrase")
    assert r.status_code == 201, r.text
    user = await User.get(username="asha_k")
    assert user.password_hash.startswith("$argon2id$"), user.password_hash
    assert "a secret passphrase" not in user.password_hash
    r = await client.post(TOKEN, json={"username": "asha_k", "password": "a secret passphrase"})
    assert r.status_code == 201, r.text


BAD_USERNAMES = [
    "ab",  # too short
    "a" * 31,  # too long
    "bad-name",  # dash
    "bad name",  # space
    "émile",  # not ASCII
    "dot.ted",
    "",
    123456,  # not text
    ["asha_k"],
    None,
]


async def test_register_rejects_usernames_outside_the_rules(client):
    failures = []
    for username in BAD_USERNAMES:
        r = await attempt(client, "POST", REGISTER, json=registration(username=username))
        if problem := error_problem(r, 422, "username"):
            failures.append((username, problem))
    assert_no_failures(failures)
    assert await User.all().count() == 0


async def test_register_accepts_usernames_inside_the_rules(client):
    for n, username in enumerate(["abc", "a" * 30, "under_score_9", "007"]):
        r = await register(client, username=username, email=f"user{n}@example.org")
        assert r.status_code == 201, (username, r.text)
        assert r.json()["username"] == username


INVALID_REGISTRATIONS = [
    ({"email": "not-an-address"}, "email"),
    ({"email": None}, "email"),
    ({"email": ["asha@example.org"]}, "email"),
    ({"password": "short"}, "password"),
    ({"password": None}, "password"),
    ({"password": 12345678901}, "password"),
    ({"password": "x" * 201}, "password"),
    ({"display_name": "x" * 61}, "display_name"),
    ({"display_name": ["a list"]}, "display_name"),
    ({"role": {"an": "object"}}, "role"),
    ({"sector": 3.5}, "sector"),
]


async def test_register_rejects_invalid_fields_with_422(client):
    failures = []
    for overrides, field in INVALID_REGISTRATIONS:
        r = await attempt(client, "POST", REGISTER, json=registration(**overrides))
        if problem := error_problem(r, 422, field):
            failures.append((overrides, problem))
    assert_no_failures(failures)
    assert await User.all().count() == 0


async def test_register_with_an_empty_body_is_422(client):
    r = await client.post(REGISTER, json={})
    error = assert_error(r, 422)
    assert {"username", "email", "password"} <= set(error.get("fields", {})), error


async def test_duplicate_username_is_409(client, make_user):
    await make_user(username="asha_k")
    r = await register(client, username="asha_k", email="other@example.org")
    assert_error(r, 409)


async def test_duplicate_username_in_other_case_is_409(client, make_user):
    await make_user(username="asha_k")
    r = await register(client, username="ASHA_K", email="other@example.org")
    assert_error(r, 409)


async def test_duplicate_email_is_409(client, make_user):
    await make_user(username="first", email="asha@example.org")
    r = await register(client, username="second", email="Asha@Example.org")
    assert_error(r, 409)
    assert not await User.filter(username="second").exists()


async def test_register_with_malformed_json_is_400(client):
    failures = []
    for payload in [
        b'{"username": "asha_k",',
        b"{'username': 'asha_k'}",
        b"not json",
        b'{"username": "\xff\xfe"}',
    ]:
        r = await attempt(
            client, "POST", REGISTER, content=payload, headers={"content-type": "application/json"}
        )
        if problem := error_problem(r, 400):
            failures.append((payload, problem))
    assert_no_failures(failures)


async def test_register_with_non_object_json_is_400(client):
    failures = []
    for payload in [b"[1, 2]", b'"a string"', b"42", b"null", b"true", b'[{"username": "asha_k"}]']:
        r = await attempt(
            client, "POST", REGISTER, content=payload, headers={"content-type": "application/json"}
        )
        if problem := error_problem(r, 400):
            failures.append((payload, problem))
    assert_no_failures(failures)
    assert await User.all().count() == 0


async def test_register_with_oversize_body_is_413(client):
    big = registration(display_name="x" * (300 * 1024))
    r = await client.post(REGISTER, json=big)
    assert_error(r, 413)
    assert not await User.filter(username="asha_k").exists()


# Tokens


async def test_token_create_returns_201_with_token_and_user(client, make_user):
    user = await make_user(username="asha_k")
    r = await client.post(TOKEN, json={"username": "asha_k", "password": PASSWORD})
    assert r.status_code == 201, r.text
    data = r.json()
    assert set(data) >= {"token", "user"}
    assert isinstance(data["token"], str) and len(data["token"]) >= 20
    assert_user_shape(data["user"])
    assert data["user"]["id"] == user.id
    r = await client.get(ME, headers={"Authorization": f"Bearer {data['token']}"})
    assert r.status_code == 200 and r.json()["username"] == "asha_k"


async def test_token_is_not_stored_in_clear(client, make_user):
    await make_user(username="asha_k")
    r = await client.post(TOKEN, json={"username": "asha_k", "password": PASSWORD})
    token = r.json()["token"]
    hashes = await ApiToken.all().values_list("token_hash", flat=True)
    assert hashes and token not in hashes


async def test_token_with_wrong_password_is_401(client, make_user):
    await make_user(username="asha_k")
    r = await client.post(TOKEN, json={"username": "asha_k", "password": PASSWORD + "x"})
    assert_error(r, 401)
    assert await ApiToken.all().count() == 0


async def test_token_for_unknown_user_is_401(client):
    r = await client.post(TOKEN, json={"username": "nobody_here", "password": PASSWORD})
    assert_error(r, 401)


async def test_token_with_missing_or_wrongly_typed_credentials_is_401(client, make_user):
    await make_user(username="asha_k")
    failures = []
    for payload in [
        {},
        {"username": "asha_k"},
        {"username": ["asha_k"], "password": PASSWORD},
        {"username": {"u": "asha_k"}, "password": PASSWORD},
        {"username": "asha_k", "password": 12345},
        {"username": "asha_k", "password": None},
        {"username": "asha_k", "password": "x" * 5000},
    ]:
        r = await attempt(client, "POST", TOKEN, json=payload)
        if problem := error_problem(r, 401):
            failures.append((payload, problem))
    assert_no_failures(failures)
    assert await ApiToken.all().count() == 0


async def test_token_with_non_object_json_is_400(client):
    r = await client.post(TOKEN, content=b"[]", headers={"content-type": "application/json"})
    assert_error(r, 400)


async def test_delete_token_revokes_it(client, make_user):
    user = await make_user()
    headers = await bearer(user)
    other = await bearer(user)
    assert (await client.get(ME, headers=headers)).status_code == 200
    r = await client.delete(TOKEN, headers=headers)
    assert r.status_code == 200, r.text
    assert_error(await client.get(ME, headers=headers), 401)
    # Only the caller's token goes; the user's other tokens keep working.
    assert (await client.get(ME, headers=other)).status_code == 200


async def test_delete_token_without_a_token_is_401(client):
    assert_error(await client.delete(TOKEN), 401)


# /me


async def test_me_without_auth_is_401(client):
    r = await client.get(ME)
    assert_error(r, 401)


async def test_me_with_a_bad_authorization_header_is_401(client, make_user):
    await bearer(await make_user())  # a real token exists, just not these
    failures = []
    for value in [
        "Bearer not-a-real-token",
        "Bearer ",
        "Bearer",
        "Basic YWxpY2U6c2VjcmV0",
        "Token abc",
        "Bearer " + "x" * 500,
    ]:
        r = await attempt(client, "GET", ME, headers={"Authorization": value})
        if problem := error_problem(r, 401):
            failures.append((value[:40], problem))
    assert_no_failures(failures)


async def test_me_returns_the_callers_user(client, make_user):
    user = await make_user(
        username="asha_k", display_name="Asha", role="Forest Officer", sector="Environment"
    )
    r = await client.get(ME, headers=await bearer(user))
    assert r.status_code == 200, r.text
    data = r.json()
    assert_user_shape(data)
    assert data["id"] == user.id
    assert data["username"] == "asha_k"
    assert data["display_name"] == "Asha"
    assert data["role"] == "Forest Officer"
    assert data["sector"] == "Environment"
    assert "password_hash" not in data


async def test_patch_me_updates_the_profile(client, make_user):
    user = await make_user()
    headers = await bearer(user)
    r = await client.patch(
        ME,
        json={
            "display_name": "  New   Name ",
            "role": "Data Analyst",
            "sector": "Health",
            "bio": "Hello.",
        },
        headers=headers,
    )
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["display_name"] == "New Name"
    assert data["role"] == "Data Analyst"
    assert data["sector"] == "Health"
    r = await client.get(ME, headers=headers)
    assert r.json()["display_name"] == "New Name" and r.json()["sector"] == "Health"
    stored = await User.get(id=user.id)
    assert (stored.display_name, stored.role, stored.sector, stored.bio) == (
        "New Name",
        "Data Analyst",
        "Health",
        "Hello.",
    )


async def test_patch_me_keeps_fields_that_are_not_sent(client, make_user):
    user = await make_user(role="Forest Officer", sector="Environment")
    r = await client.patch(ME, json={"display_name": "Only Name"}, headers=await bearer(user))
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "Forest Officer" and r.json()["sector"] == "Environment"


async def test_patch_me_cannot_change_username_or_admin_flag(client, make_user):
    user = await make_user(username="asha_k")
    r = await client.patch(
        ME, json={"username": "boss", "is_admin": True}, headers=await bearer(user)
    )
    assert r.status_code == 200, r.text
    stored = await User.get(id=user.id)
    assert stored.username == "asha_k" and stored.is_admin is False


async def test_patch_me_with_invalid_fields_is_422(client, make_user):
    user = await make_user(display_name="Kept", role="Forest Officer")
    headers = await bearer(user)
    failures = []
    for payload, field in [
        ({"display_name": "x" * 61}, "display_name"),
        ({"display_name": {"a": 1}}, "display_name"),
        ({"role": 5}, "role"),
        ({"bio": ["x"]}, "bio"),
        ({"bio": "b" * 1001}, "bio"),
        ({"sector": "s" * 81}, "sector"),
        ({"display_name": "Changed", "role": ["x"]}, "role"),
    ]:
        r = await attempt(client, "PATCH", ME, json=payload, headers=headers)
        if problem := error_problem(r, 422, field):
            failures.append((payload, problem))
    assert_no_failures(failures)
    stored = await User.get(id=user.id)
    assert (stored.display_name, stored.role) == ("Kept", "Forest Officer")


async def test_patch_me_without_auth_is_401(client):
    assert_error(await client.patch(ME, json={"display_name": "X"}), 401)


async def test_patch_me_with_non_object_json_is_400(client, make_user):
    user = await make_user()
    r = await client.patch(
        ME, content=b"[]", headers={**await bearer(user), "content-type": "application/json"}
    )
    assert_error(r, 400)


# Public profiles


async def test_get_user_returns_public_fields_only(client, make_user):
    await make_user(
        username="asha_k", display_name="Asha", role="Forest Officer", sector="Environment"
    )
    r = await client.get("/api/v1/users/asha_k")
    assert r.status_code == 200, r.text
    data = r.json()
    assert_user_shape(data)
    assert data["username"] == "asha_k" and data["display_name"] == "Asha"
    assert "email" not in data and "password_hash" not in data


async def test_get_unknown_user_is_404(client):
    assert_error(await client.get("/api/v1/users/nobody_here"), 404)


# Session cookie auth for the API


async def test_session_cookie_authenticates_api_reads(client, make_user):
    user = await make_user(username="asha_k")
    await cookie_sign_in(client, user)
    r = await client.get(ME)
    assert r.status_code == 200, r.text
    assert r.json()["username"] == "asha_k"


async def test_session_cookie_unsafe_request_without_csrf_or_origin_is_403(client, make_user):
    user = await make_user(display_name="Before")
    await cookie_sign_in(client, user)
    r = await client.patch(ME, json={"display_name": "After"})
    assert_error(r, 403)
    assert (await User.get(id=user.id)).display_name == "Before"


async def test_session_cookie_unsafe_request_with_csrf_but_no_origin_is_403(client, make_user):
    user = await make_user(display_name="Before")
    csrf = await cookie_sign_in(client, user)
    r = await client.patch(ME, json={"display_name": "After"}, headers={"X-CSRF-Token": csrf})
    assert_error(r, 403)
    assert (await User.get(id=user.id)).display_name == "Before"


async def test_session_cookie_unsafe_request_with_origin_but_no_csrf_is_403(client, make_user):
    user = await make_user(display_name="Before")
    await cookie_sign_in(client, user)
    r = await client.patch(ME, json={"display_name": "After"}, headers={"Origin": ORIGIN})
    assert_error(r, 403)
    assert (await User.get(id=user.id)).display_name == "Before"


async def test_session_cookie_unsafe_request_with_foreign_origin_is_403(client, make_user):
    user = await make_user(display_name="Before")
    csrf = await cookie_sign_in(client, user)
    r = await client.patch(
        ME,
        json={"display_name": "After"},
        headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"},
    )
    assert_error(r, 403)
    assert (await User.get(id=user.id)).display_name == "Before"


async def test_session_cookie_unsafe_request_with_another_sessions_csrf_is_403(client, make_user):
    other = await make_user()
    user = await make_user(display_name="Before")
    foreign_csrf = await cookie_sign_in(client, other)
    await cookie_sign_in(client, user)
    r = await client.patch(
        ME, json={"display_name": "After"}, headers={"X-CSRF-Token": foreign_csrf, "Origin": ORIGIN}
    )
    assert_error(r, 403)
    assert (await User.get(id=user.id)).display_name == "Before"


async def test_session_cookie_unsafe_request_with_csrf_and_origin_passes(client, make_user):
    user = await make_user(display_name="Before")
    csrf = await cookie_sign_in(client, user)
    r = await client.patch(
        ME, json={"display_name": "After"}, headers={"X-CSRF-Token": csrf, "Origin": ORIGIN}
    )
    assert r.status_code == 200, r.text
    assert (await User.get(id=user.id)).display_name == "After"


async def test_session_cookie_post_to_api_needs_csrf_too(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    url = f"/api/v1/communities/{community.slug}/threads"
    payload = {"title": "Cookie thread title", "body": "Body"}
    csrf = await cookie_sign_in(client, user)
    assert_error(await client.post(url, json=payload), 403)
    r = await client.post(url, json=payload, headers={"X-CSRF-Token": csrf, "Origin": ORIGIN})
    assert r.status_code == 201, r.text


async def test_bearer_token_needs_no_csrf_or_origin(client, make_user):
    user = await make_user(display_name="Before")
    r = await client.patch(ME, json={"display_name": "After"}, headers=await bearer(user))
    assert r.status_code == 200, r.text
    assert (await User.get(id=user.id)).display_name == "After"
