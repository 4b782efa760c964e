"""Throughput and latency of Chaupal's hot read pages, per reader, against a bare-Starlette ceiling.

    .venv/bin/python bench/pages.py            # full run: 20 communities, 5,000 threads, 100,000 posts
    .venv/bin/python bench/pages.py --quick    # smoke run: 2 communities, 200 threads, 2,000 posts
    .venv/bin/python bench/pages.py --posts 1000000 --build-only --keep-corpus DIR   # then --corpus DIR
    .venv/bin/python bench/pages.py --corpus DIR --workers 2 --pages search   # search, 8 searchers

Steps (one function each, below):
 1. build a corpus in a fresh temp data dir (SQLite; or --database-url postgres://...), written
    with sqlite3 executemany or asyncpg COPY after the app's migrations, with consistent
    counters and Markdown bodies rendered by forum.markup; plus the signed-in readers (100
    ordinary members and an admin: sessions, API tokens, notifications, reactions, bookmarks);
 1b. with --pages search or search-json only: build the search index from that database with
    `python server.py reindex` (timed), and draw 90 queries from the corpus's own words;
 2. start the real server (`python server.py serve`) on it and wait for /healthz, then check
    every page once per reader (status, signed-in view, shape) and every credential;
 3. measure home, directory, community list, thread page, notifications and thread JSON for
    each reader with wrk (or the built-in bench/loadgen.py when wrk is missing), the signed-in
    readers' cookies or bearer tokens rotated per request; the search page and search JSON
    with 8 connections (the concurrent searchers), the queries rotated per request too;
 4. measure the ceiling: bench/ceiling_app.py serving a fixed page of the thread page's size;
 5. read the server's resident memory (VmRSS) after the runs;
 6. print the conditions and a table, and compare with the performance targets.

See bench/README.md for how to read the output.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import itertools
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # the forum package, when run as bench/pages.py

BATCH = 2_000  # rows per bulk_create batch
BODY_POOL = 200  # distinct Markdown bodies, rendered once and reused
TARGET_POSTS = 20  # posts in the measured thread: one full page (Settings.posts_per_page)
MB = 1024 * 1024

# DESIGN.md, "Performance targets" (2-core machine, wrk -t2 -c32 -d20s --latency, anonymous).
TARGET_THREAD_RPS = 1_100
TARGET_THREAD_P99_MS = 50
TARGET_JSON_RPS = 2_000
TARGET_RSS_MB = 150


# Options

READERS = ("anonymous", "member", "admin")
PAGES = ("home", "directory", "list", "thread", "notifications", "json")  # the default --pages
# Measured only when asked for (--pages search): they need the search index built first.
SEARCH_PAGES = ("search", "search-json")
ALL_PAGES = PAGES + SEARCH_PAGES
REINDEX = ("auto", "always", "never")


@dataclass(frozen=True)
class Sizes:
    communities: int
    users: int
    threads: int
    posts: int


@dataclass(frozen=True)
class Options:
    sizes: Sizes
    database_url: str | None
    create_database: bool
    connections: int
    duration: int
    warmup: int
    wrk_threads: int
    generator: str
    install_wrk: bool
    client_procs: int
    workers: int
    seed: int
    keep: bool
    json_out: str | None
    readers: tuple[str, ...] = READERS
    pages: tuple[str, ...] = PAGES
    build_only: bool = False
    keep_corpus: str | None = None
    corpus: str | None = None
    search_connections: int = 8
    reindex: str = "auto"
    index_procs: int = 0  # server.py reindex --procs; 0: its default (the CPUs, at most 4)


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="bench/pages.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    corpus = parser.add_argument_group("corpus")
    corpus.add_argument(
        "--quick", action="store_true", help="small smoke run (2/50/200/2,000, 3 s per cell)"
    )
    corpus.add_argument("--communities", type=int, help="default 20 (quick: 2)")
    corpus.add_argument(
        "--users", type=int, help="default 500 (quick: 50); with --posts alone: posts/20"
    )
    corpus.add_argument(
        "--threads", type=int, help="default 5,000 (quick: 200); with --posts alone: posts/20"
    )
    corpus.add_argument("--posts", type=int, help="default 100,000 (quick: 2,000)")
    corpus.add_argument(
        "--keep-corpus",
        metavar="DIR",
        help="build the corpus (SQLite) into DIR, a new or empty directory, and keep it for --corpus",
    )
    corpus.add_argument(
        "--corpus",
        metavar="DIR",
        help="reuse a corpus built with --keep-corpus DIR instead of building one (sizes are the built ones)",
    )
    corpus.add_argument(
        "--build-only", action="store_true", help="build the corpus, print its timing and stop"
    )
    corpus.add_argument("--seed", type=int, default=1, help="random seed of the corpus (default 1)")
    corpus.add_argument(
        "--database-url",
        help="postgres://... to bench on PostgreSQL; the database must be empty (default: SQLite in the temp dir)",
    )
    corpus.add_argument(
        "--create-database",
        action="store_true",
        help="with a postgres URL: create a fresh database on that server for the run and drop it afterwards",
    )
    load = parser.add_argument_group("load")
    load.add_argument(
        "--readers",
        default=",".join(READERS),
        help=f"comma-separated, of {','.join(READERS)} (default all)",
    )
    load.add_argument(
        "--pages",
        default=",".join(PAGES),
        help=f"comma-separated, of {','.join(ALL_PAGES)} (default {','.join(PAGES)}: search"
        " only when named, as it builds the search index first)",
    )
    load.add_argument(
        "--connections", "-c", type=int, default=32, help="concurrent connections (default 32)"
    )
    load.add_argument(
        "--duration", "-d", type=int, help="seconds measured per URL (default 20; quick: 3)"
    )
    load.add_argument(
        "--warmup", type=int, help="seconds of warm-up per URL, not counted (default 2; quick: 1)"
    )
    load.add_argument(
        "--search-connections",
        type=int,
        default=8,
        help="concurrent connections of the search cells: the concurrent searchers (default 8)",
    )
    load.add_argument("--wrk-threads", type=int, default=2, help="wrk -t (default 2)")
    load.add_argument(
        "--generator",
        choices=("auto", "wrk", "builtin"),
        default="auto",
        help="auto: wrk if on PATH, else the built-in asyncio client",
    )
    load.add_argument(
        "--install-wrk", action="store_true", help="apt-get install wrk when missing (root only)"
    )
    load.add_argument(
        "--client-procs", type=int, default=1, help="processes of the built-in client (default 1)"
    )
    server = parser.add_argument_group("server")
    server.add_argument(
        "--workers", type=int, default=1, help="server.py serve --workers (default 1)"
    )
    server.add_argument(
        "--reindex",
        choices=REINDEX,
        default="auto",
        help="with search pages: build the search index with server.py reindex; auto (default):"
        " when the corpus is new or its index is empty, always: every run, never: serve it as it is",
    )
    server.add_argument(
        "--index-procs",
        type=int,
        default=0,
        help="server.py reindex --procs (default: its own, the CPUs, at most 4)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temp data dir (and created database)"
    )
    parser.add_argument(
        "--json", dest="json_out", help="also write the results as JSON to this file"
    )
    args = parser.parse_args(argv)

    defaults = (2, 50, 200, 2_000) if args.quick else (20, 500, 5_000, 100_000)
    if args.posts and not args.quick:  # --posts 1000000: 50,000 threads, 50,000 users
        defaults = (20, max(2, args.posts // 20), max(1, args.posts // 20), args.posts)
    sizes = Sizes(
        communities=args.communities or defaults[0],
        users=args.users or defaults[1],
        threads=args.threads or defaults[2],
        posts=args.posts or defaults[3],
    )
    readers = tuple(x.strip() for x in args.readers.split(",") if x.strip())
    pages = tuple(x.strip() for x in args.pages.split(",") if x.strip())
    if not readers or set(readers) - set(READERS):
        parser.error(f"--readers takes some of {','.join(READERS)}")
    if not pages or set(pages) - set(ALL_PAGES):
        parser.error(f"--pages takes some of {','.join(ALL_PAGES)}")
    if args.search_connections < 1:
        parser.error("--search-connections must be at least 1")
    if not 0 <= args.index_procs <= 16:
        parser.error("--index-procs takes 1 to 16")
    if (args.keep_corpus or args.corpus) and args.database_url:
        parser.error("--keep-corpus and --corpus are for SQLite only")
    if args.keep_corpus and args.corpus:
        parser.error("give --keep-corpus (build) or --corpus (reuse), not both")
    if args.corpus and args.build_only:
        parser.error("--build-only builds a corpus; --corpus reuses one")
    if sizes.posts < sizes.threads + TARGET_POSTS - 1:
        parser.error(
            f"--posts must be at least --threads + {TARGET_POSTS - 1} (one thread has {TARGET_POSTS} posts)"
        )
    if sizes.communities < 1 or sizes.users < 2 or sizes.threads < 1:
        parser.error("need at least 1 community, 2 users and 1 thread")
    if args.database_url and not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url takes a postgres:// URL (SQLite is the default)")
    if args.create_database and not args.database_url:
        parser.error("--create-database needs --database-url")
    return Options(
        sizes=sizes,
        database_url=args.database_url,
        create_database=args.create_database,
        connections=args.connections,
        duration=args.duration or (3 if args.quick else 20),
        warmup=args.warmup if args.warmup is not None else (1 if args.quick else 2),
        wrk_threads=max(1, min(args.wrk_threads, args.connections)),
        generator=args.generator,
        install_wrk=args.install_wrk,
        client_procs=max(1, args.client_procs),
        workers=max(1, args.workers),
        seed=args.seed,
        keep=args.keep,
        json_out=args.json_out,
        readers=tuple(r for r in READERS if r in readers),
        pages=tuple(p for p in ALL_PAGES if p in pages),
        build_only=args.build_only,
        keep_corpus=args.keep_corpus,
        corpus=args.corpus,
        search_connections=args.search_connections,
        reindex=args.reindex,
        index_procs=args.index_procs,
    )


# Step 1: the corpus

FIRST_NAMES = (
    "Aarav Aditi Ananya Arjun Bhavna Chetan Deepa Devika Farhan Gauri Harish Ishita Jaya Kabir Kavya "
    "Lakshmi Manoj Meera Nandini Neha Omkar Pooja Prakash Rahul Ravi Rekha Sanjay Shreya Sunil Tanvi "
    "Uday Varun Vidya Yamini Zoya Imran Fatima Gurpreet Harpreet Joseph Mary Thomas Anita Suresh"
).split()
LAST_NAMES = (
    "Sharma Verma Iyer Nair Reddy Rao Patel Shah Mehta Gupta Singh Kaur Das Bose Chatterjee Banerjee "
    "Mukherjee Pillai Menon Kulkarni Deshpande Joshi Pandey Mishra Tiwari Khan Ahmed Fernandes D'Souza "
    "Naidu Hegde Bhat Sinha Chauhan Yadav Thakur Malhotra Kapoor Saxena Agarwal"
).split()
TOPICS = (
    "District Administration",
    "Forest Management",
    "Urban Transport",
    "Public Health",
    "Revenue Courts",
    "School Education",
    "Disaster Response",
    "Rural Water Supply",
    "E-Governance",
    "Public Finance",
    "Land Records",
    "Skill Development",
    "Agriculture Extension",
    "Social Welfare",
    "Procurement",
    "Tribal Affairs",
    "Municipal Services",
    "Election Management",
    "Training Alumni",
    "Policing Reform",
    "Climate Adaptation",
    "Housing Schemes",
    "Nutrition Programmes",
    "Grievance Redressal",
)
KINDS = ("role", "sector", "topic", "alumni")
TAGS = (
    "gem",
    "tenders",
    "rti",
    "budget",
    "audit",
    "training",
    "drought",
    "floods",
    "heatwave",
    "dbt",
    "aadhaar",
    "land",
    "mutation",
    "survey",
    "schools",
    "midday-meal",
    "anganwadi",
    "vaccination",
    "tb",
    "ambulance",
    "bus",
    "parking",
    "metro",
    "forest-fire",
    "wildlife",
    "jfm",
    "water",
    "jal-jeevan",
    "pmay",
    "mgnrega",
    "shg",
    "grievance",
    "cpgrams",
    "e-office",
    "digilocker",
    "gis",
    "census",
    "elections",
    "evm",
    "transfers",
)
WORDS = (
    "district block panchayat collector officer scheme beneficiary survey report village tender budget "
    "audit circular order review meeting training field visit data portal dashboard grievance timeline "
    "approval sanction file note committee inspection register camp drive pilot rollout target "
    "indicator baseline outcome vendor contract payment release installment verification record office "
    "team staff season monsoon summer road school clinic ward tehsil mandal taluka state centre"
).split()
VERBS = (
    "cut pendency in",
    "run a camp for",
    "audit",
    "digitise",
    "speed up",
    "monitor",
    "fix delays in",
    "train staff on",
    "plan for",
    "handle complaints about",
    "procure for",
    "report on",
)


def sentence(rng: random.Random, words: tuple[int, int] = (8, 22)) -> str:
    chosen = [rng.choice(WORDS) for _ in range(rng.randint(*words))]
    if rng.random() < 0.3:
        i = rng.randrange(len(chosen))
        chosen[i] = f"**{chosen[i]}**" if rng.random() < 0.5 else f"*{chosen[i]}*"
    if rng.random() < 0.15:
        chosen.append(f"`{rng.choice(WORDS)}_{rng.choice(WORDS)}`")
    if rng.random() < 0.1:
        chosen.append(
            f"([circular](https://example.gov.in/{rng.choice(WORDS)}/{rng.randint(100, 999)}))"
        )
    text = " ".join(chosen)
    return text[0].upper() + text[1:] + rng.choice((".", ".", ".", "?", "!"))


def markdown_body(rng: random.Random) -> str:
    """A post of one to five blocks: paragraphs, lists, quotes, code, now and then a table."""
    blocks: list[str] = []
    for _ in range(rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5))):
        kind = rng.random()
        if kind < 0.6:
            blocks.append(" ".join(sentence(rng) for _ in range(rng.randint(1, 4))))
        elif kind < 0.75:
            marker = rng.choice(("-", "*", "1."))
            blocks.append(
                "\n".join(f"{marker} {sentence(rng, (3, 10))}" for _ in range(rng.randint(2, 5)))
            )
        elif kind < 0.85:
            blocks.append("> " + sentence(rng))
        elif kind < 0.95:
            code = "\n".join(
                f"{rng.choice(WORDS)} = {rng.randint(1, 500)}" for _ in range(rng.randint(2, 6))
            )
            blocks.append(f"```\n{code}\n```")
        else:
            rows = "\n".join(
                f"| {rng.choice(WORDS)} | {rng.randint(1, 900)} | {rng.choice(WORDS)} |"
                for _ in range(rng.randint(2, 5))
            )
            blocks.append(f"| item | count | note |\n|---|--:|---|\n{rows}")
    return "\n\n".join(blocks)


def body_pool(rng: random.Random, size: int = BODY_POOL) -> list[tuple[str, str]]:
    """(Markdown, sanitised HTML) pairs, rendered once with the app's own renderer."""
    from forum import markup

    bodies = [markdown_body(rng) for _ in range(size)]
    return [(body, markup.render(body)) for body in bodies]


@dataclass(slots=True)
class PostRow:
    created_at: datetime
    thread: int  # index into the thread plan
    number: int
    author_id: int
    body: int  # index into the body pool
    status: str = "published"
    reply_to_number: int | None = None
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    id: int = 0


@dataclass(slots=True)
class ThreadRow:
    community_id: int
    author_id: int
    title: str
    tags: list[str]
    pinned: bool = False
    locked: bool = False
    posts: list[PostRow] = field(default_factory=list)
    id: int = 0


@dataclass
class Plan:
    users: list[dict[str, Any]]
    communities: list[dict[str, Any]]
    memberships: list[tuple[int, int, str]]  # (community id, user id, status)
    threads: list[ThreadRow]
    posts: list[PostRow]
    bodies: list[tuple[str, str]]
    target: ThreadRow  # the measured thread: TARGET_POSTS published posts, in the largest community


def spread(rng: random.Random, total: int, weights: list[float]) -> list[int]:
    """Deals `total` items over len(weights) bins in proportion to the weights."""
    counts = [0] * len(weights)
    for index in rng.choices(range(len(weights)), weights=weights, k=total):
        counts[index] += 1
    return counts


def plan_corpus(sizes: Sizes, seed: int) -> Plan:
    """Everything to insert, decided in memory first so the counters can be made consistent."""
    from forum.accounts import SUGGESTED_ROLES, SUGGESTED_SECTORS

    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    year_ago = now - timedelta(days=365)

    users = []
    for uid in range(1, sizes.users + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        users.append(
            {
                "id": uid,
                "username": f"{first}_{last}{uid}".lower().replace("'", "")[:30],
                "email": f"user{uid}@bench.example",
                "password_hash": "!bench-no-login",
                "display_name": f"{first} {last}",
                "role": rng.choice((*SUGGESTED_ROLES, "")),
                "sector": rng.choice((*SUGGESTED_SECTORS, "")),
                "bio": "",
                "created_at": year_ago - timedelta(days=rng.randint(0, 700)),
            }
        )

    communities = []
    for cid in range(1, sizes.communities + 1):
        topic = TOPICS[(cid - 1) % len(TOPICS)]
        suffix = "" if cid <= len(TOPICS) else f" {cid // len(TOPICS) + 1}"
        communities.append(
            {
                "id": cid,
                "slug": (topic.lower().replace(" ", "-") + suffix.replace(" ", "-"))[:40],
                "name": topic + suffix,
                "description": f"Practitioners of {topic.lower()} share what works: "
                + sentence(rng),
                "kind": KINDS[(cid - 1) % len(KINDS)],
                "visibility": "public",
                "created_at": year_ago - timedelta(days=30),
            }
        )

    # Memberships: each user in one to four communities, the first member of each a moderator.
    memberships: dict[tuple[int, int], str] = {}
    community_weights = [1 / (i + 1) ** 0.7 for i in range(sizes.communities)]
    for uid in range(1, sizes.users + 1):
        for cid in set(
            rng.choices(
                range(1, sizes.communities + 1), weights=community_weights, k=rng.randint(1, 4)
            )
        ):
            memberships[(cid, uid)] = "member"
    earliest: dict[int, tuple[int, int]] = {}
    for key in memberships:
        earliest.setdefault(key[0], key)
    for key in earliest.values():
        memberships[key] = "moderator"

    # Threads: community 1 is the largest; the measured thread is the first thread, in community 1.
    user_weights = [1 / (i + 1) ** 0.8 for i in range(sizes.users)]  # a few people post a lot
    user_ids = range(1, sizes.users + 1)
    user_cum = list(
        itertools.accumulate(user_weights)
    )  # choices() with weights= is O(users) a call
    thread_communities = rng.choices(
        range(1, sizes.communities + 1), weights=community_weights, k=sizes.threads
    )
    thread_communities[0] = 1
    threads = [
        ThreadRow(
            community_id=cid,
            author_id=rng.choices(user_ids, cum_weights=user_cum)[0],
            title=f"How do we {rng.choice(VERBS)} {rng.choice(WORDS)} {rng.choice(WORDS)}s in the {rng.choice(WORDS)}?"[
                :150
            ],
            tags=sorted(set(rng.sample(TAGS, rng.choice((0, 1, 1, 2, 2, 3))))),
            locked=rng.random() < 0.01,
        )
        for cid in thread_communities
    ]
    target = threads[0]
    target.locked = False
    pinned_per_community: dict[int, int] = {}
    for thread in threads[1:]:
        if pinned_per_community.get(thread.community_id, 0) < 2:
            thread.pinned = True
            pinned_per_community[thread.community_id] = (
                pinned_per_community.get(thread.community_id, 0) + 1
            )

    # Posts per thread: at least one each, the target exactly TARGET_POSTS, the rest long-tailed.
    weights = [0.0] + [min(rng.paretovariate(1.2), 60.0) for _ in threads[1:]]
    counts = [1] * len(threads)
    counts[0] = TARGET_POSTS
    for index, extra in enumerate(spread(rng, sizes.posts - sum(counts), weights)):
        counts[index] += extra

    posts: list[PostRow] = []
    for index, (thread, count) in enumerate(zip(threads, counts, strict=True)):
        if thread is target:  # recent, so it is on the first page of its community
            started = now - timedelta(hours=6)
            span = timedelta(hours=5)
        else:
            started = year_ago + timedelta(seconds=rng.uniform(0, 360 * 86400))
            span = min(timedelta(days=rng.uniform(0.05, 60)), now - started - timedelta(minutes=1))
        times = sorted(started + span * rng.random() for _ in range(count - 1))
        for number, when in enumerate([started, *times], start=1):
            if number == 1:
                author = thread.author_id
            elif rng.random() < 0.2:
                author = thread.author_id
            else:
                author = rng.choices(user_ids, cum_weights=user_cum)[0]
            row = PostRow(
                created_at=when,
                thread=index,
                number=number,
                author_id=author,
                body=rng.randrange(BODY_POOL),
            )
            if number > 2 and rng.random() < 0.25:
                row.reply_to_number = rng.randint(1, number - 1)
            if rng.random() < 0.05:
                row.edited_at = min(when + timedelta(minutes=rng.randint(1, 600)), now)
            if number > 1 and thread is not target and rng.random() < 0.01:
                row.status = "deleted"
                row.deleted_at = min(when + timedelta(hours=rng.randint(1, 48)), now)
            thread.posts.append(row)
            posts.append(row)

    # Ids in time order, as the app would have handed them out.
    for new_id, thread in enumerate(sorted(threads, key=lambda t: t.posts[0].created_at), start=1):
        thread.id = new_id
    posts.sort(key=lambda p: p.created_at)
    for new_id, post in enumerate(posts, start=1):
        post.id = new_id

    rng_bodies = random.Random(seed + 1)
    return Plan(
        users=users,
        communities=communities,
        memberships=[(cid, uid, status) for (cid, uid), status in memberships.items()],
        threads=threads,
        posts=posts,
        bodies=body_pool(rng_bodies),
        target=target,
    )


def batches(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


MEMBER_READERS = 100  # signed-in ordinary members measured, one session and one API token each
ADMIN_SESSIONS = 4
REACTION_KINDS = ("helpful", "insightful", "thanks")


@dataclass
class Readers:
    """The people measured signed in: their credentials and the personal rows made for them."""

    members: list[int]  # user ids, ordinary members of at least 3 communities
    admin: int
    sessions: dict[int, list[str]]  # user id -> session tokens (the cookie values)
    api_tokens: dict[int, list[str]]  # user id -> API tokens (Bearer)
    notifications: list[tuple[int, str, dict[str, Any], datetime, datetime | None]]
    reactions: list[tuple[int, int, str]]  # (post id, user id, kind)
    bookmarks: list[tuple[int, int]]  # (user id, thread id)


def plan_readers(plan: Plan, sizes: Sizes, seed: int) -> Readers:
    """Picks the signed-in readers, makes each an ordinary member of three or more communities
    (memberships added to the plan as needed) and gives them notifications, reactions on the
    measured thread and bookmarks, so the pages they get have per-person parts."""
    rng = random.Random(seed + 2)
    now = datetime.now(UTC).replace(microsecond=0)
    moderators = {uid for _, uid, status in plan.memberships if status == "moderator"}
    ordinary = [u["id"] for u in plan.users if u["id"] not in moderators]
    if len(ordinary) < 2:
        raise SystemExit("error: too few users for the signed-in readers (need --users larger)")
    members = sorted(rng.sample(ordinary, min(MEMBER_READERS, len(ordinary) - 1)))
    admin = next(uid for uid in ordinary if uid not in set(members))
    for user in plan.users:
        if user["id"] == admin:
            user["is_admin"] = True
    joined = {(cid, uid): status for cid, uid, status in plan.memberships}
    communities = [c["id"] for c in plan.communities]
    for uid in members:
        mine = [cid for cid in communities if (cid, uid) in joined]
        if plan.target.community_id not in mine:  # every member reads the measured thread as one
            mine.append(plan.target.community_id)
            joined[(plan.target.community_id, uid)] = "member"
        for cid in rng.sample(communities, len(communities)):
            if len(mine) >= min(3, len(communities)):
                break
            if cid not in mine:
                mine.append(cid)
                joined[(cid, uid)] = "member"
    plan.memberships = [(cid, uid, status) for (cid, uid), status in joined.items()]

    usernames = [u["username"] for u in plan.users]
    recent_threads = sorted(plan.threads, key=lambda t: t.posts[-1].created_at)[-500:]
    notifications: list[tuple[int, str, dict[str, Any], datetime, datetime | None]] = []
    reactions: set[tuple[int, int, str]] = set()
    bookmarks: set[tuple[int, int]] = set()
    target_posts = [p.id for p in plan.target.posts]
    for uid in [*members, admin]:
        for _ in range(rng.randint(20, 60)):
            thread = rng.choice(recent_threads)
            post = rng.choice(thread.posts)
            when = now - timedelta(minutes=rng.randint(1, 60 * 24 * 30))
            data = {
                "thread_id": thread.id,
                "post_id": post.id,
                "title": thread.title,
                "by": rng.choice(usernames),
            }
            read = when + timedelta(minutes=5) if rng.random() < 0.5 else None
            notifications.append((uid, rng.choice(("reply", "mention")), data, when, read))
        for post_id in rng.sample(target_posts, rng.randint(1, 4)):
            reactions.add((post_id, uid, rng.choice(REACTION_KINDS)))
        bookmarks.add((uid, plan.target.id if rng.random() < 0.5 else rng.choice(plan.threads).id))
        bookmarks.add((uid, rng.choice(plan.threads).id))
    notifications.sort(key=lambda n: n[3])  # ids in time order
    return Readers(
        members=members,
        admin=admin,
        sessions={
            uid: [secrets.token_urlsafe(32) for _ in range(ADMIN_SESSIONS if uid == admin else 1)]
            for uid in [*members, admin]
        },
        api_tokens={
            uid: [secrets.token_urlsafe(32) for _ in range(ADMIN_SESSIONS if uid == admin else 1)]
            for uid in [*members, admin]
        },
        notifications=notifications,
        reactions=sorted(reactions),
        bookmarks=sorted(bookmarks),
    )


class Loader(Protocol):
    """Writes rows straight into a table: stdlib sqlite3 or asyncpg COPY, no ORM objects."""

    def time(self, value: datetime | None) -> Any: ...

    async def insert(
        self, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]
    ) -> None: ...


def column_defaults(model: Any, loader: Loader, given: Sequence[str]) -> dict[str, Any]:
    """Every column of a model's table with the value Tortoise would write when none is given."""
    now = datetime.now(UTC)
    out: dict[str, Any] = {}
    for name, column in model._meta.fields_db_projection.items():
        field_object = model._meta.fields_map[name]
        if field_object.pk and field_object.generated and name not in given:
            continue  # the database numbers it
        if getattr(field_object, "auto_now_add", False) or getattr(field_object, "auto_now", False):
            value: Any = now
        elif callable(field_object.default):
            value = field_object.default()
        else:
            value = field_object.default
        if isinstance(value, datetime):
            out[column] = loader.time(value)
        elif isinstance(value, (dict, list)):
            out[column] = json.dumps(value)
        else:
            out[column] = value
    return out


async def load_table(
    loader: Loader, model: Any, columns: list[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Inserts rows given for `columns`; every other column gets its default."""
    defaults = column_defaults(model, loader, columns)
    unknown = set(columns) - set(defaults)
    if unknown:
        raise RuntimeError(f"{model._meta.db_table}: no such columns {sorted(unknown)}")
    rest = [c for c in defaults if c not in columns]
    tail = tuple(defaults[c] for c in rest)
    await loader.insert(model._meta.db_table, [*columns, *rest], (row + tail for row in rows))


class SqliteLoader:
    def __init__(self, path: str) -> None:
        import sqlite3

        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA synchronous=OFF")  # for the load only; the server sets its own
        self.conn.execute("BEGIN")

    def time(self, value: datetime | None) -> Any:
        return None if value is None else value.isoformat(" ")  # as Tortoise's sqlite adapter

    async def insert(self, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
        marks = ", ".join("?" for _ in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        self.conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)

    async def finish(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.close()


class PostgresLoader:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def time(self, value: datetime | None) -> Any:
        return value

    async def insert(self, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
        await self.conn.copy_records_to_table(table, records=list(rows), columns=columns)


async def insert_plan(database_url: str, plan: Plan, readers: Readers) -> dict[str, int]:
    """Creates the schema with the app's migrations, then writes the plan in one transaction:
    sqlite3 executemany (synchronous=OFF during the load) or asyncpg COPY."""
    from forum import db
    from forum.models import (
        ApiToken,
        Bookmark,
        Community,
        Membership,
        Notification,
        Post,
        Reaction,
        Session,
        Thread,
        ThreadTag,
        User,
    )
    from forum.security import token_digest

    await db.open_database(database_url, migrate=True)
    try:
        if await User.exists() or await Community.exists():
            raise SystemExit(
                "error: the database is not empty; give an empty one (or --create-database)"
            )
    finally:
        await db.close_database()

    pg_conn: Any = None
    loader: Any
    if db.is_postgres(database_url):
        import asyncpg

        pg_conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
        transaction = pg_conn.transaction()
        await transaction.start()
        loader = PostgresLoader(pg_conn)
    else:
        loader = SqliteLoader(database_url.removeprefix("sqlite://"))
    t = loader.time
    member_count: dict[int, int] = {}
    for cid, _, status in plan.memberships:
        if status in ("member", "moderator"):
            member_count[cid] = member_count.get(cid, 0) + 1
    thread_count: dict[int, int] = {}
    for thread in plan.threads:
        thread_count[thread.community_id] = thread_count.get(thread.community_id, 0) + 1
    threads = sorted(plan.threads, key=lambda x: x.id)
    tag_rows = [(x.id, tag) for x in threads for tag in x.tags]
    month = datetime.now(UTC) + timedelta(days=30)
    try:
        user_columns = [k for k in plan.users[0] if k not in ("created_at", "is_admin")]
        await load_table(
            loader,
            User,
            [*user_columns, "is_admin", "created_at"],
            (
                (*(u[k] for k in user_columns), bool(u.get("is_admin")), t(u["created_at"]))
                for u in plan.users
            ),
        )
        community_columns = [k for k in plan.communities[0] if k != "created_at"]
        await load_table(
            loader,
            Community,
            [*community_columns, "member_count", "thread_count", "created_at"],
            (
                (
                    *(c[k] for k in community_columns),
                    member_count.get(c["id"], 0),
                    thread_count.get(c["id"], 0),
                    t(c["created_at"]),
                )
                for c in plan.communities
            ),
        )
        await load_table(
            loader,
            Membership,
            ["id", "community_id", "user_id", "status"],
            ((i, cid, uid, status) for i, (cid, uid, status) in enumerate(plan.memberships, 1)),
        )
        await load_table(
            loader,
            Thread,
            [
                "id",
                "community_id",
                "author_id",
                "title",
                "tags",
                "status",
                "pinned",
                "locked",
                "post_count",
                "last_number",
                "participant_count",
                "last_poster_id",
                "created_at",
                "last_activity_at",
            ],
            (thread_row(x, t) for x in threads),
        )
        await load_table(
            loader,
            ThreadTag,
            ["id", "thread_id", "tag"],
            ((i, tid, tag) for i, (tid, tag) in enumerate(tag_rows, start=1)),
        )
        thread_id = [x.id for x in plan.threads]
        bodies = plan.bodies
        await load_table(
            loader,
            Post,
            [
                "id",
                "thread_id",
                "author_id",
                "number",
                "body",
                "body_html",
                "status",
                "reply_to_id",
                "created_at",
                "edited_at",
                "deleted_at",
            ],
            (
                (
                    p.id,
                    thread_id[p.thread],
                    p.author_id,
                    p.number,
                    bodies[p.body][0],
                    bodies[p.body][1],
                    p.status,
                    plan.threads[p.thread].posts[p.reply_to_number - 1].id
                    if p.reply_to_number
                    else None,
                    t(p.created_at),
                    t(p.edited_at),
                    t(p.deleted_at),
                )
                for p in plan.posts
            ),
        )
        people = [*readers.members, readers.admin]
        await load_table(
            loader,
            Session,
            ["token_hash", "user_id", "expires_at"],
            (
                (token_digest(token), uid, t(month))
                for uid in people
                for token in readers.sessions[uid]
            ),
        )
        await load_table(
            loader,
            ApiToken,
            ["token_hash", "user_id", "name"],
            (
                (token_digest(token), uid, "bench")
                for uid in people
                for token in readers.api_tokens[uid]
            ),
        )
        await load_table(
            loader,
            Notification,
            ["id", "user_id", "kind", "data", "created_at", "read_at"],
            (
                (i, uid, kind, json.dumps(data), t(when), t(read))
                for i, (uid, kind, data, when, read) in enumerate(readers.notifications, 1)
            ),
        )
        await load_table(loader, Reaction, ["post_id", "user_id", "kind"], readers.reactions)
        await load_table(loader, Bookmark, ["user_id", "thread_id"], readers.bookmarks)
        if pg_conn is not None:  # explicit ids: move the sequences past them
            for table in (
                "users",
                "communities",
                "memberships",
                "threads",
                "thread_tags",
                "posts",
                "notifications",
            ):
                await pg_conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            await transaction.commit()
            # A database loaded in bulk has no statistics until autovacuum comes round; a
            # real one has them, so the planner is given them now (without, it took the
            # home feed for a one-row table and sorted every thread: 22 ms instead of 0.3).
            await pg_conn.execute("ANALYZE")
        else:
            await loader.finish()
    except BaseException:
        if pg_conn is not None:
            await transaction.rollback()
        raise
    finally:
        if pg_conn is not None:
            await pg_conn.close()
    return {
        "users": len(plan.users),
        "communities": len(plan.communities),
        "memberships": len(plan.memberships),
        "threads": len(plan.threads),
        "thread_tags": len(tag_rows),
        "posts": len(plan.posts),
        "sessions": sum(len(v) for v in readers.sessions.values()),
        "notifications": len(readers.notifications),
        "reactions": len(readers.reactions),
        "bookmarks": len(readers.bookmarks),
    }


def thread_row(x: ThreadRow, t: Any) -> tuple[Any, ...]:
    """A thread whose counters agree with its posts, as forum/threads.py and forum/posts.py keep them."""
    published = [p for p in x.posts if p.status == "published"]
    last = x.posts[-1]
    return (
        x.id,
        x.community_id,
        x.author_id,
        x.title,
        json.dumps(x.tags),
        "published",
        x.pinned,
        x.locked,
        len(published),
        len(x.posts),
        len({p.author_id for p in published}),
        last.author_id,
        t(x.posts[0].created_at),
        t(last.created_at),
    )


@dataclass
class Corpus:
    database_url: str
    database_label: str
    rows: dict[str, int]
    load_seconds: float
    thread_id: int
    community_slug: str
    community_threads: int
    posts: int
    sessions: dict[str, list[str]]  # reader -> session tokens (cookie values), rotated
    api_tokens: dict[str, list[str]]  # reader -> API tokens (Bearer), rotated
    display_names: dict[str, str]  # reader -> the first signed-in person's display name


CORPUS_FILE = "bench-corpus.json"
SQLITE_FILE = "chaupal.sqlite3"


def build_corpus(options: Options, data_dir: Path, database_url: str) -> Corpus:
    started = time.perf_counter()
    plan = plan_corpus(options.sizes, options.seed)
    readers = plan_readers(plan, options.sizes, options.seed)
    planned = time.perf_counter()
    rows = asyncio.run(insert_plan(database_url, plan, readers))
    loaded = time.perf_counter()
    print(
        f"corpus: planned and rendered {len(plan.bodies)} bodies in {planned - started:.1f} s, "
        f"inserted in {loaded - planned:.1f} s (total {loaded - started:.1f} s); "
        + ", ".join(f"{v:,} {k}" for k, v in rows.items()),
        flush=True,
    )
    slug = next(c["slug"] for c in plan.communities if c["id"] == plan.target.community_id)
    name_of = {u["id"]: u["display_name"] for u in plan.users}
    corpus = Corpus(
        database_url=database_url,
        database_label=database_label(database_url),
        rows=rows,
        load_seconds=loaded - started,
        thread_id=plan.target.id,
        community_slug=slug,
        community_threads=sum(
            1 for t in plan.threads if t.community_id == plan.target.community_id
        ),
        posts=len(plan.posts),
        sessions={
            "member": [s for uid in readers.members for s in readers.sessions[uid]],
            "admin": readers.sessions[readers.admin],
        },
        api_tokens={
            "member": [s for uid in readers.members for s in readers.api_tokens[uid]],
            "admin": readers.api_tokens[readers.admin],
        },
        display_names={
            "member": name_of[readers.members[0]],
            "admin": name_of[readers.admin],
        },
    )
    (data_dir / CORPUS_FILE).write_text(json.dumps(asdict(corpus), indent=1))
    return corpus


def load_corpus(data_dir: Path) -> Corpus:
    """A corpus built earlier with --keep-corpus DIR, reused in place."""
    try:
        facts = json.loads((data_dir / CORPUS_FILE).read_text())
    except OSError as error:
        raise SystemExit(f"error: {data_dir} holds no corpus ({CORPUS_FILE}): {error}") from error
    corpus = Corpus(**facts)
    corpus.load_seconds = 0.0
    # The directory's own database, not the one named at build time: a copy of a corpus
    # (cp -r) is then served and indexed, and the original left as it was.
    own = data_dir / SQLITE_FILE
    if corpus.database_url.startswith("sqlite://"):
        if not own.exists():
            raise SystemExit(f"error: {data_dir} has no {SQLITE_FILE}")
        corpus.database_url = f"sqlite://{own}"
        corpus.database_label = database_label(corpus.database_url)
    return corpus


def database_label(database_url: str) -> str:
    if database_url.startswith("sqlite://"):
        return f"SQLite {sqlite_version()} (WAL), file {database_url.removeprefix('sqlite://')}"
    return f"PostgreSQL at {redact(database_url)}"


def sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


async def _pg_admin(admin_url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_pg_database(admin_url: str) -> tuple[str, str]:
    name = f"chaupal_bench_{secrets.token_hex(6)}"
    asyncio.run(_pg_admin(admin_url, f'CREATE DATABASE "{name}"'))
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path=f"/{name}")), name


def drop_pg_database(admin_url: str, name: str) -> None:
    asyncio.run(_pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}"'))


# Step 1b (search pages only): the search index and the queries

SEARCH_QUERIES_PER_KIND = 30  # one-word, two-word and phrase queries each, sent in turn
SEARCH_SAMPLE = 300  # posts (and as many thread titles) the queries' words are drawn from
QUERY_WORD = re.compile(r"[a-z]{3,}")
NOT_QUERIED = frozenset({"the", "and", "for", "how", "with"})  # the titles' glue words


@dataclass
class SearchSetup:
    """How the search index came to be, and the queries the search cells send in turn."""

    index: str  # for the conditions block
    index_seconds: float  # wall time of server.py reindex; 0 when the index was not rebuilt
    queries: list[str]
    kinds: dict[str, int]  # kind of query -> how many


def server_env(data_dir: Path, database_url: str, secret: str) -> dict[str, str]:
    """The environment of every server.py command the bench runs (serve, reindex)."""
    env = dict(os.environ)
    env.update(
        CHAUPAL_DATA_DIR=str(data_dir),
        CHAUPAL_SECRET_KEY=secret,
        CHAUPAL_DATABASE_URL=database_url,
    )
    return env


def indexed_documents(env: dict[str, str]) -> int:
    """Documents in the search index the server would open (0 when there is none yet)."""
    from forum.settings import Settings
    from search.whoosh_index import WhooshIndex

    index = WhooshIndex(Settings.from_env(env).index_dir)
    try:
        return index.doc_count()
    finally:
        index.close()


def build_search_index(
    options: Options, env: dict[str, str], built_now: bool, log: Path
) -> tuple[str, float]:
    """Runs `server.py reindex` on the corpus database unless --reindex or an existing index
    says otherwise; returns what was done (for the report) and its wall time."""
    if options.reindex == "never":
        print("search index: served as it is (--reindex never)", flush=True)
        return "served as found (--reindex never)", 0.0
    if options.reindex == "auto" and not built_now:
        found = indexed_documents(env)
        if found:
            print(f"search index: reusing the corpus's ({found:,} documents)", flush=True)
            return (
                f"reused from the corpus ({found:,} documents; --reindex always rebuilds it)",
                0.0,
            )
    procs = options.index_procs or min(os.cpu_count() or 1, 4)  # reindex's own default
    argv = [sys.executable, "server.py", "reindex", "--procs", str(procs)]
    print(f"search index: building with server.py reindex --procs {procs}", flush=True)
    started = time.perf_counter()
    with log.open("wb") as handle:
        done = subprocess.run(argv, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"error: server.py reindex exited with {done.returncode}:\n{tail(log)}")
    said = next(
        (x.strip() for x in reversed(log.read_text().splitlines()) if x.startswith("Indexed ")),
        "",
    )
    print(f"search index: built in {seconds:.1f} s ({said or 'no summary printed'})", flush=True)
    return f"built by server.py reindex --procs {procs} in {seconds:.1f} s: {said}", seconds


async def corpus_texts(database_url: str, seed: int) -> list[str]:
    """The plain text (as indexed) of SEARCH_SAMPLE indexed posts and as many thread titles,
    drawn with a fixed seed."""
    from forum import db, markup, permissions
    from forum.models import Post, Thread

    rng = random.Random(seed + 3)
    await db.open_database(database_url, migrate=False)
    try:
        post_ids = await Post.filter(permissions.indexed_posts_q()).values_list("id", flat=True)
        thread_ids = await Thread.filter(permissions.indexed_thread_q()).values_list(
            "id", flat=True
        )
        posts = rng.sample(sorted(int(str(i)) for i in post_ids), min(SEARCH_SAMPLE, len(post_ids)))
        threads = rng.sample(
            sorted(int(str(i)) for i in thread_ids), min(SEARCH_SAMPLE, len(thread_ids))
        )
        bodies = await Post.filter(id__in=posts).order_by("id").values_list("body_html", flat=True)
        titles = await Thread.filter(id__in=threads).order_by("id").values_list("title", flat=True)
    finally:
        await db.close_database()
    return [markup.plain_text(str(b)) for b in bodies] + [str(t) for t in titles]


def query_words(text: str) -> list[str]:
    return [w for w in QUERY_WORD.findall(text.lower()) if w not in NOT_QUERIED]


def adjacent_pairs(text: str) -> list[tuple[str, str]]:
    """Two words next to each other in the text (only a space between them)."""
    tokens = text.lower().split()
    return [
        (a, b)
        for a, b in itertools.pairwise(tokens)
        if QUERY_WORD.fullmatch(a)
        and QUERY_WORD.fullmatch(b)
        and not {a, b} & NOT_QUERIED
        and a != b
    ]


def search_queries(
    texts: Sequence[str], seed: int, per_kind: int = SEARCH_QUERIES_PER_KIND
) -> tuple[list[str], dict[str, int]]:
    """Queries as people type them, every one found in the corpus: a word of a post or title,
    two words of the same post (not next to each other), and a "phrase" of two adjacent words.
    The kinds alternate, so every stretch of the rotation has each of them."""
    rng = random.Random(seed + 4)
    kinds: dict[str, list[str]] = {"one-word": [], "two-word": [], "phrase": []}
    worded = [words for words in (query_words(t) for t in texts) if words]
    paired = [pairs for pairs in (adjacent_pairs(t) for t in texts) if pairs]
    if not worded:
        raise SystemExit("error: the corpus has no words to search for")
    for _ in range(per_kind * 50):  # a small vocabulary runs out of new queries: stop then
        if all(len(found) >= per_kind for found in kinds.values()):
            break
        words = rng.choice(worded)
        candidates = {
            "one-word": rng.choice(words),
            "two-word": " ".join(rng.sample(sorted(set(words)), 2)) if len(set(words)) > 1 else "",
            "phrase": '"{} {}"'.format(*rng.choice(rng.choice(paired))) if paired else "",
        }
        for kind, query in candidates.items():
            if query and query not in kinds[kind] and len(kinds[kind]) < per_kind:
                kinds[kind].append(query)
    queries = [q for group in itertools.zip_longest(*kinds.values()) for q in group if q]
    return queries, {kind: len(found) for kind, found in kinds.items()}


def prepare_search(
    options: Options, env: dict[str, str], database_url: str, built_now: bool, log: Path
) -> SearchSetup:
    index, seconds = build_search_index(options, env, built_now, log)
    queries, kinds = search_queries(
        asyncio.run(corpus_texts(database_url, options.seed)), options.seed
    )
    return SearchSetup(index=index, index_seconds=seconds, queries=queries, kinds=kinds)


# Step 2: processes (the server, the ceiling)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_process(name: str, argv: list[str], env: dict[str, str], port: int, log: Path) -> Process:
    handle = log.open("wb")
    popen = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    process = Process(name, popen, port, log)
    wait_healthy(process)
    return process


def wait_healthy(process: Process, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise SystemExit(
                f"error: {process.name} exited with {process.popen.returncode}:\n{tail(process.log)}"
            )
        try:
            status, _, _ = get(process.port, "/healthz", timeout=2)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    stop_process(process)
    raise SystemExit(
        f"error: {process.name} did not answer /healthz in {timeout:.0f} s:\n{tail(process.log)}"
    )


def stop_process(process: Process) -> None:
    if process.popen.poll() is None:
        process.popen.send_signal(signal.SIGTERM)
        try:
            process.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.popen.kill()
            process.popen.wait()


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def start_server(options: Options, data_dir: Path, env: dict[str, str]) -> Process:
    port = free_port()
    argv = [sys.executable, "server.py", "serve", "--port", str(port), "--log-level", "warning"]
    if options.workers > 1:
        argv += ["--workers", str(options.workers)]
    return start_process("chaupal server", argv, env, port, data_dir / "server.log")


def start_ceiling(page: Path, log: Path, workers: int) -> Process:
    port = free_port()
    argv = [sys.executable, str(BENCH / "ceiling_app.py"), "--page", str(page), "--port", str(port)]
    argv += ["--workers", str(workers)]
    return start_process("ceiling app", argv, dict(os.environ), port, log)


def get(
    port: int, path: str, timeout: float = 30.0, header: str | None = None
) -> tuple[int, bytes, dict[str, str]]:
    """One GET; `header` is an optional "Name: value" line (a cookie or a bearer token)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {}
        if header:
            name, _, value = header.partition(":")
            headers[name.strip()] = value.strip()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read(), {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


# Step 3: load generators


@dataclass
class Measurement:
    label: str
    path: str
    reader: str = field(default="anonymous", kw_only=True)
    page: str = field(default="", kw_only=True)
    ratio: float = field(default=0.0, kw_only=True)  # req/s over the ceiling's req/s
    verdict: str = field(default="", kw_only=True)  # PASS, FAIL or "" (no target)
    target: str = field(default="", kw_only=True)
    connections: int = field(default=0, kw_only=True)  # 0: the run's --connections
    queries: int = field(default=0, kw_only=True)  # search queries sent in turn
    body_bytes: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    requests: int
    non2xx: int
    errors: int
    server_cpu_pct: float  # server CPU time over the measured run's wall time, % of one core
    cpu_ms_per_request: float  # server CPU time per request: steady even on a busy machine


@dataclass(frozen=True)
class Rotation:
    """What a cell changes from the run's defaults: the paths (with their queries) its
    requests take in turn instead of the URL's, and its number of connections."""

    paths: tuple[str, ...] = ()
    connections: int | None = None
    timeout: int | None = None  # seconds before wrk drops a request as an error (its default: 2)


SAME = Rotation()  # the URL's own path, the run's connections


class LoadGenerator(Protocol):
    @property
    def description(self) -> str: ...

    def warm_up(self, url: str, headers: Sequence[str] = (), load: Rotation = SAME) -> None:
        """Loads the URL for the warm-up seconds; nothing is recorded."""
        ...

    def run(self, url: str, headers: Sequence[str] = (), load: Rotation = SAME) -> dict[str, Any]:
        """The measured run; returns loadgen.summarise()-shaped figures. `headers` are
        "Name: value" lines of one header; each request sends the next one in turn; `load`
        rotates the paths too, or sets the cell's own number of connections."""
        ...


WRK_ROTATE = r"""
-- One header (a session cookie or a bearer token) and one path (a search query) per request,
-- each taken in turn from its list when there is one, each wrk thread starting at its own
-- place in them.
local header_name = %s
local header_values = { %s }
local paths = { %s }
local started = 0
setup = function(thread)
  thread:set("offset", started * 7)
  started = started + 1
end
local index = 0
local path_index = 0
init = function(args)
  index = (offset or 0) %% math.max(#header_values, 1)
  path_index = (offset or 0) %% math.max(#paths, 1)
end
request = function()
  if #header_values > 0 then
    index = index %% #header_values + 1
    wrk.headers[header_name] = header_values[index]
  end
  local path = nil
  if #paths > 0 then
    path_index = path_index %% #paths + 1
    path = paths[path_index]
  end
  return wrk.format(nil, path, wrk.headers)
end
"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_script(headers: Sequence[str], paths: Sequence[str] = ()) -> str:
    """The Lua script: the done() hook, plus a request() rotating the headers and the paths,
    if there are any."""
    if not headers and not paths:
        return WRK_SCRIPT
    names = {line.split(":", 1)[0].strip() for line in headers}
    if len(names) > 1:
        raise ValueError(f"one header name per run, got {sorted(names)}")
    name = lua_string(names.pop()) if names else "nil"
    values = ", ".join(lua_string(line.split(":", 1)[1].strip()) for line in headers)
    rotated = ", ".join(lua_string(path) for path in paths)
    return WRK_ROTATE % (name, values, rotated) + WRK_SCRIPT


WRK_SCRIPT = r"""
done = function(summary, latency, requests)
  io.write(string.format(
    "BENCH_JSON {\"requests\":%d,\"duration_us\":%d,\"bytes\":%d,\"non2xx\":%d,\"errors\":%d," ..
    "\"mean_us\":%f,\"p50_us\":%d,\"p95_us\":%d,\"p99_us\":%d,\"max_us\":%d}\n",
    summary.requests, summary.duration, summary.bytes, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency.mean, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


@dataclass
class Wrk:
    binary: str
    threads: int
    connections: int
    duration: int
    warmup: int
    work_dir: Path

    def script(self, headers: Sequence[str], paths: Sequence[str] = ()) -> Path:
        key = (tuple(headers), tuple(paths))
        path = self.work_dir / f"wrk-{len(headers)}-{len(paths)}-{abs(hash(key))}.lua"
        if not path.exists():
            path.write_text(wrk_script(headers, paths))
        return path

    @property
    def description(self) -> str:
        version = subprocess.run(
            [self.binary, "--version"], capture_output=True, text=True
        ).stdout.split("\n")[0]
        return (
            f"{version.split(' [')[0] or 'wrk'} (-t{self.threads} -c{self.connections} -d{self.duration}s --latency,"
            f" p95 via a Lua done() hook; signed-in credentials and search queries rotated per"
            f" request by a Lua request()), warm-up {self.warmup} s"
        )

    def _argv(self, headers: Sequence[str], load: Rotation) -> list[str]:
        connections = load.connections or self.connections
        threads = min(self.threads, connections)
        script = self.script(headers, load.paths)
        timeout = [f"--timeout={load.timeout}s"] if load.timeout else []
        return [self.binary, f"-t{threads}", f"-c{connections}", *timeout, "-s", str(script)]

    def warm_up(self, url: str, headers: Sequence[str] = (), load: Rotation = SAME) -> None:
        if self.warmup > 0:
            argv = [*self._argv(headers, load), f"-d{self.warmup}s", url]
            subprocess.run(argv, capture_output=True, check=True)

    def run(self, url: str, headers: Sequence[str] = (), load: Rotation = SAME) -> dict[str, Any]:
        done = subprocess.run(
            [*self._argv(headers, load), f"-d{self.duration}s", "--latency", url],
            capture_output=True,
            text=True,
        )
        line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
        if done.returncode != 0 or line is None:
            raise RuntimeError(
                f"wrk failed ({done.returncode}) or printed no figures:\n{done.stdout}\n{done.stderr}"
            )
        raw = json.loads(line.removeprefix("BENCH_JSON "))
        seconds = raw["duration_us"] / 1e6
        return {
            "requests": raw["requests"],
            "duration_s": seconds,
            "rps": raw["requests"] / seconds,
            "mean_ms": raw["mean_us"] / 1000,
            "p50_ms": raw["p50_us"] / 1000,
            "p95_ms": raw["p95_us"] / 1000,
            "p99_ms": raw["p99_us"] / 1000,
            "max_ms": raw["max_us"] / 1000,
            "bytes": raw["bytes"],
            "non2xx": raw["non2xx"],
            "errors": raw["errors"],
        }


@dataclass
class Builtin:
    connections: int
    duration: int
    warmup: int
    procs: int

    @property
    def description(self) -> str:
        return (
            f"built-in asyncio client bench/loadgen.py (uvloop, keep-alive HTTP/1.1, {self.procs} process"
            f"{'es' if self.procs > 1 else ''}, -c{self.connections} -d{self.duration}s, signed-in credentials"
            f" rotated per request from --header-file, search queries from --path-file), warm-up"
            f" {self.warmup} s"
        )

    work_dir: Path

    def warm_up(self, url: str, headers: Sequence[str] = (), load: Rotation = SAME) -> None:
        if self.warmup > 0:
            self._loadgen(url, self.warmup, headers, load)

    def run(self, url: str, headers: Sequence[str] = (), load: Rotation = SAME) -> dict[str, Any]:
        return self._loadgen(url, self.duration, headers, load)

    def _loadgen(
        self, url: str, seconds: int, headers: Sequence[str], load: Rotation
    ) -> dict[str, Any]:
        connections = load.connections or self.connections
        argv = [sys.executable, str(BENCH / "loadgen.py"), url, "-c", str(connections)]
        argv += ["-d", str(seconds), "--warmup", "0", "--procs", str(min(self.procs, connections))]
        for flag, name, lines in (
            ("--header-file", "headers", headers),
            ("--path-file", "paths", load.paths),
        ):
            if lines:
                listed = self.work_dir / f"{name}-{len(lines)}-{abs(hash(tuple(lines)))}.txt"
                listed.write_text("".join(f"{line}\n" for line in lines))
                argv += [flag, str(listed)]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"bench/loadgen.py failed ({done.returncode}):\n{done.stderr}")
        result: dict[str, Any] = json.loads(done.stdout)
        return result


def ensure_wrk(options: Options) -> str | None:
    found = shutil.which("wrk")
    if found or not options.install_wrk:
        return found
    if os.geteuid() != 0:
        print("wrk: not on PATH and not root, so not installing it", flush=True)
        return None
    print("wrk: not on PATH, running apt-get install -y wrk", flush=True)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    if subprocess.run(["apt-get", "install", "-y", "wrk"], **quiet).returncode != 0:  # type: ignore[call-overload]
        subprocess.run(["apt-get", "update"], **quiet)  # type: ignore[call-overload]
        subprocess.run(["apt-get", "install", "-y", "wrk"], **quiet)  # type: ignore[call-overload]
    return shutil.which("wrk")


def choose_generator(options: Options, work_dir: Path) -> LoadGenerator:
    wrk = ensure_wrk(options) if options.generator != "builtin" else None
    if wrk is None and options.generator == "wrk":
        raise SystemExit(
            "error: --generator wrk but wrk is not installed (try --install-wrk as root)"
        )
    if wrk is not None:
        return Wrk(
            wrk,
            options.wrk_threads,
            options.connections,
            options.duration,
            options.warmup,
            work_dir,
        )
    return Builtin(
        options.connections, options.duration, options.warmup, options.client_procs, work_dir
    )


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its children (the uvicorn workers when --workers > 1)."""
    total = 0.0
    for one in [pid, *child_pids(pid)]:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def child_pids(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def measure(
    generator: LoadGenerator,
    process: Process,
    label: str,
    path: str,
    body_bytes: int,
    headers: Sequence[str] = (),
    reader: str = "anonymous",
    page: str = "",
    load: Rotation = SAME,
) -> Measurement:
    rotating = [f"{len(headers)} credentials"] if headers else []
    rotating += [f"{len(load.paths)} queries"] if load.paths else []
    turns = f" ({' and '.join(rotating)} in turn)" if rotating else ""
    sockets = f", {load.connections} connections" if load.connections else ""
    print(f"measuring {label}, {reader}{turns}{sockets}: {process.base}{path}", flush=True)
    generator.warm_up(process.base + path, headers, load)
    cpu_before, wall_before = cpu_seconds(process.popen.pid), time.perf_counter()
    figures = generator.run(process.base + path, headers, load)
    cpu_after, wall_after = cpu_seconds(process.popen.pid), time.perf_counter()
    if figures["requests"] == 0:
        raise RuntimeError(f"no request completed against {process.base}{path}")
    return Measurement(
        label=label,
        path=path,
        body_bytes=body_bytes,
        rps=figures["rps"],
        p50_ms=figures["p50_ms"],
        p95_ms=figures["p95_ms"],
        p99_ms=figures["p99_ms"],
        max_ms=figures["max_ms"],
        requests=figures["requests"],
        non2xx=figures["non2xx"],
        errors=figures["errors"],
        server_cpu_pct=100 * (cpu_after - cpu_before) / (wall_after - wall_before),
        cpu_ms_per_request=1000 * (cpu_after - cpu_before) / figures["requests"],
        reader=reader,
        page=page,
        connections=load.connections or 0,
        queries=len(load.paths),
    )


# Step 5: memory


@dataclass(frozen=True)
class Memory:
    """Resident memory in MiB: VmRSS now and VmHWM (the peak) of each serving process."""

    rss: dict[int, float]  # pid -> VmRSS
    hwm: dict[int, float]  # pid -> VmHWM
    serving: list[int]  # the pids that serve requests: the workers, or the one process

    @property
    def total_rss(self) -> float:
        return sum(self.rss.values())

    @property
    def worker_rss(self) -> float:
        """The largest VmRSS of a serving process: the figure DESIGN.md's "per worker" means."""
        return max((self.rss.get(pid, 0.0) for pid in self.serving), default=0.0)

    @property
    def worker_hwm(self) -> float:
        return max((self.hwm.get(pid, 0.0) for pid in self.serving), default=0.0)


def memory_mb(pid: int) -> Memory:
    """Reads /proc/PID/status of the server and of its uvicorn workers, if any."""
    children = child_pids(pid)
    rss: dict[int, float] = {}
    hwm: dict[int, float] = {}
    for one in [pid, *children]:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                if key == "VmRSS":
                    rss[one] = int(value.split()[0]) / 1024
                elif key == "VmHWM":
                    hwm[one] = int(value.split()[0]) / 1024
        except OSError:
            pass
    return Memory(rss=rss, hwm=hwm, serving=children or [pid])


# Step 6: the report


@dataclass
class Report:
    conditions: dict[str, str]
    pages: dict[str, dict[str, Any]]
    results: list[Measurement]
    ceiling: Measurement
    memory_start: Memory
    memory_end: Memory
    checks: list[tuple[str, str, bool]] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def machine_load(before: tuple[float, float, float]) -> str:
    """The 1-minute load average before and after the runs, with a warning if others were busy."""
    after = os.getloadavg()
    cpus = os.cpu_count() or 1
    text = f"1-min load average {before[0]:.2f} before the runs, {after[0]:.2f} after"
    if before[0] > 0.5 * cpus:
        text += f"  WARNING: the machine was busy before the run ({cpus} CPUs); figures are low"
    return text


def conditions(
    options: Options,
    corpus: Corpus,
    generator: LoadGenerator,
    load_before: tuple[float, float, float],
    search: SearchSetup | None = None,
) -> dict[str, str]:
    import starlette
    import tortoise
    import uvicorn

    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        affinity = os.cpu_count() or 0
    loops = [name for name in ("uvloop", "httptools") if _importable(name)]
    r = corpus.rows
    searching = {}
    if search is not None:
        searching = {
            "Search index": search.index,
            "Search queries": (
                f"{len(search.queries)} sent in turn ("
                + ", ".join(f"{n} {kind}" for kind, n in search.kinds.items())
                + f"; seed {options.seed}) drawn from {SEARCH_SAMPLE} posts and {SEARCH_SAMPLE}"
                f" thread titles; page 1, one result per thread; {options.search_connections}"
                " connections (concurrent searchers)"
            ),
        }
    return {
        "CPUs": f"{os.cpu_count()} (usable by this process: {affinity}); {cpu_model()}",
        "Python": f"{platform.python_version()} ({platform.python_implementation()}), {platform.system()} {platform.release()}",
        "Server": (
            f"python server.py serve, {options.workers} worker{'s' if options.workers > 1 else ''}, uvicorn "
            f"{uvicorn.__version__} ({' + '.join(loops) or 'asyncio + h11'}), starlette {starlette.__version__}, "
            f"tortoise-orm {tortoise.__version__}"
        ),
        "Database": corpus.database_label,
        "Corpus": (
            f"{r['communities']:,} communities, {r['users']:,} users, {r['threads']:,} threads, {r['posts']:,} posts "
            f"(seed {options.seed}); "
            + (
                f"loaded in {corpus.load_seconds:.1f} s"
                if corpus.load_seconds
                else f"reused from {options.corpus}"
            )
        ),
        "Readers": (
            ", ".join(options.readers)
            + f" (signed in: {len(corpus.sessions['member'])} members with a session and an API"
            f" token each, the admin with {len(corpus.sessions['admin'])}; rotated per request)"
        ),
        "Load": f"GET, {options.connections} connections, {options.duration} s per URL after {options.warmup} s warm-up",
        **searching,
        "Load generator": generator.description,
        "Machine load": machine_load(load_before),
    }


def _importable(name: str) -> bool:
    try:
        __import__(name)
        return True
    except ImportError:
        return False


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


# The targets (2-core machine, wrk -t2 -c32 -d20s --latency).
TARGET_RPS = 1_500  # at 100,000 posts: every page, every reader
TARGET_P99_MS = 50  # at 100,000 posts: every page, every reader
TARGET_ANON_LIST_RPS = 2_500  # at 100,000 posts: anonymous home, directory and community list
TARGET_SIGNED_IN_1M_RPS = 1_000  # at 1,000,000 posts: every page signed in
MILLION = 1_000_000
# Search (DESIGN.md): at 100,000 posts, with two workers, 8 concurrent searchers get p95 < 60 ms.
TARGET_SEARCH_P95_MS = 60
TARGET_SEARCH_CONNECTIONS = 8
TARGET_SEARCH_WORKERS = 2
SEARCH_TARGET = (
    f"search: {TARGET_SEARCH_CONNECTIONS} concurrent searchers, p95 < {TARGET_SEARCH_P95_MS} ms"
)


def target_for(m: Measurement, posts: int) -> tuple[str, bool] | None:
    """The target a cell is held to, and whether it met it; None when none applies."""
    if m.page in SEARCH_PAGES:
        ok = m.p95_ms < TARGET_SEARCH_P95_MS and m.non2xx + m.errors == 0
        return f"p95 < {TARGET_SEARCH_P95_MS} ms", ok
    if posts >= MILLION:
        if m.reader == "anonymous":
            return None
        return f">= {TARGET_SIGNED_IN_1M_RPS:,} req/s", m.rps >= TARGET_SIGNED_IN_1M_RPS
    rps = TARGET_RPS
    if m.reader == "anonymous" and m.page in ("home", "directory", "list"):
        rps = TARGET_ANON_LIST_RPS
    ok = m.rps >= rps and m.p99_ms <= TARGET_P99_MS and m.non2xx + m.errors == 0
    return f">= {rps:,} req/s, p99 <= {TARGET_P99_MS} ms", ok


def search_guide(posts: int, workers: int, connections: int) -> list[str]:
    """Why a search verdict is only a guide: the run's conditions that differ from the target's."""
    notes = []
    if workers != TARGET_SEARCH_WORKERS:
        notes.append(
            f"the target is stated for --workers {TARGET_SEARCH_WORKERS}, this run has {workers}"
        )
    if connections != TARGET_SEARCH_CONNECTIONS:
        notes.append(
            f"measured with {connections} connections, the target is for {TARGET_SEARCH_CONNECTIONS}"
        )
    if posts != 100_000:
        notes.append(f"the corpus has {posts:,} posts, the target is for 100,000")
    return notes


def check_targets(
    report: Report,
    posts: int,
    workers: int = 1,
    search_connections: int = TARGET_SEARCH_CONNECTIONS,
) -> None:
    for m in report.results:
        m.ratio = m.rps / report.ceiling.rps if report.ceiling.rps else float("nan")
        verdict = target_for(m, posts)
        if verdict is not None:
            m.target, ok = verdict
            m.verdict = "PASS" if ok else "FAIL"
    if posts >= MILLION:
        report.targets = [
            f"at 1,000,000 posts: signed-in (member, admin) cells >= {TARGET_SIGNED_IN_1M_RPS:,} req/s;"
            " anonymous cells have no target there"
        ]
    else:
        report.targets = [
            f"at 100,000 posts: every cell >= {TARGET_RPS:,} req/s with p99 <= {TARGET_P99_MS} ms and"
            f" no errors; anonymous home, directory and community list >= {TARGET_ANON_LIST_RPS:,} req/s",
        ]
        if posts != 100_000:
            report.targets.append(
                f"(this corpus has {posts:,} posts: the 100,000-post targets are applied as a guide)"
            )
    searched = [m for m in report.results if m.page in SEARCH_PAGES]
    if searched:
        guide = search_guide(posts, workers, search_connections)
        report.targets.append(
            f"search cells: at 100,000 posts with --workers {TARGET_SEARCH_WORKERS}, "
            f"{TARGET_SEARCH_CONNECTIONS} concurrent searchers get p95 < {TARGET_SEARCH_P95_MS} ms"
            + (f" (a guide here: {'; '.join(guide)})" if guide else "")
        )
    report.checks = []
    if searched:
        got = ", ".join(f"{m.label} {m.reader} p95 {m.p95_ms:.1f} ms" for m in searched)
        errors = sum(m.non2xx + m.errors for m in searched)
        got += f", {errors} errors" if errors else ""
        guide = search_guide(posts, workers, search_connections)
        got += f" (guide only: {'; '.join(guide)})" if guide else ""
        report.checks.append((SEARCH_TARGET, got, all(m.verdict == "PASS" for m in searched)))
    rss = report.memory_end.worker_rss
    report.checks.append(
        (f"server RSS <= {TARGET_RSS_MB} MB per worker", f"{rss:.1f} MiB", rss <= TARGET_RSS_MB)
    )


def format_report(report: Report) -> str:
    out: list[str] = ["", "Chaupal page benchmark", "=" * 22, "", "Conditions"]
    width = max(len(k) for k in report.conditions)
    out += [f"  {k.ljust(width)}  {v}" for k, v in report.conditions.items()]
    out += ["", "Pages measured (each fetched once per reader before the runs)"]
    for label, page in report.pages.items():
        out.append(
            f"  {label.ljust(34)} {page['path']:<28} {page['bytes']:>9,} bytes  {page['what']}"
        )

    header = (
        "page",
        "reader",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "errors",
        "srv CPU",
        "CPU ms/req",
        "bytes",
        "/ceiling",
        "target",
    )
    rows = [
        (
            f"{m.label} (-c{m.connections})" if m.connections else m.label,
            m.reader,
            f"{m.rps:,.0f}",
            f"{m.p50_ms:.1f}",
            f"{m.p95_ms:.1f}",
            f"{m.p99_ms:.1f}",
            f"{m.max_ms:.1f}",
            f"{m.non2xx + m.errors}",
            f"{m.server_cpu_pct:.0f}%",
            f"{m.cpu_ms_per_request:.2f}",
            f"{m.body_bytes:,}",
            "1" if m is report.ceiling else "-" if m.page in SEARCH_PAGES else f"{m.ratio:.3f}",
            m.verdict or "-",
        )
        for m in [*report.results, report.ceiling]
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  " + "  ".join(
            str(c).ljust(widths[i]) if i < 2 else str(c).rjust(widths[i])
            for i, c in enumerate(cells)
        )

    out += ["", "Results", line(header), "  " + "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows[:-1]]
    out += ["  " + "  ".join("-" * w for w in widths), line(rows[-1])]
    out += [f"  skipped: {what}" for what in report.skipped]
    out += [
        f"  /ceiling = the cell's req/s over the ceiling's ({report.ceiling.rps:,.0f} req/s: bare Starlette"
        f" + uvicorn serving the anonymous thread page's {report.ceiling.body_bytes:,} bytes)",
        "  target: " + "; ".join(report.targets),
        "",
        "Server memory (VmRSS from /proc/PID/status; per serving process, the largest if several)",
        f"  after start-up and one fetch of each page: {report.memory_start.worker_rss:.1f} MiB",
        f"  after the runs:                            {report.memory_end.worker_rss:.1f} MiB"
        f"  (peak VmHWM {report.memory_end.worker_hwm:.1f} MiB)",
        *(
            [
                f"  all {len(report.memory_end.rss)} processes together (supervisor + workers): "
                f"{report.memory_end.total_rss:.1f} MiB"
            ]
            if len(report.memory_end.rss) > 1
            else []
        ),
        "",
        "Targets",
    ]
    held = [m for m in report.results if m.page not in SEARCH_PAGES]  # search: its own line
    failed = [m for m in held if m.verdict == "FAIL"]
    passed = [m for m in held if m.verdict == "PASS"]
    if held:
        out.append(
            f"  {'PASS' if not failed else 'FAIL'}  pages: {len(passed)} of {len(passed) + len(failed)} cells"
            " meet their target"
            + (": failing " + ", ".join(f"{m.label}/{m.reader}" for m in failed) if failed else "")
        )
    out += [
        f"  {'PASS' if ok else 'FAIL'}  {what:<34} measured {got}"
        for what, got, ok in report.checks
    ]
    out.append("")
    return "\n".join(out)


# The whole run


PAGE_LABELS = {
    "home": "home",
    "directory": "community directory",
    "list": "community thread list",
    "thread": "thread page",
    "notifications": "notifications",
    "json": "thread JSON",
    "search": "search",
    "search-json": "search JSON",
}


def page_path(page: str, corpus: Corpus) -> str:
    return {
        "home": "/",
        "directory": "/communities",
        "list": f"/c/{corpus.community_slug}",
        "thread": f"/t/{corpus.thread_id}",
        "notifications": "/notifications",
        "json": f"/api/v1/threads/{corpus.thread_id}",
    }[page]


def search_path(page: str, query: str) -> str:
    """The search page (forum/web/search.py) or the search API (shared/API.md) for a query:
    page 1, one result per thread, as a person's first search."""
    base = "/search" if page == "search" else "/api/v1/search"
    return f"{base}?{urlencode({'q': query})}"


def credentials(page: str, reader: str, corpus: Corpus) -> list[str]:
    """The header lines a reader's requests carry in turn: none for anonymous readers."""
    if reader == "anonymous":
        return []
    if page in ("json", "search-json"):
        return [f"Authorization: Bearer {token}" for token in corpus.api_tokens[reader]]
    return [f"Cookie: chaupal_session={token}" for token in corpus.sessions[reader]]


@dataclass(frozen=True)
class Cell:
    page: str
    reader: str
    path: str  # the first of `paths` when the cell rotates them
    headers: tuple[str, ...]
    paths: tuple[str, ...] = ()  # sent in turn (the search queries)
    connections: int | None = None  # the cell's own, instead of --connections

    @property
    def load(self) -> Rotation:
        # A search answer slower than wrk's 2 s would be dropped as a timeout, not counted in
        # the latency: the search cells wait for it.
        timeout = SEARCH_TIMEOUT_S if self.page in SEARCH_PAGES else None
        return Rotation(self.paths, self.connections, timeout)


def cells(
    options: Options, corpus: Corpus, queries: Sequence[str] = ()
) -> tuple[list[Cell], list[str]]:
    chosen: list[Cell] = []
    skipped: list[str] = []
    for page in options.pages:
        for reader in options.readers:
            if page == "notifications" and reader == "anonymous":
                skipped.append("notifications, anonymous (a redirect to sign in, nothing to serve)")
                continue
            headers = tuple(credentials(page, reader, corpus))
            if page in SEARCH_PAGES:
                if not queries:
                    raise ValueError("the search cells need queries")
                paths = tuple(search_path(page, q) for q in queries)
                chosen.append(
                    Cell(page, reader, paths[0], headers, paths, options.search_connections)
                )
            else:
                chosen.append(Cell(page, reader, page_path(page, corpus), headers))
    return chosen, skipped


def fail(server: Process, cell: Cell, why: str, body: bytes, path: str | None = None) -> SystemExit:
    return SystemExit(
        f"error: GET {path or cell.path} as {cell.reader}: {why}\n{body[:500]!r}\n{tail(server.log)}"
    )


def check_view(server: Process, cell: Cell, body: bytes, path: str | None = None) -> None:
    """An HTML page must be the reader's own view: signed in or not, admin or not."""
    signed_in = b"Sign out" in body
    if signed_in != (cell.reader != "anonymous"):
        raise fail(server, cell, f"expected the {cell.reader} view", body, path)
    if cell.reader == "admin" and b'href="/moderation"' not in body:
        raise fail(server, cell, "the admin's page has no link to /moderation", body, path)
    if cell.reader == "member" and b'href="/moderation"' in body:
        raise fail(server, cell, "an ordinary member's page links to /moderation", body, path)


SEARCH_HIT = b'<li class="card search-hit">'  # templates/search.html, one per result shown
SEARCH_TOTAL = re.compile(rb'<h2 class="section-title">([\d,]+) results?\b')
SEARCH_SPOT_CHECKS = 5  # queries checked for each further reader of a search page
SEARCH_TIMEOUT_S = 30  # wrk --timeout of the search cells


def query_kind(query: str) -> str:
    """one-word, two-word or phrase: the kinds search_queries draws."""
    if query.startswith('"'):
        return "phrase"
    return "two-word" if " " in query else "one-word"


def percentile_ms(times: Sequence[float], fraction: float) -> float:
    ordered = sorted(times)
    return 1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def search_results(page: str, body: bytes) -> tuple[int, int, bool]:
    """(results shown, total found, whether it fell back to any word) of a search answer."""
    if page == "search-json":
        found = json.loads(body)
        return len(found["items"]), int(found["total"]), found.get("fallback") == "any"
    match = SEARCH_TOTAL.search(body)
    total = int(match.group(1).replace(b",", b"")) if match else 0
    return body.count(SEARCH_HIT), total, b"No result has every word" in body


def search_facts(server: Process, cell: Cell, every: bool, threads: int = 0) -> dict[str, Any]:
    """Runs the cell's queries (all of them, or the first few when another reader of the same
    page already ran them all) and fails unless each has results: an empty or partial index
    would be fast and measure nothing."""
    paths = cell.paths if every else cell.paths[:SEARCH_SPOT_CHECKS]
    header = cell.headers[0] if cell.headers else None
    sizes: list[int] = []
    totals: list[int] = []
    fallbacks = 0
    alone: dict[str, list[float]] = {}  # kind of query -> seconds, one request at a time
    for path in paths:
        started = time.perf_counter()
        status, body, _ = get(server.port, path, header=header)
        took = time.perf_counter() - started
        alone.setdefault(query_kind(unquote_plus(path.partition("?q=")[2])), []).append(took)
        if status != 200:
            raise fail(server, cell, f"answered {status}", body, path)
        if cell.page == "search":
            check_view(server, cell, body, path)
        shown, total, fallback = search_results(cell.page, body)
        if shown == 0 or total == 0:
            raise fail(
                server,
                cell,
                f"no results for {unquote_plus(path.partition('?q=')[2])!r}: is the search index"
                " empty? (--reindex auto or always builds it)",
                body,
                path,
            )
        sizes.append(len(body))
        totals.append(total)
        fallbacks += fallback
    checked = "each checked" if every else f"the first {len(paths)} checked"
    what = (
        f"{len(cell.paths)} queries in turn, {checked}: {min(totals):,} to {max(totals):,}"
        f" results, median {int(statistics.median(totals)):,}"
        # One result per thread: how broad the queries are, which is most of what they cost.
        + (f" ({statistics.median(totals) / threads:.0%} of the threads)" if threads else "")
        + (f", {fallbacks} by any word" if fallbacks else "")
    )
    if every:  # each query once, one at a time, on a new connection: a lone searcher
        what += "; alone, p50/p95 ms: " + ", ".join(
            f"{kind} {percentile_ms(times, 0.5):.0f}/{percentile_ms(times, 0.95):.0f}"
            for kind, times in alone.items()
        )
    base = cell.path.partition("?")[0]
    return {"path": f"{base}?q=...", "bytes": int(statistics.median(sizes)), "what": what}


def page_facts(server: Process, corpus: Corpus, chosen: list[Cell]) -> dict[str, dict[str, Any]]:
    """Fetches each measured URL once per reader: checks the status, that the page is that
    reader's view (signed in or not, admin or not) and its shape; records its size. A search
    cell's queries each must have results."""
    facts: dict[str, dict[str, Any]] = {}
    searched: set[str] = set()
    for cell in chosen:
        if cell.page in SEARCH_PAGES:
            label = f"{PAGE_LABELS[cell.page]}, {cell.reader}"
            facts[label] = search_facts(
                server, cell, every=cell.page not in searched, threads=corpus.rows.get("threads", 0)
            )
            searched.add(cell.page)
            continue
        status, body, _ = get(
            server.port, cell.path, header=cell.headers[0] if cell.headers else None
        )
        if status != 200:
            raise fail(server, cell, f"answered {status}", body)
        if cell.page != "json":
            check_view(server, cell, body)
        if cell.page == "thread":
            posts = body.count(b'<li class="post')
            what = f"{posts} posts"
            if posts != TARGET_POSTS:
                raise fail(server, cell, f"expected {TARGET_POSTS} posts, found {posts}", body)
        elif cell.page == "json":
            shown = len(json.loads(body)["posts"])
            if shown != TARGET_POSTS:
                raise fail(server, cell, f"expected {TARGET_POSTS} posts, found {shown}", body)
            what = f"{shown} posts"
            if cell.headers:
                me_status, me, _ = get(server.port, "/api/v1/me", header=cell.headers[0])
                if me_status != 200:
                    raise fail(
                        server, cell, f"the token is refused by /api/v1/me ({me_status})", me
                    )
                what += f", as @{json.loads(me).get('username', '?')}"
        elif cell.page == "notifications":
            items = body.count(b'<li class="card')
            if items == 0:
                raise fail(server, cell, "no notifications listed", body)
            what = f"{items} notifications, {body.count(b'card unread')} unread"
        elif cell.page == "directory":
            cards = body.count(b'<article class="community-card')
            if cards == 0:
                raise fail(server, cell, "no community cards", body)
            what = f"{cards} community cards"
        else:
            rows = body.count(b'class="thread-row')
            if rows == 0:
                raise fail(server, cell, "no thread rows", body)
            what = f"{rows} thread rows"
            if cell.page == "list":
                what += f" (of {corpus.community_threads:,} in the community)"
        label = f"{PAGE_LABELS[cell.page]}, {cell.reader}"
        facts[label] = {"path": cell.path, "bytes": len(body), "what": what, "body": body}
    check_all_credentials(server, corpus, chosen)
    return facts


def check_all_credentials(server: Process, corpus: Corpus, chosen: list[Cell]) -> None:
    """Every rotated credential must sign its person in, or the run would mix in anonymous views."""
    for reader in {c.reader for c in chosen if c.headers}:
        for line in credentials("home", reader, corpus):
            status, body, _ = get(server.port, "/settings", header=line)
            if status != 200 or b"Sign out" not in body:
                raise SystemExit(f"error: a {reader} session does not sign in ({status})")
        for line in credentials("json", reader, corpus):
            status, body, _ = get(server.port, "/api/v1/me", header=line)
            if status != 200:
                raise SystemExit(f"error: a {reader} API token is refused ({status})")


def prepare_data_dir(options: Options, work_dir: Path) -> tuple[Path, bool]:
    """The data dir to serve, and whether a corpus must be built in it."""
    if options.corpus:
        return Path(options.corpus).resolve(), False
    if options.keep_corpus:
        data_dir = Path(options.keep_corpus).resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        if any(data_dir.iterdir()):
            raise SystemExit(f"error: --keep-corpus {data_dir} is not empty")
        return data_dir, True
    data_dir = work_dir / "data"
    data_dir.mkdir()
    return data_dir, True


def run(options: Options) -> Report | None:
    work_dir = Path(tempfile.mkdtemp(prefix="chaupal-bench-"))
    data_dir, build = prepare_data_dir(options, work_dir)
    created_db: tuple[str, str] | None = None
    print(f"temp dir: {work_dir}; data dir: {data_dir}", flush=True)
    try:
        if options.database_url and options.create_database:
            database_url, name = create_pg_database(options.database_url)
            created_db = (options.database_url, name)
        elif options.database_url:
            database_url = options.database_url
        else:
            database_url = f"sqlite://{data_dir / SQLITE_FILE}"
        if build:
            corpus = build_corpus(options, data_dir, database_url)  # step 1
        else:
            corpus = load_corpus(data_dir)
            database_url = corpus.database_url
            print(f"corpus: reusing {data_dir} ({corpus.posts:,} posts)", flush=True)
        env = server_env(data_dir, database_url, secrets.token_urlsafe(48))
        search: SearchSetup | None = None
        if set(options.pages) & set(SEARCH_PAGES):  # step 1b
            if options.build_only:  # so that the kept corpus has its index
                build_search_index(options, env, build, work_dir / "reindex.log")
            else:
                search = prepare_search(options, env, database_url, build, work_dir / "reindex.log")
                print(
                    f"search queries: {len(search.queries)} in turn ("
                    + ", ".join(f"{n} {kind}" for kind, n in search.kinds.items())
                    + f"), e.g. {', '.join(search.queries[:3])}",
                    flush=True,
                )
        if options.build_only:
            return None
        generator = choose_generator(options, work_dir)
        print(f"load generator: {generator.description}", flush=True)
        chosen, skipped = cells(options, corpus, search.queries if search else ())

        load_before = os.getloadavg()
        server = start_server(options, data_dir, env)  # step 2
        try:
            pages = page_facts(server, corpus, chosen)
            memory_start = memory_mb(server.popen.pid)
            results = [  # step 3
                measure(
                    generator,
                    server,
                    PAGE_LABELS[cell.page],
                    cell.path,
                    pages[f"{PAGE_LABELS[cell.page]}, {cell.reader}"]["bytes"],
                    cell.headers,
                    cell.reader,
                    cell.page,
                    cell.load,
                )
                for cell in chosen
            ]
            memory_end = memory_mb(server.popen.pid)  # step 5
            anonymous_thread = None
            if "thread" not in options.pages or "anonymous" not in options.readers:
                status, anonymous_thread, _ = get(server.port, page_path("thread", corpus))
                assert status == 200
        finally:
            stop_process(server)

        page_file = work_dir / "thread_page.html"  # step 4
        page_file.write_bytes(anonymous_thread or pages["thread page, anonymous"]["body"])
        ceiling_app = start_ceiling(page_file, work_dir / "ceiling.log", options.workers)
        try:
            status, body, _ = get(ceiling_app.port, "/")
            assert status == 200 and len(body) == page_file.stat().st_size
            ceiling = measure(generator, ceiling_app, "ceiling (same bytes)", "/", len(body))
            ceiling.reader = "-"
        finally:
            stop_process(ceiling_app)

        report = Report(  # step 6
            conditions=conditions(options, corpus, generator, load_before, search),
            pages={
                k: {key: v for key, v in page.items() if key != "body"} for k, page in pages.items()
            },
            results=results,
            ceiling=ceiling,
            memory_start=memory_start,
            memory_end=memory_end,
            skipped=skipped,
        )
        check_targets(report, corpus.posts, options.workers, options.search_connections)
        return report
    finally:
        if created_db and not options.keep:
            drop_pg_database(*created_db)
        if options.keep:
            print(
                f"kept: {work_dir}" + (f" and database {created_db[1]}" if created_db else ""),
                flush=True,
            )
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
        if options.keep_corpus:
            print(f"corpus kept in {data_dir}: reuse it with --corpus {data_dir}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    report = run(options)
    if report is None:  # --build-only
        return 0
    print(format_report(report))
    if options.json_out:
        Path(options.json_out).write_text(
            json.dumps(
                {
                    "conditions": report.conditions,
                    "pages": report.pages,
                    "results": [asdict(m) for m in report.results],
                    "ceiling": asdict(report.ceiling),
                    "memory_start_mib": asdict(report.memory_start),
                    "memory_end_mib": asdict(report.memory_end),
                    "checks": [
                        {"target": w, "measured": g, "pass": ok} for w, g, ok in report.checks
                    ],
                    "targets": report.targets,
                    "skipped": report.skipped,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
