"""The course catalogue: adding and reading courses, catalogue search and filters, linking
courses to threads, communities tied to courses, competencies, and what a course shows of
discussions to whom."""

from __future__ import annotations

from forum import permissions, threads
from forum.models import Thread
from tests.conftest import bearer
from tests.forum.course_samples import load

COURSE = {
    "code": "igot-data-101",
    "title": "Data analysis for field officers",
    "provider": "iGOT Karmayogi",
    "url": "https://learning.example.gov.in/data-101",
    "description": "Collect, clean and chart field data.",
    "duration": "1h 30m",
    "language": "english",
    "competencies": [
        "functional:Data and digital/Data analysis",
        {"name": "Communication", "kind": "behavioural"},
    ],
}


async def test_an_admin_adds_a_course_that_anyone_can_read(client, admin, make_user):
    r = await client.post("/api/v1/courses", json=COURSE, headers=await bearer(admin))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["code"] == "IGOT-DATA-101"
    assert body["duration_minutes"] == 90
    assert body["language"] == "English"
    assert [(c["name"], c["kind"], c["theme"]) for c in body["competencies"]] == [
        ("Communication", "behavioural", ""),
        ("Data analysis", "functional", "Data and digital"),
    ]

    r = await client.get("/api/v1/courses/igot-data-101")
    assert r.status_code == 200
    assert r.json()["title"] == "Data analysis for field officers"
    assert r.json()["discussions"] == []
    assert (await client.get("/api/v1/courses/NOPE-1")).status_code == 404


async def test_only_admins_add_courses_and_bad_fields_are_422(client, admin, make_user):
    officer = await make_user()
    assert (await client.post("/api/v1/courses", json=COURSE)).status_code == 401
    r = await client.post("/api/v1/courses", json=COURSE, headers=await bearer(officer))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"

    headers = await bearer(admin)
    assert (await client.post("/api/v1/courses", json=COURSE, headers=headers)).status_code == 201
    again = await client.post("/api/v1/courses", json=COURSE, headers=headers)
    assert again.status_code == 409

    bad = await client.post(
        "/api/v1/courses",
        json={
            "code": "no spaces",
            "title": "x",
            "url": "javascript:alert(1)",
            "duration": "forever",
            "competencies": ["Unheard of"],
        },
        headers=headers,
    )
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"code", "title", "url", "duration"}
    unknown = await client.post(
        "/api/v1/courses",
        json={**COURSE, "code": "X-2", "competencies": ["Unheard of"]},
        headers=headers,
    )
    assert unknown.status_code == 422
    assert "not in the framework" in unknown.json()["error"]["message"]
    for junk in ([1, 2], "[", '{"code": 5}'):
        r = await client.post(
            "/api/v1/courses",
            content=junk if isinstance(junk, str) else str(junk),
            headers={**headers, "content-type": "application/json"},
        )
        assert r.status_code in (400, 422), junk


async def test_put_creates_or_replaces_a_course(client, admin):
    headers = await bearer(admin)
    r = await client.put(
        "/api/v1/courses/ABC-1", json={**COURSE, "code": "ignored"}, headers=headers
    )
    assert r.status_code == 200
    assert r.json()["code"] == "ABC-1"
    r = await client.put(
        "/api/v1/courses/abc-1", json={**COURSE, "title": "A new title"}, headers=headers
    )
    assert r.json()["title"] == "A new title"
    found = await client.get("/api/v1/courses?q=new title")
    assert [c["code"] for c in found.json()["items"]] == ["ABC-1"]
    assert (await client.delete("/api/v1/courses/ABC-1", headers=headers)).status_code == 200
    assert (await client.get("/api/v1/courses/ABC-1")).status_code == 404
    assert (await client.get("/api/v1/courses?q=new title")).json()["items"] == []


async def test_the_catalogue_is_searched_by_relevance_and_filtered(client, admin):
    await load(client, admin)

    async def codes(query: str) -> list[str]:
        r = await client.get(f"/api/v1/courses?{query}")
        assert r.status_code == 200, r.text
        return [c["code"] for c in r.json()["items"]]

    assert (await codes("q=procurement audit"))[0] == "GEM-PROC"
    assert (await codes("q=interviewing citizens"))[0] == "HCD-INTERVIEWS"  # stemmed
    assert (await codes("q=gem-proc"))[0] == "GEM-PROC"  # by code
    assert set(await codes("competency=data-analysis")) == {
        "DATA-VIS",
        "SHEETS-PIVOT",
        "HMIS-QUALITY",
    }
    assert set(await codes("competency=Data analysis&language=hindi")) == {"SHEETS-PIVOT"}
    assert set(await codes("language=Hindi")) == {"SHEETS-PIVOT", "EOFFICE-SO", "FOREST-FIRE"}
    assert set(await codes("q=data&provider=iGOT Karmayogi")) == {"DATA-VIS", "SHEETS-PIVOT"}
    assert await codes("q=report&competency=public-procurement") == []
    # no course has every word: any-word ranking
    assert (await codes("q=flood zebra"))[0] == "FLOOD-CONTROL"

    page = await client.get("/api/v1/courses?limit=4")
    assert page.json()["total"] == 10 and page.json()["next"] == "2"
    titles = [c["title"] for c in page.json()["items"]]
    assert titles == sorted(titles)
    assert (await client.get("/api/v1/courses?limit=4&page=3")).json()["next"] is None

    for bad in ("limit=0", "limit=x", "page=-1", "limit=1000"):
        r = await client.get(f"/api/v1/courses?{bad}")
        assert r.status_code == 400, bad
        assert r.json()["error"]["code"] == "bad_query"
    r = await client.get("/api/v1/competencies")
    kinds = {c["slug"]: c["kind"] for c in r.json()["items"]}
    assert kinds["leadership"] == "behavioural" and kinds["public-health"] == "domain"


async def test_the_author_and_moderators_link_courses_others_cannot(
    client, admin, make_user, make_community, make_thread
):
    await load(client, admin)
    author, moderator, member, outsider = [await make_user() for _ in range(4)]
    community = await make_community(members=(author, member), moderators=(moderator,))
    thread = await make_thread(author, community)
    url = f"/api/v1/threads/{thread.id}/courses"

    r = await client.post(url, json={"code": "eoffice-so"}, headers=await bearer(author))
    assert r.status_code == 201
    assert [c["code"] for c in r.json()["items"]] == ["EOFFICE-SO"]
    again = await client.post(url, json={"code": "EOFFICE-SO"}, headers=await bearer(author))
    assert again.status_code == 200
    r = await client.post(url, json={"code": "LEAD-CHANGE"}, headers=await bearer(moderator))
    assert r.status_code == 201

    denied = await client.post(url, json={"code": "RTI-APPEALS"}, headers=await bearer(member))
    assert denied.status_code == 403
    assert (await client.post(url, json={"code": "RTI-APPEALS"})).status_code == 401
    missing = await client.post(url, json={"code": "NOPE"}, headers=await bearer(author))
    assert missing.status_code == 404
    empty = await client.post(url, json={}, headers=await bearer(author))
    assert empty.status_code == 422
    assert (await client.post("/api/v1/threads/abc/courses", json={"code": "X"})).status_code == 404

    r = await client.get(url)
    assert [c["code"] for c in r.json()["items"]] == ["EOFFICE-SO", "LEAD-CHANGE"]
    r = await client.delete(f"{url}/lead-change", headers=await bearer(member))
    assert r.status_code == 403
    r = await client.delete(f"{url}/lead-change", headers=await bearer(author))
    assert [c["code"] for c in r.json()["items"]] == ["EOFFICE-SO"]

    private = await make_community(members=(author,), visibility="private")
    permissions.forget_memberships(author)
    hidden = await make_thread(author, private)
    r = await client.post(
        f"/api/v1/threads/{hidden.id}/courses",
        json={"code": "RTI-APPEALS"},
        headers=await bearer(outsider),
    )
    assert r.status_code == 404
    r = await client.get(f"/api/v1/threads/{hidden.id}/courses", headers=await bearer(outsider))
    assert r.status_code == 404


async def test_a_course_lists_only_the_discussions_the_reader_may_read(
    client, admin, make_user, make_community, make_thread
):
    await load(client, admin)
    member, moderator, outsider = [await make_user() for _ in range(3)]
    public = await make_community(members=(member,), moderators=(moderator,))
    private = await make_community(members=(member,), visibility="private")
    permissions.forget_memberships(member)
    older = await make_thread(member, public, title="Our GeM single bid question")
    secret = await make_thread(member, private, title="Confidential tender dispute notes")
    newer = await make_thread(member, public, title="Re-tendering after audit objections")
    removed = await make_thread(member, public, title="A thread that will be deleted")
    for thread in (older, secret, newer, removed):
        r = await client.post(
            f"/api/v1/threads/{thread.id}/courses",
            json={"code": "GEM-PROC"},
            headers=await bearer(admin),
        )
        assert r.status_code == 201
    await Thread.filter(id=removed.id).update(status="deleted")
    await Thread.filter(id=older.id).update(last_activity_at=threads.now())  # newest activity

    async def seen(headers: dict | None = None) -> tuple[list[int], int, int]:
        r = await client.get("/api/v1/courses/GEM-PROC", headers=headers or {})
        assert r.status_code == 200
        listed = await client.get("/api/v1/courses?q=GeM", headers=headers or {})
        count = {c["code"]: c["discussion_count"] for c in listed.json()["items"]}["GEM-PROC"]
        return [t["id"] for t in r.json()["discussions"]], r.json()["discussion_count"], count

    assert await seen() == ([older.id, newer.id], 2, 2)
    assert await seen(await bearer(outsider)) == ([older.id, newer.id], 2, 2)
    assert await seen(await bearer(member)) == ([older.id, newer.id, secret.id], 3, 3)
    assert await seen(await bearer(admin)) == ([older.id, newer.id, secret.id], 3, 3)

    page = await client.get("/courses/GEM-PROC")
    assert page.status_code == 200
    assert "Re-tendering after audit objections" in page.text
    assert "Confidential tender dispute" not in page.text
    assert "deleted" not in page.text


async def test_communities_are_tied_to_courses_by_their_moderators(
    client, admin, make_user, make_community
):
    await load(client, admin)
    moderator, member, outsider = [await make_user() for _ in range(3)]
    alumni = await make_community(kind="alumni", members=(member,), moderators=(moderator,))
    batch = await make_community(visibility="private", moderators=(moderator,))

    url = f"/api/v1/communities/{alumni.slug}/courses/LEAD-CHANGE"
    assert (await client.put(url, headers=await bearer(member))).status_code == 403
    r = await client.put(url, headers=await bearer(moderator))
    assert r.status_code == 201
    assert (await client.put(url, headers=await bearer(moderator))).status_code == 200
    r = await client.put(
        f"/api/v1/communities/{batch.slug}/courses/LEAD-CHANGE", headers=await bearer(moderator)
    )
    assert r.status_code == 201

    r = await client.get(f"/api/v1/communities/{alumni.slug}/courses")
    assert [c["code"] for c in r.json()["items"]] == ["LEAD-CHANGE"]
    seen = await client.get("/api/v1/courses/LEAD-CHANGE", headers=await bearer(outsider))
    assert [c["slug"] for c in seen.json()["communities"]] == [alumni.slug]
    seen = await client.get("/api/v1/courses/LEAD-CHANGE", headers=await bearer(moderator))
    assert {c["slug"] for c in seen.json()["communities"]} == {alumni.slug, batch.slug}
    assert (
        await client.get(
            f"/api/v1/communities/{batch.slug}/courses", headers=await bearer(outsider)
        )
    ).status_code == 404
    r = await client.delete(url, headers=await bearer(moderator))
    assert r.json()["items"] == []


async def test_competencies_on_profiles_and_communities_come_from_the_framework(
    client, admin, make_user, make_community
):
    await load(client, admin)
    officer, moderator = await make_user(), await make_user()
    community = await make_community(moderators=(moderator,))

    r = await client.put(
        "/api/v1/me/competencies",
        json={"competencies": ["data-analysis", "Leadership"]},
        headers=await bearer(officer),
    )
    assert r.status_code == 200
    assert [c["slug"] for c in r.json()["items"]] == ["leadership", "data-analysis"]
    r = await client.get(f"/api/v1/users/{officer.username}/competencies")
    assert [c["name"] for c in r.json()["items"]] == ["Leadership", "Data analysis"]
    bad = await client.put(
        "/api/v1/me/competencies",
        json={"competencies": ["juggling"]},
        headers=await bearer(officer),
    )
    assert bad.status_code == 422
    assert (await client.put("/api/v1/me/competencies", json={})).status_code == 401

    url = f"/api/v1/communities/{community.slug}/competencies"
    denied = await client.put(
        url, json={"competencies": ["leadership"]}, headers=await bearer(officer)
    )
    assert denied.status_code == 403
    r = await client.put(
        url, json={"competencies": ["public-procurement"]}, headers=await bearer(moderator)
    )
    assert [c["slug"] for c in r.json()["items"]] == ["public-procurement"]
    assert [c["slug"] for c in (await client.get(url)).json()["items"]] == ["public-procurement"]


async def test_codes_no_course_could_have_are_not_found_and_odd_filters_find_nothing(client, admin):
    await load(client, admin)
    for code in ("%00", "a%00b", "%ED%A0%80", "x" * 41, "no%20spaces"):
        assert (await client.get(f"/api/v1/courses/{code}")).status_code == 404, code
        assert (await client.get(f"/courses/{code}")).status_code == 404, code
    for query in ("provider=%00", "language=a%00b", "competency=%00", "q=%00"):
        r = await client.get(f"/api/v1/courses?{query}")
        assert r.status_code == 400, query  # refused where the query is decoded
    r = await client.get("/api/v1/courses?provider=%ED%A0%80&competency=%F0%9F%98%80")
    assert r.status_code == 200 and r.json()["items"] == []
