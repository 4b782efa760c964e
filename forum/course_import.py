"""Importing a course catalogue from CSV or JSON: `python server.py import-courses FILE`, the
admin upload form and POST /api/v1/courses/import.

Rows are upserted by code in batches, each in its own transaction. A bad row is reported with
its line number and reason and skipped; the good rows load. A row whose content is unchanged
is not written at all, so importing the same file again changes nothing.

Formats:
- CSV with a header row: code, title, provider, url, description, duration (4h, 90 min, 1h 30m)
  or duration_minutes, language, competencies ("kind:Name" or "kind:Theme/Name", or the name
  of a competency already in the framework, separated by semicolons).
- JSON: an array of objects with the same fields (competencies as a list of strings or of
  {"name", "kind", "theme"}), or JSON Lines: one object per line."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from forum import courses, permissions
from forum.errors import BadRequest, Invalid
from forum.models import User
from search import catalogue
from search.port import CourseIndex

BATCH = 1000
FORMATS = ("csv", "json")
MAX_REASONS = 3

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowError:
    line: int
    code: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}{f' ({self.code})' if self.code else ''}: {self.reason}"


@dataclass
class Report:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    indexed: int = 0

    def summary(self) -> str:
        bad = len(self.errors)
        return (
            f"{self.rows} row{'s' if self.rows != 1 else ''}: {self.created} created, "
            f"{self.updated} updated, {self.unchanged} unchanged, "
            f"{bad} with problems{' (not loaded)' if bad else ''}."
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [{"line": e.line, "code": e.code, "reason": e.reason} for e in self.errors],
        }


# Reading files: (line, fields) for each row, or (line, error) for a row that cannot be read.

Row = tuple[int, dict[str, Any] | str]


def detect_format(data: str, filename: str = "") -> str:
    name = filename.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".json", ".jsonl", ".ndjson")):
        return "json"
    start = data.lstrip()[:1]
    return "json" if start in ("[", "{") else "csv"


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BadRequest(
            f"The file is not UTF-8 text (line {line}). Save it as UTF-8 and try again.",
            code="bad_file",
        ) from None


def read_rows(data: str, fmt: str) -> Iterator[Row]:
    if fmt == "csv":
        return _csv_rows(data)
    return _json_rows(data)


def _csv_rows(data: str) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(data, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        yield 1, f"the header row cannot be read: {exc}"
        return
    names = [h.strip().lower().replace(" ", "_") for h in header]
    if "code" not in names or "title" not in names:
        yield 1, "the header row must name at least the code and title columns"
        return
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, f"this row cannot be read as CSV: {exc}"
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue  # blank lines between rows
        if len(cells) > len(names):
            yield line, f"has {len(cells)} cells but the header names {len(names)} columns"
            continue
        yield line, {n: c for n, c in zip(names, cells, strict=False) if n}


def _json_rows(data: str) -> Iterator[Row]:
    decoder = json.JSONDecoder()
    at = _skip_space(data, 0)
    if at < len(data) and data[at] == "[":
        yield from _json_array(data, at + 1, decoder)
        return
    for number, text in enumerate(data.splitlines(), start=1):  # JSON Lines
        if not text.strip():
            continue
        try:
            item = json.loads(text)
        except ValueError as exc:
            yield number, f"not valid JSON: {_json_problem(exc)}"
            continue
        except RecursionError:
            raise _too_deep(number) from None
        yield number, item if isinstance(item, dict) else "each line must be one JSON object"


def _json_array(data: str, at: int, decoder: json.JSONDecoder) -> Iterator[Row]:
    line, seen = 1, 0
    while True:
        at = _skip_space(data, at)
        if at < len(data) and data[at] == "]":
            return
        line += data.count("\n", seen, at)
        seen = at
        try:
            item, end = decoder.raw_decode(data, at)
        except ValueError as exc:
            yield (
                line,
                f"not valid JSON, so the rest of the file was not read: {_json_problem(exc)}",
            )
            return
        except RecursionError:
            raise _too_deep(line) from None
        yield line, item if isinstance(item, dict) else "each item must be a JSON object"
        at = _skip_space(data, end)
        if at < len(data) and data[at] == ",":
            at += 1
        elif at >= len(data) or data[at] != "]":
            line += data.count("\n", seen, at)
            yield line, "expected a comma or the end of the list; the rest was not read"
            return


def _too_deep(line: int) -> BadRequest:
    return BadRequest(
        f"The JSON is nested far too deeply (line {line}): not a course catalogue.",
        code="bad_json",
    )


def _json_problem(exc: ValueError) -> str:
    return exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)


def _skip_space(data: str, at: int) -> int:
    while at < len(data) and data[at] in " \t\r\n":
        at += 1
    return at


# Importing


def _reason(exc: Invalid) -> str:
    if not exc.fields:
        return exc.message
    parts = [f"{name} {problem}" for name, problem in exc.fields.items()]
    return "; ".join(parts[:MAX_REASONS]) + ("; ..." if len(parts) > MAX_REASONS else "")


def _code_for_report(item: dict[str, Any]) -> str:
    code = item.get("code")
    return code.strip()[:40].upper() if isinstance(code, str) else ""


async def import_text(
    actor: User | None,
    data: str,
    *,
    fmt: str | None = None,
    filename: str = "",
    index: CourseIndex | None = None,
    progress: Progress | None = None,
    index_progress: Progress | None = None,
) -> Report:
    """Imports a catalogue file's text (admins; the command line passes no actor and is
    trusted). Returns what was created, updated, unchanged and every row's problem."""
    if actor is not None:
        permissions.require_manage_catalogue(actor)
    fmt = fmt or detect_format(data, filename)
    if fmt not in FORMATS:
        raise BadRequest("The format must be csv or json.", code="bad_format")
    report = Report()
    framework = await courses.Framework().load()
    rows = list(read_rows(data, fmt))
    first_line: dict[str, int] = {}
    batch: list[tuple[int, courses.CourseValues]] = []
    codes: list[str] = []
    done = 0

    async def flush() -> None:
        saved = await courses.save_batch(batch, framework)
        report.created += saved.created
        report.updated += saved.updated
        report.unchanged += saved.unchanged
        report.errors.extend(RowError(*e) for e in saved.errors)
        codes.extend(saved.codes)
        batch.clear()

    for line, item in rows:
        done += 1
        if isinstance(item, str):
            report.errors.append(RowError(line, "", item))
            continue
        report.rows += 1
        try:
            values = courses.clean(item)
        except Invalid as exc:
            report.errors.append(RowError(line, _code_for_report(item), _reason(exc)))
            continue
        if values.code in first_line:
            report.errors.append(
                RowError(
                    line,
                    values.code,
                    f"the code is already on line {first_line[values.code]}; that row counts",
                )
            )
            continue
        first_line[values.code] = line
        batch.append((line, values))
        if len(batch) >= BATCH:
            await flush()
            if progress is not None:
                progress(done, len(rows))
    if batch:
        await flush()
    if progress is not None:
        progress(len(rows), len(rows))
    report.errors.sort(key=lambda e: e.line)
    if index is not None and codes:
        await catalogue.sync_codes(index, codes, index_progress)
        report.indexed = len(codes)
    return report
