"""Runs the queries search/query.py builds over whole posting lists.

Whoosh's matchers cost several Python calls for every matching document, in the score loop and
again to count the total: a word found in a fifth of 100,000 posts took 60-120 ms. Here each
term's posting list is read once into a dict {document: weight} (built in C), the documents a
query matches are found with set operations (also in C), and only then are they scored, with
the formula of Whoosh's default BM25F weighting, so the ranking is the one Whoosh gives.

Handles what query.build and WhooshIndex produce: Term, Phrase, And, Or, AndNot, NullQuery and
ConstantScoreQuery (the filters, whose documents Whoosh finds). Anything else raises
Unsupported and the caller lets Whoosh run the query."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from whoosh import query as wq
from whoosh.formats import Positions
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

B = 0.75  # Whoosh's BM25F defaults
K1 = 1.2
_POSITIONS = Positions()
LENGTH_OF_BYTE = [byte_to_length(b) for b in range(256)]


class Unsupported(Exception):
    """A query node this module does not evaluate."""


class Evaluation:
    """One query against one searcher."""

    def __init__(self, searcher: Searcher, lengths: Any) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.lengths = lengths  # field -> a length byte per document, in the searcher's numbering
        self._postings: dict[tuple[str, str], dict[int, float]] = {}
        self._values: dict[tuple[str, str], dict[int, bytes]] = {}
        self._phrases: dict[tuple[str, tuple[str, ...]], dict[int, int]] = {}

    # Posting lists

    def postings(self, field: str, text: str) -> dict[int, float]:
        """document -> weight (term frequency) for every live document holding the term."""
        found = self._postings.get((field, text))
        if found is None:
            found = self._read(field, text, with_values=False)
        return found

    def values(self, field: str, text: str) -> dict[int, bytes]:
        """document -> encoded positions of the term."""
        found = self._values.get((field, text))
        if found is None:
            self._read(field, text, with_values=True)
            found = self._values[field, text]
        return found

    def _read(self, field: str, text: str, *, with_values: bool) -> dict[int, float]:
        """Reads a posting list once (its positions too if asked) into the caches."""
        weights: dict[int, float] = {}
        values: dict[int, bytes] = {}
        for segment, offset in self.reader.leaf_readers():
            try:
                matcher = segment.postings(field, text)
            except TermNotFound:  # not in this segment
                continue
            deleted: frozenset[int] = frozenset()
            if isinstance(matcher, FilterMatcher):  # the segment has deleted documents
                deleted = segment.deleted_docs_set
                matcher = matcher.child
            ids, found_weights, found_values = matcher.arrays(with_values)
            if offset:
                ids = [i + offset for i in ids]
            live = range(len(ids))
            if deleted:
                gone = {d + offset for d in deleted}
                live = [n for n, i in enumerate(ids) if i not in gone]  # type: ignore[assignment]
                ids = [ids[n] for n in live]
                found_weights = [found_weights[n] for n in live]
                if found_values is not None:
                    found_values = [found_values[n] for n in live]
            weights.update(zip(ids, found_weights, strict=True))
            if found_values is not None:
                values.update(zip(ids, found_values, strict=True))
        self._postings[field, text] = weights
        if with_values:
            self._values[field, text] = values
        return weights

    # Matching documents

    def docs(self, node: wq.Query) -> set[int]:
        if isinstance(node, wq.Term):
            return set(self.postings(node.fieldname, node.text))
        if isinstance(node, wq.Phrase):
            return set(self._phrase(node))
        if isinstance(node, wq.And):
            parts = sorted((self.docs(child) for child in node.subqueries), key=len)
            return set.intersection(*parts) if parts else set()
        if isinstance(node, wq.Or):
            return set().union(*(self.docs(child) for child in node.subqueries))
        if isinstance(node, wq.AndNot):
            return self.docs(node.a) - self.docs(node.b)
        if node is wq.NullQuery or isinstance(node, wq.NullQuery.__class__):
            return set()
        if isinstance(node, wq.ConstantScoreQuery):
            try:
                return self.docs(node.child)
            except Unsupported:  # a date range, say: Whoosh finds those quickly
                return set(self.searcher.docs_for_query(node.child))
        raise Unsupported(type(node).__name__)

    def _phrase(self, node: wq.Phrase) -> dict[int, int]:
        """document -> how many times the words occur in this order, next to each other."""
        field, words = node.fieldname, list(node.words)
        if node.slop != 1 or not words:
            raise Unsupported("phrase with slop")
        key = (field, tuple(words))
        if key not in self._phrases:
            self._phrases[key] = self._find_phrase(field, words)
        return self._phrases[key]

    def _find_phrase(self, field: str, words: list[str]) -> dict[int, int]:
        encoded = [self.values(field, w) for w in words]
        candidates = set.intersection(*sorted((set(column) for column in encoded), key=len))
        found: dict[int, int] = {}
        for doc in candidates:
            starts = _positions(encoded[0][doc], 0)
            for shift, column in enumerate(encoded[1:], start=1):
                starts = starts & _positions(column[doc], shift)
                if not starts:
                    break
            if starts:
                found[doc] = len(starts)
        return found

    # Scores

    def scores(self, node: wq.Query, docs: set[int]) -> dict[int, float]:
        """The score of each of docs that node matches (Whoosh adds the scores of the parts
        that match, so do we)."""
        if isinstance(node, wq.Term):
            return self._term_scores(node.fieldname, node.text, node.boost, docs)
        if isinstance(node, wq.Phrase):
            matching = docs & set(self._phrase(node))
            total: dict[int, float] = dict.fromkeys(matching, 0.0)
            for word in node.words:
                for doc, score in self._term_scores(node.fieldname, word, 1.0, matching).items():
                    total[doc] += score
            return {doc: score * node.boost for doc, score in total.items()}
        if isinstance(node, (wq.And, wq.Or)):
            total = {}
            for child in node.subqueries:
                for doc, score in self.scores(child, docs).items():
                    total[doc] = total.get(doc, 0.0) + score
            return total
        if isinstance(node, wq.AndNot):
            return self.scores(node.a, docs)
        return {}  # NullQuery, filters: no score

    def _term_scores(self, field: str, text: str, boost: float, docs: set[int]) -> dict[int, float]:
        weights = self.postings(field, text)
        if not weights:
            return {}
        searcher = self.searcher
        idf = searcher.idf(field, text)
        average = searcher.avg_field_length(field) or 1
        lengths = self.lengths(field)  # a byte per document, as Whoosh stores field lengths
        # tf + K1 * (1 - B + B * length / average), for each of the 256 length bytes
        norm = [K1 * (1 - B + B * length / average) for length in LENGTH_OF_BYTE]
        numerator = idf * (K1 + 1) * boost
        held = docs.intersection(weights) if len(docs) > len(weights) else docs
        return {
            doc: numerator * tf / (tf + norm[lengths[doc]])
            for doc in held
            if (tf := weights.get(doc))
        }


@lru_cache(maxsize=100_000)
def _positions(encoded: bytes, shift: int) -> frozenset[int]:
    """The positions an encoded list holds, less shift. Most words occur once or twice in a
    post, so the same few hundred encodings recur: each is decoded once."""
    return frozenset(p - shift for p in _POSITIONS.decode_positions(encoded))


def segment_docs(segment: Any, field: str, text: str) -> list[int]:
    """The documents (numbered within the segment) holding a term, deleted ones included."""
    try:
        matcher = segment.postings(field, text)
    except TermNotFound:
        return []
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    ids: list[int] = matcher.arrays(False)[0]
    return ids


def by_thread(
    scores: dict[int, float], thread_of: Sequence[int], count: int
) -> tuple[list[tuple[int, float]], Counter[int]]:
    """Scored documents grouped by thread: the best document of each of the `count` best
    threads, in order (a thread ranks by its best document, as top() ranks documents), and
    thread -> how many of its documents are in scores.

    Counting is done in C; the ranking looks only at the best documents overall, as many as
    should hold `count` threads (twice the mean documents per thread each), more if not."""
    matches = Counter(map(thread_of.__getitem__, scores))
    wanted = min(count, len(matches))
    if not wanted:
        return [], matches
    everything = len(scores)
    looked = min(everything, max(count, 2 * count * everything // len(matches)))
    while True:
        best: list[tuple[int, float]] = []
        seen: set[int] = set()
        for doc, score in top(scores, looked):
            thread = thread_of[doc]
            if thread not in seen:
                seen.add(thread)
                best.append((doc, score))
                if len(best) == wanted:
                    return best, matches
        if looked >= everything:  # cannot happen: every thread has a document in scores
            return best, matches
        looked = min(everything, looked * 4)


def one_each(docs: Iterable[int], thread_of: Sequence[int]) -> set[int]:
    """One document of each thread docs hold (for counts that are the same for all of a
    thread's documents, such as its community and tags)."""
    listed = list(docs)
    return set(dict(zip(map(thread_of.__getitem__, listed), listed, strict=True)).values())


def top(scores: dict[int, float], count: int) -> list[tuple[int, float]]:
    """The count best documents, as Whoosh orders them: higher score, then lower number.

    The count-th best score is found among the bare scores (compared in C); only documents
    scoring at least that much, ties included, are then put in order."""
    if len(scores) > count:
        if count <= 0:
            return []
        cut = heapq.nlargest(count, scores.values())[-1]
        held = [(doc, score) for doc, score in scores.items() if score >= cut]
    else:
        held = list(scores.items())
    held.sort(key=_rank)
    return held[:count]


def _rank(item: tuple[int, float]) -> tuple[float, int]:
    return (-item[1], item[0])
