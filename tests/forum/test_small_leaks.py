"""Small leaks and spoofs: images from other sites shown as links (and a CSP that loads images
from this site only), bidirectional controls removed from titles, names and tags, table
alignment by class instead of inline styles the CSP blocks, the security headers on every
answer (413 and 500 included), and a data directory and database only their owner can read."""

from __future__ import annotations

import multiprocessing
import os
import re
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from forum import communities, db, markup, security, validation
from forum.settings import Settings
from forum.web.http import CSP
from tests.conftest import ORIGIN, bearer

STATIC = Path(__file__).resolve().parents[2] / "static"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    monkeypatch.setattr(
        security, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture
async def member(client, make_user, make_community):
    user = await make_user(username="asha")
    community = await make_community(members=(user,))
    return user, community, await bearer(user)


async def post_body(client, member, body: str) -> dict:
    user, community, auth = member
    r = await client.post(
        f"/api/v1/communities/{community.slug}/threads",
        headers=auth,
        json={"title": "Charts from the district review", "body": body},
    )
    assert r.status_code == 201, r.text
    thread = (await client.get(f"/api/v1/threads/{r.json()['id']}")).json()
    return dict(thread["posts"][0])


# Images


@pytest.mark.parametrize(
    "source",
    [
        "https://tracker.example/pixel.png",
        "http://tracker.example/pixel.png",
        "HTTPS://tracker.example/pixel.png",
        "//tracker.example/pixel.png",
    ],
)
async def test_an_image_from_another_site_is_shown_as_a_link(client, member, source):
    post = await post_body(client, member, f"See ![the chart]({source}) here.")
    html = post["body_html"]
    assert "<img" not in html, html
    link = re.search(r'<a href="([^"]+)"[^>]*>the chart</a>', html)
    assert link is not None and link.group(1) == source, html


@pytest.mark.parametrize(
    "source",
    ["/static/logo.svg", "charts/march.png", "data:image/png;base64,iVBORw0KGgo="],
)
async def test_an_image_of_this_site_or_inline_data_stays_an_image(client, member, source):
    post = await post_body(client, member, f"See ![the chart]({source}) here.")
    assert f'<img src="{source}" alt="the chart">' in post["body_html"]


def test_an_image_without_alt_text_links_by_its_address():
    html = markup.render("![](https://tracker.example/a.png)")
    assert ">https://tracker.example/a.png</a>" in html
    assert 'rel="nofollow noopener ugc"' in html


def test_a_backslash_cannot_make_a_relative_address_another_site():
    assert '<img src="/%5Ctracker.example/a.png"' in markup.render("![x](/\\tracker.example/a.png)")
    assert not markup.own_image("\\\\tracker.example/a.png")


def test_data_addresses_are_for_images_only():
    html = markup.render("[open me](data:image/png;base64,iVBORw0KGgo=)")
    assert "data:" not in html


async def test_pages_let_images_load_from_this_site_and_data_only(client):
    r = await client.get("/")
    policy = r.headers["content-security-policy"]
    assert "img-src 'self' data:;" in policy
    assert "https:" not in policy
    assert policy == CSP


# Bidirectional controls


def test_one_line_fields_lose_bidirectional_controls():
    assert validation.one_line(f"Ad{BIDI}min", "name", max_len=60) == "Admin"
    assert validation.tags([f"bud{BIDI}get"]) == ["budget"]


def test_bodies_keep_them():
    """In a post, isolates and embeddings serve mixed Urdu and English text."""
    assert validation.text("a \u2067b\u2069 c", "body", max_len=100) == "a \u2067b\u2069 c"


async def test_titles_names_and_tags_are_stored_without_bidirectional_controls(
    client, member, admin
):
    user, community, auth = member
    r = await client.post(
        f"/api/v1/communities/{community.slug}/threads",
        headers=auth,
        json={"title": "Leave rules \u202egnp.exe", "body": "Body.", "tags": ["leave\u2066"]},
    )
    assert r.status_code == 201, r.text
    assert (r.json()["title"], r.json()["tags"]) == ("Leave rules gnp.exe", ["leave"])
    r = await client.patch("/api/v1/me", headers=auth, json={"display_name": "Asha \u202eK"})
    assert r.status_code == 200, r.text
    assert r.json()["display_name"] == "Asha K"
    made = await communities.create(
        admin,
        slug="bidi-test",
        name="District \u2067Officers\u2069",
        description="Who we are.",
        kind="topic",
        visibility="public",
    )
    assert made.name == "District Officers"


# Table alignment


async def test_table_alignment_is_a_class_not_an_inline_style(client, member):
    post = await post_body(client, member, "| a | b | c | d |\n|:-|:-:|-:|--|\n| 1 | 2 | 3 | 4 |")
    html = post["body_html"]
    assert "style=" not in html
    assert '<th class="align-left">a</th>' in html
    assert '<td class="align-center">2</td>' in html
    assert '<td class="align-right">3</td>' in html
    assert "<td>4</td>" in html
    css = (STATIC / "style.css").read_text(encoding="utf-8")
    for side in ("left", "center", "right"):
        assert f".align-{side} {{ text-align: {side}; }}" in css


# Security headers on every answer


def assert_security_headers(r: httpx.Response) -> None:
    assert r.headers.get("content-security-policy") == CSP, (r.status_code, dict(r.headers))
    assert r.headers.get("x-content-type-options") == "nosniff"
    assert r.headers.get("x-frame-options") == "DENY"
    assert r.headers.get("referrer-policy") == "strict-origin-when-cross-origin"


async def test_a_declared_oversize_body_is_413_with_the_security_headers(client):
    r = await client.post(
        "/api/v1/auth/token", content=b"x" * (300 * 1024), headers={"content-type": "text/plain"}
    )
    assert r.status_code == 413
    assert_security_headers(r)


async def test_an_oversize_body_sent_in_chunks_is_413_with_the_security_headers(client):
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"x" * 10_000

    r = await client.post("/api/v1/auth/token", content=chunks())
    assert r.status_code == 413
    assert_security_headers(r)


@pytest.mark.parametrize("path", ["/nowhere", "/api/v1/nowhere", "/u/%00x", "/search?q=%00"])
async def test_errors_carry_the_security_headers(client, path):
    r = await client.get(path)
    assert r.status_code in (400, 404)
    assert_security_headers(r)


async def test_a_server_error_carries_the_security_headers(app, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(communities, "directory", broken)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as c:
        for accept in ("application/json", "text/html"):
            r = await c.get("/communities", headers={"accept": accept})
            assert r.status_code == 500
            assert_security_headers(r)


# Files only their owner can read


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_directory_and_secret_key_are_the_owners_only(tmp_path):
    data_dir = tmp_path / "new" / "data"
    settings = Settings.from_env({"CHAUPAL_DATA_DIR": str(data_dir)})
    assert settings.data_dir == data_dir
    assert mode(data_dir) == 0o700
    assert mode(data_dir / "secret_key") == 0o600


async def test_a_new_sqlite_database_and_its_journal_are_the_owners_only(tmp_path):
    path = tmp_path / "chaupal.sqlite3"
    await db.open_database(f"sqlite://{path}", migrate=True)
    try:
        from forum.models import User

        await User.create(
            username="x_y", email="x@example.org", password_hash="-", display_name="X"
        )
        found = {p.name: mode(p) for p in tmp_path.iterdir() if p.name.startswith(path.name)}
    finally:
        await db.close_database()
    assert found == {name: 0o600 for name in found}, found
    assert {"chaupal.sqlite3", "chaupal.sqlite3-wal", "chaupal.sqlite3-shm"} <= set(found)


def test_a_database_in_a_new_directory_gets_one_only_its_owner_can_enter(tmp_path):
    path = tmp_path / "new" / "chaupal.sqlite3"
    db.create_private_file(path)
    assert (mode(path.parent), mode(path)) == (0o700, 0o600)


def test_an_existing_database_file_is_left_alone(tmp_path):
    path = tmp_path / "old.sqlite3"
    path.write_bytes(b"")
    os.chmod(path, 0o640)
    db.create_private_file(path)
    assert mode(path) == 0o640


def _read_key(data_dir: str, start: Any, keys: Any) -> None:
    start.wait()
    keys.put(Settings.from_env({"CHAUPAL_DATA_DIR": data_dir}).secret_key)


def test_workers_starting_together_agree_on_one_secret_key(tmp_path: Path) -> None:
    """`serve --workers N` on a new data directory: each worker reads or makes the key at
    once; they must all get the same one, whole (one used to fail with FileExistsError)."""
    context = multiprocessing.get_context("fork")
    for round_no in range(5):
        data_dir = tmp_path / f"data-{round_no}"
        start, keys = context.Barrier(4), context.Queue()
        workers = [
            context.Process(target=_read_key, args=(str(data_dir), start, keys)) for _ in range(4)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert [worker.exitcode for worker in workers] == [0] * 4
        found = {keys.get(timeout=5) for _ in range(4)}
        assert len(found) == 1 and len(found.pop()) >= 60
        assert (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600
        assert [p.name for p in data_dir.iterdir()] == ["secret_key"]
