"""bench/pages.py and bench/loadgen.py: the signed-in readers and credential rotation."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


pages = load("pages")
loadgen = load("loadgen")


def small_plan() -> tuple[object, object]:
    sizes = pages.Sizes(communities=6, users=300, threads=100, posts=1_000)
    plan = pages.plan_corpus(sizes, seed=3)
    return plan, pages.plan_readers(plan, sizes, seed=3)


def test_signed_in_members_are_ordinary_members_of_three_communities_with_personal_state() -> None:
    plan, readers = small_plan()
    assert len(readers.members) == pages.MEMBER_READERS
    status = {(cid, uid): s for cid, uid, s in plan.memberships}
    for uid in readers.members:
        mine = [s for (cid, who), s in status.items() if who == uid]
        assert len(mine) >= 3 and set(mine) == {"member"}
        assert (plan.target.community_id, uid) in status
        count = sum(1 for n in readers.notifications if n[0] == uid)
        assert 20 <= count <= 60
        assert len(readers.sessions[uid]) == len(readers.api_tokens[uid]) == 1
    admin = next(u for u in plan.users if u["id"] == readers.admin)
    assert admin.get("is_admin") is True and readers.admin not in readers.members
    target_posts = {p.id for p in plan.target.posts}
    assert readers.reactions and {post for post, _, _ in readers.reactions} <= target_posts
    unread = sum(1 for n in readers.notifications if n[4] is None)
    assert 0.3 < unread / len(readers.notifications) < 0.7


def test_posts_alone_sets_threads_and_users_to_a_twentieth() -> None:
    options = pages.parse_options(["--posts", "1000000", "--build-only"])
    assert (options.sizes.threads, options.sizes.users) == (50_000, 50_000)
    assert options.readers == pages.READERS and options.pages == pages.PAGES


def test_anonymous_notifications_is_skipped_and_signed_in_cells_carry_every_credential() -> None:
    options = pages.parse_options(["--quick", "--pages", "notifications,json"])
    corpus = pages.Corpus(
        database_url="sqlite://x",
        database_label="",
        rows={},
        load_seconds=0.0,
        thread_id=7,
        community_slug="c",
        community_threads=1,
        posts=10,
        sessions={"member": ["s1", "s2"], "admin": ["a1"]},
        api_tokens={"member": ["t1", "t2"], "admin": ["b1"]},
        display_names={},
    )
    chosen, skipped = pages.cells(options, corpus)
    assert [(c.page, c.reader) for c in chosen] == [
        ("notifications", "member"),
        ("notifications", "admin"),
        ("json", "anonymous"),
        ("json", "member"),
        ("json", "admin"),
    ]
    assert len(skipped) == 1 and "notifications, anonymous" in skipped[0]
    assert chosen[0].headers == ("Cookie: chaupal_session=s1", "Cookie: chaupal_session=s2")
    assert chosen[3].headers == ("Authorization: Bearer t1", "Authorization: Bearer t2")
    assert chosen[2].headers == ()


def test_wrk_script_rotates_the_header_values_in_a_request_hook() -> None:
    script = pages.wrk_script(["Cookie: chaupal_session=a", 'Cookie: chaupal_session="b'])
    assert 'local header_name = "Cookie"' in script
    assert '"chaupal_session=a", "chaupal_session=\\"b"' in script
    assert "request = function()" in script and "done = function" in script
    assert "request = function()" not in pages.wrk_script([])


def test_builtin_loadgen_sends_each_header_line_in_turn(tmp_path: Path) -> None:
    lines = ["Cookie: chaupal_session=one", "Cookie: chaupal_session=two"]
    header_file = tmp_path / "headers.txt"
    header_file.write_text("\n".join(lines) + "\n")
    host, port, requests = loadgen.build_requests(
        "http://127.0.0.1:9/t/1", loadgen.read_headers(str(header_file))
    )
    run = loadgen.Run(host=host, port=port, requests_to_send=requests)
    sent = [run.next_request() for _ in range(4)]
    assert sent[0] != sent[1] and sent[0] == sent[2] and sent[1] == sent[3]
    carried = [[line for line in lines if line.encode() in request] for request in sent[:2]]
    assert sorted(carried) == [[lines[0]], [lines[1]]]
    assert all(r.startswith(b"GET /t/1 HTTP/1.1\r\n") and r.endswith(b"\r\n\r\n") for r in sent)
    _, _, plain = loadgen.build_requests("http://127.0.0.1:9/t/1")
    assert plain == [b"GET /t/1 HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n"]


# Search cells


def test_search_pages_are_measured_only_when_named_with_their_own_connections() -> None:
    assert not set(pages.parse_options([]).pages) & set(pages.SEARCH_PAGES)
    options = pages.parse_options(
        ["--quick", "--pages", "search-json,search", "--readers", "member"]
    )
    assert options.pages == ("search", "search-json") and options.search_connections == 8
    corpus = pages.Corpus(
        database_url="sqlite://x",
        database_label="",
        rows={},
        load_seconds=0.0,
        thread_id=7,
        community_slug="c",
        community_threads=1,
        posts=10,
        sessions={"member": ["s1", "s2"], "admin": ["a1"]},
        api_tokens={"member": ["t1", "t2"], "admin": ["b1"]},
        display_names={},
    )
    chosen, _ = pages.cells(options, corpus, ["district", '"field visit"'])
    html, api = chosen
    assert html.paths == ("/search?q=district", "/search?q=%22field+visit%22")
    assert api.paths == ("/api/v1/search?q=district", "/api/v1/search?q=%22field+visit%22")
    assert html.path == html.paths[0] and html.load.connections == api.load.connections == 8
    assert html.headers == ("Cookie: chaupal_session=s1", "Cookie: chaupal_session=s2")
    assert api.headers == ("Authorization: Bearer t1", "Authorization: Bearer t2")


def test_search_queries_are_fixed_by_the_seed_and_found_in_the_texts() -> None:
    texts = [
        "The district officer signed the circular. Field visit report due.",
        "Monsoon camp for the ward staff; tender approval pending",
        "How do we audit vendor payments in the block?",
    ]
    queries, kinds = pages.search_queries(texts, seed=5, per_kind=6)
    assert (queries, kinds) == pages.search_queries(texts, seed=5, per_kind=6)
    assert sum(kinds.values()) == len(queries) == len(set(queries))
    lowered = [t.lower() for t in texts]
    phrases = [q for q in queries if q.startswith('"')]
    assert phrases and all(any(q.strip('"') in t for t in lowered) for q in phrases)
    for query in (q for q in queries if not q.startswith('"')):
        assert any(all(word in pages.query_words(t) for word in query.split()) for t in texts)
        assert not set(query.split()) & pages.NOT_QUERIED
    assert '"officer signed"' in phrases or all(". " not in q for q in phrases)
    assert pages.adjacent_pairs("Report due. Field visit") == [("field", "visit")]


def test_wrk_script_rotates_paths_alone_or_with_headers() -> None:
    alone = pages.wrk_script([], ["/search?q=a", "/search?q=%22b+c%22"])
    assert "local header_name = nil" in alone and "local header_values = {  }" in alone
    assert 'local paths = { "/search?q=a", "/search?q=%22b+c%22" }' in alone
    assert "wrk.format(nil, path, wrk.headers)" in alone
    both = pages.wrk_script(["Authorization: Bearer t"], ["/api/v1/search?q=a"])
    assert 'local header_name = "Authorization"' in both and '"Bearer t"' in both


def test_builtin_loadgen_rotates_paths_and_headers_over_every_pair() -> None:
    _, _, requests = loadgen.build_requests(
        "http://127.0.0.1:9/search?q=x",
        ["Cookie: chaupal_session=one", "Cookie: chaupal_session=two"],
        ["/search?q=a", "/search?q=b", "/search?q=c"],
    )
    assert len(requests) == 6
    pairs = {(r.split(b" ")[1], r.split(b"chaupal_session=")[1][:3]) for r in requests}
    assert len(pairs) == 6
    _, _, plain = loadgen.build_requests("http://127.0.0.1:9/x", None, ["/search?q=a"])
    assert plain == [b"GET /search?q=a HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n"]


def measured(page: str, reader: str, p95: float, errors: int = 0) -> object:
    return pages.Measurement(
        label=page,
        path="/",
        reader=reader,
        page=page,
        body_bytes=1,
        rps=100.0,
        p50_ms=p95 / 2,
        p95_ms=p95,
        p99_ms=p95 * 2,
        max_ms=p95 * 3,
        requests=100,
        non2xx=0,
        errors=errors,
        server_cpu_pct=50.0,
        cpu_ms_per_request=1.0,
    )


def report_of(*results: object) -> object:
    memory = pages.Memory(rss={1: 80.0}, hwm={1: 90.0}, serving=[1])
    return pages.Report(
        conditions={"CPUs": "2"},
        pages={},
        results=list(results),
        ceiling=measured("", "-", 1.0),
        memory_start=memory,
        memory_end=memory,
    )


def test_search_target_is_p95_under_60_ms_and_a_guide_off_two_workers() -> None:
    report = report_of(measured("search", "anonymous", 41.0), measured("search", "member", 59.9))
    pages.check_targets(report, 100_000, workers=2)
    assert [m.verdict for m in report.results] == ["PASS", "PASS"]
    what, got, ok = report.checks[0]
    assert what == pages.SEARCH_TARGET and ok and "guide" not in got
    assert "search: 8 concurrent searchers, p95 < 60 ms" in pages.format_report(report)
    assert "pages:" not in pages.format_report(report)  # no page cells: no pages line

    slow = report_of(measured("search-json", "admin", 61.0), measured("thread", "admin", 5.0))
    pages.check_targets(slow, 100_000, workers=1)
    assert slow.results[0].verdict == "FAIL"
    what, got, ok = slow.checks[0]
    assert not ok and "--workers 2, this run has 1" in got
    assert "pages: " in pages.format_report(slow)

    erring = report_of(measured("search", "member", 10.0, errors=3))
    pages.check_targets(erring, 100_000, workers=2)
    assert erring.results[0].verdict == "FAIL" and not erring.checks[0][2]


# The bench itself on a small corpus (--quick sizes), the search cells only


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH / "pages.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def quick_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A --quick corpus (2,000 posts) kept as built: its search index is empty."""
    corpus = tmp_path_factory.mktemp("bench") / "corpus"
    done = bench("--quick", "--keep-corpus", str(corpus), "--build-only")
    assert done.returncode == 0, done.stdout + done.stderr
    return corpus


def copy_of(corpus: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "corpus"
    shutil.copytree(corpus, copy)
    return copy


def listing(directory: Path) -> list[tuple[str, int, int]]:
    return sorted(
        (str(p.relative_to(directory)), p.stat().st_size, p.stat().st_mtime_ns)
        for p in directory.rglob("*")
    )


def test_search_against_an_empty_index_fails_the_run(quick_corpus: Path, tmp_path: Path) -> None:
    corpus = copy_of(quick_corpus, tmp_path)
    done = bench(
        "--quick", "--corpus", str(corpus), "--pages", "search", "--readers", "anonymous",
        "--reindex", "never", "-d", "1", "--warmup", "0",
    )  # fmt: skip
    assert done.returncode != 0
    assert "no results for" in done.stderr and "search index empty" in done.stderr
    assert "Results" not in done.stdout


def test_quick_search_cells_index_the_copy_and_measure_every_reader(
    quick_corpus: Path, tmp_path: Path
) -> None:
    before = listing(quick_corpus)
    corpus = copy_of(quick_corpus, tmp_path)
    out = tmp_path / "out.json"
    done = bench(
        "--quick", "--corpus", str(corpus), "--pages", "search,search-json",
        "--readers", "anonymous,member", "-d", "1", "--warmup", "0", "--json", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "search index: built in" in done.stdout and "Indexed " in done.stdout
    assert "search (-c8)" in done.stdout
    figures = json.loads(out.read_text())
    cells = [(r["page"], r["reader"]) for r in figures["results"]]
    assert cells == [
        ("search", "anonymous"),
        ("search", "member"),
        ("search-json", "anonymous"),
        ("search-json", "member"),
    ]
    for result in figures["results"]:
        assert result["requests"] > 0 and result["non2xx"] + result["errors"] == 0
        assert result["connections"] == 8 and result["queries"] == 90
        assert result["verdict"] in ("PASS", "FAIL") and result["target"] == "p95 < 60 ms"
    assert "each checked" in figures["pages"]["search, anonymous"]["what"]
    target = next(c for c in figures["checks"] if c["target"] == pages.SEARCH_TARGET)
    assert "--workers 2, this run has 1" in target["measured"]
    assert "built by server.py reindex" in figures["conditions"]["Search index"]
    assert str(corpus) in figures["conditions"]["Database"]  # the copy's database, not the original
    assert listing(quick_corpus) == before  # the original is neither indexed nor written

    again = bench(
        "--quick", "--corpus", str(corpus), "--pages", "search", "--readers", "admin",
        "-d", "1", "--warmup", "0",
    )  # fmt: skip
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "search index: reusing the corpus's" in again.stdout
