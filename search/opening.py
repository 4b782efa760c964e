"""Opening a Whoosh index that several processes may open at once (the workers of
`serve --workers N` start together): they take turns, so the first creates a missing or
outdated index and the others open the one it made, instead of racing to write its table of
contents (which made a worker fail to start, or replace an index another had just made)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def one_at_a_time(path: Path) -> Iterator[None]:
    """Holds an exclusive lock on a file beside the index directory (the directory itself is
    Whoosh's) while the caller opens or creates the index."""
    lock = path.with_name(f".{path.name}.opening")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # which releases the lock
