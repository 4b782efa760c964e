"""Learning points: what earns them, that undoing and redoing never counts twice, the daily cap
on reactions, yearly totals against the target, the CSV export, admin adjustments (audited),
monthly leaderboards, and that nobody sees points earned where they may not read."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from forum import communities, permissions, points
from forum.models import AuditEntry, PointEntry, Post, Reaction, Thread
from tests.conftest import bearer


async def reply(client, user, thread_id: int, body: str = "Here is what worked for us.") -> int:
    r = await client.post(
        f"/api/v1/threads/{thread_id}/posts", json={"body": body}, headers=await bearer(user)
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def first_post(thread) -> int:
    return (await Post.get(thread_id=thread.id, number=1)).id


async def react(client, user, post_id: int, kind: str = "helpful", on: bool = True) -> None:
    headers = await bearer(user)
    if on:
        r = await client.post(
            f"/api/v1/posts/{post_id}/reactions", json={"kind": kind}, headers=headers
        )
    else:
        r = await client.delete(f"/api/v1/posts/{post_id}/reactions/{kind}", headers=headers)
    assert r.status_code == 200, r.text


async def patch(client, user, thread_id: int, **fields):
    r = await client.patch(f"/api/v1/threads/{thread_id}", json=fields, headers=await bearer(user))
    assert r.status_code == 200, r.text


async def total(user) -> int:
    return sum(await PointEntry.filter(user_id=user.id).values_list("points", flat=True))


@pytest.fixture
async def forum(make_user, make_community, make_thread):
    asker, helper, other, moderator = [await make_user() for _ in range(4)]
    community = await make_community(members=(asker, helper, other), moderators=(moderator,))
    thread = await make_thread(asker, community)
    return asker, helper, other, moderator, community, thread


async def test_an_accepted_answer_counts_once_however_often_it_is_accepted(client, forum):
    asker, helper, other, moderator, _, thread = forum
    answer = await reply(client, helper, thread.id)
    second = await reply(client, other, thread.id)
    own = await reply(client, asker, thread.id, "Answering myself.")

    await patch(client, asker, thread.id, accepted_post_id=answer)
    assert await total(helper) == points.RULES["accepted_answer"]
    await patch(client, asker, thread.id, accepted_post_id=None)
    await patch(client, asker, thread.id, accepted_post_id=answer)
    assert await total(helper) == points.RULES["accepted_answer"]
    assert await PointEntry.filter(user_id=helper.id).count() == 1

    await patch(client, moderator, thread.id, accepted_post_id=second)  # a moderator decides
    await patch(client, asker, thread.id, accepted_post_id=answer)
    assert await total(other) == points.RULES["accepted_answer"]
    assert await total(helper) == points.RULES["accepted_answer"]

    await patch(client, asker, thread.id, accepted_post_id=own)  # no points for oneself
    assert await total(asker) == 0


async def test_reactions_count_once_per_person_and_post_and_are_capped_per_day(
    client, forum, make_user, admin
):
    asker, helper, other, moderator, community, thread = forum
    answer = await reply(client, helper, thread.id)

    await react(client, asker, answer, "helpful")
    await react(client, asker, answer, "helpful", on=False)
    await react(client, asker, answer, "helpful")
    await react(client, asker, answer, "thanks")
    assert await total(helper) == 1
    await react(client, other, answer, "insightful")
    assert await total(helper) == 2

    fans = [await make_user() for _ in range(6)]
    for fan in fans:
        await communities.set_member_status(admin, community, fan.username, "member")
        await react(client, fan, answer)
    assert await total(helper) == points.REACTION_POINTS_PER_DAY
    capped = await PointEntry.filter(user_id=helper.id, points=0)
    assert len(capped) == 2 + 6 - points.REACTION_POINTS_PER_DAY
    assert "daily limit" in capped[0].note

    # A new day: the cap starts again.
    yesterday = points.now() - timedelta(days=1)
    await PointEntry.filter(user_id=helper.id).update(created_at=yesterday)
    late = await make_user()
    await communities.set_member_status(admin, community, late.username, "member")
    await react(client, late, answer)
    assert await total(helper) == points.REACTION_POINTS_PER_DAY + 1


async def test_points_are_awarded_in_the_same_transaction_as_the_action(client, forum, monkeypatch):
    asker, helper, *_, thread = forum
    answer = await reply(client, helper, thread.id)

    async def broken(*args, **kwargs):
        raise RuntimeError("the ledger is unavailable")

    monkeypatch.setattr(points, "award", broken)
    with pytest.raises(RuntimeError):
        await client.post(
            f"/api/v1/posts/{answer}/reactions",
            json={"kind": "helpful"},
            headers=await bearer(asker),
        )
    assert not await Reaction.filter(post_id=answer).exists()
    with pytest.raises(RuntimeError):
        await client.patch(
            f"/api/v1/threads/{thread.id}",
            json={"accepted_post_id": answer},
            headers=await bearer(asker),
        )
    assert (await Thread.get(id=thread.id)).accepted_post_id is None


async def test_best_of_earns_points_once_and_not_for_ones_own_thread(client, forum, make_thread):
    asker, _, _, moderator, community, thread = forum
    await patch(client, moderator, thread.id, featured=True)
    await patch(client, moderator, thread.id, featured=False)
    await patch(client, moderator, thread.id, featured=True)
    assert await total(asker) == points.RULES["best_of"]
    permissions.forget_memberships(moderator)
    theirs = await make_thread(moderator, community, title="A moderator's own good thread")
    await patch(client, moderator, theirs.id, featured=True)
    assert await total(moderator) == 0


async def test_the_year_counts_against_a_target_admins_set(client, forum, admin):
    asker, helper, _, _, _, thread = forum
    await patch(client, asker, thread.id, accepted_post_id=await reply(client, helper, thread.id))
    old = await PointEntry.create(user_id=helper.id, points=7, reason="best_of", key="old:1")
    await PointEntry.filter(id=old.id).update(
        created_at=points.now().replace(year=points.now().year - 1)
    )

    r = await client.get("/api/v1/me/points", headers=await bearer(helper))
    body = r.json()
    assert (body["total"], body["target"]) == (points.RULES["accepted_answer"], 60)
    assert body["items"][0]["thread_id"] == thread.id
    r = await client.get(
        f"/api/v1/me/points?year={points.now().year - 1}", headers=await bearer(helper)
    )
    assert r.json()["total"] == 7

    denied = await client.put(
        "/api/v1/points/target", json={"target": 80}, headers=await bearer(helper)
    )
    assert denied.status_code == 403
    r = await client.put("/api/v1/points/target", json={"target": 80}, headers=await bearer(admin))
    assert r.json() == {"year": points.now().year, "target": 80}
    assert (await client.get("/api/v1/points/target")).json()["target"] == 80
    r = await client.get("/api/v1/me/points", headers=await bearer(helper))
    assert r.json()["target"] == 80
    assert await AuditEntry.filter(action="points.target").count() == 1
    for bad in ({"target": 0}, {"target": "many"}, {"target": 5, "year": 1800}, {"target": True}):
        r = await client.put("/api/v1/points/target", json=bad, headers=await bearer(admin))
        assert r.status_code == 422, bad
    for bad in ("year=abc", "year=99999"):
        assert (
            await client.get(f"/api/v1/me/points?{bad}", headers=await bearer(helper))
        ).status_code == 400


async def test_admins_adjust_points_with_a_reason_and_it_is_audited(client, forum, admin):
    _, helper, other, *_ = forum
    url = f"/api/v1/users/{helper.username}/points"
    r = await client.post(
        url, json={"points": 4, "reason": "Ran the induction"}, headers=await bearer(other)
    )
    assert r.status_code == 403
    r = await client.post(
        url, json={"points": -2, "reason": "Duplicate answer removed"}, headers=await bearer(admin)
    )
    assert r.status_code == 201
    assert r.json()["points"] == -2 and r.json()["reason"] == "adjustment"
    entry = await AuditEntry.get(action="points.adjust")
    assert entry.target == f"user:{helper.username}" and "Duplicate answer" in entry.note
    for bad in (
        {"points": 0, "reason": "none"},
        {"points": "3", "reason": "text"},
        {"points": True, "reason": "bool"},
        {"points": 2},
    ):
        assert (await client.post(url, json=bad, headers=await bearer(admin))).status_code == 422, (
            bad
        )
    assert (
        await client.post(
            "/api/v1/users/nobody/points",
            json={"points": 1, "reason": "x y z"},
            headers=await bearer(admin),
        )
    ).status_code == 404

    mine = await client.get("/api/v1/me/points", headers=await bearer(helper))
    assert mine.json()["total"] == -2
    seen = await client.get(f"/api/v1/users/{helper.username}/points", headers=await bearer(other))
    assert seen.json()["total"] == 0 and seen.json()["items"] == []  # their own business


async def test_the_ledger_exports_as_csv_for_ones_training_record(client, forum, admin):
    asker, helper, _, _, _, thread = forum
    await patch(client, asker, thread.id, accepted_post_id=await reply(client, helper, thread.id))
    await client.post(
        f"/api/v1/users/{helper.username}/points",
        json={"points": 3, "reason": '=HYPERLINK("x") workshop'},
        headers=await bearer(admin),
    )
    r = await client.get("/api/v1/me/points.csv", headers=await bearer(helper))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:3] == ["date", "points", "reason"]
    assert [row[1] for row in rows[1:]] == ["5", "3"]
    assert rows[1][4] == thread.title and rows[1][5].startswith("/p/")
    assert rows[2][3].startswith("'=")  # not run as a formula
    assert rows[-1][-1] == "8"
    assert (await client.get("/api/v1/me/points.csv")).status_code == 401

    page = await client.get("/points/export.csv")
    assert page.status_code in (303, 401)


async def test_leaderboards_and_profiles_count_only_what_the_viewer_may_read(
    client, make_user, make_community, make_thread, admin
):
    asker, helper, outsider = [await make_user() for _ in range(3)]
    public = await make_community(members=(asker, helper))
    private = await make_community(members=(asker, helper), visibility="private")
    permissions.forget_memberships(asker)
    open_thread = await make_thread(asker, public, title="A public question on audits")
    closed_thread = await make_thread(asker, private, title="A private question on audits")
    hidden_thread = await make_thread(asker, public, title="A question later hidden")
    for thread in (open_thread, closed_thread, hidden_thread):
        answer = await reply(client, helper, thread.id)
        await patch(client, asker, thread.id, accepted_post_id=answer)
    await Thread.filter(id=hidden_thread.id).update(status="hidden")
    five = points.RULES["accepted_answer"]

    async def board(community, user=None) -> list[tuple[str, int]]:
        r = await client.get(
            f"/api/v1/communities/{community.slug}/leaderboard",
            headers=await bearer(user) if user else {},
        )
        assert r.status_code == 200, r.text
        return [(i["user"]["username"], i["points"]) for i in r.json()["items"]]

    assert await board(public) == [(helper.username, five)]
    assert await board(public, outsider) == [(helper.username, five)]
    assert await board(public, asker) == [
        (helper.username, 2 * five)
    ]  # asker sees their hidden thread
    assert await board(public, admin) == [(helper.username, 2 * five)]
    assert await board(private, asker) == [(helper.username, five)]
    r = await client.get(
        f"/api/v1/communities/{private.slug}/leaderboard", headers=await bearer(outsider)
    )
    assert r.status_code == 404
    last_month = points.month_step(points.now().date().replace(day=1), -1).strftime("%Y-%m")
    r = await client.get(f"/api/v1/communities/{public.slug}/leaderboard?month={last_month}")
    assert r.json()["items"] == []
    for bad in ("2026-13", "march", "2026-3"):
        r = await client.get(f"/api/v1/communities/{public.slug}/leaderboard?month={bad}")
        assert r.status_code == 400, bad

    seen = await client.get(
        f"/api/v1/users/{helper.username}/points", headers=await bearer(outsider)
    )
    assert seen.json()["total"] == five
    assert {i["thread_title"] for i in seen.json()["items"]} == {"A public question on audits"}
    own = await client.get("/api/v1/me/points", headers=await bearer(helper))
    assert own.json()["total"] == 3 * five
    page = await client.get(f"/u/{helper.username}/points")
    assert "A public question on audits" in page.text
    assert "A private question" not in page.text and "later hidden" not in page.text
    profile = await client.get(f"/u/{helper.username}")
    assert f"<strong>{five}</strong> of 60 points" in profile.text
    lb_page = await client.get(f"/c/{public.slug}/leaderboard")
    assert lb_page.status_code == 200 and helper.display_name in lb_page.text


async def test_points_follow_a_discussion_merged_into_a_private_community(
    client, make_user, make_community, make_thread, admin
):
    asker, helper, outsider = [await make_user() for _ in range(3)]
    public = await make_community(members=(asker, helper))
    private = await make_community(members=(asker, helper), visibility="private")
    permissions.forget_memberships(asker)
    source = await make_thread(asker, public, title="Which tender rules apply to repairs?")
    target = await make_thread(asker, private, title="Repairs and tenders, the private notes")
    await patch(client, asker, source.id, accepted_post_id=await reply(client, helper, source.id))
    r = await client.post(
        f"/api/v1/threads/{source.id}/merge", json={"into": target.id}, headers=await bearer(admin)
    )
    assert r.status_code == 200, r.text
    five = points.RULES["accepted_answer"]

    seen = await client.get(
        f"/api/v1/users/{helper.username}/points", headers=await bearer(outsider)
    )
    assert (seen.json()["total"], seen.json()["items"]) == (0, [])
    member = await client.get(
        f"/api/v1/users/{helper.username}/points", headers=await bearer(asker)
    )
    assert member.json()["total"] == five
    assert member.json()["items"][0]["thread_id"] == target.id

    async def board(community, user) -> list[int]:
        r = await client.get(
            f"/api/v1/communities/{community.slug}/leaderboard", headers=await bearer(user)
        )
        return [i["points"] for i in r.json()["items"]]

    assert await board(public, outsider) == []
    assert await board(public, asker) == []  # it is not a discussion of this community now
    assert await board(private, asker) == [five]
