"""bench/pages.py and bench/loadgen.py: the signed-in readers and credential rotation."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

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
