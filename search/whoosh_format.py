"""How Chaupal's Whoosh index is laid out and written: the schema, two field types, a codec,
and the writers that build segments, in this process or in several.

Whoosh indexes in pure Python, so its per-posting overheads decide the indexing rate. Each
class below removes one of them and says which. The index pickles its schema and each
segment's codec into itself: the classes named there (AnalysedText, VocabularyField, Codec)
must keep their names and this module, or an index written before a rename cannot be opened
(WhooshIndex then replaces it with an empty one and queues everything again).

The whole (unstemmed) words that prefix* expansion and "did you mean" need are kept apart from
the posts: vocabulary documents list each word once with how often it was seen. A batch adds
one only for words the index has not seen yet, so indexing a post costs no extra posting per
word. Vocabulary documents have no title or body, so no search returns them."""

from __future__ import annotations

import multiprocessing
import queue
import traceback
import uuid
from array import array
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import accumulate
from typing import Any

from whoosh import index
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3LeafMatcher,
    W3PerDocReader,
    W3PostingsWriter,
    _lenfield,
)
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, FieldType, Schema
from whoosh.formats import Frequency, Positions
from whoosh.matching import ListMatcher
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length
from whoosh.util.numlists import delta_encode
from whoosh.writing import PostingPool, SegmentWriter

from search.analysis import WordCount, plain_analyzer, positions, text_analyzer

VOCABULARY = "vocabulary"  # the kind of the documents that carry the `vocab` field
BATCH = 250  # documents sent to an indexing process at a time
SEGMENT_DOCS = 12_000  # documents per segment written by a rebuild


class AnalysedText(TEXT):
    """TEXT whose indexing goes through analysis.positions: the terms and positions its
    analyzer (text_analyzer) gives, without building a token object per word."""

    def index(self, value: str, **kwargs: Any) -> Any:
        encode = self.format.encode
        boost = self.format.field_boost
        for term, places in positions(value).items():
            count = len(places)
            value_bytes = _one_position(places[0]) if count == 1 else encode(places)
            yield term.encode("utf-8"), count, count * boost, value_bytes


@lru_cache(maxsize=4096)
def _one_position(position: int) -> bytes:
    """Most words occur once in a post: their encoded position list, made once."""
    return bytes(Positions().encode([position]))


class VocabularyField(FieldType):
    """Whole words with how often they were seen, given as a dict word -> count."""

    def __init__(self) -> None:
        super().__init__(format=Frequency(), analyzer=plain_analyzer())

    def index(self, value: dict[str, int], **kwargs: Any) -> Any:
        for word, count in value.items():
            yield word.encode("utf-8"), count, float(count), pack_uint(count)


class Codec(W3Codec):
    """Whoosh's codec, faster where indexing spends its time:
    - posting lists of fewer than INLINE documents (most words are rare) are kept inside the
      term table instead of as a pickled, compressed block of their own each (Whoosh has this
      feature, but a misspelt method name disables it);
    - a per-document reader (below) that answers field lengths from memory."""

    INLINE = 16

    def __init__(self) -> None:
        super().__init__(inlinelimit=self.INLINE)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        return _PostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def per_document_reader(self, storage: Any, segment: Any) -> Any:
        return _PerDocReader(storage, segment)

    def postings_reader(
        self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None, scorer: Any = None
    ) -> Any:
        if terminfo.is_inlined():
            ids, weights, values = terminfo.inlined_postings()
            return _ListMatcher(
                ids, weights, values, format_, scorer=scorer, term=term, terminfo=terminfo
            )
        offset, length = terminfo.extent()
        return _LeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


class _ListMatcher(ListMatcher):
    """An inlined posting list; arrays() as in _LeafMatcher."""

    def arrays(self, values: bool) -> tuple[Any, Any, Any]:
        weights = self._weights if self._weights is not None else [1.0] * len(self._ids)
        return self._ids, weights, self._values if values else None


class _LeafMatcher(W3LeafMatcher):
    """A posting list on disk, which can also be read whole (search/fast_query.py).

    Reads blocks as _PostingsWriter writes them: ids and weights as machine arrays, values as
    their lengths and one string; and blocks of Whoosh's own layout, as Whoosh does."""

    _ids: Any  # set by Whoosh's own methods (declared for the type checker)
    _weights: Any
    _values: Any

    def _read_ids(self) -> None:
        if self._data is None:
            self._read_data()
        raw = self._data[0]
        if isinstance(raw, bytes):
            self._ids = tuple(accumulate(array("I", raw)))  # stored as gaps
        else:
            super()._read_ids()

    def _read_weights(self) -> None:
        if self._data is None:
            self._read_data()
        raw = self._data[1]
        if isinstance(raw, bytes):
            self._weights = array("f", raw)
        else:
            super()._read_weights()

    def _read_values(self) -> None:
        if self._data is None:
            self._read_data()
        raw = self._data[2]
        if isinstance(raw, list):
            sizes, joined = array("I", raw[0]), raw[1]
            ends = accumulate(sizes)
            self._values = [joined[end - size : end] for end, size in zip(ends, sizes, strict=True)]
        else:
            super()._read_values()

    def arrays(self, values: bool) -> tuple[list[int], list[float], list[bytes] | None]:
        """All document numbers, weights and (if asked) encoded values, block by block."""
        ids: list[int] = []
        weights: list[float] = []
        encoded: list[bytes] | None = [] if values else None
        while self.is_active():
            self._read_ids()
            self._read_weights()
            ids.extend(self._ids)
            weights.extend(self._weights)
            if encoded is not None:
                self._read_values()
                encoded.extend(self._values)
            self._next_block()
        return ids, weights, encoded


class _PostingsWriter(W3PostingsWriter):
    # Set by Whoosh's own methods (declared here for the type checker).
    _maxweight: float
    _minlength: int | None
    _maxlength: int
    _terminfo: Any

    def add_posting(
        self, id_: Any, weight: float, vbytes: bytes, length: int | None = None
    ) -> None:
        # Whoosh's own checks the type of every argument of every posting; ours come from
        # Whoosh's own pool, already checked there.
        if len(self._ids) >= self._blocklimit:
            self._write_block()
        self._ids.append(id_)
        self._weights.append(weight)
        if weight > self._maxweight:
            self._maxweight = weight
        if vbytes:
            self._values.append(vbytes)
        if length:
            if self._minlength is None or length < self._minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length

    # A block is pickled, so each Python int and float in it costs an object to read back.
    # Ids (as gaps) and weights are written as machine arrays instead, and the positions of
    # each posting as their lengths and one joined string.

    def _mini_ids(self) -> Any:
        if self._byteids:
            return super()._mini_ids()
        return array("I", delta_encode(self._ids)).tobytes()

    def _mini_weights(self) -> Any:
        weights = super()._mini_weights()  # None when all 1.0, one float when all equal
        return array("f", weights).tobytes() if isinstance(weights, tuple) else weights

    def _mini_values(self) -> Any:
        size = self._format.fixed_value_size()
        if size is None or size < 0:
            values = self._values
            return [array("I", map(len, values)).tobytes(), b"".join(values)]
        return super()._mini_values()

    def finish_postings(self) -> Any:
        terminfo = self._terminfo
        if not self.written() and len(self._ids) < self._inlinelimit:
            terminfo.add_block(self)
            terminfo.set_inlined(self._ids, self._weights, self._values)
            self._terminfo = None
            return terminfo
        return super().finish_postings()


class _Pool(PostingPool):
    """Whoosh's pool of postings waiting to be sorted, without its type checks of every posting
    (our fields make bytes) and with a cheaper estimate of its memory."""

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        self.fieldnames.add(item[0])
        self.currentsize += 150 + 2 * len(item[1]) + len(item[4] or b"")
        if self.currentsize > self.limit:
            self.save()
        self.current.append(item)


class _PerDocReader(W3PerDocReader):
    """Reads each field's length column into memory once (a byte a document) instead of
    seeking in the file for every look-up, and remembers which fields have none (Whoosh
    asked the file system again each time)."""

    def __init__(self, storage: Any, segment: Any) -> None:
        super().__init__(storage, segment)
        self._lengths: dict[str, bytes | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        try:
            lengths = self._lengths[fieldname]
        except KeyError:
            reader = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            lengths = None
            if reader is not None:
                # A byte a document, read at once (Whoosh's load() unpacks them one by one);
                # documents past the written ones have the default, 0.
                written = reader._dbfile.get(reader._basepos, reader._count)
                lengths = bytes(written) + bytes(reader._doccount - reader._count)
            self._lengths[fieldname] = lengths
        if lengths is None:
            return default
        byte = lengths[docnum]
        return byte_to_length(byte) if byte else None

    def length_bytes(self, fieldname: str) -> Any:
        """The field's length byte of every document of the segment (zeros if it has none)."""
        if self._doccount:
            self.doc_field_length(0, fieldname)  # loads it
        return self._lengths.get(fieldname) or bytes(self._doccount)


CODEC = Codec()
EPOCH = datetime(1970, 1, 1)
DAY_BITS = 16
MAX_DAY_NUMBER = 2**DAY_BITS - 1
# The days the `day` field can hold, and so the only dates a search can be narrowed to.
FIRST_DAY = EPOCH.date()
LAST_DAY = FIRST_DAY + timedelta(days=MAX_DAY_NUMBER)


def day_number(value: datetime) -> int:
    """Days since 1970 of a naive UTC datetime: what the `day` field indexes."""
    return (value - EPOCH).days


def schema() -> Schema:
    analyzer = text_analyzer()
    return Schema(
        doc_id=ID(unique=True, stored=True),
        kind=ID(stored=True),
        thread_id=ID(stored=True),
        post_id=STORED(),
        community_id=ID(stored=True),
        community=ID(stored=True),
        title=AnalysedText(analyzer=analyzer, phrase=True, field_boost=1.0),
        body=AnalysedText(analyzer=analyzer, phrase=True, stored=True),
        vocab=VocabularyField(),
        thread_title=STORED(),
        tags=KEYWORD(commas=True, lowercase=True, stored=True),
        author=ID(stored=True),
        created=STORED(),
        # The day alone: two postings a document where a DATETIME field costs eight.
        day=NUMERIC(int, bits=DAY_BITS, signed=False, shift_step=8),
        stamp=STORED(),
    )


def _texts(doc: dict[str, Any]) -> list[str]:
    return [doc.get("title", ""), doc.get("body", "")]


def _vocabulary_doc(counts: dict[str, int]) -> dict[str, Any]:
    return {"doc_id": f"v:{uuid.uuid4().hex}", "kind": VOCABULARY, "vocab": counts}


def add_documents(writer: Any, words: WordCount, docs: Iterable[dict[str, Any]]) -> None:
    """Adds docs to writer (or updates them, if it is an update_document) and counts their
    words into words."""
    for doc in docs:
        writer(**doc)
        for text in _texts(doc):
            words.add(text)


def add_vocabulary(writer: SegmentWriter, counts: dict[str, int]) -> None:
    if counts:
        writer.add_document(**_vocabulary_doc(counts))


def segment_writer(ix: index.Index, **options: Any) -> SegmentWriter:
    """A Whoosh writer with this module's codec and pool (Whoosh ignores its poolclass
    argument, so the pool is swapped in before anything is added)."""
    writer = SegmentWriter(ix, codec=CODEC, **options)
    writer.pool = _Pool(writer._tempstorage, writer.newsegment, limitmb=options.get("limitmb", 128))
    return writer


class _Segments:
    """Builds new segments for a rebuild, starting another every SEGMENT_DOCS documents: then
    Whoosh's pool of postings stays in memory (about 200 MB at most), where a pool spilled to
    disk costs more to merge back than the indexing itself. The last segment also holds the
    vocabulary of all the documents."""

    def __init__(self, ix: index.Index) -> None:
        self._ix = ix
        self._writer: SegmentWriter | None = None
        self._count = 0
        self._words = WordCount()
        self.done: list[Any] = []

    def _current(self) -> SegmentWriter:
        if self._writer is None:
            # _lk=False: the Rebuild that asked for this holds the index's lock.
            self._writer = segment_writer(self._ix, _lk=False, limitmb=512)
            self._count = 0
        return self._writer

    def add(self, docs: list[dict[str, Any]]) -> None:
        add_documents(self._current().add_document, self._words, docs)
        self._count += len(docs)
        if self._count >= SEGMENT_DOCS:
            self._close()

    def _close(self) -> None:
        assert self._writer is not None
        self.done.append(self._writer._finalize_segment())
        self._writer = None

    def finish(self) -> list[Any]:
        add_vocabulary(self._current(), self._words.counts())
        if self._writer is not None and self._writer._added:
            self._close()
        elif self._writer is not None:
            self._writer._close_segment()
        return self.done

    def cancel(self) -> None:
        if self._writer is not None:
            self._writer.pool.cleanup()
            self._writer._close_segment()


class Rebuild:
    """Add every document, then commit() to replace the whole index, or cancel().

    With procs > 1, that many processes index in parallel into segments of their own and this
    process only hands them batches. Either way the index is replaced in one step at the end:
    until then searches see the old one."""

    def __init__(
        self, ix: index.Index, procs: int, on_commit: Callable[[], None] = lambda: None
    ) -> None:
        self._on_commit = on_commit
        # Writes the new table of contents at the end; holds the index's lock until then.
        self._main = segment_writer(ix, timeout=30.0)
        self._local = _Segments(ix) if procs == 1 else None
        self._batch: list[dict[str, Any]] = []
        self._workers: list[Any] = []
        if procs > 1:
            context = multiprocessing.get_context("spawn")  # never fork a process with threads
            self._jobs: Any = context.Queue(maxsize=2 * procs)
            self._results: Any = context.Queue()
            for _ in range(procs):
                worker = context.Process(
                    target=_index_batches,
                    args=(ix.storage.folder, self._jobs, self._results),
                    daemon=True,
                )
                worker.start()
                self._workers.append(worker)

    def add(self, docs: Iterable[dict[str, Any]]) -> None:
        if self._local is not None:
            self._local.add(list(docs))
            return
        self._batch.extend(docs)
        while len(self._batch) >= BATCH:
            self._send(self._batch[:BATCH])
            del self._batch[:BATCH]

    def commit(self) -> None:
        try:
            if self._local is not None:
                segments = self._local.finish()
            else:
                if self._batch:
                    self._send(self._batch)
                    self._batch = []
                for _ in self._workers:
                    self._send(None)
                segments = [segment for _ in self._workers for segment in self._result()]
                for worker in self._workers:
                    worker.join()
        except BaseException:
            self.cancel()
            raise
        main = self._main
        main._close_segment()  # its own segment stayed empty
        main._commit_toc(segments)  # also deletes the files of the segments it replaces
        main._finish()
        self._on_commit()

    def cancel(self) -> None:
        for worker in self._workers:
            worker.terminate()
            worker.join()
        if self._local is not None:
            self._local.cancel()
        self._main.cancel()

    def _send(self, docs: list[dict[str, Any]] | None) -> None:
        while True:
            try:
                self._jobs.put(docs, timeout=1.0)
                return
            except queue.Full:
                self._check_workers()

    def _result(self) -> list[Any]:
        while True:
            try:
                found = self._results.get(timeout=1.0)
            except queue.Empty:
                self._check_workers()
                continue
            if isinstance(found, str):
                raise RuntimeError("an indexing process failed:\n" + found)
            return list(found)

    def _check_workers(self) -> None:
        if any(not worker.is_alive() for worker in self._workers):
            try:
                report = self._results.get_nowait()
            except queue.Empty:
                report = "no report"
            raise RuntimeError(f"an indexing process stopped:\n{report}")


def _index_batches(folder: str, jobs: Any, results: Any) -> None:
    """An indexing process: indexes each batch from jobs until None, then reports the
    segments it wrote, or the error as text."""
    try:
        segments = _Segments(index.open_dir(folder))
        while (docs := jobs.get()) is not None:
            segments.add(docs)
        results.put(segments.finish())
    except BaseException:
        results.put(traceback.format_exc())
        raise
