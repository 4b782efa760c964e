"""The Whoosh implementation of the search port (its layout on disk: search/whoosh_format.py).

One document per thread (its title, opening post and tags) and one per reply. Whoosh allows one
writer: `apply` serialises writers in this process and Whoosh's lock file serialises processes.
Searchers are opened once per worker thread and refreshed when the index has a newer
generation, never opened per request."""

from __future__ import annotations

import logging
import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from dataclasses import field as default
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from whoosh import index, sorting
from whoosh import query as wq
from whoosh.searching import Searcher

from search import query as qp
from search import snippets
from search.analysis import WORD, WordCount, index_term, normalise, text_analyzer
from search.fast_query import Evaluation, Unsupported, by_thread, one_each, segment_docs, top
from search.opening import one_at_a_time
from search.port import Filters, Hit, Match, Results
from search.whoosh_format import (
    MAX_DAY_NUMBER,
    VOCABULARY,
    Rebuild,
    add_documents,
    add_vocabulary,
    day_number,
    schema,
    segment_writer,
)

log = logging.getLogger("chaupal.search")

REFRESH_EVERY = 0.2  # seconds between checks for a newer index generation


MAX_OTHERS = 3  # other matching posts listed under a thread's best one


@dataclass
class _Found:
    """What a query matched, for one page: total, the ranked (document, score) pairs up to the
    page's end, and facet counts; grouped by thread, also every matching document (after the
    mask) with its score and how many each thread has."""

    total: int
    ranked: list[tuple[int, float]]
    facets: dict[str, dict[str, int]]
    docs: set[int] = default(default_factory=set)
    scores: dict[int, float] = default(default_factory=dict)
    matches: Counter[int] = default(default_factory=Counter)


class WhooshIndex:
    def __init__(self, path: Path) -> None:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)  # it holds private posts too
        wanted = schema()
        #: True when the index on disk was written for other fields and has been replaced by an
        #: empty one: the caller must queue everything for indexing again.
        self.recreated = False
        current = existed = False
        with one_at_a_time(path):
            try:
                if existed := index.exists_in(str(path)):  # which reads its table of contents
                    self._ix = index.open_dir(str(path))
                    current = set(self._ix.schema.names()) == set(wanted.names())
                    if not current:
                        self._ix.close()
            except Exception:  # unreadable, or its schema names classes an older release had
                existed = True
                log.warning(
                    "search index %s could not be opened; replacing it", path, exc_info=True
                )
            self.recreated = existed and not current
            if not current:
                self._ix = index.create_in(str(path), wanted)
        self.path = path
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._generation = 0
        self._searchers: list[Searcher] = []
        self._registry_lock = threading.Lock()
        # Per-segment values (see _per_segment), shared by every thread's searcher.
        self._segments: dict[tuple[str, int, str, str], Any] = {}
        self._segments_lock = threading.Lock()

    # Writing

    def apply(self, upserts: list[dict[str, Any]], deletes: list[tuple[str, str]]) -> None:
        """Deletes by (field, value), then adds or replaces documents. Words the index has
        not seen before go into a vocabulary document of their own."""
        if not upserts and not deletes:
            return
        with self._write_lock:
            seen = self._searcher().reader()
            words = WordCount()
            writer = segment_writer(self._ix, timeout=30.0)
            try:
                for fieldname, value in deletes:
                    writer.delete_by_term(fieldname, value)
                add_documents(writer.update_document, words, upserts)
                counts = words.counts()
                add_vocabulary(
                    writer, {w: n for w, n in counts.items() if ("vocab", w) not in seen}
                )
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            self._committed()

    def rebuild(self, procs: int = 1) -> Rebuild:
        """A writer that replaces the whole index when committed; see Rebuild."""
        return Rebuild(self._ix, procs, on_commit=self._committed)

    def _committed(self) -> None:
        self._generation += 1

    # Reading

    def _searcher(self) -> Searcher:
        """This thread's searcher, reopened when this process committed since it was opened,
        or (checked every REFRESH_EVERY seconds) when another process did."""
        local = self._local
        searcher: Searcher | None = getattr(local, "searcher", None)
        now = time.monotonic()
        stale = searcher is None or local.generation != self._generation
        if not stale and now - local.checked >= REFRESH_EVERY:
            local.checked = now
            stale = not searcher.up_to_date()  # type: ignore[union-attr]
        if stale:
            # A new searcher, not refresh(): refresh() in this Whoosh keeps readers of segments
            # whose deletions changed, and fails on a searcher opened on an empty index.
            generation = self._generation
            fresh = self._ix.searcher()
            with self._registry_lock:
                if searcher is not None:
                    self._searchers.remove(searcher)
                    searcher.close()
                self._searchers.append(fresh)
            local.searcher, local.checked, local.generation = fresh, now, generation
            searcher = fresh
        assert searcher is not None
        return searcher

    def _filter(self, filters: Filters) -> wq.Query | None:
        parts: list[wq.Query] = []
        if filters.communities is not None and filters.hidden is None:
            ids = [wq.Term("community_id", str(c)) for c in filters.communities]
            parts.append(wq.Or(ids) if ids else wq.NullQuery)
        if filters.community:
            parts.append(wq.Term("community", filters.community))
        if filters.tag:
            parts.append(wq.Term("tags", filters.tag.lower()))
        if filters.author:
            parts.append(wq.Term("author", filters.author.lower()))
        if filters.kind in ("thread", "post"):
            parts.append(wq.Term("kind", filters.kind))
        if filters.thread:
            parts.append(wq.Term("thread_id", str(filters.thread)))
        if filters.since or filters.until:
            parts.append(_days(filters.since, filters.until))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def _cache(self, searcher: Searcher) -> dict[Any, Any]:
        """Values derived from this thread's searcher, dropped when it is replaced."""
        local = self._local
        if getattr(local, "cache_searcher", None) is not searcher:
            local.cache, local.cache_searcher = {}, searcher
        cache: dict[Any, Any] = local.cache
        return cache

    def _mask(self, searcher: Searcher, filters: Filters) -> set[int] | None:
        """Documents of communities the reader may not see, cached per searcher."""
        if not filters.hidden:
            return None
        cache = self._cache(searcher)
        key = ("mask", filters.hidden)
        found: set[int] | None = cache.get(key)
        if found is None:
            parts = self._value_parts(searcher, "community_id")
            found = set().union(*(part.get(str(c), ()) for part in parts for c in filters.hidden))
            cache[key] = found  # Whoosh wants a set; never mutated
        return found or None

    def _lengths(self, searcher: Searcher, field: str) -> bytes:
        """The field's length byte of every document, in the searcher's numbering."""
        cache = self._cache(searcher)
        key = ("lengths", field)
        found: bytes | None = cache.get(key)
        if found is None:
            found = cache[key] = b"".join(
                self._per_segment(segment, 0, ("lengths", field), _length_bytes)
                for segment, _ in searcher.reader().leaf_readers()
            )
        return found

    def _value_parts(self, searcher: Searcher, field: str) -> list[dict[str, frozenset[int]]]:
        """For each segment: value -> its documents, in the searcher's numbering, for a field
        of few values (communities, tags). A segment's part is kept while the segment is in
        use, so a searcher opened after a write reads only the new segments. (Parts may hold
        deleted documents: harmless, as they only ever narrow down what a search found.)"""
        return [
            self._per_segment(segment, offset, ("values", field), _value_docs)
            for segment, offset in searcher.reader().leaf_readers()
        ]

    def _per_segment(
        self, segment: Any, offset: int, what: tuple[str, str], compute: Callable[..., Any]
    ) -> Any:
        """compute(segment, offset, field), kept for this segment at this offset: segments
        never change once written, but for deletions."""
        info = segment.segment()
        if info is None:  # an index with no segment yet reads as one empty reader
            return compute(segment, offset, what[1])
        key = (info.segment_id(), offset, *what)
        with self._segments_lock:
            found = self._segments.get(key)
        if found is None:
            found = compute(segment, offset, what[1])
            with self._segments_lock:
                if len(self._segments) > 512:  # drop what belongs to merged-away segments
                    self._segments.clear()
                self._segments[key] = found
        return found

    @staticmethod
    def _within(query: wq.Query, restriction: wq.Query | None) -> wq.Query:
        """The reader's permissions and filters become part of the query itself, so totals
        and facets count only what the reader may see. They add no score."""
        if restriction is None:
            return query
        return wq.And([query, wq.ConstantScoreQuery(restriction, 0.0)])

    def search(
        self,
        text: str,
        filters: Filters,
        *,
        page: int,
        per_page: int,
        facets: bool,
        group: str = "thread",
    ) -> Results:
        """A page of results. Grouped by thread (the default), each thread is listed once, by
        its best post, with how many of its posts matched; the total and the facets count
        threads. When no document has every word, the words are asked for again as
        alternatives, and the results say so (fallback "any")."""
        searcher = self._searcher()
        reader = searcher.reader()

        def expand(prefix: str) -> list[str]:
            """Whole words of the vocabulary that start with prefix."""
            found: list[str] = []
            for term in reader.expand_prefix("vocab", prefix):
                found.append(term.decode("utf-8") if isinstance(term, bytes) else term)
                if len(found) >= qp.MAX_EXPANSION:
                    break
            return found

        parsed = qp.parse(text, expand)
        narrowed = Filters(
            communities=filters.communities,
            hidden=filters.hidden,
            community=parsed.community or filters.community,
            tag=parsed.tag or filters.tag,
            author=parsed.author or filters.author,
            kind=filters.kind,
            thread=filters.thread,
            since=filters.since,
            until=filters.until,
        )
        restriction = self._filter(narrowed)
        if parsed.empty:
            # No words: list what the filters select, but only if the reader chose some.
            chosen = narrowed.community or narrowed.tag or narrowed.author or narrowed.thread
            if parsed.must_not or not chosen:
                return Results(total=0, hits=[])
        grouped = group != "post"
        query = self._within(qp.build(parsed) if not parsed.empty else wq.Every(), restriction)
        mask = self._mask(searcher, narrowed)
        found = self._found(searcher, query, mask, page * per_page, facets, grouped)
        every_word_total, fallback = found.total, None
        if not found.total and len(parsed.must) > 1:
            wider = self._within(qp.build(parsed, any_word=True), restriction)
            widened = self._found(searcher, wider, mask, page * per_page, facets, grouped)
            if widened.total:
                query, found, fallback = wider, widened, "any"
        terms = _highlight_terms(query)
        shown = found.ranked[(page - 1) * per_page :]
        hits = [self._hit(searcher.stored_fields(doc), score, terms) for doc, score in shown]
        if grouped:
            self._add_others(searcher, found, shown, hits)
        hits.sort(
            key=lambda h: (-round(h.score, 4), -(h.created_at.timestamp() if h.created_at else 0))
        )
        suggestion = None
        if every_word_total <= 2 and parsed.plain_words:
            suggestion = self._suggest(searcher, text, parsed.plain_words, restriction, mask)
        return Results(
            total=found.total,
            hits=hits,
            facets=found.facets,
            suggestion=suggestion,
            fallback=fallback,
        )

    def _found(
        self,
        searcher: Searcher,
        query: wq.Query,
        mask: set[int] | None,
        count: int,
        facets: bool,
        grouped: bool,
    ) -> _Found:
        """The matches of a query: by search/fast_query.py, or by Whoosh for a query that
        module does not handle; grouped by thread if asked."""
        if not grouped:
            try:
                return self._evaluate(searcher, query, mask, count, facets)
            except Unsupported:
                return self._whoosh(searcher, query, mask, count, facets)
        try:
            evaluation = Evaluation(searcher, lambda field: self._lengths(searcher, field))
            docs = evaluation.docs(query)
            if mask:
                docs -= mask
            scores = evaluation.scores(query, docs)
        except Unsupported:
            every = searcher.search(query, limit=None, mask=mask)
            scores = {doc: float(score or 0.0) for doc, score in every.items()}
            docs = set(scores)
        if len(scores) != len(docs):  # a document matched by filters alone scores nothing
            scores = {doc: scores.get(doc, 0.0) for doc in docs}
        thread_of = self._threads(searcher)
        ranked, matches = by_thread(scores, thread_of, count)
        return _Found(
            total=len(matches),
            ranked=ranked,
            facets=self._facets(searcher, one_each(docs, thread_of)) if facets else {},
            docs=docs,
            scores=scores,
            matches=matches,
        )

    def _evaluate(
        self, searcher: Searcher, query: wq.Query, mask: set[int] | None, count: int, facets: bool
    ) -> _Found:
        """The total, the best `count` (document, score) and the facet counts, by
        search/fast_query.py; raises Unsupported for a query it does not handle."""
        evaluation = Evaluation(searcher, lambda field: self._lengths(searcher, field))
        docs = evaluation.docs(query)
        if mask:
            docs -= mask
        ranked = top(evaluation.scores(query, docs), count)
        facet_counts = self._facets(searcher, docs) if facets else {}
        return _Found(total=len(docs), ranked=ranked, facets=facet_counts)

    def _facets(self, searcher: Searcher, docs: set[int]) -> dict[str, dict[str, int]]:
        """How many of docs each community and tag holds."""
        facet_counts: dict[str, dict[str, int]] = {}
        for name, field in (("community", "community"), ("tag", "tags")):
            counts: dict[str, int] = {}
            for part in self._value_parts(searcher, field):
                for value, members in part.items():
                    if n := len(members & docs):
                        counts[value] = counts.get(value, 0) + n
            facet_counts[name] = _top_facets(counts)
        return facet_counts

    def _whoosh(
        self, searcher: Searcher, query: wq.Query, mask: set[int] | None, count: int, facets: bool
    ) -> _Found:
        """The same as _evaluate, by Whoosh's own matchers: for any query."""
        grouped = None
        if facets:
            grouped = {
                "community": sorting.FieldFacet("community"),
                "tag": sorting.FieldFacet("tags", allow_overlap=True),
            }
        # The permission mask goes to Whoosh as a docset; terms=False keeps its totals exact
        # (with terms=True Whoosh counts matches before applying a mask or filter).
        results = searcher.search(
            query,
            limit=count,
            groupedby=grouped,
            maptype=sorting.Count if facets else None,
            mask=mask,
        )
        ranked = [(hit.docnum, float(hit.score or 0.0)) for hit in results]
        facet_counts = {}
        if facets:
            facet_counts = {
                name: _top_facets(results.groups(name)) for name in ("community", "tag")
            }
        return _Found(total=len(results), ranked=ranked, facets=facet_counts)

    def _threads(self, searcher: Searcher) -> Sequence[int]:
        """The thread id of every document, in the searcher's numbering (0 for vocabulary
        documents), kept per segment like the field lengths."""
        cache = self._cache(searcher)
        found: array[int] | None = cache.get("threads")
        if found is None:
            found = array("q")
            for segment, _ in searcher.reader().leaf_readers():
                found.extend(self._per_segment(segment, 0, ("threads", "thread_id"), _thread_of))
            cache["threads"] = found
        return found

    def _add_others(
        self,
        searcher: Searcher,
        found: _Found,
        shown: list[tuple[int, float]],
        hits: list[Hit],
    ) -> None:
        """Each listed thread's count of matching posts and its best few others, in the
        order they were written. One pass over the matches finds the listed threads' others
        (reading each thread's own posting list costs far more); only those few are read."""
        thread_of = self._threads(searcher)
        for hit in hits:
            hit.matches = found.matches[hit.thread_id]
        listed = {doc for doc, _ in shown}
        wanted = {hit.thread_id for hit in hits if hit.matches > 1}
        if not wanted:
            return
        mine: dict[int, dict[int, float]] = {}
        scores = found.scores
        for doc in [d for d in found.docs if thread_of[d] in wanted and d not in listed]:
            mine.setdefault(thread_of[doc], {})[doc] = scores[doc]
        for hit in hits:
            others = [
                searcher.stored_fields(d) for d, _ in top(mine.get(hit.thread_id, {}), MAX_OTHERS)
            ]
            others.sort(key=lambda f: (f.get("created") or datetime.min, int(f["post_id"])))
            hit.others = [
                Match(post_id=int(f["post_id"]), author=f["author"], created_at=f.get("created"))
                for f in others
            ]

    def _suggest(
        self,
        searcher: Searcher,
        text: str,
        plain: list[str],
        restriction: wq.Query | None,
        mask: set[int] | None,
    ) -> str | None:
        """The query with unknown words replaced by close words the reader can find."""
        corrector = searcher.corrector("vocab")  # ranks close words by how often they occur
        replacements: dict[str, str] = {}
        for word in plain:
            if len(word) < 3 or word in replacements:
                continue
            if self._findable(searcher, word, restriction, mask):
                continue
            maxdist = 2 if len(word) > 5 else 1
            for option in corrector.suggest(word, limit=5, maxdist=maxdist):
                if option != word and self._findable(searcher, option, restriction, mask):
                    replacements[word] = option
                    break
        if not replacements:
            return None
        return WORD.sub(lambda m: replacements.get(normalise(m.group(0)), m.group(0)), text)

    def _findable(
        self,
        searcher: Searcher,
        word: str,
        restriction: wq.Query | None,
        mask: set[int] | None,
    ) -> bool:
        """Whether a document the reader may see holds the word (the vocabulary keeps words
        of deleted posts and of every community)."""
        term = index_term(word)
        query = self._within(wq.Or([wq.Term("title", term), wq.Term("body", term)]), restriction)
        docs = Evaluation(searcher, _NO_LENGTHS).docs(query)
        return bool(docs - mask if mask else docs)

    def _hit(self, fields: dict[str, Any], score: float, terms: dict[str, frozenset[str]]) -> Hit:
        body = fields.get("body", "")
        title = fields.get("thread_title", "")
        snippet = snippets.snippet(body, terms.get("body", ())) or escape(body[:240], quote=False)
        title_terms = terms.get("title", ()) if fields["kind"] == "thread" else ()
        return Hit(
            thread_id=int(fields["thread_id"]),
            post_id=int(fields["post_id"]),
            kind=fields["kind"],
            title=title,
            community=fields["community"],
            author=fields["author"],
            snippet_html=snippet,
            title_html=snippets.marked(title, title_terms),
            score=score,
            created_at=fields.get("created"),
        )

    def similar(self, title: str, filters: Filters, limit: int) -> list[Hit]:
        """Threads whose titles share words with a title being written."""
        searcher = self._searcher()
        tokens = [t.text for t in text_analyzer()(title[: qp.MAX_LENGTH])][: qp.MAX_TERMS]
        if not tokens:
            return []
        query = wq.Or([wq.Term("title", t) for t in dict.fromkeys(tokens)])
        only_threads = Filters(
            communities=filters.communities, hidden=filters.hidden, kind="thread"
        )
        results = searcher.search(
            self._within(query, self._filter(only_threads)),
            limit=limit,
            mask=self._mask(searcher, only_threads),
        )
        terms = _highlight_terms(query)
        return [self._hit(h.fields(), float(h.score or 0.0), terms) for h in results]

    def stamps(self) -> dict[str, tuple[str, int]]:
        """doc_id -> (stamp, thread id) of every document, for check-index."""
        with self._ix.searcher() as searcher:
            return {
                f["doc_id"]: (f.get("stamp", ""), int(f["thread_id"]))
                for f in searcher.all_stored_fields()
                if f["kind"] != VOCABULARY
            }

    def doc_count(self) -> int:
        """Threads and replies in the index (vocabulary documents aside)."""
        with self._ix.searcher() as searcher:
            return int(searcher.doc_count() - searcher.doc_frequency("kind", VOCABULARY))

    def close(self) -> None:
        with self._registry_lock:
            for searcher in self._searchers:
                searcher.close()
            self._searchers.clear()
        self._ix.close()


def _length_bytes(segment: Any, offset: int, field: str) -> bytes:
    return bytes(segment._perdoc.length_bytes(field))


def _value_docs(segment: Any, offset: int, field: str) -> dict[str, frozenset[int]]:
    """value -> the documents of one segment holding it, numbered from offset."""
    return {
        text: frozenset(d + offset for d in segment_docs(segment, field, text))
        for text in (value.decode("utf-8") for value in segment.lexicon(field))
    }


def _thread_of(segment: Any, offset: int, field: str) -> array[int]:
    """The thread id of each document of one segment (deleted ones too), 0 for none."""
    found = array("q", bytes(8 * segment.doc_count_all()))
    for value in segment.lexicon(field):
        text = value.decode("utf-8")
        number = int(text)
        for doc in segment_docs(segment, field, text):
            found[doc] = number
    return found


def _NO_LENGTHS(field: str) -> bytes:
    """For evaluations that only find documents and never score them."""
    raise AssertionError("no scores here")


def _top_facets(counts: dict[Any, int]) -> dict[str, int]:
    """The 20 largest, biggest first; Whoosh counts documents without a value under None."""
    found = [(value, n) for value, n in counts.items() if value is not None]
    return dict(sorted(found, key=lambda kv: (-kv[1], kv[0]))[:20])


def _highlight_terms(query: wq.Query) -> dict[str, frozenset[str]]:
    """The words to mark in each field: every term and phrase word of the query."""
    found: dict[str, set[str]] = {}
    for field, text in query.iter_all_terms(phrases=True):
        word = text.decode("utf-8") if isinstance(text, bytes) else str(text)
        found.setdefault(field, set()).add(word)
    return {field: frozenset(words) for field, words in found.items()}


def _days(since: datetime | None, until: datetime | None) -> wq.Query:
    """Documents created within the days given, as the `day` field holds them: it cannot hold a
    number past its range, so a bound beyond it is no bound, and a range outside it is empty."""
    low = day_number(since) if since else 0
    high = day_number(until) if until else MAX_DAY_NUMBER
    if low > min(high, MAX_DAY_NUMBER) or high < 0:
        return wq.NullQuery
    return wq.NumericRange("day", max(low, 0), min(high, MAX_DAY_NUMBER))


def to_datetime(value: datetime | None) -> datetime | None:
    """Whoosh stores naive datetimes: index everything in UTC."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
