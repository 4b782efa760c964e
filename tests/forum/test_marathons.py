"""Innovation marathons: challenges posted by organisers, teams per challenge within the size
limit, one team per person per marathon, results, and the results board."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from forum.models import MarathonTeam, MarathonTeamMember
from tests.conftest import bearer
from tests.forum.helpers import assert_error


@pytest.fixture
def marathon(client, make_user, make_community):
    async def make(*, people: int = 5, visibility: str = "public", kind: str = "marathon"):
        organiser = await make_user()
        members = [await make_user() for _ in range(people)]
        community = await make_community(
            moderators=(organiser,), members=tuple(members), visibility=visibility, kind="alumni"
        )
        starts = datetime.now(UTC) + timedelta(days=10)
        r = await client.post(
            f"/api/v1/communities/{community.slug}/events",
            json={
                "title": "Innovation marathon: handovers that keep what people know",
                "kind": kind,
                "description": "One intensive day, online, in mixed teams.",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=10)).isoformat(),
                "online_url": "https://meet.example.org/marathon",
            },
            headers=await bearer(organiser),
        )
        assert r.status_code == 201, r.text
        return community, organiser, members, r.json()

    return make


async def add_challenge(client, organiser, event_id, title="Fewer repeated documents", size=2):
    r = await client.post(
        f"/api/v1/events/{event_id}/challenges",
        json={
            "title": title,
            "statement": "How might we **stop** asking twice?",
            "team_size": size,
        },
        headers=await bearer(organiser),
    )
    assert r.status_code == 201, r.text
    return r.json()


async def going(client, people, event_id):
    for p in people:
        r = await client.post(
            f"/api/v1/events/{event_id}/rsvp", json={"status": "going"}, headers=await bearer(p)
        )
        assert r.json()["status"] == "going"


async def test_organisers_post_challenges_and_people_going_form_and_join_teams(client, marathon):
    _, organiser, people, event = await marathon()
    challenge = await add_challenge(client, organiser, event["id"])
    assert "<strong>stop</strong>" in challenge["statement_html"]
    assert_error(
        await client.post(
            f"/api/v1/events/{event['id']}/challenges",
            json={"title": "A member's challenge", "team_size": 3},
            headers=await bearer(people[0]),
        ),
        403,
    )

    teams_path = f"/api/v1/events/{event['id']}/teams"
    not_going = await client.post(
        teams_path,
        json={"challenge_id": challenge["id"], "name": "Paper trail"},
        headers=await bearer(people[0]),
    )
    assert_error(not_going, 409, "not_going")
    await going(client, people, event["id"])
    formed = await client.post(
        teams_path,
        json={"challenge_id": challenge["id"], "name": "Paper trail"},
        headers=await bearer(people[0]),
    )
    assert formed.status_code == 201, formed.text
    team = formed.json()
    assert team["member_count"] == 1 and team["size_limit"] == 2
    assert [m["username"] for m in team["members"]] == [people[0].username]

    join = f"/api/v1/events/{event['id']}/teams/{team['id']}/join"
    joined = await client.post(join, headers=await bearer(people[1]))
    assert joined.status_code == 200 and joined.json()["member_count"] == 2
    assert_error(await client.post(join, headers=await bearer(people[2])), 409, "team_full")

    # One team per person per marathon, whatever the challenge.
    other = await add_challenge(client, organiser, event["id"], "Field data people trust", 3)
    second = await client.post(
        teams_path,
        json={"challenge_id": other["id"], "name": "Second team"},
        headers=await bearer(people[0]),
    )
    assert_error(second, 409, "already_on_a_team")
    duplicate_name = await client.post(
        teams_path,
        json={"challenge_id": challenge["id"], "name": "Paper trail"},
        headers=await bearer(people[3]),
    )
    assert_error(duplicate_name, 409, "team_name_taken")

    board = (await client.get(f"/api/v1/events/{event['id']}/challenges")).json()
    assert [c["title"] for c in board["items"]] == [
        "Fewer repeated documents",
        "Field data people trust",
    ]
    assert [t["name"] for t in board["items"][0]["teams"]] == ["Paper trail"]


async def test_many_joining_a_team_at_once_never_overfill_it(client, marathon):
    _, organiser, people, event = await marathon(people=8)
    challenge = await add_challenge(client, organiser, event["id"], size=3)
    await going(client, people, event["id"])
    team = (
        await client.post(
            f"/api/v1/events/{event['id']}/teams",
            json={"challenge_id": challenge["id"], "name": "Handover kit"},
            headers=await bearer(people[0]),
        )
    ).json()
    join = f"/api/v1/events/{event['id']}/teams/{team['id']}/join"
    headers = [await bearer(p) for p in people[1:]]
    answers = await asyncio.gather(*(client.post(join, headers=h) for h in headers))
    assert sorted(a.status_code for a in answers) == [200, 200] + [409] * 5
    row = await MarathonTeam.get(id=team["id"])
    assert row.member_count == 3 == await MarathonTeamMember.filter(team_id=team["id"]).count()


async def test_leaving_a_team_and_saying_not_going(client, marathon):
    _, organiser, people, event = await marathon()
    challenge = await add_challenge(client, organiser, event["id"])
    await going(client, people[:2], event["id"])
    team = (
        await client.post(
            f"/api/v1/events/{event['id']}/teams",
            json={"challenge_id": challenge["id"], "name": "Two of us"},
            headers=await bearer(people[0]),
        )
    ).json()
    await client.post(
        f"/api/v1/events/{event['id']}/teams/{team['id']}/join", headers=await bearer(people[1])
    )
    left = await client.delete(
        f"/api/v1/events/{event['id']}/team", headers=await bearer(people[1])
    )
    assert left.json() == {"status": "left"}
    assert (await MarathonTeam.get(id=team["id"])).member_count == 1
    # Saying not going takes one off one's team; an empty team without a result goes away.
    await client.post(
        f"/api/v1/events/{event['id']}/rsvp",
        json={"status": "not_going"},
        headers=await bearer(people[0]),
    )
    assert not await MarathonTeam.filter(id=team["id"]).exists()


async def test_teams_post_results_for_the_results_board(client, marathon, make_user):
    _, organiser, people, event = await marathon()
    challenge = await add_challenge(client, organiser, event["id"])
    await going(client, people[:3], event["id"])
    team = (
        await client.post(
            f"/api/v1/events/{event['id']}/teams",
            json={"challenge_id": challenge["id"], "name": "One form"},
            headers=await bearer(people[0]),
        )
    ).json()
    path = f"/api/v1/events/{event['id']}/teams/{team['id']}/result"
    body = {
        "result": "A *single* address proof shared across three offices.",
        "url": "https://example.org/deck",
    }
    assert_error(await client.put(path, json=body, headers=await bearer(people[2])), 403)
    r = await client.put(path, json=body, headers=await bearer(people[0]))
    assert r.status_code == 200, r.text
    assert "<em>single</em>" in r.json()["result_html"]
    assert r.json()["result_url"] == "https://example.org/deck"
    assert_error(
        await client.put(
            path, json={"result": "x", "url": "ftp://x"}, headers=await bearer(people[0])
        ),
        422,
        field="url",
    )
    assert_error(await client.put(path, json={"result": ""}, headers=await bearer(people[0])), 422)
    by_organiser = await client.put(
        path, json={"result": "Edited by the jury."}, headers=await bearer(organiser)
    )
    assert by_organiser.status_code == 200
    board = (await client.get(f"/api/v1/events/{event['id']}/challenges")).json()
    assert board["items"][0]["teams"][0]["result"] == "Edited by the jury."


async def test_marathon_routes_refuse_other_kinds_and_bad_input(client, marathon):
    _, organiser, people, meetup = await marathon(kind="meetup")
    assert_error(await client.get(f"/api/v1/events/{meetup['id']}/challenges"), 404)
    assert_error(
        await client.post(
            f"/api/v1/events/{meetup['id']}/challenges",
            json={"title": "Not for a meetup", "team_size": 3},
            headers=await bearer(organiser),
        ),
        404,
    )
    _, organiser, people, event = await marathon()
    for size in (0, 21, "many", True, -1):
        r = await client.post(
            f"/api/v1/events/{event['id']}/challenges",
            json={"title": "Some challenge", "team_size": size},
            headers=await bearer(organiser),
        )
        assert_error(r, 422, field="team_size")
    await going(client, people[:1], event["id"])
    for body in ({"challenge_id": "x", "name": "A"}, {"challenge_id": 999999, "name": "Teamname"}):
        r = await client.post(
            f"/api/v1/events/{event['id']}/teams", json=body, headers=await bearer(people[0])
        )
        assert r.status_code in (404, 422), r.text
    assert_error(
        await client.post(
            f"/api/v1/events/{event['id']}/teams/999999/join", headers=await bearer(people[0])
        ),
        404,
    )


async def test_private_marathons_are_invisible_to_outsiders(client, marathon, make_user):
    _, organiser, people, event = await marathon(visibility="private")
    await add_challenge(client, organiser, event["id"])
    outsider = await make_user()
    for headers in ({}, await bearer(outsider)):
        r = await client.get(f"/api/v1/events/{event['id']}/challenges", headers=headers)
        assert_error(r, 404)
        assert "repeated documents" not in r.text
