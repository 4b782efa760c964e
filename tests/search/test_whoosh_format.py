"""The index's own layout (search/whoosh_format.py): the fast indexing path gives the terms and
positions the analyser gives, long and short posting lists read back alike, and a rebuild
replaces the index in one step however many segments or processes it uses."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from search import query as qp
from search import whoosh_format
from search.analysis import positions, text_analyzer
from search.fast_query import Evaluation, Unsupported
from search.port import Filters
from search.whoosh_format import Codec, day_number
from search.whoosh_index import WhooshIndex
from tests.search.samples import SAMPLES

EVERYONE = Filters(communities=None)
WHEN = datetime(2026, 3, 1, 9, 30)


def doc(n: int, body: str, *, title: str = "", community: int = 1) -> dict[str, Any]:
    kind = "thread" if title else "post"
    return {
        "doc_id": f"{kind[0]}:{n}",
        "kind": kind,
        "thread_id": str(n),
        "post_id": n,
        "community_id": str(community),
        "community": f"community-{community}",
        "title": title,
        "body": body,
        "thread_title": title or f"Thread {n}",
        "tags": "",
        "author": "meena",
        "created": WHEN,
        "day": day_number(WHEN),
        "stamp": str(n),
    }


def search(index: WhooshIndex, q: str, per_page: int = 20) -> Any:
    return index.search(q, EVERYONE, page=1, per_page=per_page, facets=False)


@pytest.fixture
def index(tmp_path: Path) -> Any:
    found = WhooshIndex(tmp_path / "index")
    yield found
    found.close()


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.script)
def test_the_fast_indexing_path_gives_the_analysers_terms_and_positions(sample):
    expected: dict[str, list[int]] = {}
    for token in text_analyzer()(sample.sentence, positions=True):
        expected.setdefault(token.text, []).append(token.pos)
    assert positions(sample.sentence) == expected


def test_posting_lists_short_and_long_read_back_alike(index):
    """Words in fewer than Codec.INLINE documents live in the term table; longer lists are
    written in blocks. Both must find every document, in phrases too."""
    many = 3 * 128 + 7  # several full blocks and a partial one
    docs = [doc(n, f"tender committee minutes {n} procurement") for n in range(1, many + 1)]
    docs += [doc(n, "rare gazette notification") for n in range(1000, 1000 + Codec.INLINE - 1)]
    index.apply(docs, [])

    assert search(index, "procurement").total == many
    assert search(index, '"committee minutes"').total == many
    assert search(index, "gazette").total == Codec.INLINE - 1
    assert search(index, '"gazette notification"').total == Codec.INLINE - 1
    assert search(index, '"notification gazette"').total == 0
    neither = search(index, "tender gazette")  # no document has both: any of them, said so
    assert (neither.fallback, neither.total) == ("any", many + Codec.INLINE - 1)


def test_a_rebuild_in_several_segments_finds_everything(index, monkeypatch):
    monkeypatch.setattr(whoosh_format, "SEGMENT_DOCS", 10)
    index.apply([doc(999, "stale document from before")], [])
    rebuild = index.rebuild(procs=1)
    for start in range(0, 45, 5):  # batches of 5: a new segment every 2 batches
        rebuild.add([doc(n, f"district census ward{n}") for n in range(start, start + 5)])
    rebuild.commit()

    assert index.doc_count() == 45
    assert search(index, "census", per_page=50).total == 45
    assert search(index, "stale").total == 0
    with index._ix.searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) == 5  # 4 full segments and one of 5 + words
    suggested = search(index, "censsu")
    assert suggested.suggestion == "census"
    assert {hit.post_id for hit in search(index, "ward4*").hits} == {4, 40, 41, 42, 43, 44}


def test_a_failed_parallel_rebuild_leaves_the_index_as_it_was(index):
    index.apply([doc(1, "budget circular for the district")], [])
    rebuild = index.rebuild(procs=2)
    rebuild.add([{**doc(2, "budget"), "no_such_field": "x"}])

    with pytest.raises(RuntimeError, match="no_such_field"):
        rebuild.commit()

    assert index.doc_count() == 1
    assert search(index, "budget").total == 1
    index.apply([doc(3, "budget again")], [])  # the lock was released
    assert search(index, "budget").total == 2


def test_a_cancelled_rebuild_leaves_the_index_as_it_was(index):
    index.apply([doc(1, "pension revision order")], [])
    rebuild = index.rebuild(procs=1)
    rebuild.add([doc(2, "pension arrears")])
    rebuild.cancel()

    assert {hit.post_id for hit in search(index, "pension").hits} == {1}
    index.apply([doc(3, "pension table")], [])
    assert search(index, "pension").total == 2


QUERIES = [
    "census",
    "census ward",
    '"ward maps"',
    "census OR pension",
    "census -ward",
    "pens*",
    "in:title census",
    '"district census" ward',
    "absentword",
]


def test_the_fast_evaluation_ranks_and_counts_as_whoosh_does(index):
    """search/fast_query.py must give Whoosh's own totals, order and BM25F scores."""
    words = ["census", "ward", "maps", "pension", "district", "rules", "leave", "tender"]
    docs = []
    for n in range(1, 301):
        body = " ".join(words[(n * k) % len(words)] for k in range(1, 2 + n % 9))
        title = f"District census {n}" if n % 10 == 0 else ""
        docs.append(doc(n, body, title=title, community=1 + n % 3))
    index.apply(docs[:150], [])
    index.apply(docs[150:], [])
    index.apply([doc(7, "ward maps pension rules census")], [])  # an update: a deleted document
    searcher = index._searcher()
    hidden = Filters(communities=(1, 2), hidden=(3,))
    for text in QUERIES:
        for filters in (EVERYONE, hidden):
            parsed = qp.parse(text, lambda prefix: ["pension"] if prefix == "pens" else [])
            query = qp.build(parsed)
            mask = index._mask(searcher, filters)
            fast = index._evaluate(searcher, query, mask, 400, True)
            slow = index._whoosh(searcher, query, mask, 400, True)
            assert fast.total == slow.total, text
            assert [d for d, _ in fast.ranked] == [d for d, _ in slow.ranked], text
            assert [round(s, 5) for _, s in fast.ranked] == [round(s, 5) for _, s in slow.ranked], (
                text
            )
            assert fast.facets == slow.facets, text


def test_grouping_by_thread_keeps_each_threads_best_document_and_counts_threads(index, monkeypatch):
    """Grouped, a query gives each thread once, by its first document in the per-document
    ranking; totals, facets and match counts are of threads; Whoosh's own path agrees."""
    words = ["census", "ward", "maps", "pension", "district", "rules", "leave", "tender"]
    docs = []
    for n in range(1, 301):
        body = " ".join(words[(n * k) % len(words)] for k in range(1, 2 + n % 9))
        thread = 1 + n % 40
        docs.append({**doc(n, body, community=1 + thread % 3), "thread_id": str(thread)})
    index.apply(docs[:150], [])
    index.apply(docs[150:], [])
    index.apply([{**docs[6], "body": "ward maps pension rules census"}], [])  # an update
    searcher = index._searcher()
    for text in QUERIES:
        for filters in (EVERYONE, Filters(communities=(1, 2), hidden=(3,))):
            query = qp.build(qp.parse(text, lambda prefix: ["pension"]))
            mask = index._mask(searcher, filters)
            each = index._found(searcher, query, mask, 1000, True, grouped=False)
            fields = {d: searcher.stored_fields(d) for d, _ in each.ranked}
            best: dict[int, tuple[int, float]] = {}
            for d, score in each.ranked:
                best.setdefault(int(fields[d]["thread_id"]), (d, score))
            communities = Counter(fields[d]["community"] for d, _ in best.values())

            grouped = index._found(searcher, query, mask, 1000, True, grouped=True)

            assert grouped.total == len(best), text
            assert grouped.ranked == list(best.values()), text
            assert grouped.facets["community"] == dict(communities), text
            assert grouped.matches == Counter(int(f["thread_id"]) for f in fields.values())

            with monkeypatch.context() as m:
                m.setattr(Evaluation, "docs", unsupported)
                slow = index._found(searcher, query, mask, 1000, True, grouped=True)
            assert (slow.total, slow.facets, slow.matches) == (
                grouped.total,
                grouped.facets,
                grouped.matches,
            ), text
            assert [d for d, _ in slow.ranked] == [d for d, _ in grouped.ranked], text


def unsupported(self: Any, node: Any) -> set[int]:
    raise Unsupported("as if")
