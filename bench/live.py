"""Live-update fan-out benchmark: N websocket readers of one thread, M replies posted.

    .venv/bin/python bench/live.py --quick          # 100 clients, 50 replies
    .venv/bin/python bench/live.py                  # 1,000 clients, 50 replies

Steps: (1) start the real server (one process, temp data dir, rate limits off) and create an
admin, a public community, a member and a thread through the JSON API; (2) open N anonymous
websocket clients subscribed to the thread, spread over worker processes; (3) post M replies one
at a time and time each post.created delivery against the API acknowledgement; (4) read the
server's VmRSS before and with the clients; (5) repeat the same fan-out against a bare
`websockets.broadcast` server as the reference; (6) print conditions, figures and the target.
All processes stamp times with time.time() (one machine, one clock).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TARGET_P95_MS = 100.0
TARGET_CLIENTS = 1_000
CONNECT_CONCURRENCY = 50
ADMIN_PASSWORD = "bench-admin-pass-1"
MEMBER_PASSWORD = "bench-member-pass-1"


@dataclass
class Options:
    clients: int
    replies: int
    pause: float
    workers: int
    grace: float
    keep: bool


def parse_options(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", type=int, default=1_000)
    parser.add_argument("--replies", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="100 clients")
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between replies")
    parser.add_argument("--workers", type=int, default=2, help="client processes")
    parser.add_argument("--grace", type=float, default=10.0, help="seconds to wait for stragglers")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server log)")
    args = parser.parse_args(argv)
    clients = 100 if args.quick else args.clients
    return Options(clients, args.replies, args.pause, args.workers, args.grace, args.keep)


# Processes


@dataclass
class Server:
    name: str
    popen: subprocess.Popen[bytes]
    port: int
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(name: str, argv: list[str], env: dict[str, str], port: int, log: Path) -> Server:
    handle = log.open("wb")
    popen = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    server = Server(name, popen, port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            raise SystemExit(f"error: {name} exited {popen.returncode}:\n{tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return server
        time.sleep(0.2)
    stop(server)
    raise SystemExit(f"error: {name} did not listen in 60 s:\n{tail(log)}")


def stop(server: Server) -> None:
    if server.popen.poll() is None:
        server.popen.terminate()
        try:
            server.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.popen.kill()
            server.popen.wait()


def tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def raise_nofile(needed: int) -> str:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        new = min(needed, hard) if hard != resource.RLIM_INFINITY else needed
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft = new
    return f"RLIMIT_NOFILE {soft} (hard {hard})"


# Step 1: the real server and its data


@dataclass
class Forum:
    server: Server
    member_token: str
    thread_id: int


def start_chaupal(data_dir: Path) -> Server:
    env = dict(os.environ)
    env.update(
        CHAUPAL_DATA_DIR=str(data_dir),
        CHAUPAL_SECRET_KEY=secrets.token_urlsafe(48),
        CHAUPAL_RATE_LIMITS="false",
        CHAUPAL_ADMIN_PASSWORD=ADMIN_PASSWORD,
    )
    subprocess.run(
        [sys.executable, "server.py", "create-admin", "benchadmin", "--email", "a@bench.test"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    argv = [sys.executable, "server.py", "serve", "--port", str(port), "--log-level", "warning"]
    server = start("chaupal", argv, env, port, data_dir / "server.log")
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
        for _ in range(100):
            with contextlib.suppress(httpx.HTTPError):
                if http.get("/healthz").status_code == 200:
                    break
            time.sleep(0.2)
    return server


def api(http: httpx.Client, method: str, path: str, token: str | None, **body: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = http.request(method, path, json=body or None, headers=headers)
    if response.status_code >= 300:
        raise SystemExit(f"error: {method} {path} -> {response.status_code} {response.text[:300]}")
    return response.json()


def set_up_forum(server: Server) -> Forum:
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as http:
        pw = ADMIN_PASSWORD
        admin = api(http, "POST", "/api/v1/auth/token", None, username="benchadmin", password=pw)
        api(
            http,
            "POST",
            "/api/v1/communities",
            admin["token"],
            slug="live-bench",
            name="Live bench",
            description="Fan-out benchmark",
            kind="topic",
            visibility="public",
        )
        user = {"username": "benchmember", "password": MEMBER_PASSWORD}
        api(http, "POST", "/api/v1/auth/register", None, email="m@bench.test", **user)
        token = api(http, "POST", "/api/v1/auth/token", None, **user)["token"]
        api(http, "POST", "/api/v1/communities/live-bench/join", token)
        thread = api(
            http,
            "POST",
            "/api/v1/communities/live-bench/threads",
            token,
            title="Live fan-out benchmark thread",
            body="Readers of this thread receive every reply as it is posted.",
        )
        if thread.get("status") != "published":
            raise SystemExit(f"error: the bench thread is {thread.get('status')}, not published")
    return Forum(server, token, int(thread["id"]))


# Step 2: client processes (each one asyncio loop; results go back over a pipe)


@dataclass
class ClientStats:
    receipts: list[tuple[int, float]] = field(default_factory=list)  # (message key, time.time())
    closes: list[str] = field(default_factory=list)  # why the server closed us, if it did
    presence: int = 0
    reconnects: int = 0
    failed: bool = False


async def one_client(url: str, topic: str, expected: int, ready: asyncio.Event) -> ClientStats:
    """Subscribes, then records each post.created until `expected`; reconnects with `since`."""
    stats = ClientStats()
    last_id: int | None = None
    subscribed = False
    for attempt in range(5):
        try:
            async with connect(url, max_queue=None, open_timeout=60, ping_interval=None) as ws:
                request: dict[str, Any] = {"subscribe": topic}
                if last_id is not None:
                    request["since"] = last_id
                await ws.send(json.dumps(request))
                async for raw in ws:
                    now = time.time()
                    if '"post.created"' in raw:
                        message = json.loads(raw)
                        last_id = message["id"]
                        stats.receipts.append((int(message["data"]["id"]), now))
                        if len(stats.receipts) >= expected:
                            return stats
                    elif '"presence"' in raw:
                        stats.presence += 1
                    elif '"subscribed"' in raw:
                        last_id = last_id or json.loads(raw).get("last_id")
                        if not subscribed:
                            subscribed = True
                            ready.set()
        except ConnectionClosed as exc:
            stats.closes.append(f"{exc.rcvd.code if exc.rcvd else 'none'}")
        except OSError as exc:
            stats.closes.append(type(exc).__name__)
        if attempt < 4:
            stats.reconnects += 1
            await asyncio.sleep(0.1)
    stats.failed = True
    ready.set()
    return stats


async def client_main(pipe: Pipe, url: str, topic: str, count: int, expected: int) -> None:
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    readies = [asyncio.Event() for _ in range(count)]

    async def gated(ready: asyncio.Event) -> ClientStats:
        async with gate:
            task = asyncio.ensure_future(one_client(url, topic, expected, ready))
            await ready.wait()  # hold the gate until subscribed, then let the next connect
        return await task

    tasks = [asyncio.create_task(gated(r)) for r in readies]
    await asyncio.gather(*(r.wait() for r in readies))
    pipe.send(("ready", count))
    await loop.run_in_executor(None, pipe.recv)  # "collect", sent once the replies are posted
    grace = await loop.run_in_executor(None, pipe.recv)
    done, pending = await asyncio.wait(tasks, timeout=grace)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    results: list[dict[str, Any]] = []
    for task in tasks:
        if task in done and task.exception() is None:
            s = task.result()
            results.append(
                {
                    "receipts": s.receipts,
                    "closes": s.closes,
                    "presence": s.presence,
                    "reconnects": s.reconnects,
                    "failed": s.failed,
                    "finished": len(s.receipts) >= expected,
                }
            )
        else:
            results.append({"unfinished": True})
    pipe.send(("results", results))


def client_process(pipe: Pipe, url: str, topic: str, count: int, expected: int) -> None:
    raise_nofile(count + 256)
    asyncio.run(client_main(pipe, url, topic, count, expected))


@dataclass
class Clients:
    processes: list[multiprocessing.Process]
    pipes: list[Pipe]
    connect_seconds: float


def open_clients(url: str, topic: str, options: Options) -> Clients:
    context = multiprocessing.get_context("fork")
    workers = max(1, min(options.workers, options.clients))
    shares = [options.clients // workers + (i < options.clients % workers) for i in range(workers)]
    began = time.monotonic()
    processes, pipes = [], []
    for share in shares:
        ours, theirs = context.Pipe()
        process = context.Process(
            target=client_process, args=(theirs, url, topic, share, options.replies), daemon=True
        )
        process.start()
        processes.append(process)
        pipes.append(ours)
    for pipe in pipes:
        if not pipe.poll(300):
            raise SystemExit("error: clients did not connect within 300 s")
        pipe.recv()
    return Clients(processes, pipes, time.monotonic() - began)


def collect(clients: Clients, grace: float) -> list[dict[str, Any]]:
    for pipe in clients.pipes:
        pipe.send("collect")
        pipe.send(grace)
    results: list[dict[str, Any]] = []
    for pipe, process in zip(clients.pipes, clients.processes, strict=True):
        kind, part = pipe.recv()
        assert kind == "results"
        results += part
        process.join(timeout=30)
    return results


# Step 3: post the replies (or publish to the reference) and compute latencies


@dataclass
class Sent:
    key: int  # post id (Chaupal) or message number (reference)
    started: float
    acked: float


def post_replies(forum: Forum, options: Options) -> list[Sent]:
    sent: list[Sent] = []
    base = f"http://127.0.0.1:{forum.server.port}"
    with httpx.Client(base_url=base, timeout=30) as http:
        path = f"/api/v1/threads/{forum.thread_id}/posts"
        for n in range(options.replies):
            started = time.time()
            post = api(http, "POST", path, forum.member_token, body=f"Reply {n + 1} to the bench.")
            sent.append(Sent(int(post["id"]), started, time.time()))
            time.sleep(options.pause)
    return sent


@dataclass
class Latency:
    deliveries: int
    expected: int
    p50: float
    p95: float
    p99: float
    max: float
    p50_start: float
    p95_start: float
    p99_start: float
    dropped: int  # clients closed by the server at least once
    failed: int  # clients that never got (back) in
    unfinished: int  # clients still missing events at the end
    reconnects: int
    close_codes: dict[str, int]
    presence: int


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def latencies(results: list[dict[str, Any]], sent: list[Sent], clients: int) -> Latency:
    by_key = {s.key: s for s in sent}
    acked: list[float] = []
    started: list[float] = []
    codes: dict[str, int] = {}
    for r in results:
        for key, received in r.get("receipts", []):
            if key in by_key:
                acked.append((received - by_key[key].acked) * 1000)
                started.append((received - by_key[key].started) * 1000)
        for code in r.get("closes", []):
            codes[code] = codes.get(code, 0) + 1

    def p(q: float, values: list[float] = acked) -> float:
        return percentile(values, q)

    return Latency(
        deliveries=len(acked),
        expected=clients * len(sent),
        p50=p(50),
        p95=p(95),
        p99=p(99),
        max=max(acked, default=float("nan")),
        p50_start=p(50, started),
        p95_start=p(95, started),
        p99_start=p(99, started),
        dropped=sum(1 for r in results if r.get("closes")),
        failed=sum(1 for r in results if r.get("failed")),
        unfinished=sum(1 for r in results if not r.get("finished")),
        reconnects=sum(r.get("reconnects", 0) for r in results),
        close_codes=codes,
        presence=sum(r.get("presence", 0) for r in results),
    )


@dataclass
class Run:
    label: str
    latency: Latency
    rss_before: float
    rss_connected: float
    connect_seconds: float
    log_problems: list[str] = field(default_factory=list)


def measure_chaupal(work_dir: Path, options: Options) -> Run:
    data_dir = work_dir / "data"
    data_dir.mkdir()
    server = start_chaupal(data_dir)
    try:
        forum = set_up_forum(server)
        print(f"chaupal: port {server.port}, thread {forum.thread_id}", flush=True)
        rss_before = rss_mib(server.popen.pid)
        url = f"ws://127.0.0.1:{server.port}/ws"
        clients = open_clients(url, f"thread:{forum.thread_id}", options)
        print(f"chaupal: {options.clients} clients in {clients.connect_seconds:.1f} s", flush=True)
        time.sleep(1.0)  # let the presence messages of the last subscriptions drain
        rss_connected = rss_mib(server.popen.pid)
        sent = post_replies(forum, options)
        results = collect(clients, options.grace)
        problems = [
            line
            for line in server.log.read_text(errors="replace").splitlines()
            if any(w in line for w in ("ERROR", "Traceback", "WARNING", "Exception"))
        ]
        return Run(
            "Chaupal",
            latencies(results, sent, options.clients),
            rss_before,
            rss_connected,
            clients.connect_seconds,
            problems,
        )
    finally:
        stop(server)


# Step 5: the reference: a bare websockets broadcast server


def reference_server(port: int) -> None:
    """Clients subscribe like Chaupal's; a connection to /pub relays each message to them all."""
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    readers: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        if ws.request is not None and ws.request.path == "/pub":
            async for message in ws:
                broadcast(readers, message)
            return
        async for raw in ws:
            topic = json.loads(raw).get("subscribe")
            readers.add(ws)
            await ws.send(json.dumps({"type": "subscribed", "topic": topic, "last_id": 0}))
        readers.discard(ws)

    async def main() -> None:
        # compression=None, as Chaupal serves its websockets (server.py WEBSOCKETS).
        async with serve(
            handler, "127.0.0.1", port, max_queue=None, ping_interval=None, compression=None
        ):
            await asyncio.Future()

    raise_nofile(100_000)
    asyncio.run(main())


async def publish(port: int, options: Options) -> list[Sent]:
    sent: list[Sent] = []
    async with connect(f"ws://127.0.0.1:{port}/pub") as pub:
        for n in range(options.replies):
            key = n + 1
            message = {"id": key, "type": "post.created", "topic": "thread:1", "data": {"id": key}}
            payload = json.dumps(message | {"body": f"Reply {key} to the bench."})
            started = time.time()
            await pub.send(payload)
            sent.append(Sent(key, started, started))
            await asyncio.sleep(options.pause)
    return sent


def measure_reference(work_dir: Path, options: Options) -> Run:
    port = free_port()
    argv = [sys.executable, str(Path(__file__).resolve()), "--reference-server", str(port)]
    server = start("reference", argv, dict(os.environ), port, work_dir / "reference.log")
    try:
        time.sleep(0.5)
        rss_before = rss_mib(server.popen.pid)
        clients = open_clients(f"ws://127.0.0.1:{port}/ws", "thread:1", options)
        print(
            f"reference: {options.clients} clients in {clients.connect_seconds:.1f} s", flush=True
        )
        time.sleep(1.0)
        rss_connected = rss_mib(server.popen.pid)
        sent = asyncio.run(publish(port, options))
        results = collect(clients, options.grace)
        return Run(
            "reference",
            latencies(results, sent, options.clients),
            rss_before,
            rss_connected,
            clients.connect_seconds,
        )
    finally:
        stop(server)


# Step 6: the report


def conditions(options: Options, load_before: tuple[float, float, float], nofile: str) -> list[str]:
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count() or 0
    after = os.getloadavg()
    busy = load_before[0] > 0.5 * (os.cpu_count() or 1)
    warning = "  WARNING: the machine was busy; latencies are high" if busy else ""
    return [
        f"CPUs           {os.cpu_count()} (usable: {affinity})",
        f"Python         {platform.python_version()}, websockets {websockets.__version__}",
        f"Clients (N)    {options.clients:,} anonymous, over {options.workers} client processes",
        f"Replies (M)    {options.replies}, {options.pause * 1000:.0f} ms apart, one at a time",
        f"Load average   1-min {load_before[0]:.2f} before, {after[0]:.2f} after{warning}",
        f"Limits         {nofile}",
    ]


def format_run(run: Run, clients: int) -> list[str]:
    lat = run.latency
    missing = lat.expected - lat.deliveries
    per_conn = (run.rss_connected - run.rss_before) * 1024 / max(1, clients)
    codes = ", ".join(f"{c}x{n}" for c, n in sorted(lat.close_codes.items())) or "none"
    return [
        f"{run.label}",
        f"  deliveries         {lat.deliveries:,} of {lat.expected:,} (missing {missing:,})",
        f"  latency after ack  p50 {lat.p50:.1f} ms  p95 {lat.p95:.1f} ms  "
        f"p99 {lat.p99:.1f} ms  max {lat.max:.1f} ms",
        f"  after req. start   p50 {lat.p50_start:.1f} ms  p95 {lat.p95_start:.1f} ms  "
        f"p99 {lat.p99_start:.1f} ms",
        f"  clients            {clients:,} connected+subscribed in {run.connect_seconds:.1f} s; "
        f"closed by server: {lat.dropped} (codes {codes}); reconnects {lat.reconnects}; "
        f"never back {lat.failed}; incomplete {lat.unfinished}",
        f"  presence messages  {lat.presence:,} received by clients",
        f"  server VmRSS       {run.rss_before:.1f} MiB before, {run.rss_connected:.1f} MiB "
        f"with clients: {per_conn:.1f} KiB per connection",
    ]


def report(
    chaupal: Run, reference: Run, options: Options, load: tuple[float, float, float], nofile: str
) -> str:
    out = ["", "Chaupal live fan-out benchmark", "=" * 30, "", "Conditions"]
    out += ["  " + line for line in conditions(options, load, nofile)]
    out += [""] + format_run(chaupal, options.clients)
    out += [""] + format_run(reference, options.clients)
    out += ["", "Chaupal / reference (latency after ack; reference = after publish send)"]
    for q in ("p50", "p95", "p99"):
        a, b = getattr(chaupal.latency, q), getattr(reference.latency, q)
        out.append(f"  {q}  {a / b if b else float('nan'):.1f}x  ({a:.1f} vs {b:.1f} ms)")
    ok = chaupal.latency.p95 < TARGET_P95_MS and chaupal.latency.deliveries == (
        chaupal.latency.expected
    )
    note = "" if options.clients >= TARGET_CLIENTS else f"  (only {options.clients} clients)"
    out += [
        "",
        "Target",
        f"  {'PASS' if ok else 'FAIL'}  p95 < {TARGET_P95_MS:.0f} ms at {TARGET_CLIENTS:,} "
        f"clients, none missing: p95 {chaupal.latency.p95:.1f} ms, "
        f"{chaupal.latency.expected - chaupal.latency.deliveries} missing{note}",
    ]
    if chaupal.log_problems:
        out += ["", f"Server log: {len(chaupal.log_problems)} warning/error lines, first ones:"]
        out += ["  " + line[:200] for line in chaupal.log_problems[:10]]
    out.append("")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--reference-server"]:
        reference_server(int(args[1]))
        return 0
    options = parse_options(args)
    nofile = raise_nofile(options.clients * 2 + 1024)
    load = os.getloadavg()
    work_dir = Path(tempfile.mkdtemp(prefix="chaupal-live-"))
    print(f"temp dir: {work_dir}", flush=True)
    try:
        chaupal = measure_chaupal(work_dir, options)
        reference = measure_reference(work_dir, options)
        print(report(chaupal, reference, options, load, nofile))
    finally:
        if options.keep:
            print(f"kept: {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
