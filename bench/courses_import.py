"""How long importing a large course catalogue takes: `server.py import-courses` on 50,000
courses.

    .venv/bin/python bench/courses_import.py                  # 50,000 courses, CSV, SQLite
    .venv/bin/python bench/courses_import.py --courses 5000   # a quicker run
    .venv/bin/python bench/courses_import.py --format json
    CHAUPAL_DATABASE_URL=postgres://... .venv/bin/python bench/courses_import.py  # an EMPTY db

Steps:
 1. write a catalogue file (fixed seed): titles and descriptions drawn from a public-service
    vocabulary, 1-3 competencies each from a framework of 150 in three kinds and 15 themes, 40
    providers, four languages, durations from 30 minutes to 40 hours;
 2. import it through the command line's own path (forum/course_import.py: parse, check every
    row, upsert by code in batches) into a fresh database in a temporary data directory, then
    bring the course search index up to date, as the command does;
 3. import the same file again: nothing should change;
 4. print the conditions and the figures. The target is under a minute for the import of
    50,000 courses on a 2-CPU machine; other processes on the machine skew every figure, so the
    load average is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forum import course_import, db  # noqa: E402
from search.course_index import WhooshCourseIndex  # noqa: E402

WORDS = (
    "data analysis budget procurement audit leadership communication ethics grievance health "
    "transport forest revenue records file noting drafting citizen service delivery evidence "
    "evaluation monitoring dashboard visualisation statistics mapping climate disaster "
    "management negotiation conflict team project planning finance accounting tender contract "
    "law information public administration digital cyber security privacy district block "
    "village panchayat scheme welfare nutrition school teacher hospital vaccine water "
    "sanitation housing road bridge urban rural employment wages pension land survey court "
    "police prison tax customs excise railway power energy solar agriculture irrigation "
    "fisheries livestock cooperative bank credit insurance women children disability tribal"
).split()
KINDS = ("behavioural", "functional", "domain")
LANGUAGES = ("English", "Hindi", "Tamil", "Bengali")


def catalogue(count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    framework = [
        f"{KINDS[n % 3]}:Theme {n % 15}/{' '.join(rng.sample(WORDS, 2)).capitalize()} {n}"
        for n in range(150)
    ]
    providers = [f"{rng.choice(WORDS).capitalize()} Training Institute {n}" for n in range(40)]
    rows = []
    for n in range(count):
        minutes = rng.choice((30, 45, 60, 90, 120, 180, 240, 360, 480, 900, 2400))
        rows.append(
            {
                "code": f"C{n:06d}",
                "title": " ".join(rng.sample(WORDS, rng.randint(3, 8))).capitalize(),
                "provider": rng.choice(providers),
                "url": f"https://courses.chaupal.example/c{n:06d}",
                "description": " ".join(rng.choices(WORDS, k=rng.randint(40, 80))).capitalize()
                + ".",
                "duration": f"{minutes // 60}h {minutes % 60}m"
                if minutes % 60
                else f"{minutes // 60}h",
                "language": rng.choice(LANGUAGES),
                "competencies": rng.sample(framework, rng.randint(1, 3)),
            }
        )
    return rows


def as_file(rows: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "competencies": "; ".join(row["competencies"])})
    return out.getvalue()


async def run(text: str, fmt: str, data_dir: Path, database_url: str) -> dict[str, float]:
    figures: dict[str, float] = {}
    await db.open_database(database_url, migrate=True)
    index = WhooshCourseIndex(data_dir / "courses")
    try:
        marks: dict[str, float] = {}

        def rows_done(done: int, total: int) -> None:
            if done >= total:
                marks["rows"] = time.perf_counter()

        started = time.perf_counter()
        report = await course_import.import_text(
            None, text, fmt=fmt, index=index, progress=rows_done
        )
        ended = time.perf_counter()
        assert not report.errors, report.errors[:3]
        figures["created"] = report.created
        figures["import"] = marks["rows"] - started
        figures["index"] = ended - marks["rows"]
        started = time.perf_counter()
        again = await course_import.import_text(None, text, fmt=fmt, index=index)
        figures["again"] = time.perf_counter() - started
        figures["unchanged"] = again.unchanged
        figures["changed_again"] = again.created + again.updated
    finally:
        index.close()
        await db.close_database()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--courses", type=int, default=50_000)
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="chaupal-courses-bench-"))
    database_url = os.environ.get("CHAUPAL_DATABASE_URL") or f"sqlite://{work / 'bench.sqlite3'}"
    rows = catalogue(args.courses)
    text = as_file(rows, args.format)
    try:
        figures = asyncio.run(run(text, args.format, work, database_url))
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"conditions: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {load:.1f}, "
        f"{'PostgreSQL' if database_url.startswith('postgres') else 'SQLite'}, "
        f"{args.format.upper()} file of {len(text.encode()) / 1e6:.1f} MB"
    )
    total = figures["import"] + figures["index"]
    print(
        f"import of {int(figures['created']):,} courses: {figures['import']:.1f} s "
        f"({figures['created'] / max(figures['import'], 1e-9):,.0f} courses/s; parse, check, "
        f"upsert by code) {'(target: under 60 s)' if args.courses == 50_000 else ''}"
    )
    print(f"search index brought up to date: {figures['index']:.1f} s (total {total:.1f} s)")
    print(
        f"importing the same file again: {figures['again']:.1f} s, "
        f"{int(figures['unchanged']):,} unchanged, {int(figures['changed_again'])} changed"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
