"""Forwarded headers: X-Forwarded-For / Forwarded name the client, and X-Forwarded-Proto the
scheme, only when the peer is a proxy listed in CHAUPAL_FORWARDED_ALLOW_IPS (none by default).
The client address is what the rate limits count (tests/moderation/test_limits.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from forum.settings import Settings, networks
from forum.web.http import TrustedProxies
from server import create_app
from tests.conftest import ORIGIN


async def seen_by_app(
    trusted: str,
    peer: str,
    headers: dict[str, str] | list[tuple[str, str]],
    kind: str = "http",
) -> tuple[str, str]:
    """(client address, scheme) as the app behind TrustedProxies sees them."""
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(scope)

    items = headers.items() if isinstance(headers, dict) else headers
    scope = {
        "type": kind,
        "scheme": "http" if kind == "http" else "ws",
        "client": (peer, 51000),
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in items],
    }
    await TrustedProxies(app, networks(trusted))(scope, None, None)
    return seen["client"][0], seen["scheme"]


PROXY = "10.0.0.2"


@pytest.mark.parametrize(
    "headers, client",
    [
        ({"X-Forwarded-For": "203.0.113.7"}, "203.0.113.7"),
        # What the client wrote itself comes first; the proxy appended what it saw.
        ({"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}, "203.0.113.7"),
        ([("X-Forwarded-For", "198.51.100.1"), ("X-Forwarded-For", "203.0.113.7")], "203.0.113.7"),
        # Through two trusted proxies: the first address that is not one of them.
        ({"X-Forwarded-For": "203.0.113.7, 10.0.0.9"}, "203.0.113.7"),
        ({"X-Forwarded-For": "10.0.0.8, 10.0.0.9"}, "10.0.0.8"),
        ({"X-Forwarded-For": "203.0.113.7:5123"}, "203.0.113.7"),
        ({"X-Forwarded-For": "[2001:db8::7]:443"}, "2001:db8::7"),
        ({"X-Forwarded-For": "2001:DB8::7"}, "2001:db8::7"),
        ({"Forwarded": 'for=203.0.113.7;proto=https;by="10.0.0.2"'}, "203.0.113.7"),
        ({"Forwarded": 'for=198.51.100.1, for="[2001:db8::7]:4711"'}, "2001:db8::7"),
        # X-Forwarded-For wins when both are sent.
        ({"X-Forwarded-For": "203.0.113.7", "Forwarded": "for=198.51.100.1"}, "203.0.113.7"),
        # Not an address: the proxy vouched for nothing, the peer stays the client.
        ({"X-Forwarded-For": "unknown"}, PROXY),
        ({"X-Forwarded-For": "203.0.113.7, garbage"}, PROXY),
        ({"Forwarded": "for=_hidden"}, PROXY),
        ({}, PROXY),
    ],
)
async def test_a_trusted_proxy_names_the_client(headers, client):
    assert (await seen_by_app("10.0.0.0/24", PROXY, headers))[0] == client


async def test_an_untrusted_peer_is_the_client_whatever_it_sends():
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    assert await seen_by_app("10.0.0.0/24", "198.51.100.9", headers) == ("198.51.100.9", "http")
    assert await seen_by_app("", PROXY, headers) == (PROXY, "http")


@pytest.mark.parametrize(
    "headers, kind, scheme",
    [
        ({"X-Forwarded-Proto": "https"}, "http", "https"),
        ({"X-Forwarded-Proto": "HTTPS"}, "http", "https"),
        ({"X-Forwarded-Proto": "http, https"}, "http", "https"),
        ({"X-Forwarded-Proto": "gopher"}, "http", "http"),
        ({"Forwarded": "for=203.0.113.7;proto=https"}, "http", "https"),
        ({"X-Forwarded-Proto": "https"}, "websocket", "wss"),
    ],
)
async def test_a_trusted_proxy_names_the_scheme(headers, kind, scheme):
    assert (await seen_by_app(PROXY, PROXY, headers, kind))[1] == scheme


def test_the_setting_takes_addresses_and_networks():
    found = networks(" 127.0.0.1, 10.0.0.0/8 ,::1,fd00::/8,")
    assert [str(n) for n in found] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128", "fd00::/8"]
    assert Settings.from_env({"CHAUPAL_SECRET_KEY": "k"}).forwarded_allow_ips == ()


def test_a_wrong_entry_in_the_setting_stops_the_start():
    with pytest.raises(ValueError, match="CHAUPAL_FORWARDED_ALLOW_IPS: 'proxy.local'"):
        networks("127.0.0.1, proxy.local")


async def test_the_app_reads_forwarded_headers_only_when_told_to(settings):
    """The app's own origin (used by the Origin check) follows the trusted proxy's scheme."""
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    for trusted, status in (("", 403), ("127.0.0.1", 201)):
        app = create_app(settings.with_(forwarded_allow_ips=networks(trusted)))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
            async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as client:
                # A sign-up form posted from the https origin the proxy serves.
                page = await client.get("/register", headers=headers)
                csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
                r = await client.post(
                    "/register",
                    headers={**headers, "Origin": "https://testserver"},
                    data={
                        "csrf_token": csrf,
                        "username": f"asha_{status}",
                        "email": f"asha{status}@example.org",
                        "password": "long enough password",
                    },
                )
                assert r.status_code == (303 if status == 201 else 403), r.text[:300]
