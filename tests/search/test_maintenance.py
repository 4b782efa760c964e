"""reindex and check-index: rebuilding the index from the database, finding drift between the
two (missing, extra and stale documents) and repairing it; and the command line once."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from forum import posts
from forum.models import Post, SearchOutbox
from search import maintenance
from search.port import Filters
from search.whoosh_format import day_number
from search.whoosh_index import WhooshIndex
from search.writer import OutboxWriter
from tests.conftest import bearer
from tests.search.helpers import drain, first_post_id, search, thread_ids

REPO = Path(__file__).resolve().parents[2]
EVERYONE = Filters(communities=None)


def found(index: WhooshIndex, q: str) -> set[int]:
    """Post ids the index finds for q, with no permission filter."""
    results = index.search(q, EVERYONE, page=1, per_page=50, facets=False, group="post")
    return {hit.post_id for hit in results.hits}


def bogus_doc(doc_id: str) -> dict[str, Any]:
    """A document for a thread that does not exist in the database."""
    return {
        "doc_id": doc_id,
        "kind": "thread",
        "thread_id": "987654",
        "post_id": 987654,
        "community_id": "1",
        "community": "district-collectors",
        "title": "Phantom thread",
        "body": "Nobody wrote this.",
        "thread_title": "Phantom thread",
        "tags": "",
        "author": "nobody",
        "created": datetime(2025, 1, 1),
        "day": day_number(datetime(2025, 1, 1)),
        "stamp": "phantom",
    }


@pytest.fixture
async def corpus(app, make_user, make_community, make_thread) -> dict[str, Any]:
    """Published threads and replies in a public and a private community, one deleted reply,
    all indexed."""
    meena = await make_user(username="meena")
    public = await make_community(slug="district-collectors", members=(meena,))
    private = await make_community(slug="vigilance-cell", visibility="private", members=(meena,))
    census = await make_thread(
        meena, public, title="Census house listing", body="Enumerators trained.", tags=["census"]
    )
    census_reply = await posts.reply(meena, census, body="Supervisors appointed for every ward.")
    hindi = await make_thread(meena, public, title="कार्यालय समय", body="कार्यालय सुबह दस बजे खुलेगा।")
    probe = await make_thread(meena, private, title="Procurement probe", body="Kickbacks alleged.")
    removed = await posts.reply(meena, census, body="Wrong ward numbers, ignore.")
    await posts.delete(meena, await posts.get(meena, removed.id))
    await drain(app)
    return {
        "meena": meena,
        "census": census,
        "census_reply": census_reply,
        "hindi": hindi,
        "probe": probe,
        "removed": removed,
    }


async def expected_doc_ids(corpus: dict[str, Any]) -> set[str]:
    return {
        f"t:{corpus['census'].id}",
        f"p:{corpus['census_reply'].id}",
        f"t:{corpus['hindi'].id}",
        f"t:{corpus['probe'].id}",
    }


# reindex


async def test_reindex_rebuilds_an_empty_index_from_the_database(app, corpus, tmp_path):
    fresh = WhooshIndex(tmp_path / "rebuilt")
    try:
        assert fresh.doc_count() == 0
        out = io.StringIO()

        count, seconds = await maintenance.reindex(fresh, out=out)

        assert count == 4
        assert seconds >= 0
        assert "4/4 documents" in out.getvalue()
        assert set(fresh.stamps()) == await expected_doc_ids(corpus)
        assert fresh.stamps() == app.state.search.stamps()
        assert found(fresh, "enumerators") == {await first_post_id(corpus["census"])}
        assert found(fresh, "supervisors") == {corpus["census_reply"].id}
        assert found(fresh, "कार्यालय") == {await first_post_id(corpus["hindi"])}
        assert found(fresh, "kickbacks") == {await first_post_id(corpus["probe"])}
        assert found(fresh, "ward") == {corpus["census_reply"].id}  # not the deleted reply
        assert (await maintenance.check(fresh, repair=False)).clean
    finally:
        fresh.close()


async def test_reindex_replaces_what_was_there_and_clears_the_outbox(app, client, corpus, tmp_path):
    await app.state.search_writer.stop()
    await posts.reply(
        corpus["meena"], corpus["census"], body="Second round of enumerator training."
    )
    assert await SearchOutbox.all().count() > 0
    fresh = WhooshIndex(tmp_path / "rebuilt")
    try:
        fresh.apply([bogus_doc("t:987654")], [])
        assert set(fresh.stamps()) == {"t:987654"}

        count, _ = await maintenance.reindex(fresh, out=io.StringIO())

        assert count == 5
        assert "t:987654" not in fresh.stamps()
        assert await SearchOutbox.all().count() == 0
        assert len(found(fresh, "enumerator")) == 2
    finally:
        fresh.close()


async def test_reindex_with_two_processes_builds_the_same_index(app, corpus, tmp_path):
    fresh = WhooshIndex(tmp_path / "rebuilt")
    try:
        count, _ = await maintenance.reindex(fresh, out=io.StringIO(), procs=2)

        assert count == 4
        assert fresh.stamps() == app.state.search.stamps()
        assert found(fresh, "supervisors") == {corpus["census_reply"].id}
        assert found(fresh, "कार्यालय") == {await first_post_id(corpus["hindi"])}
        assert (await maintenance.check(fresh, repair=False)).clean
    finally:
        fresh.close()


async def test_a_rebuilt_index_still_expands_prefixes_and_suggests_spellings(app, corpus, tmp_path):
    fresh = WhooshIndex(tmp_path / "rebuilt")
    try:
        await maintenance.reindex(fresh, out=io.StringIO())

        assert found(fresh, "supervis*") == {corpus["census_reply"].id}
        assert found(fresh, "कार्या*") == {await first_post_id(corpus["hindi"])}
        results = fresh.search("enumeraters", EVERYONE, page=1, per_page=20, facets=False)
        assert results.total == 0
        assert results.suggestion == "enumerators"
    finally:
        fresh.close()


async def test_vocabulary_documents_never_show_as_results(app, corpus):
    """The words of every batch are kept in vocabulary documents: not counted, never listed."""
    index = app.state.search
    listing = index.search(
        "", Filters(communities=None, community="district-collectors"),
        page=1, per_page=50, facets=True, group="post",
    )  # fmt: skip
    assert {hit.kind for hit in listing.hits} == {"thread", "post"}
    assert listing.total == 3
    assert index.doc_count() == 4
    assert set(index.stamps()) == await expected_doc_ids(corpus)


async def test_an_index_written_for_other_fields_is_replaced_and_refilled(app, corpus, tmp_path):
    from whoosh import fields
    from whoosh import index as whoosh_index

    path = tmp_path / "older"
    path.mkdir()
    old = whoosh_index.create_in(str(path), fields.Schema(doc_id=fields.ID(stored=True)))
    with old.writer() as writer:
        writer.add_document(doc_id="t:1")
    old.close()
    before = await SearchOutbox.all().count()

    reopened = await maintenance.open_index(path)
    try:
        assert reopened.recreated
        assert reopened.doc_count() == 0
        assert await SearchOutbox.all().count() == before + 3  # the three published threads
        await OutboxWriter(reopened).drain()
        assert set(reopened.stamps()) == await expected_doc_ids(corpus)
        assert found(reopened, "supervisors") == {corpus["census_reply"].id}
    finally:
        reopened.close()

    again = await maintenance.open_index(path)
    try:
        assert not again.recreated
        assert again.doc_count() == 4
    finally:
        again.close()


async def test_an_index_that_cannot_be_read_is_replaced_and_refilled(app, corpus, tmp_path):
    path = tmp_path / "broken"
    WhooshIndex(path).close()
    (toc,) = path.glob("*.toc")
    toc.write_bytes(b"not a table of contents")

    reopened = await maintenance.open_index(path)
    try:
        assert reopened.recreated
        await OutboxWriter(reopened).drain()
        assert set(reopened.stamps()) == await expected_doc_ids(corpus)
    finally:
        reopened.close()


# check-index


async def test_check_is_clean_when_the_index_matches(app, corpus):
    drift = await maintenance.check(app.state.search, repair=False)
    assert drift.clean
    assert (drift.missing, drift.stale, drift.extra) == ([], [], [])


async def test_check_reports_a_document_missing_from_the_index(app, corpus):
    thread_doc = f"t:{corpus['census'].id}"
    reply_doc = f"p:{corpus['census_reply'].id}"
    app.state.search.apply([], [("doc_id", thread_doc), ("doc_id", reply_doc)])

    drift = await maintenance.check(app.state.search, repair=False)

    assert drift.missing == sorted([thread_doc, reply_doc])
    assert drift.stale == [] and drift.extra == []
    assert not drift.clean
    assert await SearchOutbox.all().count() == 0  # repair=False changes nothing
    assert thread_doc not in app.state.search.stamps()


async def test_check_reports_an_extra_document(app, corpus):
    app.state.search.apply([bogus_doc("t:987654")], [])

    drift = await maintenance.check(app.state.search, repair=False)

    assert drift.extra == ["t:987654"]
    assert drift.missing == [] and drift.stale == []
    assert "t:987654" in app.state.search.stamps()


async def test_check_reports_a_stale_document_after_an_edit_whose_outbox_row_was_lost(
    app, client, corpus
):
    await app.state.search_writer.stop()
    headers = await bearer(corpus["meena"])
    reply_id = corpus["census_reply"].id
    r = await client.patch(
        f"/api/v1/posts/{reply_id}",
        json={"body": "Supervisors replaced in ward 4."},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    first = await first_post_id(corpus["hindi"])
    r = await client.patch(
        f"/api/v1/posts/{first}", json={"body": "कार्यालय सुबह नौ बजे खुलेगा।"}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert await SearchOutbox.all().count() == 2
    await SearchOutbox.all().delete()  # the row is lost: the index never hears of the edit

    drift = await maintenance.check(app.state.search, repair=False)

    assert drift.stale == sorted([f"p:{reply_id}", f"t:{corpus['hindi'].id}"])
    assert drift.missing == [] and drift.extra == []


async def test_repair_then_drain_leaves_a_clean_index(app, client, corpus):
    await app.state.search_writer.stop()
    index = app.state.search
    census, hindi = corpus["census"], corpus["hindi"]
    index.apply([bogus_doc("t:987654")], [("doc_id", f"t:{census.id}")])
    first = await first_post_id(hindi)
    await Post.filter(id=first).update(
        body_html="<p>नया समय नौ बजे</p>", edited_at=datetime.now(UTC)
    )
    before = await maintenance.check(index, repair=False)
    assert before.missing == [f"t:{census.id}"]
    assert before.extra == ["t:987654"]
    assert before.stale == [f"t:{hindi.id}"]

    repaired = await maintenance.check(index, repair=True)

    assert (repaired.missing, repaired.stale, repaired.extra) == (
        before.missing,
        before.stale,
        before.extra,
    )
    queued = set(await SearchOutbox.all().values_list("kind", "object_id"))
    assert queued == {("thread", census.id), ("thread", hindi.id)}
    assert "t:987654" not in index.stamps()  # extra documents go at once
    await drain(app)
    after = await maintenance.check(index, repair=False)
    assert after.clean, after
    assert thread_ids(await search(client, "enumerators")) == {census.id}
    assert thread_ids(await search(client, "नौ")) == {hindi.id}
    assert (await search(client, "phantom"))["total"] == 0


# The command line


def test_check_index_command_after_seed_demo_reports_a_matching_index(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CHAUPAL_") or key == "CHAUPAL_TEST_DATABASE"
    }
    env.pop("CHAUPAL_TEST_DATABASE", None)
    env["CHAUPAL_DATA_DIR"] = str(tmp_path / "data")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "server.py", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    seeded = run("seed-demo")
    assert seeded.returncode == 0, seeded.stderr[-2000:]

    checked = run("check-index")

    assert checked.returncode == 0, checked.stdout + checked.stderr[-2000:]
    assert "matches" in checked.stdout
