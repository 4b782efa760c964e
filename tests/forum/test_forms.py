"""Forms people write in keep what was typed when the server refuses it (a duplicate, a body
too large, too many posts too fast), with the reason inline; the API's JSON errors stay as they
are. Joining from a thread's reply box comes back to the thread."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html import unescape
from urllib.parse import urlencode

import httpx
import pytest

from forum.models import Event, Membership, Post, User
from forum.web.render import try_again_in
from tests.conftest import ORIGIN, bearer, sign_in
from tests.forum.test_pages import OFF_SITE_TARGETS, browser_would_leave_site

SAME_ORIGIN = {"Origin": ORIGIN}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
async def _app_first(client: httpx.AsyncClient) -> None:
    """The app (and its database) starts before any factory fixture of these tests runs."""


# Joining from a thread


async def test_joining_from_a_threads_reply_box_comes_back_to_the_thread(
    make_user, make_community, make_thread, new_client
):
    asker, visitor = await make_user(), await make_user()
    community = await make_community(members=(asker,))
    thread = await make_thread(asker, community)
    browser = await new_client()
    await sign_in(browser, visitor)

    page = await browser.get(f"/t/{thread.id}")
    box = page.text[page.text.index('id="reply"') :]
    assert f'action="/c/{community.slug}/join"' in box
    assert f'name="next" value="/t/{thread.id}#reply"' in box
    csrf = CSRF_RE.search(box)
    assert csrf is not None
    r = await browser.post(
        f"/c/{community.slug}/join",
        data={"csrf_token": csrf.group(1), "next": f"/t/{thread.id}#reply"},
        headers=SAME_ORIGIN,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/t/{thread.id}#reply"
    assert await Membership.exists(user_id=visitor.id, community_id=community.id)
    after = await browser.get(f"/t/{thread.id}")
    assert f"Welcome to {community.name}." in after.text and "Post reply" in after.text


async def test_joining_without_a_next_still_goes_to_the_community(
    make_user, make_community, new_client
):
    visitor = await make_user()
    community = await make_community()
    browser = await new_client()
    csrf = await sign_in(browser, visitor)
    r = await browser.post(
        f"/c/{community.slug}/join", data={"csrf_token": csrf}, headers=SAME_ORIGIN
    )
    assert r.status_code == 303 and r.headers["location"] == f"/c/{community.slug}"


@pytest.mark.parametrize("target", OFF_SITE_TARGETS)
async def test_joining_never_follows_a_next_off_the_site(
    make_user, make_community, new_client, target
):
    visitor = await make_user()
    community = await make_community()
    browser = await new_client()
    csrf = await sign_in(browser, visitor)
    r = await browser.post(
        f"/c/{community.slug}/join", data={"csrf_token": csrf, "next": target}, headers=SAME_ORIGIN
    )
    assert r.status_code == 303
    assert not browser_would_leave_site(r.headers["location"], ORIGIN + f"/c/{community.slug}")
    assert r.headers["location"] == f"/c/{community.slug}"


async def test_asking_to_join_a_private_community_from_a_link_with_next_waits_for_approval(
    make_user, make_community, new_client
):
    visitor = await make_user()
    community = await make_community(visibility="private")
    browser = await new_client()
    csrf = await sign_in(browser, visitor)
    r = await browser.post(
        f"/c/{community.slug}/join",
        data={"csrf_token": csrf, "next": "/t/1#reply"},
        headers=SAME_ORIGIN,
    )
    assert r.status_code == 303 and r.headers["location"] == "/communities"
    membership = await Membership.get(user_id=visitor.id, community_id=community.id)
    assert membership.status == "pending"  # nothing to read there until a moderator agrees


# Refused forms keep what was typed


def textarea_text(html: str, name: str = "body") -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no textarea {name}"
    return unescape(match.group(1))


def input_value(html: str, name: str) -> str:
    match = re.search(rf'<input id="f-{name}" name="{name}"[^>]*value="([^"]*)"', html)
    assert match, f"no input {name}"
    return unescape(match.group(1))


async def signed_in_browser(new_client, user) -> tuple[httpx.AsyncClient, str]:
    browser = await new_client()
    return browser, await sign_in(browser, user)


REPLY = "We file the monthly return on the third working day, after the bank statement."


async def test_a_reply_refused_as_a_duplicate_comes_back_with_the_text_and_the_reason(
    make_user, make_community, make_thread, new_client
):
    author = await make_user()
    community = await make_community(members=(author,))
    thread = await make_thread(author, community)
    browser, csrf = await signed_in_browser(new_client, author)
    form = {"csrf_token": csrf, "body": REPLY}
    first = await browser.post(f"/t/{thread.id}/reply", data=form, headers=SAME_ORIGIN)
    assert first.status_code == 303

    again = await browser.post(f"/t/{thread.id}/reply", data=form, headers=SAME_ORIGIN)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("text/html")
    assert textarea_text(again.text) == REPLY
    assert "You posted this same text a few minutes ago." in again.text
    assert 'class="error-summary"' in again.text


async def test_a_new_thread_refused_as_a_duplicate_keeps_title_body_and_tags(
    make_user, make_community, make_thread, new_client
):
    author = await make_user()
    community = await make_community(members=(author,))
    await make_thread(author, community, body=REPLY)
    browser, csrf = await signed_in_browser(new_client, author)
    r = await browser.post(
        f"/c/{community.slug}/new",
        data={"csrf_token": csrf, "title": "Monthly returns", "body": REPLY, "tags": "returns"},
        headers=SAME_ORIGIN,
    )
    assert r.status_code == 409
    assert input_value(r.text, "title") == "Monthly returns"
    assert input_value(r.text, "tags") == "returns"
    assert textarea_text(r.text) == REPLY
    assert "You posted this same text a few minutes ago." in r.text


async def test_an_edit_refused_as_a_duplicate_keeps_the_new_text(
    make_user, make_community, make_thread, new_client
):
    author = await make_user()
    community = await make_community(members=(author,))
    thread = await make_thread(author, community)
    browser, csrf = await signed_in_browser(new_client, author)
    form = {"csrf_token": csrf, "body": REPLY}
    assert (
        await browser.post(f"/t/{thread.id}/reply", data=form, headers=SAME_ORIGIN)
    ).status_code == 303
    opening = (await Post.get(thread_id=thread.id, number=1)).id
    r = await browser.post(f"/p/{opening}/edit", data=form, headers=SAME_ORIGIN)
    assert r.status_code == 409
    assert textarea_text(r.text) == REPLY
    assert "You posted this same text a few minutes ago." in r.text


async def test_a_profile_refused_keeps_every_field_typed(make_user, new_client):
    officer = await make_user(display_name="Old Name")
    browser, csrf = await signed_in_browser(new_client, officer)
    bio = "Postings: Pune, Nagpur. " * 60  # over 1,000 characters
    r = await browser.post(
        "/settings",
        data={
            "csrf_token": csrf,
            "form": "profile",
            "display_name": "New Name",
            "role": "Tehsildar",
            "sector": "Revenue",
            "bio": bio,
        },
        headers=SAME_ORIGIN,
    )
    assert r.status_code == 422
    assert input_value(r.text, "display_name") == "New Name"
    assert input_value(r.text, "role") == "Tehsildar"
    assert textarea_text(r.text, "bio") == bio
    assert (await User.get(id=officer.id)).display_name == "Old Name"


async def test_a_successful_reply_tells_the_next_page_to_forget_the_browser_draft(
    make_user, make_community, make_thread, new_client
):
    author = await make_user()
    community = await make_community(members=(author,))
    thread = await make_thread(author, community)
    browser, csrf = await signed_in_browser(new_client, author)
    page = await browser.get(f"/t/{thread.id}")
    assert f'data-draft="reply:{thread.id}" data-draft-owner="{author.id}"' in page.text
    assert "data-draft-sent" not in page.text

    r = await browser.post(
        f"/t/{thread.id}/reply", data={"csrf_token": csrf, "body": REPLY}, headers=SAME_ORIGIN
    )
    after = await browser.get(r.headers["location"])
    assert f'data-draft-sent="reply:{thread.id}" data-draft-owner="{author.id}"' in after.text
    assert 'class="flash' not in after.text  # no message to show, only the marker
    again = await browser.get(f"/t/{thread.id}")
    assert "data-draft-sent" not in again.text  # once


async def test_a_new_thread_tells_the_next_page_to_forget_the_browser_draft(
    make_user, make_community, new_client
):
    author = await make_user()
    community = await make_community(members=(author,))
    browser, csrf = await signed_in_browser(new_client, author)
    form = await browser.get(f"/c/{community.slug}/new")
    assert f'data-draft="thread:{community.slug}"' in form.text
    r = await browser.post(
        f"/c/{community.slug}/new",
        data={"csrf_token": csrf, "title": "Monthly returns", "body": REPLY, "tags": ""},
        headers=SAME_ORIGIN,
    )
    after = await browser.get(r.headers["location"])
    assert f'data-draft-sent="thread:{community.slug}"' in after.text
    assert "Your thread is up." in after.text


async def test_the_address_of_a_refused_reply_reloaded_leads_to_the_reply_box(
    make_user, make_community, make_thread, new_client
):
    author = await make_user()
    thread = await make_thread(author, await make_community(members=(author,)))
    browser, _ = await signed_in_browser(new_client, author)
    r = await browser.get(f"/t/{thread.id}/reply")
    assert r.status_code == 303 and r.headers["location"] == f"/t/{thread.id}#reply"


# Too large


def too_large_body(csrf: str) -> dict[str, str]:
    return {"csrf_token": csrf, "body": "ऑ" * 100_000}  # 300 KB of UTF-8 before form encoding


async def test_a_web_form_too_large_goes_back_to_its_page_with_a_plain_message(
    make_user, make_community, make_thread, new_client
):
    author = await make_user()
    thread = await make_thread(author, await make_community(members=(author,)))
    browser, csrf = await signed_in_browser(new_client, author)
    page = f"{ORIGIN}/t/{thread.id}?page=1"
    r = await browser.post(
        f"/t/{thread.id}/reply",
        data=too_large_body(csrf),
        headers={**SAME_ORIGIN, "Referer": page},
    )
    assert r.status_code == 303 and r.headers["location"] == f"/t/{thread.id}?page=1"
    assert r.headers["connection"] == "close"
    back = await browser.get(r.headers["location"])
    assert "larger than this site accepts (over 256 KiB)" in back.text
    assert "keep a draft in this browser" in back.text
    assert await Post.filter(thread_id=thread.id).count() == 1


async def test_a_web_form_too_large_sent_in_chunks_goes_back_too(
    make_user, make_community, make_thread, new_client
):
    author = await make_user()
    thread = await make_thread(author, await make_community(members=(author,)))
    browser, csrf = await signed_in_browser(new_client, author)
    encoded = urlencode(too_large_body(csrf)).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(encoded), 50_000):
            yield encoded[start : start + 50_000]

    r = await browser.post(
        f"/t/{thread.id}/reply",
        content=chunks(),
        headers={
            **SAME_ORIGIN,
            "Referer": f"{ORIGIN}/t/{thread.id}",
            "content-type": "application/x-www-form-urlencoded",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == f"/t/{thread.id}", r.text[:3000]


@pytest.mark.parametrize("referer", [None, "https://evil.example/t/1", f"{ORIGIN}//evil.example"])
async def test_a_web_form_too_large_from_nowhere_known_gets_an_html_page_not_json(
    make_user, new_client, referer
):
    browser, csrf = await signed_in_browser(new_client, await make_user())
    headers = {**SAME_ORIGIN, **({"Referer": referer} if referer else {})}
    r = await browser.post("/settings", data=too_large_body(csrf), headers=headers)
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html")
    assert "The request body is larger than 256 KiB." in r.text
    assert "{" not in r.text.split("<main", 1)[1].split("</main>", 1)[0]


async def test_the_api_still_answers_too_large_in_json(make_user, client):
    user = await make_user()
    r = await client.post(
        "/api/v1/threads/1/posts",
        json={"body": "ऑ" * 100_000},
        headers={**await bearer(user), "Referer": f"{ORIGIN}/t/1"},
    )
    assert r.status_code == 413
    assert r.json() == {
        "error": {"code": "too_large", "message": "The request body is larger than 256 KiB."}
    }
    assert r.headers["connection"] == "close"


# Too many, too fast


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "Try again in 1 second"),
        (40, "Try again in 40 seconds"),
        (60, "Try again in 60 seconds"),
        (119, "Try again in 119 seconds"),
        (120, "Try again in 2 minutes"),
        (121, "Try again in 3 minutes"),
        (3600, "Try again in 60 minutes"),
        (7200, "Try again in 2 hours"),
        (0, "Try again in 1 second"),
    ],
)
def test_retry_after_in_words(seconds, words):
    assert try_again_in(seconds) == words


async def test_a_long_reply_in_devanagari_is_accepted_from_the_web_form(
    make_user, make_community, make_thread, new_client
):
    author = await make_user()
    thread = await make_thread(author, await make_community(members=(author,)))
    browser, csrf = await signed_in_browser(new_client, author)
    body = "मासिक विवरणी " * 1500  # 19,500 characters: about 175 KB form-encoded
    r = await browser.post(
        f"/t/{thread.id}/reply", data={"csrf_token": csrf, "body": body}, headers=SAME_ORIGIN
    )
    assert r.status_code == 303, r.text[:500]
    assert (await Post.get(thread_id=thread.id, number=2)).body == body.strip()


async def test_a_challenge_statement_refused_comes_back_on_the_event_page(
    admin, make_community, new_client
):
    from tests.forum.test_event_pages import make_event

    community = await make_community(moderators=(admin,))
    event = await make_event(admin, community, kind="marathon", capacity=None)
    browser, csrf = await signed_in_browser(new_client, admin)
    statement = "Officers move every two years and what they know leaves with them."
    r = await browser.post(
        f"/events/{event.id}/challenges",
        data={"csrf_token": csrf, "title": "Hi", "statement": statement, "team_size": "3"},
        headers=SAME_ORIGIN,
    )
    assert r.status_code == 422
    assert textarea_text(r.text, "statement") == statement
    assert input_value(r.text, "team_size") == "3"
    assert 'class="error-summary"' in r.text


async def test_a_cancellation_note_refused_is_kept(admin, make_community, new_client):
    from tests.forum.test_event_pages import make_event

    community = await make_community(moderators=(admin,))
    event = await make_event(admin, community)
    browser, csrf = await signed_in_browser(new_client, admin)
    note = "The hall is flooded. " * 60  # over 1,000 characters
    r = await browser.post(
        f"/events/{event.id}/cancel", data={"csrf_token": csrf, "note": note}, headers=SAME_ORIGIN
    )
    assert r.status_code == 422
    assert textarea_text(r.text, "note") == note
    assert (await Event.get(id=event.id)).cancelled_at is None


async def test_a_team_result_refused_comes_back_with_what_the_team_wrote(
    admin, make_user, make_community, new_client
):
    from forum.events import marathons, rsvp
    from forum.events import reads as event_reads
    from tests.forum.test_event_pages import make_event

    member = await make_user()
    community = await make_community(moderators=(admin,), members=(member,))
    event = await make_event(admin, community, kind="marathon", capacity=None)
    challenge = await marathons.add_challenge(
        admin, event, title="Handovers that keep what people know", statement="", team_size=3
    )
    await rsvp.respond(member, await event_reads.get(member, event.id), "going")
    team = await marathons.form_team(
        member, await event_reads.get(member, event.id), challenge.id, "Relay"
    )
    browser, csrf = await signed_in_browser(new_client, member)
    result = "A one-page handover note, tested in two districts."
    r = await browser.post(
        f"/events/{event.id}/teams/{team.id}/result",
        data={"csrf_token": csrf, "result": result, "url": "not a link"},
        headers=SAME_ORIGIN,
    )
    assert r.status_code == 422
    assert textarea_text(r.text, "result") == result
    assert 'value="not a link"' in r.text and "must be a web address" in r.text
