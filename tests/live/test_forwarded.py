"""Sign-in limits on a real server (`server.py serve`), as uvicorn runs the app: forwarded
headers name the client only when CHAUPAL_FORWARDED_ALLOW_IPS lists the peer. Before, uvicorn
itself trusted X-Forwarded-For from 127.0.0.1, and the app never decided."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.live.conftest import (
    PASSWORD,
    ServerProcess,
    create_admin,
    server_env,
    start_server,
    unique,
)

LIMITS = {"CHAUPAL_RATE_LOGIN_USER": "3/minute", "CHAUPAL_RATE_LOGIN_NAMES_IP": "3/hour"}


def serve(tmp_path_factory: pytest.TempPathFactory, name: str, **extra: str) -> ServerProcess:
    data_dir = tmp_path_factory.mktemp(name)
    env = server_env(data_dir, **LIMITS, **extra)
    create_admin(env)
    return start_server(env, data_dir / "server.log")


@pytest.fixture(scope="module")
def direct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """No proxy trusted (the default)."""
    server = serve(tmp_path_factory, "direct")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """Behind a proxy on 127.0.0.1, which is where the tests connect from."""
    server = serve(tmp_path_factory, "proxied", CHAUPAL_FORWARDED_ALLOW_IPS="127.0.0.1")
    yield server
    server.stop()


def register(api: httpx.Client) -> str:
    username = unique("owner")
    r = api.post(
        "/api/v1/auth/register",
        json={"username": username, "email": f"{username}@example.org", "password": PASSWORD},
    )
    assert r.status_code == 201, r.text
    return username


def sign_in(api: httpx.Client, username: str, password: str, address: str) -> int:
    r = api.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
    )
    return r.status_code


def test_without_a_trusted_proxy_a_forged_address_escapes_no_limit(direct):
    with httpx.Client(base_url=direct.url, timeout=10.0, trust_env=False) as api:
        owner = register(api)
        answers = [sign_in(api, owner, "wrong password", f"192.0.2.{n}") for n in range(4)]
        assert answers == [401, 401, 401, 429]
        names = [
            sign_in(api, unique("nobody"), "wrong password", f"198.51.100.{n}") for n in range(3)
        ]
        assert names == [401, 401, 429]  # the owner counted as the first name tried


def test_behind_a_trusted_proxy_wrong_passwords_block_only_that_address(proxied):
    with httpx.Client(base_url=proxied.url, timeout=10.0, trust_env=False) as api:
        owner = register(api)
        answers = [sign_in(api, owner, "wrong password", "203.0.113.7") for _ in range(4)]
        assert answers == [401, 401, 401, 429]
        assert sign_in(api, owner, PASSWORD, "203.0.113.7") == 429
        assert sign_in(api, owner, PASSWORD, "198.51.100.20") == 201
