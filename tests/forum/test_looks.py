"""How pages look, as far as HTML and headers show it: the shipped fonts and their caching, the
`lang` of writing in Indian scripts, pagers only when there is more than one page, the header's
menu and the profile head."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from forum import posts
from forum.models import Post
from forum.settings import Settings

STATIC = Path(__file__).resolve().parents[2] / "static"
FONTS = STATIC / "fonts"
HINDI_TITLE = "ज़िला स्वास्थ्य समिति की बैठक को औपचारिकता से आगे कैसे ले जाएँ?"
HINDI_BODY = "हमारी बैठकों में हर बार वही आँकड़े पढ़े जाते हैं। आप एजेंडा कैसे तय करते हैं?"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Two posts a page, so a thread of three replies has two pages."""
    return dataclasses.replace(settings, posts_per_page=2)


@pytest.fixture(autouse=True)
async def _app_first(client) -> None:
    """The app (and its database) starts before any factory fixture of these tests runs."""


def font_faces() -> list[str]:
    css = (STATIC / "style.css").read_text(encoding="utf-8")
    return re.findall(r"@font-face\s*\{[^}]*\}", css)


# Fonts


def test_every_shipped_font_is_declared_once_with_swap_and_a_unicode_range() -> None:
    faces = font_faces()
    named = [re.search(r'url\("fonts/([^"]+)"\)', face).group(1) for face in faces]  # type: ignore[union-attr]
    shipped = sorted(p.name for p in FONTS.glob("*.woff2"))
    assert sorted(named) == shipped, "a font file is shipped but not used, or used but missing"
    assert len(named) == len(set(named))
    for face in faces:
        assert "font-display: swap" in face and "unicode-range:" in face, face
    families = {re.search(r'font-family: "([^"]+)"', f).group(1) for f in faces}  # type: ignore[union-attr]
    scripts = ("Devanagari", "Bengali", "Tamil", "Telugu", "Gujarati", "Kannada", "Malayalam")
    assert {"Noto Sans", *(f"Noto Sans {s}" for s in scripts), "Noto Sans Gurmukhi"} <= families
    assert "Noto Sans Oriya" in families


def test_fonts_come_with_their_licence_and_stay_small() -> None:
    licence = (FONTS / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "Noto Sans Devanagari: Copyright" in licence
    total = sum(p.stat().st_size for p in FONTS.glob("*.woff2"))
    assert total < 800_000, f"the fonts weigh {total} bytes"


async def test_fonts_are_cached_for_a_year_and_the_stylesheet_is_revalidated(client) -> None:
    font = await client.get("/static/fonts/noto-sans-devanagari-devanagari-400-normal.woff2")
    assert font.status_code == 200
    assert font.headers["content-type"] == "font/woff2"
    assert font.headers["cache-control"] == "public, max-age=31536000, immutable"
    again = await client.get(
        "/static/fonts/noto-sans-devanagari-devanagari-400-normal.woff2",
        headers={"If-None-Match": font.headers["etag"]},
    )
    assert again.status_code == 304
    assert again.headers["cache-control"] == "public, max-age=31536000, immutable"
    css = await client.get("/static/style.css")
    assert css.status_code == 200 and css.headers["cache-control"] == "no-cache"


# The language of what people write


async def test_hindi_titles_and_posts_carry_lang_hi_and_english_ones_none(
    client, make_user, make_community, make_thread
) -> None:
    author = await make_user()
    community = await make_community(members=(author,))
    thread = await make_thread(author, community, title=HINDI_TITLE, body=HINDI_BODY)
    await posts.reply(author, thread, body="In English: we circulate the agenda a week ahead.")

    page = (await client.get(f"/t/{thread.id}")).text
    assert f'<h1 lang="hi">{HINDI_TITLE}</h1>' in page
    contents = re.findall(r'<div class="post-content"([^>]*)>', page)
    assert contents == [' lang="hi"', ""]

    listing = (await client.get(f"/c/{community.slug}")).text
    assert re.search(rf'class="thread-title" href="/t/{thread.id}" lang="hi">', listing)


async def test_a_removed_hindi_post_shows_its_english_notice_without_lang(
    client, make_user, make_community, make_thread
) -> None:
    author = await make_user()
    community = await make_community(members=(author,))
    thread = await make_thread(author, community, body="The question, in English.")
    reply = await posts.reply(author, thread, body=HINDI_BODY)
    await posts.delete(author, await Post.get(id=reply.id).prefetch_related("thread__community"))

    page = (await client.get(f"/t/{thread.id}")).text
    assert "This post was removed." in page
    assert 'lang="hi"' not in page


async def test_the_api_gives_the_language_of_titles_and_bodies(
    client, make_user, make_community, make_thread
) -> None:
    author = await make_user()
    community = await make_community(members=(author,))
    thread = await make_thread(author, community, title=HINDI_TITLE, body=HINDI_BODY)
    english = await posts.reply(author, thread, body="We circulate the agenda a week ahead.")
    removed = await posts.reply(
        author, thread, body="यह उत्तर हटा दिया जाएगा, पर पहले हिंदी में लिखा गया था।"
    )
    await posts.delete(author, await Post.get(id=removed.id).prefetch_related("thread__community"))

    body = (await client.get(f"/api/v1/threads/{thread.id}")).json()
    assert body["lang"] == "hi"
    assert [p["lang"] for p in body["posts"]] == ["hi", None, None]  # the removed body is hidden
    assert (await client.get(f"/api/v1/posts/{english.id}")).json()["lang"] is None
    listed = (await client.get(f"/api/v1/communities/{community.slug}/threads")).json()
    assert [t["lang"] for t in listed["items"]] == ["hi"]


# Pagers


async def test_a_one_page_thread_has_no_pager_and_a_longer_one_has_one(
    client, make_user, make_community, make_thread
) -> None:
    author = await make_user()
    community = await make_community(members=(author,))
    thread = await make_thread(author, community)
    await posts.reply(author, thread, body="The only reply.")
    assert 'class="pager"' not in (await client.get(f"/t/{thread.id}")).text

    await posts.reply(author, thread, body="A third post, on page two.")
    page = (await client.get(f"/t/{thread.id}")).text
    assert page.count('class="pager"') == 2  # above and below the posts
    assert '<a href="?page=2" rel="next">Next</a>' in page


# Header and profile


async def test_the_header_menu_holds_the_links_and_search_stays_outside_it(
    client, make_user
) -> None:
    page = (await client.get("/communities")).text
    menu = page[page.index('<details class="site-menu">') : page.index("</details>")]
    assert '<summary class="site-menu-button">Menu</summary>' in menu
    assert 'class="main-nav"' in menu and 'href="/login?next=' in menu
    assert 'class="header-search"' not in menu
    assert page.index('class="header-search"') < page.index('<details class="site-menu">')


async def test_the_profile_name_sits_in_one_head_with_its_avatar(client, make_user) -> None:
    await make_user(username="meera", display_name="Meera Iyer")
    page = (await client.get("/u/meera")).text
    head = re.search(
        r'<div class="page-head cluster profile-head">(.*?)</div>\s*</div>', page, re.S
    )
    assert head, "no profile head"
    assert 'class="avatar' in head.group(1) and "<h1>Meera Iyer</h1>" in head.group(1)
