"""`reindex` and `check-index`: rebuild the index from the database, or compare the two and
repair the drift."""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from tortoise.functions import Max

from forum import permissions, progress
from forum.models import Post, SearchOutbox, Thread
from search import documents
from search.whoosh_index import WhooshIndex

BATCH = 200
log = logging.getLogger("chaupal.search")


async def _thread_batches(batch: int = BATCH) -> Any:
    last = 0
    while True:
        ids = (
            await Thread.filter(permissions.indexed_thread_q(), id__gt=last)
            .order_by("id")
            .limit(batch)
            .values_list("id", flat=True)
        )
        if not ids:
            return
        last = int(str(ids[-1]))
        upserts, _ = await documents.for_threads({int(str(i)) for i in ids})
        yield upserts


async def reindex(
    index: WhooshIndex, out: TextIO = sys.stderr, procs: int = 1
) -> tuple[int, float]:
    """Rebuilds the whole index with `procs` indexing processes; returns (documents, seconds)."""
    covered = (await SearchOutbox.annotate(top=Max("id")).values_list("top", flat=True))[0] or 0
    total = await Post.filter(permissions.indexed_posts_q()).count()
    started = time.monotonic()
    rebuild = index.rebuild(procs=procs)
    done = 0
    try:
        async for docs in _thread_batches():
            rebuild.add(docs)
            done += len(docs)
            progress.bar(out, done, total, started, "documents")
    except BaseException:
        rebuild.cancel()
        raise
    rebuild.commit()
    out.write("\n")
    # Everything queued before the rebuild began is in the new index.
    await SearchOutbox.filter(id__lte=covered).delete()
    return done, time.monotonic() - started


async def open_index(path: Path) -> WhooshIndex:
    """The index at path. One written for other fields (an older release) is replaced by an
    empty index and every published thread is queued for the outbox writer to index again;
    search fills up again while the forum runs."""
    index = WhooshIndex(path)
    if index.recreated:
        ids = await Thread.filter(permissions.indexed_thread_q()).values_list("id", flat=True)
        await SearchOutbox.bulk_create(
            [SearchOutbox(kind="thread", object_id=int(str(i))) for i in ids], batch_size=1000
        )
        log.warning("search index %s had other fields: re-indexing %d threads", path, len(ids))
    return index


@dataclass
class Drift:
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.extra)


async def expected_stamps() -> tuple[dict[str, str], dict[str, int]]:
    """doc_id -> stamp for everything that should be indexed, and doc_id -> thread id."""
    stamps: dict[str, str] = {}
    owners: dict[str, int] = {}
    async for docs in _thread_batches():
        for doc in docs:
            stamps[doc["doc_id"]] = doc["stamp"]
            owners[doc["doc_id"]] = int(doc["thread_id"])
    return stamps, owners


async def queued_threads() -> set[int]:
    """Threads with changes still waiting in the outbox: not drift, the writer will index them."""
    rows = await SearchOutbox.all().values_list("kind", "object_id")
    queued = {int(str(oid)) for kind, oid in rows if kind == "thread"}
    post_ids = [oid for kind, oid in rows if kind == "post"]
    if post_ids:
        found = await Post.filter(id__in=post_ids).values_list("thread_id", flat=True)
        queued.update(int(str(t)) for t in found)
    return queued


async def check(index: WhooshIndex, *, repair: bool) -> Drift:
    expected, owners = await expected_stamps()
    queued = await queued_threads()
    expected = {d: s for d, s in expected.items() if owners[d] not in queued}
    actual = {d: s for d, (s, thread) in index.stamps().items() if thread not in queued}
    drift = Drift(
        missing=sorted(set(expected) - set(actual)),
        stale=sorted(d for d in set(expected) & set(actual) if expected[d] != actual[d]),
        extra=sorted(set(actual) - set(expected)),
    )
    if repair and not drift.clean:
        threads = {owners[d] for d in drift.missing + drift.stale}
        await SearchOutbox.bulk_create(
            [SearchOutbox(kind="thread", object_id=t) for t in sorted(threads)]
        )
        index.apply([], [("doc_id", d) for d in drift.extra])
    return drift
