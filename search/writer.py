"""The single index writer: drains the search outbox in batches, off the event loop.

Index work is written to the outbox in the same transaction as the change, so nothing is lost
if the process stops between commit and indexing: on start the writer simply catches up.
Outbox rows are deleted only after the index commit that covers them."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from whoosh.index import LockError

from forum.models import SearchOutbox
from search import documents
from search.port import SearchIndex

log = logging.getLogger("chaupal.search")


class OutboxWriter:
    def __init__(self, index: SearchIndex, *, batch: int = 500, poll: float = 0.25) -> None:
        self.index = index
        self.batch = batch
        self.poll = poll
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def drain_once(self) -> int:
        rows = (
            await SearchOutbox.all()
            .order_by("id")
            .limit(self.batch)
            .values_list("id", "kind", "object_id")
        )
        if not rows:
            return 0
        upserts, deletes = await documents.changes([(str(kind), int(oid)) for _, kind, oid in rows])
        await asyncio.to_thread(self.index.apply, upserts, deletes)
        await SearchOutbox.filter(id__in=[row[0] for row in rows]).delete()
        return len(rows)

    async def drain(self) -> int:
        """Everything queued so far (used on start, by tests and by reindex)."""
        total = 0
        while count := await self.drain_once():
            total += count
        return total

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                count = await self.drain_once()
                failures = 0
            except asyncio.CancelledError:
                raise
            except LockError:
                count = 0  # another worker process is writing; it will drain these rows
            except Exception:
                failures += 1
                log.exception("search indexing failed; retrying")
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(min(30.0, 0.5 * 2**failures)):
                        await self._wake.wait()
                continue
            if count == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll):  # not wait_for: see forum/live.py
                        await self._wake.wait()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="search-writer")

    async def stop(self) -> None:
        """Lets a batch in progress finish (its rows stay queued if it cannot), then stops."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        try:
            async with asyncio.timeout(10.0):
                await asyncio.shield(self._task)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None
        self._stopping = False
