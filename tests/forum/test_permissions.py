"""forum/permissions.py: each rule is written once and its forms agree. A status table's boolean,
ORM filter and SQL predicate pick the same rows for every kind of reader; the capabilities a
page reads say what the checks that raise would allow."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from forum import permissions, reads
from forum.errors import DomainError
from forum.models import Community, Post, Thread, User
from forum.permissions import PostFacts, Reader, ThreadFacts

STATUSES = ("published", "pending", "hidden", "deleted", "merged")
RULES = {
    "thread_seen": permissions.THREAD_SEEN,
    "thread_listed": permissions.THREAD_LISTED,
    "thread_feed": permissions.THREAD_FEED,
    "post_listed": permissions.POST_LISTED,
    "post_body": permissions.POST_BODY,
    "post_answerable": permissions.POST_ANSWERABLE,
    "post_flaggable": permissions.POST_FLAGGABLE,
    "post_editable": permissions.POST_EDITABLE,
}
READERS = ("anonymous", "author", "other", "moderator")


@pytest.fixture(autouse=True)
async def _app_first(client: Any) -> None:
    """The app (and its database) starts before any factory fixture of these tests runs."""


@pytest.fixture
async def rows(
    make_user: Callable[..., Awaitable[User]],
    make_community: Callable[..., Awaitable[Community]],
    make_thread: Callable[..., Awaitable[Thread]],
) -> tuple[Thread, dict[str, User], dict[int, tuple[str, int]]]:
    """A thread holding a post in every status by each of two people."""
    author, other = await make_user(), await make_user()
    community = await make_community(members=(author, other))
    thread = await make_thread(author, community)
    facts: dict[int, tuple[str, int]] = {}
    number = 1
    for person, status in itertools.product((author, other), STATUSES):
        number += 1
        post = await Post.create(
            thread=thread, author=person, number=number, body="x", body_html="x", status=status
        )
        facts[post.id] = (status, person.id)
    await Post.filter(thread_id=thread.id, number=1).delete()
    return thread, {"author": author, "other": other}, facts


def _reader(kind: str, people: dict[str, User]) -> tuple[Reader, bool]:
    if kind == "anonymous":
        return permissions.ANONYMOUS, False
    if kind == "moderator":
        return Reader(people["other"].id + 1000), True
    return Reader(people[kind].id), False


@pytest.mark.parametrize("kind", READERS)
@pytest.mark.parametrize("name", sorted(RULES))
async def test_a_status_table_picks_the_same_rows_as_boolean_filter_and_sql(
    rows: tuple[Thread, dict[str, User], dict[int, tuple[str, int]]], name: str, kind: str
) -> None:
    thread, people, facts = rows
    rule = RULES[name]
    who, moderator = _reader(kind, people)
    by_boolean = {
        pid
        for pid, (status, author_id) in facts.items()
        if rule.allows(who, status=status, author_id=author_id, moderator=moderator)
    }
    by_orm = set(
        await Post.filter(rule.q(who, moderator=moderator), thread_id=thread.id).values_list(
            "id", flat=True
        )
    )
    predicate, params = rule.sql(who, moderator=moderator, status="p.status", author="p.author_id")
    sql = "SELECT p.id FROM posts p WHERE p.thread_id = ?" + (
        f" AND {predicate}" if predicate else ""
    )
    by_sql = {int(r["id"]) for r in await reads.query(sql, thread.id, *params)}
    assert by_boolean == by_orm == by_sql, (name, kind)
    assert by_boolean, "every reader sees something of every table"


async def test_the_sql_predicates_of_the_fast_paths_are_the_tables_as_before() -> None:
    """reads.py's lists keep their SQL (and so their query plans) while the rule lives here."""
    member, moderator = Reader(7, False, {1: "member"}), Reader(8, False, {1: "moderator"})
    assert permissions.threads_listed_sql(permissions.ANONYMOUS, 1) == (
        "t.status = 'published'",
        (),
    )
    assert permissions.threads_listed_sql(member, 1) == (
        "(t.status = 'published' OR (t.status = 'pending' AND t.author_id = ?))",
        (7,),
    )
    assert permissions.threads_listed_sql(moderator, 1) == (
        "t.status IN ('published', 'pending', 'hidden')",
        (),
    )
    assert permissions.posts_listed_sql(moderator, 1) == ("", ())
    assert permissions.answerable_sql(alias="p") == "p.status = 'published'"


# Capabilities agree with the checks


def _can(check: Callable[..., None], *args: Any) -> bool:
    try:
        check(*args)
    except DomainError:
        return False
    return True


WHO = {
    "anonymous": permissions.ANONYMOUS,
    "outsider": Reader(5),
    "member": Reader(5, False, {1: "member"}),
    "asked": Reader(5, False, {1: "pending"}),
    "author": Reader(7, False, {1: "member"}),
    "moderator": Reader(5, False, {1: "moderator"}),
    "moderator elsewhere": Reader(5, False, {2: "moderator"}),
    "admin": Reader(9, True),
}
THREADS = [
    ThreadFacts(status=s, author_id=7, community_id=1, visibility=v, locked=locked)
    for s, v, locked in itertools.product(
        ("published", "pending", "hidden", "deleted"), ("public", "private"), (False, True)
    )
]
POSTS = [
    PostFacts(status=s, author_id=a, number=n)
    for s, a, n in itertools.product(STATUSES[:4], (7, 5), (1, 2))
]


@pytest.mark.parametrize("name", sorted(WHO))
def test_thread_and_post_caps_say_what_the_checks_allow(name: str) -> None:
    who = WHO[name]
    for thread in THREADS:
        caps = permissions.thread_caps(who, thread)
        assert caps.can_read == _can(permissions.allow_see_thread, who, thread)
        assert caps.can_reply == _can(permissions.allow_reply, who, thread)
        assert caps.can_edit_tags == _can(permissions.allow_edit_tags, who, thread)
        assert caps.can_accept == _can(permissions.allow_accept_answer, who, thread)
        assert caps.can_moderate == permissions.moderates(who, thread.community_id)
        if not caps.can_read:
            continue
        for post in POSTS:
            pc = permissions.post_caps(who, thread, caps, post, has_note=True)
            body = _can(permissions.allow_see_post_body, who, thread, post)
            assert pc.body_shown == body
            assert pc.can_edit == _can(permissions.allow_edit_post, who, thread, post)
            assert pc.can_react == _can(permissions.allow_react, who, thread, post)
            assert pc.can_flag == (body and _can(permissions.allow_flag_post, who, thread, post))
            assert pc.can_answer == (caps.can_reply and _can(permissions.allow_answer, post))
            if pc.can_accept:
                assert caps.can_accept and post.number > 1
            if pc.note_shown:
                assert body and permissions.held(post.status)


@pytest.mark.parametrize("name", sorted(WHO))
def test_community_caps_say_what_the_checks_allow(name: str) -> None:
    who = WHO[name]
    for visibility in ("public", "private"):
        caps = permissions.community_caps(who, 1, visibility)
        assert caps.can_read == _can(permissions.allow_read_community, who, 1, visibility)
        assert caps.can_post == _can(permissions.allow_post_in, who, 1, visibility)
        assert caps.can_moderate == permissions.moderates(who, 1)
        assert caps.join_asks == (not permissions.joins_at_once(who, visibility))
        for target, status in ((5, "member"), (6, "member"), (6, "moderator")):
            member = permissions.member_caps(who, 1, target_id=target, status=status)
            for new, offered in (
                ("moderator", member.can_make_moderator),
                ("member", member.can_make_member),
                ("removed", member.can_remove),
            ):
                if offered:
                    permissions.allow_member_status(who, 1, target_id=target, old=status, new=new)


def test_only_the_rules_tables_decide_who_sees_a_post_body_live_and_on_pages() -> None:
    """The live channel (sees_post_body) and the pages (post_body_shown) are one rule."""
    for who, post in itertools.product(WHO.values(), POSTS):
        moderator = permissions.moderates(who, 1)
        assert permissions.sees_post_body(
            who, status=post.status, author_id=post.author_id, community_id=1
        ) == permissions.post_body_shown(
            who, status=post.status, author_id=post.author_id, moderator=moderator
        )


def test_the_marks_templates_show_are_read_off_the_status() -> None:
    class Shown:
        def __init__(self, **values: str) -> None:
            self.__dict__.update(values)

    tests = permissions.TEMPLATE_TESTS
    assert tests["removed"](Shown(status="deleted"))
    assert tests["awaiting_review"](Shown(status="pending"))
    assert tests["held"](Shown(status="hidden")) and not tests["held"](Shown(status="published"))
    assert tests["private"](Shown(visibility="private"))
    assert not tests["private"](Shown(visibility="public"))
