"""Course suggestions for a discussion, ranked by relevance to its text on a small known
catalogue: the right course comes first, by what the text is about rather than by sharing a
keyword with a course's title."""

from __future__ import annotations

import pytest

from forum.models import Post
from tests.conftest import bearer
from tests.forum.course_samples import load

DISCUSSIONS = [
    (
        "Single bid on a GeM tender: re-tender or proceed?",
        "Only one vendor qualified in the technical evaluation. Audit objected last time we "
        "went ahead. What do your finance rules say?",
        "GEM-PROC",
    ),
    (
        "Cleaning facility data before the district review meeting",
        "Half our PHCs did not report last month and two sub-centres appear twice. How do "
        "you fix the HMIS numbers before the collector sees them?",
        "HMIS-QUALITY",
    ),
    (
        "First 72 hours after the river breached its embankment",
        "What would you set up differently in the control room next monsoon? We ran out of "
        "boats and the relief camp lists were a mess.",
        "FLOOD-CONTROL",
    ),
    (
        "How do you interview people who are afraid of the officer?",
        "Citizens tell me what they think I want to hear. How do you get honest answers when "
        "you study a service from their side?",
        "HCD-INTERVIEWS",
    ),
    (
        "Fire watchers quit halfway through the summer",
        "The villages supplied volunteers for the fire lines but by May nobody came. How do "
        "you keep them going until the rains?",
        "FOREST-FIRE",
    ),
    (
        "मासिक रिपोर्ट बनाने में पूरा हफ़्ता लग जाता है",
        "Every month I copy numbers from twelve registers by hand. Is there a spreadsheet "
        "way with pivot tables?",
        "SHEETS-PIVOT",
    ),
]


@pytest.mark.parametrize(("title", "body", "expected"), DISCUSSIONS)
async def test_the_right_course_is_suggested_first(
    client, admin, make_user, make_community, make_thread, title, body, expected
):
    await load(client, admin)
    author = await make_user()
    community = await make_community(members=(author,))
    thread = await make_thread(author, community, title=title, body=body)

    r = await client.get(f"/api/v1/threads/{thread.id}/course-suggestions")
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items and items[0]["code"] == expected, [i["code"] for i in items]
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True)

    draft = await client.get(
        "/api/v1/course-suggestions", params={"title": title, "body": body, "limit": 3}
    )
    assert draft.json()["items"][0]["code"] == expected
    assert len(draft.json()["items"]) <= 3


async def test_linked_courses_are_not_suggested_again(
    client, admin, make_user, make_community, make_thread
):
    await load(client, admin)
    author = await make_user()
    community = await make_community(members=(author,))
    title, body, expected = DISCUSSIONS[0]
    thread = await make_thread(author, community, title=title, body=body)
    await client.post(
        f"/api/v1/threads/{thread.id}/courses",
        json={"code": expected},
        headers=await bearer(author),
    )
    r = await client.get(f"/api/v1/threads/{thread.id}/course-suggestions")
    assert expected not in [i["code"] for i in r.json()["items"]]


async def test_suggestions_use_only_what_the_reader_may_read_of_the_thread(
    client, admin, make_user, make_community, make_thread
):
    """A held opening post is not read for a reader who may not see it: only the title."""
    await load(client, admin)
    author, reader = await make_user(), await make_user()
    community = await make_community(members=(author, reader))
    thread = await make_thread(
        author,
        community,
        title="A question about our district",
        body="Fire watchers, fire lines and village volunteers in the summer season.",
    )
    await Post.filter(thread_id=thread.id, number=1).update(status="hidden")

    mine = await client.get(
        f"/api/v1/threads/{thread.id}/course-suggestions", headers=await bearer(author)
    )
    assert mine.json()["items"][0]["code"] == "FOREST-FIRE"
    theirs = await client.get(
        f"/api/v1/threads/{thread.id}/course-suggestions", headers=await bearer(reader)
    )
    assert "FOREST-FIRE" not in [i["code"] for i in theirs.json()["items"]]


async def test_private_threads_have_no_suggestions_for_outsiders_and_bad_input_is_4xx(
    client, admin, make_user, make_community, make_thread
):
    await load(client, admin)
    member, outsider = await make_user(), await make_user()
    private = await make_community(members=(member,), visibility="private")
    thread = await make_thread(member, private, title="Flood control room set-up")
    r = await client.get(
        f"/api/v1/threads/{thread.id}/course-suggestions", headers=await bearer(outsider)
    )
    assert r.status_code == 404
    assert (await client.get("/api/v1/threads/0/course-suggestions")).status_code == 404
    assert (await client.get("/api/v1/course-suggestions?limit=99")).status_code == 400
    empty = await client.get("/api/v1/course-suggestions?title=")
    assert empty.json() == {"items": [], "next": None}
