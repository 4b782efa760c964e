"""The course pages through httpx against the real app: the catalogue, a course, starting a
discussion of it, the courses beside a thread and linking them, suggestions on a new thread,
communities' learning panels, one's competencies, catalogue upload and points administration."""

from __future__ import annotations

import re

import httpx

from forum import accounts, courses, security
from forum.models import AuditEntry, Course, PointEntry, PointsTarget, ThreadCourse, User
from tests.conftest import ORIGIN, SECRET
from tests.forum.course_samples import load

SAME_ORIGIN = {"Origin": ORIGIN}


async def sign_in(client: httpx.AsyncClient, user: User) -> str:
    token = await accounts.start_session(user, 1)
    client.cookies.set("chaupal_session", token, domain="testserver.local")
    return security.csrf_token(SECRET, token)


async def post_form(client: httpx.AsyncClient, path: str, csrf: str, **fields) -> httpx.Response:
    return await client.post(path, data={"csrf_token": csrf, **fields}, headers=SAME_ORIGIN)


async def test_the_catalogue_page_searches_and_filters(client, admin, make_user, new_client):
    empty = await client.get("/courses")
    assert empty.status_code == 200 and "The catalogue is empty" in empty.text
    await load(client, admin)

    page = await client.get("/courses")
    assert "All 10 courses" in page.text and "Import courses" not in page.text
    found = await client.get("/courses?q=procurement")
    assert found.text.index("Public procurement on GeM") < found.text.index("</main>")
    assert '<option value="data-analysis">' in found.text
    narrowed = await client.get("/courses?competency=data-analysis&language=Hindi")
    assert "1 matching course" in narrowed.text and "Spreadsheets for monthly" in narrowed.text
    none = await client.get("/courses?q=zebra+crossing+giraffe")
    assert "No course matches" in none.text
    assert (await client.get("/courses?page=0")).status_code == 400

    admin_client = await new_client()
    await sign_in(admin_client, admin)
    assert "Import courses" in (await admin_client.get("/courses")).text


async def test_a_course_page_and_where_to_discuss_it(
    client, admin, make_user, make_community, new_client
):
    await load(client, admin)
    member = await make_user()
    tied = await make_community(
        name="Alumni of the leadership course", kind="alumni", members=(member,)
    )
    await make_community(name="Another community", members=(member,))
    await client.put(
        f"/api/v1/communities/{tied.slug}/courses/LEAD-CHANGE",
        headers={"Authorization": "Bearer " + (await accounts.create_token(admin))[0]},
    )

    page = await client.get("/courses/LEAD-CHANGE")
    assert page.status_code == 200
    assert "Leading a team through change" in page.text
    assert "Alumni of the leadership course" in page.text
    assert (
        'href="https://learning.example.gov.in/lead" rel="noopener noreferrer external"'
        in page.text
    )
    assert "No discussions of this course yet" in page.text
    canonical = await client.get("/courses/lead-change")
    assert canonical.status_code == 303 and canonical.headers["location"] == "/courses/LEAD-CHANGE"
    assert (await client.get("/courses/NOPE")).status_code == 404

    signed_out = await client.get("/courses/LEAD-CHANGE/discuss")
    assert signed_out.status_code == 303 and "/login" in signed_out.headers["location"]
    browser = await new_client()
    await sign_in(browser, member)
    choose = await browser.get("/courses/LEAD-CHANGE/discuss")
    assert choose.text.index("Alumni of the leadership course") < choose.text.index(
        "Another community"
    )
    assert f"/c/{tied.slug}/new?course=LEAD-CHANGE" in choose.text


async def test_a_new_thread_links_the_chosen_courses(client, admin, make_user, make_community):
    await load(client, admin)
    member = await make_user()
    community = await make_community(members=(member,))
    csrf = await sign_in(client, member)

    form = await client.get(f"/c/{community.slug}/new?course=lead-change&course=NOPE")
    assert re.search(r'name="course" value="LEAD-CHANGE" checked', form.text)
    assert "NOPE" not in form.text
    assert '<script src="/static/courses.js" defer></script>' in form.text

    r = await post_form(
        client,
        f"/c/{community.slug}/new",
        csrf,
        title="How did the change course help your team?",
        body="Asking before I sign up.",
        course=["LEAD-CHANGE", "RTI-APPEALS", "NOPE"],
    )
    assert r.status_code == 303
    thread_id = int(r.headers["location"].rsplit("/", 1)[1])
    linked = await ThreadCourse.filter(thread_id=thread_id).values_list("course__code", flat=True)
    assert sorted(linked) == ["LEAD-CHANGE", "RTI-APPEALS"]

    kept = await post_form(
        client, f"/c/{community.slug}/new", csrf, title="x", body="", course="LEAD-CHANGE"
    )
    assert kept.status_code == 422
    assert re.search(r'name="course" value="LEAD-CHANGE" checked', kept.text)
    # Without JavaScript, what was written suggests courses when the form comes back.
    again = await post_form(
        client,
        f"/c/{community.slug}/new",
        csrf,
        title="GeM",
        body="Only one bid came in on our tender. Re-tender or proceed? What did audit say?",
    )
    assert again.status_code == 422
    assert re.search(r'name="course" value="GEM-PROC">', again.text)


async def test_courses_beside_a_thread_and_one_click_linking(
    client, admin, make_user, make_community, make_thread, new_client
):
    await load(client, admin)
    author, member = await make_user(), await make_user()
    community = await make_community(members=(author, member))
    thread = await make_thread(
        author,
        community,
        title="Single bid on a GeM tender: re-tender or proceed?",
        body="Only one vendor qualified. What did audit say to you?",
    )
    anonymous = await client.get(f"/t/{thread.id}")
    assert "Related courses" not in anonymous.text  # nothing linked, nobody to link

    browser = await new_client()
    csrf = await sign_in(browser, author)
    mine = await browser.get(f"/t/{thread.id}")
    assert "Suggested for this thread" in mine.text
    first = mine.text.index("Suggested for this thread")
    assert mine.text.index("Public procurement on GeM", first) > first
    r = await post_form(browser, f"/t/{thread.id}/courses", csrf, code="GEM-PROC")
    assert r.status_code == 303 and r.headers["location"].endswith("#courses")

    anonymous = await client.get(f"/t/{thread.id}")  # the cached page changed with the link
    assert anonymous.text.count('href="/courses/GEM-PROC"') == 2  # beside it, and below post 1
    assert "Unlink" not in anonymous.text

    other = await new_client()
    other_csrf = await sign_in(other, member)
    theirs = await other.get(f"/t/{thread.id}")
    assert (
        "Public procurement on GeM" in theirs.text
        and "Suggested for this thread" not in theirs.text
    )
    denied = await post_form(other, f"/t/{thread.id}/courses", other_csrf, code="RTI-APPEALS")
    assert denied.status_code == 403
    unknown = await post_form(browser, f"/t/{thread.id}/courses", csrf, code="NOPE")
    assert unknown.status_code == 303
    empty = await post_form(browser, f"/t/{thread.id}/courses", csrf, code="")
    assert empty.status_code == 422
    no_csrf = await browser.post(
        f"/t/{thread.id}/courses", data={"code": "RTI-APPEALS"}, headers=SAME_ORIGIN
    )
    assert no_csrf.status_code == 403
    await post_form(browser, f"/t/{thread.id}/courses", csrf, code="GEM-PROC", action="unlink")
    assert not await ThreadCourse.filter(thread_id=thread.id).exists()


async def test_moderators_tie_a_community_to_courses_and_choose_its_competencies(
    client, admin, make_user, make_community
):
    await load(client, admin)
    moderator, member = await make_user(), await make_user()
    community = await make_community(moderators=(moderator,), members=(member,))
    csrf = await sign_in(client, member)
    denied = await post_form(
        client, f"/c/{community.slug}/learning", csrf, action="tie", code="LEAD-CHANGE"
    )
    assert denied.status_code == 403

    csrf = await sign_in(client, moderator)
    page = await client.get(f"/c/{community.slug}")
    assert "Tie this community to a course" in page.text
    r = await post_form(
        client, f"/c/{community.slug}/learning", csrf, action="tie", code="lead-change"
    )
    assert r.status_code == 303
    r = await post_form(
        client,
        f"/c/{community.slug}/learning",
        csrf,
        action="competencies",
        competency=["leadership", "communication"],
    )
    assert r.status_code == 303
    page = await client.get(f"/c/{community.slug}")
    assert "Community of" in page.text and "Leading a team through change" in page.text
    assert 'href="/courses?competency=leadership"' in page.text
    bad = await post_form(client, f"/c/{community.slug}/learning", csrf, action="dance")
    assert bad.status_code == 422
    bad = await post_form(
        client, f"/c/{community.slug}/learning", csrf, action="competencies", competency="juggling"
    )
    assert bad.status_code == 422


async def test_people_choose_competencies_and_get_suggestions_at_home(
    client, admin, make_user, make_community
):
    await load(client, admin)
    officer = await make_user(role="District Collector", sector="Disaster management")
    await make_community(name="Where the officer belongs", members=(officer,))
    buyers = await make_community(name="Buyers circle")
    await courses.set_community_competencies(admin, buyers, ["public-procurement"])
    csrf = await sign_in(client, officer)
    page = await client.get("/settings/learning")
    assert 'value="public-procurement"' in page.text
    r = await post_form(client, "/settings/learning", csrf, competency=["public-procurement"])
    assert r.status_code == 303
    home = await client.get("/")
    assert "Courses for you" in home.text
    panel = home.text[home.text.index("Courses for you") :]
    assert "Running a district flood control room" in panel
    assert "Public procurement on GeM" in panel
    assert "Communities for you" in home.text and "Buyers circle" in home.text
    profile = await client.get(f"/u/{officer.username}")
    assert "Public procurement" in profile.text and "of 60 points" in profile.text
    assert (await client.get("/settings/learning", follow_redirects=False)).status_code == 200


async def test_admins_upload_a_catalogue_file(client, admin, make_user):
    officer = await make_user()
    csrf = await sign_in(client, officer)
    assert (await client.get("/courses/import")).status_code == 403

    csrf = await sign_in(client, admin)
    assert "Catalogue file" in (await client.get("/courses/import")).text
    text = "code,title,competencies\nUP-1,Uploaded course one,behavioural:Integrity\nUP-2,x,\n"
    r = await client.post(
        "/courses/import",
        data={"csrf_token": csrf},
        files={"file": ("catalogue.csv", text.encode(), "text/csv")},
        headers=SAME_ORIGIN,
    )
    assert r.status_code == 200
    assert "2 rows: 1 created" in r.text and "Line 3" in r.text
    assert await Course.filter(code="UP-1").exists()
    bad = await client.post(
        "/courses/import",
        data={"csrf_token": csrf},
        files={"file": ("catalogue.csv", b"\xff\xfe", "text/csv")},
        headers=SAME_ORIGIN,
    )
    assert bad.status_code == 400 and "UTF-8" in bad.text
    missing = await client.post("/courses/import", data={"csrf_token": csrf}, headers=SAME_ORIGIN)
    assert missing.status_code == 422
    forged = await client.post(
        "/courses/import",
        data={"csrf_token": "forged"},
        files={"file": ("c.csv", text.encode(), "text/csv")},
        headers=SAME_ORIGIN,
    )
    assert forged.status_code == 403


async def test_admins_set_the_target_and_adjust_points_on_a_page(client, admin, make_user):
    officer = await make_user()
    csrf = await sign_in(client, officer)
    assert (await client.get("/admin/points")).status_code == 403
    csrf = await sign_in(client, admin)
    page = await client.get(f"/admin/points?username={officer.username}")
    assert f'value="{officer.username}"' in page.text
    r = await post_form(client, "/admin/points", csrf, form="target", year="2026", target="72")
    assert r.status_code == 303
    assert (await PointsTarget.get(year=2026)).target == 72
    r = await post_form(
        client,
        "/admin/points",
        csrf,
        form="adjust",
        username=officer.username,
        points="-3",
        reason="Duplicate",
    )
    assert r.status_code == 303 and r.headers["location"] == f"/u/{officer.username}/points"
    assert (await PointEntry.get(user_id=officer.id)).points == -3
    assert await AuditEntry.filter(action="points.adjust").exists()
    bad = await post_form(
        client,
        "/admin/points",
        csrf,
        form="adjust",
        username=officer.username,
        points="lots",
        reason="Why not",
    )
    assert bad.status_code == 422 and "Points" in bad.text
    nobody = await post_form(
        client, "/admin/points", csrf, form="adjust", username="ghost", points="1", reason="Why not"
    )
    assert nobody.status_code == 404
    history = await client.get(f"/u/{officer.username}/points")
    assert "Adjustment by an administrator" in history.text and "-3" in history.text
