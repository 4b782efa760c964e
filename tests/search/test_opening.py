"""Workers starting together open one search index: the first creates it, the others open it
(`serve --workers 2` on a new data directory made one worker fail to start)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from search.course_index import WhooshCourseIndex
from search.whoosh_index import WhooshIndex

ROUNDS, PROCESSES = 6, 4


def _open(kind: str, path: str, start: multiprocessing.synchronize.Barrier) -> None:
    start.wait()
    opened = WhooshIndex(Path(path)) if kind == "posts" else WhooshCourseIndex(Path(path))
    opened.close()


@pytest.mark.parametrize("kind", ["posts", "courses"])
def test_processes_opening_a_new_index_at_once_all_start(kind: str, tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    for round_no in range(ROUNDS):
        path = tmp_path / f"index-{round_no}"
        start = context.Barrier(PROCESSES)
        workers = [
            context.Process(target=_open, args=(kind, str(path), start)) for _ in range(PROCESSES)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert [worker.exitcode for worker in workers] == [0] * PROCESSES, round_no
        reopened = WhooshIndex(path) if kind == "posts" else WhooshCourseIndex(path)
        assert not getattr(reopened, "recreated", False)
        reopened.close()
