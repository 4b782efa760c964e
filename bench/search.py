"""Indexing rate and query latency of Chaupal's Whoosh search, against SQLite FTS5 on the same corpus.

    .venv/bin/python bench/search.py             # full run: 100,000 posts in ~2,000 threads
    .venv/bin/python bench/search.py --quick     # smoke run: 5,000 posts
    .venv/bin/python bench/search.py --profile   # also cProfile a few queries and time the stages

Needs `wordfreq` (a bench-only dependency, not in pyproject.toml):

    .venv/bin/pip install wordfreq

Steps (one function each, below):
 1. build a corpus of posts whose words are sampled from wordfreq's English and Hindi frequency
    lists (fixed seed): ~75% English, ~20% Hindi, ~5% mixed; 30-200 words a post, 5-12 words a
    title, ~1 thread per 50 posts across 20 communities, tags from a small vocabulary, 500 authors;
 2. turn it into documents of the shape search/documents.py builds (no database involved);
 3. bulk-index them with WhooshIndex.rebuild(procs=N), as `reindex --procs N` does, for each N
    of --procs (default 1 and 2);
 4. time one-word, two-word and phrase queries through WhooshIndex.search, as a reader of 15 of
    the 20 communities, at 1 and 8 concurrent threads;
 5. time single-post WhooshIndex.apply() calls (what the outbox writer does per new reply), and
    apply() until a search in the reading thread sees the post;
 6. the same corpus and queries in SQLite FTS5 (stdlib sqlite3) as a reference;
 7. print the conditions and a table, with Chaupal/FTS5 ratios.

Nothing here touches the forum database or the application's data directory: everything is built
in a temporary directory, removed at the end (keep it with --keep).
"""

from __future__ import annotations

import argparse
import bisect
import cProfile
import io
import os
import platform
import pstats
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # the search package, when run as bench/search.py

try:
    import wordfreq
except ImportError:  # pragma: no cover - depends on the environment
    sys.stderr.write(
        "bench/search.py needs the bench-only package 'wordfreq' for its word lists:\n"
        "    .venv/bin/pip install wordfreq\n"
        "(it is deliberately not a dependency in pyproject.toml)\n"
    )
    raise SystemExit(2) from None

from search.analysis import WORD  # noqa: E402
from search.port import Filters  # noqa: E402
from search.whoosh_format import day_number  # noqa: E402
from search.whoosh_index import WhooshIndex  # noqa: E402

SEED = 20_240_601
COMMUNITIES = 20
READABLE = 15  # communities a typical non-admin reader may read
AUTHORS = 500
VOCABULARY = 20_000  # words per language taken from wordfreq
PER_PAGE = 20
TARGET_INDEX_RATE = 2_000  # posts/s, bulk
TARGET_P95_MS = 30.0  # query p95 at 100k posts
INCREMENTAL_RUNS = 50
# Rank bands (0-based, in wordfreq's list of the language) that queries draw their words from.
COMMON_BAND = (50, 500)
MID_BAND = (500, 5_000)
PHRASE_MIN_RANK = 50  # phrase words are taken from real post text, skipping the ~50 commonest
QUERY_KINDS = ("one word", "two words", "phrase")
TAGS = (
    "rti", "pension", "transfer", "leave", "gpf", "promotion", "training", "e-office",
    "procurement", "gem", "audit", "budget", "cag", "ltc", "medical", "housing", "recruitment",
    "apar", "vigilance", "court-case", "circular", "pay-commission", "tds", "it", "hindi",
    "swachh-bharat", "aadhaar", "digital-india", "grievance", "cpgrams",
)  # fmt: skip
FIRST_NAMES = (
    "aarav", "vivaan", "aditya", "arjun", "sai", "ishaan", "rohan", "kabir", "ananya", "diya",
    "priya", "kavya", "meera", "lakshmi", "sunita", "rajesh", "suresh", "ramesh", "anil", "vijay",
    "pooja", "neha", "deepak", "manoj", "sanjay", "rekha", "geeta", "arun", "kiran", "farhan",
    "imran", "ayesha", "simran", "harpreet", "gurpreet", "tenzin", "lalremruata", "biju", "anu",
)  # fmt: skip


# Options


@dataclass(frozen=True)
class Options:
    posts: int
    threads: int
    queries: int  # per query kind and engine
    concurrency: tuple[int, ...]
    seed: int
    procs: tuple[int, ...]  # indexing processes for each bulk build; queries use the last
    fts5: bool
    fts5_tokenize: str
    profile: bool
    keep: bool
    group: str = "thread"  # how results are listed: one per thread (the default) or per post


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n", 1)[0],
        epilog="See bench/README.md (section 'bench/search.py') for how to read the output.",
    )
    parser.add_argument("--posts", type=int, default=100_000, help="posts in the corpus")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 5,000 posts, fewer queries"
    )
    parser.add_argument(
        "--threads", type=int, default=0, help="forum threads (default: posts / 50, at least 20)"
    )
    parser.add_argument("--queries", type=int, default=0, help="queries per kind (default 200)")
    parser.add_argument(
        "--concurrency", default="1,8", help="concurrent searcher threads, comma-separated"
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--procs",
        default="1,2",
        help="bulk-index once per value with that many processes (reindex --procs N); "
        "queries run on the last index built",
    )
    parser.add_argument("--no-fts5", action="store_true", help="skip the SQLite FTS5 reference")
    parser.add_argument(
        "--fts5-tokenize",
        default="unicode61",
        help="FTS5 tokenize= argument (default unicode61, which splits Hindi at vowel signs; "
        "\"unicode61 categories 'L* N* Co M*'\" keeps Hindi words whole like Chaupal does)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile some queries and time their stages"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir with the indexes")
    parser.add_argument(
        "--group",
        choices=("thread", "post"),
        default="thread",
        help="list results one per thread (the default, as the forum does) or one per post",
    )
    args = parser.parse_args(argv)
    posts = 5_000 if args.quick and args.posts == 100_000 else args.posts
    if posts < 100:
        parser.error("--posts must be at least 100")
    threads = args.threads or max(20, round(posts / 50))
    queries = args.queries or (60 if args.quick else 200)
    concurrency = tuple(int(c) for c in args.concurrency.split(",") if c.strip())
    return Options(
        posts=posts,
        threads=min(threads, posts),
        queries=queries,
        concurrency=concurrency or (1,),
        seed=args.seed,
        procs=tuple(int(p) for p in args.procs.split(",")),
        fts5=not args.no_fts5,
        fts5_tokenize=args.fts5_tokenize,
        profile=args.profile,
        keep=args.keep,
        group=args.group,
    )


# 1. Corpus


class Language:
    """One wordfreq list: words in rank order and cumulative weights for weighted sampling."""

    def __init__(self, code: str) -> None:
        words: list[str] = []
        for word in wordfreq.top_n_list(code, VOCABULARY):
            # Keep what Chaupal's tokenizer reads as one word, so both engines see the same words.
            if WORD.fullmatch(word) and not word.isdigit():
                words.append(word)
        self.code = code
        self.words = words
        self.rank = {w: i for i, w in enumerate(words)}
        total = 0.0
        self.cum: list[float] = []
        for word in words:
            total += wordfreq.word_frequency(word, code)
            self.cum.append(total)

    def sample(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cum, k=k)

    def sample_band(self, rng: random.Random, band: tuple[int, int]) -> str:
        lo, hi = band
        base = self.cum[lo - 1] if lo else 0.0
        x = base + rng.random() * (self.cum[hi - 1] - base)
        return self.words[min(bisect.bisect_left(self.cum, x, lo, hi), hi - 1)]


@dataclass
class Post:
    post_id: int
    thread: int  # index into Corpus.threads
    number: int  # 1 = the opening post
    author: str
    created: datetime
    body: str


@dataclass
class ForumThread:
    thread_id: int
    community_id: int
    title: str
    tags: list[str]
    author: str
    created: datetime
    last_activity: datetime = field(default_factory=datetime.now)
    posts: list[Post] = field(default_factory=list)


@dataclass
class Corpus:
    threads: list[ForumThread]
    posts: list[Post]
    en: Language
    hi: Language
    words_by_lang: dict[str, int]


def _text(rng: random.Random, en: Language, hi: Language, n: int, lang: str) -> str:
    if lang == "en":
        words = en.sample(rng, n)
    elif lang == "hi":
        words = hi.sample(rng, n)
    else:  # mixed: runs of English and Hindi, as people code-switch
        words = []
        while len(words) < n:
            source = en if rng.random() < 0.65 else hi
            words.extend(source.sample(rng, min(n - len(words), rng.randint(2, 8))))
    # Sentences of 6-18 words: capitalised, full stop (or danda for Hindi).
    out: list[str] = []
    i = 0
    while i < n:
        size = rng.randint(6, 18)
        sentence = words[i : i + size]
        i += size
        if sentence[0].isascii():
            sentence[0] = sentence[0].capitalize()
        end = "।" if lang == "hi" else "."
        out.append(" ".join(sentence) + end)
    return " ".join(out)


def _language(rng: random.Random) -> str:
    x = rng.random()
    return "en" if x < 0.75 else "hi" if x < 0.95 else "mixed"


def build_corpus(options: Options) -> Corpus:
    rng = random.Random(options.seed)
    en, hi = Language("en"), Language("hi")
    authors = sorted(
        {
            f"{rng.choice(FIRST_NAMES)}{rng.choice(['', '_', '.'])}{rng.randint(1, 999)}"
            for _ in range(AUTHORS * 2)
        }
    )[:AUTHORS]
    rng.shuffle(authors)
    # Activity is skewed: a few communities, threads and authors account for most posts.
    community_weights = [1.0 / (i + 1) ** 0.8 for i in range(COMMUNITIES)]
    author_weights = [1.0 / (i + 1) ** 0.9 for i in range(AUTHORS)]
    start = datetime(2025, 1, 1)  # naive UTC, as the index stores datetimes
    span = timedelta(days=365).total_seconds()

    threads: list[ForumThread] = []
    for t in range(options.threads):
        lang = _language(rng)
        title = _text(rng, en, hi, rng.randint(5, 12), lang).rstrip(".।")
        threads.append(
            ForumThread(
                thread_id=t + 1,
                community_id=rng.choices(range(1, COMMUNITIES + 1), community_weights)[0],
                title=title,
                tags=rng.sample(TAGS, rng.choice((0, 1, 1, 2, 2, 3))),
                author=rng.choices(authors, author_weights)[0],
                created=start + timedelta(seconds=rng.random() * span * 0.9),
            )
        )
    # Every thread has its opening post; the other posts go to threads with a Pareto skew.
    thread_weights = [rng.paretovariate(1.2) for _ in threads]
    owners = list(range(len(threads))) + rng.choices(
        range(len(threads)), thread_weights, k=options.posts - len(threads)
    )
    counts = [0] * len(threads)
    for owner in owners:
        counts[owner] += 1
    posts: list[Post] = []
    words_by_lang = {"en": 0, "hi": 0, "mixed": 0}
    post_id = 0
    for thread, count in zip(threads, counts, strict=True):
        when = thread.created
        for number in range(1, count + 1):
            post_id += 1
            lang = _language(rng)
            n = rng.randint(30, 200)
            words_by_lang[lang] += 1
            if number > 1:
                when += timedelta(seconds=rng.expovariate(1 / 3600))
            post = Post(
                post_id=post_id,
                thread=thread.thread_id - 1,
                number=number,
                author=thread.author if number == 1 else rng.choices(authors, author_weights)[0],
                created=when,
                body=_text(rng, en, hi, n, lang),
            )
            thread.posts.append(post)
            posts.append(post)
        thread.last_activity = when
    return Corpus(threads=threads, posts=posts, en=en, hi=hi, words_by_lang=words_by_lang)


# 2. Documents (the shape of search/documents.py thread_doc / post_doc, without a database)


def document(corpus: Corpus, post: Post) -> dict[str, Any]:
    thread = corpus.threads[post.thread]
    tags = ",".join(thread.tags)
    base = {
        "thread_id": str(thread.thread_id),
        "community_id": str(thread.community_id),
        "community": f"community-{thread.community_id}",
        "thread_title": thread.title,
        "tags": tags,
    }
    stamp = post.created.isoformat() + "+00:00"
    if post.number == 1:
        return {
            **base,
            "doc_id": f"t:{thread.thread_id}",
            "kind": "thread",
            "post_id": post.post_id,
            "title": thread.title,
            "body": post.body,
            "author": post.author,
            "created": post.created,
            "day": day_number(post.created),
            "stamp": f"{thread.title}|{tags}|{thread.community_id}|{stamp}",
        }
    return {
        **base,
        "doc_id": f"p:{post.post_id}",
        "kind": "post",
        "post_id": post.post_id,
        "body": post.body,
        "author": post.author,
        "created": post.created,
        "day": day_number(post.created),
        "stamp": f"{thread.community_id}|{stamp}",
    }


# Queries


@dataclass(frozen=True)
class Query:
    kind: str
    words: tuple[str, ...]

    @property
    def chaupal(self) -> str:
        text = " ".join(self.words)
        return f'"{text}"' if self.kind == "phrase" else text

    @property
    def fts5(self) -> str:
        def quoted(s: str) -> str:
            return '"' + s.replace('"', '""') + '"'

        if self.kind == "phrase":
            return quoted(" ".join(self.words))
        return " ".join(quoted(w) for w in self.words)  # implicit AND, like Chaupal


def build_queries(corpus: Corpus, per_kind: int, seed: int) -> dict[str, list[Query]]:
    """Words drawn by frequency from the common and mid-frequency bands of the corpus's own
    lists (80% English, 20% Hindi); phrases are two adjacent words of a random post."""
    rng = random.Random(seed + 1)

    def word() -> str:
        lang = corpus.en if rng.random() < 0.8 else corpus.hi
        return lang.sample_band(rng, COMMON_BAND if rng.random() < 0.5 else MID_BAND)

    def phrase() -> tuple[str, ...]:
        while True:
            post = rng.choice(corpus.posts)
            tokens = [m.group(0) for m in WORD.finditer(post.body)]
            i = rng.randrange(len(tokens) - 1)
            pair = (tokens[i].lower(), tokens[i + 1].lower())
            ranks = [corpus.en.rank.get(w, corpus.hi.rank.get(w, 0)) for w in pair]
            if min(ranks) >= PHRASE_MIN_RANK:
                return pair

    return {
        "one word": [Query("one word", (word(),)) for _ in range(per_kind)],
        "two words": [Query("two words", (word(), word())) for _ in range(per_kind)],
        "phrase": [Query("phrase", phrase()) for _ in range(per_kind)],
    }


def reader_filters(seed: int) -> Filters:
    ids = sorted(random.Random(seed + 2).sample(range(1, COMMUNITIES + 1), READABLE))
    hidden = tuple(c for c in range(1, COMMUNITIES + 1) if c not in ids)
    return Filters(communities=tuple(ids), hidden=hidden)  # as search/service.py builds them


# Measuring


@dataclass
class Timing:
    latencies: list[float]  # seconds
    wall: float
    results: list[int]  # total hits (Chaupal) or rows returned (FTS5) per query

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50) * 1000

    @property
    def p95(self) -> float:
        return percentile(self.latencies, 95) * 1000

    @property
    def qps(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def concurrently(
    setup: Callable[[], Any],
    run: Callable[[Any, Query], int],
    queries: list[Query],
    workers: int,
    warmup: int = 5,
) -> Timing:
    """Each worker thread gets its own state from setup() (a connection; for Whoosh nothing, as
    WhooshIndex keeps a searcher per thread), warms up, then runs its share of the queries."""
    shares = [queries[i::workers] for i in range(workers)]
    latencies: list[list[float]] = [[] for _ in range(workers)]
    counts: list[list[int]] = [[] for _ in range(workers)]
    errors: list[BaseException] = []
    ready = threading.Barrier(workers + 1)
    done = threading.Barrier(workers + 1)

    def worker(i: int) -> None:
        state: Any = None
        try:
            state = setup()
            for q in queries[i : i + warmup]:
                run(state, q)
        except BaseException as exc:  # noqa: BLE001 - reported after the run
            errors.append(exc)
        ready.wait()
        try:
            if not errors:
                for q in shares[i]:
                    t0 = time.perf_counter()
                    counts[i].append(run(state, q))
                    latencies[i].append(time.perf_counter() - t0)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        done.wait()

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(workers)]
    for t in pool:
        t.start()
    ready.wait()
    t0 = time.perf_counter()
    done.wait()
    wall = time.perf_counter() - t0
    for t in pool:
        t.join()
    if errors:
        raise errors[0]
    return Timing(
        latencies=[x for xs in latencies for x in xs],
        wall=wall,
        results=[x for xs in counts for x in xs],
    )


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def log(message: str) -> None:
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


# 3. Bulk indexing


def bulk_index(path: Path, docs: list[dict[str, Any]], procs: int) -> tuple[WhooshIndex, float]:
    """What `python server.py reindex --procs N` does with the documents: WhooshIndex.rebuild()."""
    index = WhooshIndex(path)
    t0 = time.perf_counter()
    rebuild = index.rebuild(procs=procs)
    try:
        rebuild.add(docs)
    except BaseException:
        rebuild.cancel()
        raise
    rebuild.commit()
    return index, time.perf_counter() - t0


# 4. Queries through WhooshIndex.search


def chaupal_queries(
    index: WhooshIndex, queries: list[Query], filters: Filters, workers: int, group: str
) -> Timing:
    def run(_: Any, q: Query) -> int:
        found = index.search(
            q.chaupal, filters, page=1, per_page=PER_PAGE, facets=False, group=group
        )
        return found.total

    return concurrently(lambda: None, run, queries, workers)


# 5. Incremental indexing


@dataclass
class Incremental:
    apply: list[float]
    visible: list[float]
    segments: int


def incremental(corpus: Corpus, index: WhooshIndex, runs: int, seed: int) -> Incremental:
    """Single-reply upserts as OutboxWriter.drain_once() sends them: apply([post_doc], []).
    'visible' is apply() plus the reading thread refreshing its searcher (refresh_now(), as the
    app does after its own writes) and searching until the new post is found."""
    rng = random.Random(seed + 3)
    everyone = Filters(communities=None)
    index.search("warm", everyone, page=1, per_page=PER_PAGE, facets=False)  # open a searcher
    next_id = max(p.post_id for p in corpus.posts) + 1
    applies: list[float] = []
    visible: list[float] = []
    for i in range(runs):
        thread = rng.choice(corpus.threads)
        marker = f"qqmarker{seed}x{i:04d}"  # one token, not stemmed: matches only this post
        post = Post(
            post_id=next_id + i,
            thread=thread.thread_id - 1,
            number=len(thread.posts) + 1 + i,
            author=thread.author,
            created=thread.last_activity + timedelta(minutes=i + 1),
            body=f"{_text(rng, corpus.en, corpus.hi, rng.randint(30, 200), 'en')} {marker}",
        )
        doc = document(corpus, post)
        t0 = time.perf_counter()
        index.apply([doc], [])
        t1 = time.perf_counter()
        while True:  # apply() bumps the index generation: the next search reopens its searcher
            if index.search(marker, everyone, page=1, per_page=PER_PAGE, facets=False).total:
                break
        t2 = time.perf_counter()
        applies.append(t1 - t0)
        visible.append(t2 - t0)
    with index._ix.searcher() as s:
        segments = len(s.reader().leaf_readers()) if hasattr(s.reader(), "leaf_readers") else 1
    return Incremental(apply=applies, visible=visible, segments=segments)


# 6. SQLite FTS5 reference


FTS5_SQL = (
    "SELECT doc_id FROM docs WHERE docs MATCH ? AND community_id IN ({marks}) "
    "ORDER BY bm25(docs, 3.0, 1.0) LIMIT {limit}"
)


def fts5_build(path: Path, docs: list[dict[str, Any]], tokenize: str) -> float:
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute(
            "CREATE VIRTUAL TABLE docs USING fts5("
            "title, body, community_id UNINDEXED, doc_id UNINDEXED, thread_id UNINDEXED, "
            f"tokenize={sqlite_quote(tokenize)})"
        )
        rows = (
            (
                d.get("title", ""),
                d["body"],
                int(d["community_id"]),
                d["doc_id"],
                int(d["thread_id"]),
            )
            for d in docs
        )
        t0 = time.perf_counter()
        with con:
            con.executemany(
                "INSERT INTO docs(title, body, community_id, doc_id, thread_id) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )
        with con:  # the counterpart of Whoosh's optimize=True: merge into one b-tree
            con.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        return time.perf_counter() - t0
    finally:
        con.close()


def sqlite_quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def fts5_queries(path: Path, queries: list[Query], filters: Filters, workers: int) -> Timing:
    communities = filters.communities or ()
    sql = FTS5_SQL.format(marks=",".join("?" * len(communities)), limit=PER_PAGE)

    def setup() -> sqlite3.Connection:
        return sqlite3.connect(path, check_same_thread=False)

    def run(con: sqlite3.Connection, q: Query) -> int:
        return len(con.execute(sql, (q.fts5, *communities)).fetchall())

    return concurrently(setup, run, queries, workers)


# Profile (--profile)


def profile_queries(
    index: WhooshIndex, queries: dict[str, list[Query]], filters: Filters, group: str
) -> str:
    """cProfile of WhooshIndex.search over the first 30 queries of each kind."""
    sample = [q for kind in QUERY_KINDS for q in queries[kind][:30]]
    out = io.StringIO()
    profiler = cProfile.Profile()
    profiler.enable()
    for q in sample:
        index.search(q.chaupal, filters, page=1, per_page=PER_PAGE, facets=False, group=group)
    profiler.disable()
    for order in ("tottime", "cumulative"):
        out.write(f"\ncProfile of {len(sample)} WhooshIndex.search calls, top 30 by {order}:\n")
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(30)
    return out.getvalue()


# 7. Report


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="chaupal-bench-search-"))
    load_before = loadavg()
    lines: list[str] = []
    notes: list[str] = []
    try:
        log(f"building a corpus of {options.posts:,} posts in {options.threads:,} threads")
        t0 = time.perf_counter()
        corpus = build_corpus(options)
        docs = [document(corpus, p) for p in corpus.posts]
        words = sum(len(p.body.split()) for p in corpus.posts)
        log(f"corpus built in {time.perf_counter() - t0:.1f}s ({words:,} words)")
        queries = build_queries(corpus, options.queries, options.seed)
        filters = reader_filters(options.seed)

        # 3. Bulk indexing
        bulk_s: dict[int, float] = {}
        for n, procs in enumerate(options.procs):
            log(f"bulk indexing with WhooshIndex.rebuild(procs={procs})")
            index, bulk_s[procs] = bulk_index(tmp / f"whoosh-{n}", docs, procs)
            index_bytes = dir_size(tmp / f"whoosh-{n}")
            if n < len(options.procs) - 1:
                index.close()
                shutil.rmtree(tmp / f"whoosh-{n}", ignore_errors=True)
        best_rate = max(len(docs) / s for s in bulk_s.values())

        # 4. Query latency (on the optimised single-segment index, before incremental writes)
        chaupal: dict[tuple[str, int], Timing] = {}
        for kind in QUERY_KINDS:
            for workers in options.concurrency:
                log(f"Chaupal: {kind}, {workers} thread(s)")
                chaupal[kind, workers] = chaupal_queries(
                    index, queries[kind], filters, workers, options.group
                )

        profile_text = ""
        if options.profile:
            log("profiling queries")
            profile_text = profile_queries(index, queries, filters, options.group)

        # 5. Incremental indexing
        log(f"incremental: {INCREMENTAL_RUNS} single-post apply() calls")
        inc = incremental(corpus, index, INCREMENTAL_RUNS, options.seed)
        index.close()

        # 6. FTS5
        fts: dict[tuple[str, int], Timing] = {}
        fts_rate = fts_bytes = 0.0
        if options.fts5:
            log(f"FTS5: bulk insert (tokenize={options.fts5_tokenize})")
            db = tmp / "fts5.sqlite3"
            fts_rate = len(docs) / fts5_build(db, docs, options.fts5_tokenize)
            fts_bytes = sum(p.stat().st_size for p in tmp.glob("fts5.sqlite3*"))
            for kind in QUERY_KINDS:
                for workers in options.concurrency:
                    log(f"FTS5: {kind}, {workers} thread(s)")
                    fts[kind, workers] = fts5_queries(db, queries[kind], filters, workers)

        # 7. Report
        mib = 1024 * 1024
        lines.append("Conditions")
        lines.append(f"  CPUs (os.cpu_count)    {os.cpu_count()}")
        affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
        lines.append(f"  CPUs usable            {affinity}")
        lines.append(
            f"  Python                 {platform.python_version()} ({platform.python_implementation()}), {platform.platform()}"
        )
        lines.append(
            f"  load average           {load_before} at start, {loadavg()} at end "
            "(other processes on the machine skew every figure)"
        )
        lines.append(f"  SQLite                 {sqlite3.sqlite_version}")
        import whoosh

        lines.append(f"  Whoosh                 {'.'.join(map(str, whoosh.__version__))}")
        lines.append(f"  wordfreq               {metadata.version('wordfreq')}")
        langs = corpus.words_by_lang
        lines.append(
            f"  corpus                 {len(docs):,} posts ({options.threads:,} thread docs + "
            f"{len(docs) - options.threads:,} post docs), {COMMUNITIES} communities, "
            f"{words:,} words; en/hi/mixed posts {langs['en']:,}/{langs['hi']:,}/{langs['mixed']:,}"
        )
        lines.append(f"  seed                   {options.seed}")
        lines.append(f"  results grouped by     {options.group} (--group)")
        lines.append(
            f"  Whoosh index on disk   {index_bytes / mib:,.1f} MiB "
            f"(built with procs={options.procs[-1]}; the queries below use it)"
        )
        if options.fts5:
            lines.append(
                f"  FTS5 db on disk        {fts_bytes / mib:,.1f} MiB "
                f"(tokenize={options.fts5_tokenize})"
            )
        lines.append(
            f"  queries                {options.queries} per kind; reader of {READABLE}/"
            f"{COMMUNITIES} communities {filters.communities}; page 1 of {PER_PAGE}; facets=False"
        )
        lines.append("")

        lines.append("Indexing")
        lines.append(f"  {'':<52} {'Chaupal':>12} {'FTS5':>12} {'ratio':>8}")
        for procs, seconds in bulk_s.items():
            rate = len(docs) / seconds
            target = "ok" if rate >= TARGET_INDEX_RATE else f"BELOW target {TARGET_INDEX_RATE:,}"
            lines.append(
                f"  {f'bulk, posts/s (rebuild, procs={procs}; {seconds:.1f} s)':<52} "
                f"{fmt_rate(rate):>12} {fmt_rate(fts_rate) if fts_rate else '-':>12} "
                f"{ratio(rate, fts_rate):>8}  {target}"
            )
        for name, values in (
            ("apply() of one post", inc.apply),
            ("apply() + refresh until visible", inc.visible),
        ):
            lines.append(
                f"  {name + ', ms p50 / p95':<52} "
                f"{percentile(values, 50) * 1000:>5.1f} / {percentile(values, 95) * 1000:<5.1f}"
            )
        lines.append(f"  {'segments after incremental writes':<52} {inc.segments:>12}")
        lines.append("")

        lines.append(
            "Query latency, ms (WhooshIndex.search vs FTS5 SELECT ... ORDER BY bm25 LIMIT 20)"
        )
        head = (
            f"  {'query':<10} {'thr':>3} | {'Chaupal p50':>11} {'p95':>7} {'q/s':>7} {'hits':>7}"
            f" | {'FTS5 p50':>8} {'p95':>7} {'q/s':>7} | {'p50 x':>6} {'p95 x':>6}"
        )
        lines.append(head)
        lines.append("  " + "-" * (len(head) - 2))
        worst = 0.0
        for kind in QUERY_KINDS:
            for workers in options.concurrency:
                c = chaupal[kind, workers]
                worst = max(worst, c.p95) if workers == 1 else worst
                row = (
                    f"  {kind:<10} {workers:>3} | {c.p50:>11.1f} {c.p95:>7.1f} {c.qps:>7.0f} "
                    f"{statistics.mean(c.results):>7.0f}"
                )
                f = fts.get((kind, workers))
                if f is not None:
                    row += (
                        f" | {f.p50:>8.2f} {f.p95:>7.2f} {f.qps:>7.0f} | "
                        f"{ratio(c.p50, f.p50):>6} {ratio(c.p95, f.p95):>6}"
                    )
                lines.append(row)
        lines.append("")
        verdict = "meets" if worst < TARGET_P95_MS else "MISSES"
        scale = (
            ""
            if options.posts >= 100_000
            else f" (target is for 100k posts; this run has {options.posts:,})"
        )
        lines.append(
            f"Target: query p95 < {TARGET_P95_MS:.0f} ms at 1 thread: worst p95 {worst:.1f} ms, "
            f"{verdict} it{scale}. Bulk indexing >= {TARGET_INDEX_RATE:,} posts/s: "
            f"{fmt_rate(best_rate)}/s at best, "
            f"{'meets' if best_rate >= TARGET_INDEX_RATE else 'MISSES'} it."
        )
        notes.append(
            "hits = mean total matches Chaupal reports per query: threads with --group thread "
            "(the default), posts with --group post; a query no post matches with every word is "
            "run again with any of them (FTS5 returns at most 20 rows and counts nothing)."
        )
        notes.append(
            "Chaupal's latency includes what the search page gets: total count, stored fields and "
            "highlighted snippets of 20 hits; the FTS5 query returns doc ids only."
        )
        if "unicode61" == options.fts5_tokenize.strip():
            notes.append(
                "FTS5 unicode61 splits Hindi words at vowel signs (Mc/Mn are separators) and does "
                "not stem English; Chaupal keeps Hindi words whole and stems English."
            )
        lines.append("")
        lines.extend(f"Note: {n}" for n in notes)
        print("\n".join(lines))
        if profile_text:
            print(profile_text)
        if options.keep:
            print(f"\nkept {tmp}")
        return 0
    finally:
        if not options.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
