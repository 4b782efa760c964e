"""Importing a catalogue: good files, bad rows with their line numbers, mixed files (the good
rows load), importing again (nothing changes), a large file, the command line."""

from __future__ import annotations

import json

import pytest

import server
from forum import course_import
from forum.models import Competency, Course, CourseCompetency
from tests.conftest import bearer

HEADER = "code,title,provider,url,description,duration,language,competencies\n"
GOOD_CSV = HEADER + (
    "RTI-1,RTI for first appeal officers,ISTM,https://learn.example.in/rti,"
    '"Hearing appeals,\nwriting orders",3h,English,domain:Governance/Transparency and RTI\n'
    "RTI-2,RTI for public information officers,ISTM,,Replying on time,90 min,Hindi,"
    "Transparency and RTI; behavioural:Communication\n"
)


async def post_file(client, user, text: str, kind: str = "text/csv", query: str = ""):
    return await client.post(
        f"/api/v1/courses/import{query}",
        content=text.encode(),
        headers={**await bearer(user), "content-type": kind},
    )


async def test_a_good_csv_loads_and_loading_it_again_changes_nothing(client, admin):
    r = await post_file(client, admin, GOOD_CSV)
    assert r.status_code == 200, r.text
    assert r.json() == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "errors": []}
    course = await Course.get(code="RTI-1")
    assert course.description == "Hearing appeals,\nwriting orders"
    assert course.duration_minutes == 180
    stamp = (course.updated_at, course.content_hash)

    again = await post_file(client, admin, GOOD_CSV)
    assert again.json() == {"rows": 2, "created": 0, "updated": 0, "unchanged": 2, "errors": []}
    course = await Course.get(code="RTI-1")
    assert (course.updated_at, course.content_hash) == stamp
    assert await Competency.all().count() == 2
    assert await CourseCompetency.all().count() == 3

    changed = await post_file(client, admin, GOOD_CSV.replace("Replying on time", "Replying"))
    assert changed.json()["updated"] == 1 and changed.json()["unchanged"] == 1
    found = await client.get("/api/v1/courses?q=first appeal")
    assert [c["code"] for c in found.json()["items"]][0] == "RTI-1"


async def test_every_bad_row_is_reported_with_its_line_and_the_good_rows_load(client, admin):
    text = HEADER + (
        "OK-1,A good course,ISTM,,Fine,2h,English,functional:Office/Drafting\n"  # line 2
        ",No code here,ISTM,,,,,\n"  # line 3
        'OK-2,"A description\nover two lines",ISTM,,,,,Drafting\n'  # lines 4-5
        "BAD-URL,Bad link,ISTM,ftp://files,,,,\n"  # line 6
        "BAD-TIME,Bad duration,ISTM,,,a while,,\n"  # line 7
        "BAD-KIND,Bad kind,ISTM,,,,,magic:Wizardry\n"  # line 8
        "BAD-NEW,Unknown competency,ISTM,,,,,Wizardry\n"  # line 9
        "BAD-CLASH,Clashing kind,ISTM,,,,,behavioural:Drafting\n"  # line 10
        "OK-1,Repeated code,ISTM,,,,,\n"  # line 11
        "TOO,many,cells,,,,,,,extra\n"  # line 12
        "\n"  # line 13: blank, skipped
        "OK-3,Last good one,ISTM,,,,,\n"  # line 14
    )
    r = await post_file(client, admin, text)
    assert r.status_code == 200
    report = r.json()
    assert (report["created"], report["updated"], report["unchanged"]) == (3, 0, 0)
    lines = {e["line"]: (e["code"], e["reason"]) for e in report["errors"]}
    assert sorted(lines) == [3, 6, 7, 8, 9, 10, 11, 12]
    assert "code" in lines[3][1]
    assert lines[6] == ("BAD-URL", "url must start with https://")
    assert "duration" in lines[7][1]
    assert "kind must be one of" in lines[8][1]
    assert "not in the framework" in lines[9][1]
    assert "functional" in lines[10][1] and "behavioural" in lines[10][1]
    assert "already on line 2" in lines[11][1]
    assert "cells" in lines[12][1]
    assert set(await Course.all().values_list("code", flat=True)) == {"OK-1", "OK-2", "OK-3"}


async def test_json_arrays_and_json_lines_report_lines_too(client, admin):
    array = (
        "[\n"
        '  {"code": "J-1", "title": "First JSON course",\n'
        '   "competencies": [{"name": "Negotiation", "kind": "behavioural"}]},\n'
        '  {"code": "J-2", "title": "x"},\n'
        '  "not an object",\n'
        '  {"code": "J-3", "title": "Third JSON course", "duration_minutes": 45}\n'
        "]"
    )
    r = await post_file(client, admin, array, "application/json")
    report = r.json()
    assert report["created"] == 2
    assert [(e["line"], e["code"]) for e in report["errors"]] == [(4, "J-2"), (5, "")]

    lines = "\n".join(
        [
            json.dumps({"code": "L-1", "title": "Line one course"}),
            "{broken",
            json.dumps({"code": "L-2", "title": "Line three course", "language": "hindi"}),
        ]
    )
    r = await post_file(client, admin, lines, "application/x-ndjson", "?format=json")
    assert r.json()["created"] == 2
    assert [e["line"] for e in r.json()["errors"]] == [2]
    assert (await Course.get(code="L-2")).language == "Hindi"

    broken = '[{"code": "B-1", "title": "Before the break"},\n {"code": oops}]'
    r = await post_file(client, admin, broken, "application/json")
    assert r.json()["created"] == 1
    assert r.json()["errors"][0]["line"] == 2


async def test_imports_need_an_admin_and_a_readable_file(client, admin, make_user):
    officer = await make_user()
    assert (await post_file(client, officer, GOOD_CSV)).status_code == 403
    r = await client.post("/api/v1/courses/import", content=b"\xff\xfe\x00bad")
    assert r.status_code == 401
    r = await client.post(
        "/api/v1/courses/import", content=b"code,title\n\xff\xfe", headers=await bearer(admin)
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_file"
    r = await post_file(client, admin, GOOD_CSV, query="?format=xml")
    assert r.status_code == 400
    r = await post_file(client, admin, "name,description\nx,y\n")
    assert r.json()["errors"][0]["line"] == 1
    assert (await post_file(client, admin, "")).json()["rows"] == 0


async def test_a_large_catalogue_loads_in_batches_and_is_searchable(app, client, admin):
    """Larger than a request body may be (413 over the API): the command line's way."""
    rows = [
        {
            "code": f"BULK-{n:05d}",
            "title": f"Course number {n} on {'budgets' if n % 2 else 'drafting'}",
            "provider": f"Institute {n % 7}",
            "competencies": [f"functional:Theme {n % 3}/Skill {n % 40}"],
        }
        for n in range(2500)
    ]
    text = json.dumps(rows)
    assert (await post_file(client, admin, text, "application/json")).status_code == 413
    seen: list[tuple[int, int]] = []
    report = await course_import.import_text(
        None, text, index=app.state.courses, progress=lambda done, total: seen.append((done, total))
    )
    assert (report.created, report.errors, report.indexed) == (2500, [], 2500)
    assert seen[0] == (1000, 2500) and seen[-1] == (2500, 2500)
    assert await Course.all().count() == 2500
    assert await Competency.all().count() == 40
    found = await client.get("/api/v1/courses?q=course number 1234 drafting")
    assert found.json()["items"][0]["code"] == "BULK-01234"
    again = await course_import.import_text(None, text, index=app.state.courses)
    assert (again.unchanged, again.indexed) == (2500, 0)


@pytest.fixture
def cli_env(monkeypatch, tmp_path, database_url):
    monkeypatch.setenv("CHAUPAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHAUPAL_DATABASE_URL", database_url)
    monkeypatch.setenv("CHAUPAL_SECRET_KEY", "cli-test")


def test_the_command_line_imports_and_reports(cli_env, tmp_path, capsys):
    good = tmp_path / "catalogue.csv"
    good.write_text(
        HEADER
        + "CLI-1,Command line course,ISTM,,,,,behavioural:Integrity\n"
        + "CLI-2,Missing competency kind,ISTM,,,,,Unknown skill here\n",
        encoding="utf-8",
    )
    assert server.main(["import-courses", str(good)]) == 1  # a row was rejected
    out = capsys.readouterr().out
    assert "1 created" in out and "line 3 (CLI-2)" in out
    assert server.main(["import-courses", str(good)]) == 1
    assert "0 created, 0 updated, 1 unchanged" in capsys.readouterr().out

    assert server.main(["import-courses", str(tmp_path / "missing.csv")]) == 2
    assert "No such file" in capsys.readouterr().err
