"""A one-line progress bar for the command line (reindex, import-courses)."""

from __future__ import annotations

import time
from typing import TextIO


def bar(out: TextIO, done: int, total: int, started: float, unit: str) -> None:
    """Redraws `[#####.....] done/total unit, rate/s` in place; started is a time.monotonic()."""
    rate = done / max(time.monotonic() - started, 1e-6)
    width = 30
    filled = int(width * done / total) if total else width
    out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {unit}, {rate:,.0f}/s")
    out.flush()
