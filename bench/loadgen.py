"""A small closed-loop HTTP/1.1 load generator, used by bench/pages.py when wrk is not installed.

    python bench/loadgen.py URL [-c 32] [-d 20] [--warmup 2] [--procs 1] [--header-file FILE]
                            [--path-file FILE]

Each of the C connections is kept alive and sends one GET, waits for the whole response, and
sends the next (like wrk, no pipelining). Requests started during the warm-up are not counted.
Latency is measured per request from the write to the last byte of the body, kept in a
histogram with about 0.1 % resolution. The output is one JSON object on stdout.

It is written on bare asyncio protocols (uvloop when installed) rather than httpx, so that a
single client process can drive well past 10,000 requests a second and is not the bottleneck.
With --procs N the connections are split over N processes and their histograms merged.
With --header-file FILE (one "Name: value" line each, e.g. a session cookie per signed-in
person) each request carries the next line in turn, so the server sees many readers, not one.
With --path-file FILE (one path with its query a line, e.g. /search?q=...) each request asks
for the next path in turn instead of the URL's; the two lists rotate independently.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)")


def bucket(micros: int) -> int:
    """Latency in µs rounded down to 10 significant bits (exact below 1,024 µs)."""
    if micros < 1024:
        return micros
    shift = micros.bit_length() - 10
    return (micros >> shift) << shift


@dataclass
class Run:
    """Shared state of one load run in one process."""

    host: str
    port: int
    requests_to_send: list[bytes]
    turn: int = 0
    measure_start: float = float("inf")
    measure_end: float = float("inf")
    stopping: bool = False
    histogram: Counter[int] = field(default_factory=Counter)
    requests: int = 0
    bytes_read: int = 0
    non2xx: int = 0
    errors: int = 0

    def next_request(self) -> bytes:
        self.turn = (self.turn + 1) % len(self.requests_to_send)
        return self.requests_to_send[self.turn]

    def record(self, started: float, finished: float, status: int, size: int) -> None:
        if started < self.measure_start or finished > self.measure_end:
            return
        self.requests += 1
        self.bytes_read += size
        if status >= 400:
            self.non2xx += 1
        self.histogram[bucket(int((finished - started) * 1_000_000))] += 1


class Connection(asyncio.Protocol):
    """One keep-alive connection sending GETs back to back."""

    def __init__(self, run: Run, loop: asyncio.AbstractEventLoop) -> None:
        self.run = run
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.expected = -1  # total bytes of the current response once its head is parsed
        self.status = 0
        self.started = 0.0
        self.closed = loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        if self.run.stopping:
            self.transport.close()
            return
        self.started = time.perf_counter()
        self.transport.write(self.run.next_request())

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        if self.expected < 0:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buffer[: end + 2]).lower()
            match = CONTENT_LENGTH.search(head)
            if match is None:  # chunked or close-delimited: not produced by the apps measured here
                self.run.errors += 1
                assert self.transport is not None
                self.transport.close()
                return
            self.status = int(head[9:12])
            self.expected = end + 4 + int(match.group(1))
        if len(buffer) < self.expected:
            return
        finished = time.perf_counter()
        self.run.record(self.started, finished, self.status, self.expected)
        del buffer[: self.expected]
        self.expected = -1
        self.send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)
        if not self.run.stopping:  # the server closed on us: count it and open another
            self.run.errors += 1
            self.loop.create_task(open_connection(self.run, self.loop))


async def open_connection(run: Run, loop: asyncio.AbstractEventLoop) -> Connection:
    _, protocol = await loop.create_connection(lambda: Connection(run, loop), run.host, run.port)
    return protocol


def build_requests(
    url: str, headers: list[str] | None = None, paths: list[str] | None = None
) -> tuple[str, int, list[bytes]]:
    """The GETs to send in turn: one plain GET of the URL, or one per header line and/or per
    path (request i has header i and path i, each list taken round; as many requests as it
    takes for the pairs to repeat)."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 80
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    targets = paths or [path]
    lines = [f"{line}\r\n" for line in headers or []] or [""]
    count = math.lcm(len(targets), len(lines))
    return (
        host,
        port,
        [
            f"GET {targets[i % len(targets)]} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"{lines[i % len(lines)]}\r\n".encode()
            for i in range(count)
        ],
    )


def read_lines(path: str | None) -> list[str]:
    if not path:
        return []
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip()]


def read_headers(path: str | None) -> list[str]:
    lines = read_lines(path)
    if any(":" not in line for line in lines):
        raise SystemExit(f"error: {path}: every line must be 'Name: value'")
    return lines


def read_paths(path: str | None) -> list[str]:
    lines = read_lines(path)
    if any(not line.startswith("/") or " " in line for line in lines):
        raise SystemExit(f"error: {path}: every line must be a path starting with / (no spaces)")
    return lines


async def drive(
    url: str,
    connections: int,
    duration: float,
    warmup: float,
    headers: list[str] | None = None,
    paths: list[str] | None = None,
) -> Run:
    loop = asyncio.get_running_loop()
    host, port, requests = build_requests(url, headers, paths)
    run = Run(host=host, port=port, requests_to_send=requests)
    clients = [await open_connection(run, loop) for _ in range(connections)]
    await asyncio.sleep(warmup)
    run.measure_start = time.perf_counter()
    await asyncio.sleep(duration)
    run.measure_end = time.perf_counter()
    run.stopping = True
    # Let the requests in flight finish (they are not counted), then close everything.
    await asyncio.wait([c.closed for c in clients], timeout=5)
    for client in clients:
        if client.transport is not None:
            client.transport.close()
    return run


def run_in_process(
    url: str,
    connections: int,
    duration: float,
    warmup: float,
    header_file: str | None = None,
    path_file: str | None = None,
) -> dict[str, Any]:
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:  # pragma: no cover - uvloop is in the venv
        runner = asyncio.run
    run = runner(
        drive(url, connections, duration, warmup, read_headers(header_file), read_paths(path_file))
    )
    return {
        "requests": run.requests,
        "duration": run.measure_end - run.measure_start,
        "bytes": run.bytes_read,
        "non2xx": run.non2xx,
        "errors": run.errors,
        "histogram": {str(k): v for k, v in run.histogram.items()},
    }


def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    histogram: Counter[int] = Counter()
    for part in parts:
        histogram.update({int(k): v for k, v in part["histogram"].items()})
    return {
        "requests": sum(p["requests"] for p in parts),
        "duration": max(p["duration"] for p in parts),
        "bytes": sum(p["bytes"] for p in parts),
        "non2xx": sum(p["non2xx"] for p in parts),
        "errors": sum(p["errors"] for p in parts),
        "histogram": histogram,
    }


def percentile(histogram: Counter[int], fraction: float) -> float:
    """The latency (ms) under which `fraction` of the requests finished."""
    total = sum(histogram.values())
    if total == 0:
        return float("nan")
    wanted = fraction * total
    seen = 0
    for micros in sorted(histogram):
        seen += histogram[micros]
        if seen >= wanted:
            return micros / 1000
    return max(histogram) / 1000


def summarise(merged: dict[str, Any]) -> dict[str, Any]:
    histogram: Counter[int] = merged["histogram"]
    total = merged["requests"]
    mean = sum(k * v for k, v in histogram.items()) / total / 1000 if total else float("nan")
    return {
        "requests": total,
        "duration_s": round(merged["duration"], 3),
        "rps": total / merged["duration"] if merged["duration"] > 0 else 0.0,
        "mean_ms": mean,
        "p50_ms": percentile(histogram, 0.50),
        "p95_ms": percentile(histogram, 0.95),
        "p99_ms": percentile(histogram, 0.99),
        "max_ms": max(histogram) / 1000 if histogram else float("nan"),
        "bytes": merged["bytes"],
        "non2xx": merged["non2xx"],
        "errors": merged["errors"],
    }


def run_load(
    url: str,
    connections: int,
    duration: float,
    warmup: float,
    procs: int = 1,
    header_file: str | None = None,
    path_file: str | None = None,
) -> dict[str, Any]:
    """Drives the URL and returns the summary; with procs > 1 the work is split over processes."""
    if procs <= 1:
        return summarise(
            merge([run_in_process(url, connections, duration, warmup, header_file, path_file)])
        )
    extra = ["--header-file", header_file] if header_file else []
    extra += ["--path-file", path_file] if path_file else []
    shares = [connections // procs + (1 if i < connections % procs else 0) for i in range(procs)]
    children = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                url,
                "-c",
                str(n),
                "-d",
                str(duration),
                "--warmup",
                str(warmup),
                "--raw",
                *extra,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in shares
        if n > 0
    ]
    parts = []
    for child in children:
        out, _ = child.communicate()
        if child.returncode != 0:
            raise RuntimeError(f"load generator process failed with exit code {child.returncode}")
        parts.append(json.loads(out))
    return summarise(merge(parts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url")
    parser.add_argument("-c", "--connections", type=int, default=32)
    parser.add_argument("-d", "--duration", type=float, default=20.0, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    parser.add_argument(
        "--procs", type=int, default=1, help="client processes sharing the connections"
    )
    parser.add_argument(
        "--header-file",
        help="file of 'Name: value' lines; each request sends the next one (rotating credentials)",
    )
    parser.add_argument(
        "--path-file",
        help="file of paths (with their query); each request asks for the next one (rotating queries)",
    )
    parser.add_argument(
        "--raw", action="store_true", help=argparse.SUPPRESS
    )  # worker mode: histogram out
    args = parser.parse_args(argv)
    if args.raw:
        figures = run_in_process(
            args.url, args.connections, args.duration, args.warmup, args.header_file, args.path_file
        )
    else:
        figures = run_load(
            args.url,
            args.connections,
            args.duration,
            args.warmup,
            args.procs,
            args.header_file,
            args.path_file,
        )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
