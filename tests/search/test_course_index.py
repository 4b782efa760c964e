"""The course index on its own: documents in and out, filters, suggestions that follow changes,
and an index written for other fields replaced by an empty one (the sync refills it)."""

from __future__ import annotations

from pathlib import Path

from whoosh import fields, index

from search.catalogue import course_doc
from search.course_index import WhooshCourseIndex, terms_of
from search.port import CourseQuery


def doc(
    code: str, title: str, description: str = "", *, language: str = "English", stamp: str = "1"
):
    return course_doc(
        {
            "code": code,
            "title": title,
            "provider": "Training Institute",
            "description": description,
            "language": language,
            "content_hash": stamp,
        },
        [("data-analysis", "Data analysis", "Data and digital")] if "data" in title.lower() else [],
    )


def test_documents_are_searched_filtered_and_replaced(tmp_path: Path) -> None:
    ix = WhooshCourseIndex(tmp_path)
    try:
        ix.apply(
            [
                doc("D-1", "Data for district reviews", "Charts and dashboards"),
                doc("P-1", "Procurement basics", "Tenders and bids", language="Hindi"),
            ],
            [],
        )
        total, hits = ix.search(CourseQuery("dashboards"), page=1, per_page=10)
        assert (total, [h.code for h in hits]) == (1, ["D-1"])
        assert ix.search(CourseQuery("tenders", language="hindi"), page=1, per_page=10)[0] == 1
        assert ix.search(CourseQuery("tenders", language="English"), page=1, per_page=10)[0] == 0
        assert [
            h.code
            for h in ix.search(CourseQuery("", competency="data-analysis"), page=1, per_page=5)[1]
        ] == []
        assert ix.search(CourseQuery("d-1"), page=1, per_page=5)[1][0].code == "D-1"
        assert ix.stamps() == {"D-1": "1", "P-1": "1"}

        ix.apply([doc("D-1", "Data for district reviews", "Maps instead", stamp="2")], ["P-1"])
        assert ix.stamps() == {"D-1": "2"}
        assert ix.search(CourseQuery("dashboards"), page=1, per_page=10)[0] == 0
    finally:
        ix.close()


def test_suggestions_follow_changes_to_the_catalogue(tmp_path: Path) -> None:
    ix = WhooshCourseIndex(tmp_path)
    try:
        ix.apply([doc("F-1", "Forest fire lines", "Village volunteers and fire watchers")], [])
        text = "Our fire watchers quit in May. How do you keep village volunteers?"
        assert [h.code for h in ix.suggest(text, limit=5, exclude=frozenset())] == ["F-1"]
        assert ix.suggest(text, limit=5, exclude=frozenset({"F-1"})) == []
        ix.apply([doc("F-2", "Keeping fire watchers and volunteers", "Volunteers in May")], [])
        assert [h.code for h in ix.suggest(text, limit=5, exclude=frozenset())][0] == "F-2"
        assert ix.suggest("the and of", limit=5, exclude=frozenset()) == []  # stop words only
    finally:
        ix.close()


def test_an_index_written_for_other_fields_is_replaced(tmp_path: Path) -> None:
    index.create_in(str(tmp_path), fields.Schema(other=fields.ID(stored=True))).close()
    ix = WhooshCourseIndex(tmp_path)
    try:
        assert ix.stamps() == {}
        ix.apply([doc("D-1", "Data basics")], [])
        assert list(ix.stamps()) == ["D-1"]
    finally:
        ix.close()


def test_terms_leave_out_stop_words_in_english_and_hindi() -> None:
    assert terms_of("The course on data analysis for the district") == [
        "data",
        "analysi",
        "district",
    ]
    assert "के" not in terms_of("डेटा के लिए")
