"""The course catalogue's Whoosh index (the CourseIndex port): catalogue search and course
suggestions ranked by relevance to a discussion's text.

It is small and rarely written, so it lives apart from the posts' index, in the data dir's
`courses` folder, and reuses that index's analysis (whole words of any script, Latin words
stemmed) and its faster field type and codec. One document per course: title, competency
names and themes, description and provider as text; competency slugs, provider and language as
exact filters; the course's content hash as the stamp the sync compares with the database.
Every method blocks: callers run them off the event loop."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh import query as wq
from whoosh.analysis import STOP_WORDS
from whoosh.fields import ID, KEYWORD, STORED, Schema
from whoosh.searching import Searcher

from search.analysis import WORD, index_term, normalise, text_analyzer
from search.opening import one_at_a_time
from search.port import CourseHit, CourseQuery
from search.whoosh_format import AnalysedText, segment_writer

log = logging.getLogger("chaupal.search")

TEXT_FIELDS = ("title", "topics", "about")
MAX_QUERY_TERMS = 12  # catalogue search: words of the query that count
MAX_KEY_TERMS = 20  # suggestions: the discussion's most telling words that count
RELEVANT_SHARE = 0.2  # a suggestion scores at least this share of the best one
REFRESH_EVERY = 0.5  # seconds between checks for a newer index generation (other processes)
SEGMENT_DOCS = 10_000  # documents per segment when many are indexed at once
SUGGESTIONS_KEPT = 4096  # suggestion answers kept until the index changes
HINDI_STOP_WORDS = frozenset(
    "का की के में है हैं और से को पर यह वह एक भी लिए नहीं तो कर हो था थी थे कि जो इस उस ने मैं हम आप".split()
)
STOP = frozenset(STOP_WORDS) | HINDI_STOP_WORDS | {"course", "courses", "learn", "learning"}

Progress = Callable[[int, int], None]


def schema() -> Schema:
    analyzer = text_analyzer()
    return Schema(
        code=ID(unique=True, stored=True),
        title=AnalysedText(analyzer=analyzer, field_boost=3.0),
        topics=AnalysedText(analyzer=analyzer, field_boost=2.0),
        about=AnalysedText(analyzer=analyzer),
        competency=KEYWORD(commas=True),
        provider=ID(),
        language=ID(),
        stamp=STORED(),
    )


def filter_key(value: str) -> str:
    """How a provider or language is matched: case and spacing do not matter."""
    return " ".join(normalise(value).split())


def terms_of(text: str) -> list[str]:
    """The index terms of a text's words, stop words left out, in order, with repeats."""
    found = []
    for match in WORD.finditer(text):
        word = match.group(0)
        if normalise(word) in STOP:
            continue
        term = index_term(word)
        if term and term not in STOP:
            found.append(term)
    return found


class WhooshCourseIndex:
    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        wanted = schema()
        self._ix: index.Index | None = None
        with one_at_a_time(path):
            try:
                if index.exists_in(str(path)):
                    opened = index.open_dir(str(path))
                    if set(opened.schema.names()) == set(wanted.names()):
                        self._ix = opened
                    else:
                        opened.close()
            except Exception:  # unreadable, or written by an older release: the sync refills it
                log.warning(
                    "course index %s could not be opened; replacing it", path, exc_info=True
                )
            if self._ix is None:
                self._ix = index.create_in(str(path), wanted)
        self.path = path
        self._lock = threading.Lock()
        self._searcher_: Searcher | None = None
        self._checked = 0.0
        # Suggestions for the same text (a home page's role and competencies, a thread read
        # again) are answered from here until the index changes.
        self._suggested: dict[tuple[str, int, frozenset[str]], list[CourseHit]] = {}

    # Writing

    def apply(
        self, upserts: list[dict[str, Any]], deletes: list[str], progress: Progress | None = None
    ) -> None:
        """Adds or replaces the documents (see search/catalogue.py's course_doc) and deletes
        courses by code. A large batch is written as segments of SEGMENT_DOCS, each committed
        on its own, so Whoosh's pool of postings stays in memory."""
        if not upserts and not deletes:
            return
        assert self._ix is not None
        fresh = self._ix.doc_count_all() == 0
        done = 0
        for start in range(0, max(len(upserts), 1), SEGMENT_DOCS):
            chunk = upserts[start : start + SEGMENT_DOCS]
            writer = segment_writer(self._ix, timeout=60.0, limitmb=256)
            try:
                if start == 0:
                    for code in deletes:
                        writer.delete_by_term("code", code)
                add = writer.add_document if fresh else writer.update_document
                for doc in chunk:
                    add(**doc)
                    done += 1
                    if progress is not None and done % 500 == 0:
                        progress(done, len(upserts))
            except BaseException:
                writer.cancel()
                raise
            writer.commit(merge=len(upserts) <= SEGMENT_DOCS)
        if progress is not None:
            progress(len(upserts), len(upserts))
        with self._lock:
            self._checked = 0.0  # reopen the searcher at the next search

    # Reading

    def _searcher(self) -> Searcher:
        """The shared searcher (callers hold the lock), reopened when the index has changed."""
        assert self._ix is not None
        now = time.monotonic()
        searcher = self._searcher_
        if searcher is None or (now - self._checked >= REFRESH_EVERY and not searcher.up_to_date()):
            if searcher is not None:
                searcher.close()
            searcher = self._searcher_ = self._ix.searcher()
            self._suggested.clear()
        if now - self._checked >= REFRESH_EVERY:
            self._checked = now
        return searcher

    def _filter(self, query: CourseQuery) -> wq.Query | None:
        parts: list[wq.Query] = []
        if query.competency:
            parts.append(wq.Term("competency", query.competency))
        if query.provider:
            parts.append(wq.Term("provider", filter_key(query.provider)))
        if query.language:
            parts.append(wq.Term("language", filter_key(query.language)))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def search(
        self, query: CourseQuery, *, page: int, per_page: int
    ) -> tuple[int, list[CourseHit]]:
        """Courses with every word of the query (in any field), best first; when none has
        them all, those with any. A query that is a course's code finds it first."""
        terms = list(dict.fromkeys(terms_of(query.text)))[:MAX_QUERY_TERMS]
        code = query.text.strip().upper()
        by_code = wq.Term("code", code, boost=50.0) if code and " " not in code else None
        if not terms and by_code is None:
            return 0, []
        each = [wq.Or([wq.Term(f, t) for f in TEXT_FIELDS]) for t in terms]
        attempts: list[wq.Query] = [wq.And(each)] if each else []
        if len(each) > 1:
            attempts.append(wq.Or(each))
        if by_code is not None:
            attempts = [wq.Or([q, by_code]) for q in attempts] or [by_code]
        flt = self._filter(query)
        with self._lock:
            searcher = self._searcher()
            for q in attempts:
                results = searcher.search_page(q, page, pagelen=per_page, filter=flt)
                if results.total:
                    hits = [CourseHit(str(hit["code"]), float(hit.score or 0.0)) for hit in results]
                    return results.total, hits
        return 0, []

    def suggest(self, text: str, *, limit: int, exclude: frozenset[str]) -> list[CourseHit]:
        """Courses for a discussion: its most telling words (frequent in the text, rare in
        the catalogue) weigh most; only courses scoring near the best are kept."""
        counts = Counter(terms_of(text))
        if not counts:
            return []
        key = (text, limit, exclude)
        with self._lock:
            searcher = self._searcher()
            if key in self._suggested:
                return list(self._suggested[key])
            total = searcher.doc_count()
            if total == 0:
                return []
            weighted = []
            for term, tf in counts.items():
                df = max(searcher.doc_frequency(f, term) for f in TEXT_FIELDS)
                if df:
                    weighted.append(((1 + math.log(tf)) * math.log(1 + total / df), term))
            if not weighted:
                return []
            weighted.sort(reverse=True)
            q = wq.Or(
                [
                    wq.Term(f, term, boost=weight)
                    for weight, term in weighted[:MAX_KEY_TERMS]
                    for f in TEXT_FIELDS
                ]
            )
            mask = wq.Or([wq.Term("code", c) for c in sorted(exclude)]) if exclude else None
            results = searcher.search(q, limit=limit, mask=mask)
            hits = [CourseHit(str(hit["code"]), float(hit.score or 0.0)) for hit in results]
            floor = hits[0].score * RELEVANT_SHARE if hits else 0.0
            found = [h for h in hits if h.score >= floor]
            if len(self._suggested) >= SUGGESTIONS_KEPT:
                self._suggested.clear()
            self._suggested[key] = found
        return list(found)

    def stamps(self) -> dict[str, str]:
        """code -> stamp of every course in the index."""
        with self._lock:
            searcher = self._searcher()
            return {str(f["code"]): str(f.get("stamp", "")) for f in searcher.all_stored_fields()}

    def close(self) -> None:
        with self._lock:
            if self._searcher_ is not None:
                self._searcher_.close()
                self._searcher_ = None
            if self._ix is not None:
                self._ix.close()
