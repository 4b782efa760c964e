"""GET /api/v1/search and /api/v1/search/similar: finding posts in every script, ranking,
filters, the query language, facets, suggestions, paging, limits, hostile queries, and above
all permissions. Indexing is made deterministic by draining the outbox after each write."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest

from forum import communities, posts
from forum.models import Membership, Post, SearchOutbox, Thread
from tests.conftest import bearer
from tests.search.helpers import (
    SEARCH,
    SIMILAR,
    drain,
    first_post_id,
    post_ids,
    search,
    thread_ids,
)
from tests.search.samples import BY_SCRIPT, SAMPLES


async def start_thread(
    client, headers, community, title: str, body: str, tags: list[str] | None = None
) -> dict[str, Any]:
    """Starts a thread through the API; returns its JSON (with "posts": [opening post])."""
    r = await client.post(
        f"/api/v1/communities/{community.slug}/threads",
        json={"title": title, "body": body, "tags": tags or []},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


async def reply_via_api(client, headers, thread_id: int, body: str) -> dict[str, Any]:
    r = await client.post(
        f"/api/v1/threads/{thread_id}/posts", json={"body": body}, headers=headers
    )
    assert r.status_code == 201, r.text
    return r.json()


async def backdate(thread_id: int, when: datetime) -> None:
    """Moves a thread and its posts to another creation date and queues it for re-indexing."""
    await Thread.filter(id=thread_id).update(created_at=when, last_activity_at=when)
    await Post.filter(thread_id=thread_id).update(created_at=when)
    await SearchOutbox.create(kind="thread", object_id=thread_id)


async def add_member(admin, community, user) -> None:
    await communities.set_member_status(admin, community, user.username, "member")


def error_code(r) -> str:
    return str(r.json()["error"]["code"])


def marked(snippet: str) -> list[str]:
    return re.findall(r"<mark[^>]*>(.*?)</mark>", snippet)


@pytest.fixture
async def author(make_user):
    return await make_user(username="meena")


@pytest.fixture
async def public(make_community, author):
    return await make_community(
        slug="district-collectors", name="District Collectors", members=(author,)
    )


# Every script


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.script)
async def test_a_post_in_each_script_is_found_by_one_of_its_words(
    app, client, make_thread, author, public, sample
):
    other = await make_thread(
        author, public, title="Casual leave rules", body="Casual leave must be applied in advance."
    )
    thread = await make_thread(author, public, title=sample.title, body=sample.sentence)
    await drain(app)

    body = await search(client, sample.word)

    assert thread_ids(body) == {thread.id}, body
    assert other.id not in thread_ids(body)
    assert body["total"] == 1
    (item,) = body["items"]
    assert "<mark" in item["snippet_html"]
    assert unicodedata.normalize("NFC", sample.word) in [
        unicodedata.normalize("NFC", m) for m in marked(item["snippet_html"])
    ], item["snippet_html"]


async def test_a_reply_in_an_indian_script_is_found_as_a_post(
    app, client, make_thread, author, public
):
    thread = await make_thread(author, public, title="Revenue meeting", body="Agenda to follow.")
    answer = await posts.reply(author, thread, body=BY_SCRIPT["tamil"].sentence)
    await drain(app)

    body = await search(client, "குறைதீர்ப்பு")

    assert post_ids(body) == {answer.id}
    assert body["items"][0]["kind"] == "post"


async def test_nfd_nukta_and_joiner_spellings_of_a_query_find_the_same_post(
    app, client, make_thread, author, public
):
    bengali = await make_thread(
        author, public, title="জেলা বৈঠক", body=BY_SCRIPT["bengali"].sentence
    )
    telugu = await make_thread(
        author, public, title="దరఖాస్తుల స్థితి", body=BY_SCRIPT["telugu"].sentence
    )
    hindi = await make_thread(author, public, title="काम का बोझ", body="इस महीने ज़्यादा फाइलें लंबित हैं।")
    await drain(app)

    assert unicodedata.normalize("NFD", "সোমবার") != "সোমবার"
    assert thread_ids(await search(client, unicodedata.normalize("NFD", "সোমবার"))) == {bengali.id}
    assert thread_ids(await search(client, "কার্যালয়ে")) == {bengali.id}
    assert thread_ids(await search(client, "పెండింగ్లో")) == {telugu.id}  # written with a ZWNJ
    assert thread_ids(await search(client, "ज्यादा")) == {hindi.id}  # written with a nukta
    assert thread_ids(await search(client, "\u095b\u094d\u092f\u093e\u0926\u093e")) == {hindi.id}


async def test_english_plural_finds_the_singular_and_the_other_way_round(
    app, client, make_thread, author, public
):
    thread = await make_thread(
        author, public, title="Transfer policy", body=BY_SCRIPT["mixed"].sentence
    )
    single = await make_thread(author, public, title="Posting of an officer", body="One vacancy.")
    await drain(app)

    assert thread_ids(await search(client, "officer")) == {thread.id, single.id}
    assert thread_ids(await search(client, "officers")) == {thread.id, single.id}


# Ranking


async def test_a_title_match_ranks_above_a_body_only_match(
    app, client, make_thread, author, public
):
    in_title = await make_thread(
        author, public, title="Pension arrears calculation", body="Please share the circular."
    )
    in_body = await make_thread(
        author,
        public,
        title="Weekly review meeting",
        body="The pension arrears were discussed with the other matters of the review.",
    )
    await drain(app)

    body = await search(client, "arrears")

    assert [i["thread_id"] for i in body["items"]] == [in_title.id, in_body.id]
    assert body["items"][0]["score"] > body["items"][1]["score"]
    assert "<mark" in body["items"][0]["title_html"]


# Filters


async def test_community_filter_and_operator_keep_one_community(
    app, client, make_community, make_thread, author, public
):
    other = await make_community(slug="block-officers", members=(author,))
    here = await make_thread(author, public, title="Drought relief norms", body="Norms for relief.")
    there = await make_thread(author, other, title="Drought relief camps", body="Camps opened.")
    await drain(app)

    assert thread_ids(await search(client, "drought")) == {here.id, there.id}
    body = await search(client, "drought", community=public.slug)
    assert thread_ids(body) == {here.id} and body["total"] == 1
    assert {i["community"] for i in body["items"]} == {public.slug}
    assert thread_ids(await search(client, "drought community:block-officers")) == {there.id}


async def test_unknown_community_filter_is_not_found(client):
    r = await client.get(SEARCH, params={"q": "drought", "community": "no-such-place"})
    assert r.status_code == 404


async def test_tag_filter_and_operator(app, client, make_thread, author, public):
    pension = await make_thread(
        author, public, title="Circular on pension", body="New circular.", tags=["pension"]
    )
    transfer = await make_thread(
        author, public, title="Circular on transfers", body="Another circular.", tags=["transfer"]
    )
    await drain(app)

    assert thread_ids(await search(client, "circular", tag="pension")) == {pension.id}
    assert thread_ids(await search(client, "circular", tag="#Pension")) == {pension.id}
    assert thread_ids(await search(client, "circular tag:transfer")) == {transfer.id}
    assert (await search(client, "circular", tag="gratuity"))["total"] == 0


async def test_author_filter_and_operator(
    app, client, make_user, make_thread, author, public, admin
):
    ravi = await make_user(username="ravi")
    await add_member(admin, public, ravi)
    mine = await make_thread(author, public, title="Flood control room", body="Roster attached.")
    his = await make_thread(ravi, public, title="Flood damage survey", body="Survey attached.")
    await drain(app)

    body = await search(client, "flood", author="meena")
    assert thread_ids(body) == {mine.id}
    assert {i["author"] for i in body["items"]} == {"meena"}
    assert thread_ids(await search(client, "flood", author="RAVI")) == {his.id}
    assert thread_ids(await search(client, "flood author:ravi")) == {his.id}


async def test_kind_filter_separates_threads_from_replies(app, client, make_thread, author, public):
    thread = await make_thread(author, public, title="Monsoon preparedness", body="Checklist?")
    answer = await posts.reply(author, thread, body="Our monsoon checklist is attached.")
    await drain(app)

    both = await search(client, "monsoon", group="post")
    assert post_ids(both) == {await first_post_id(thread), answer.id}
    threads_only = await search(client, "monsoon", kind="thread")
    assert [(i["kind"], i["thread_id"]) for i in threads_only["items"]] == [("thread", thread.id)]
    replies_only = await search(client, "monsoon", kind="post")
    assert [(i["kind"], i["post_id"]) for i in replies_only["items"]] == [("post", answer.id)]
    r = await client.get(SEARCH, params={"q": "monsoon", "kind": "comment"})
    assert 400 <= r.status_code < 500


async def test_from_and_to_dates_filter_by_creation_day(app, client, author, public):
    headers = await bearer(author)
    old = await start_thread(client, headers, public, "Audit para of 2023", "Audit objections.")
    mid = await start_thread(client, headers, public, "Audit para of 2024", "Audit replies.")
    new = await start_thread(client, headers, public, "Audit para of 2025", "Audit closure.")
    await backdate(old["id"], datetime(2024, 1, 15, 10, 0, tzinfo=UTC))
    await backdate(mid["id"], datetime(2025, 6, 10, 12, 0, tzinfo=UTC))
    await drain(app)

    async def found(since: str | None = None, until: str | None = None) -> set[int]:
        dates = {"from": since, "to": until}
        params: dict[str, Any] = {k: v for k, v in dates.items() if v is not None}
        return thread_ids(await search(client, "audit", **params))

    assert await found() == {old["id"], mid["id"], new["id"]}
    assert await found(since="2025-01-01") == {mid["id"], new["id"]}
    assert await found(until="2024-12-31") == {old["id"]}
    assert await found(since="2025-06-10", until="2025-06-10") == {mid["id"]}
    assert await found(since="2024-01-16", until="2025-06-09") == set()
    assert await found(since="2024-01-15", until="2024-01-15") == {old["id"]}
    r = await client.get(SEARCH, params={"q": "audit", "from": "last week"})
    assert r.status_code == 400


# The query language


@pytest.fixture
async def collectors(app, make_thread, author, public) -> dict[str, Thread]:
    chair = await make_thread(
        author,
        public,
        title="District collector meeting",
        body="The district collector will chair the review on Monday.",
    )
    court = await make_thread(
        author,
        public,
        title="Revenue court cases",
        body="The collector of the district asked for a list of pending cases.",
    )
    office = await make_thread(
        author, public, title="कार्यालय आदेश", body="सभी अधिकारी नए कार्यालय समय का पालन करें।"
    )
    await drain(app)
    return {"chair": chair, "court": court, "office": office}


async def test_exact_phrase_needs_the_words_in_order(client, collectors):
    assert thread_ids(await search(client, "district collector")) == {
        collectors["chair"].id,
        collectors["court"].id,
    }
    assert thread_ids(await search(client, '"district collector"')) == {collectors["chair"].id}
    assert thread_ids(await search(client, '"collector district"')) == set()


async def test_minus_excludes_a_word_or_a_phrase(client, collectors):
    assert thread_ids(await search(client, "collector -court")) == {collectors["chair"].id}
    assert thread_ids(await search(client, 'collector -"revenue court"')) == {
        collectors["chair"].id
    }
    assert thread_ids(await search(client, "collector -chair")) == {collectors["court"].id}


async def test_exclusion_only_query_never_returns_the_excluded_documents(client, collectors):
    body = await search(client, "-collector")
    assert collectors["chair"].id not in thread_ids(body)
    assert collectors["court"].id not in thread_ids(body)


async def test_or_finds_either_word(client, collectors):
    both = {collectors["chair"].id, collectors["court"].id}
    every_word = await search(client, "chair pending")  # no post has both: the fallback
    assert every_word["fallback"] == "any" and thread_ids(every_word) == both
    either = await search(client, "chair OR pending")
    assert either["fallback"] is None and thread_ids(either) == both
    lowercase = await search(client, "chair or pending")  # only OR is an operator
    assert lowercase["fallback"] == "any"


async def test_prefix_star_expands_to_indexed_words(client, collectors):
    assert thread_ids(await search(client, "collect*")) == {
        collectors["chair"].id,
        collectors["court"].id,
    }
    assert thread_ids(await search(client, "pendi*")) == {collectors["court"].id}
    assert thread_ids(await search(client, "pendin*")) == {collectors["court"].id}
    assert thread_ids(await search(client, "कार्या*")) == {collectors["office"].id}
    assert thread_ids(await search(client, "zzq*")) == set()


async def test_in_title_searches_titles_only(client, collectors):
    assert thread_ids(await search(client, "chair")) == {collectors["chair"].id}
    assert thread_ids(await search(client, "in:title chair")) == set()
    assert thread_ids(await search(client, "in:title court")) == {collectors["court"].id}
    assert thread_ids(await search(client, "district in:title")) == {collectors["chair"].id}


async def test_operators_combine_with_words(
    app, client, make_user, make_community, make_thread, author, public, admin
):
    ravi = await make_user(username="ravi")
    await add_member(admin, public, ravi)
    other = await make_community(slug="block-officers", members=(author, ravi))
    target = await make_thread(ravi, other, title="Ration card survey", body="x", tags=["pds"])
    await make_thread(author, other, title="Ration card survey", body="x", tags=["pds"])
    await make_thread(ravi, public, title="Ration card survey", body="x", tags=["pds"])
    await make_thread(ravi, other, title="Ration card survey", body="x", tags=["nfsa"])
    await drain(app)

    body = await search(client, "ration community:block-officers tag:pds author:ravi")
    assert thread_ids(body) == {target.id}
    assert body["total"] == 1


# Facets, suggestions, paging, limits


async def test_facets_count_every_match_per_community_and_tag(
    app, client, make_community, make_thread, author, public
):
    other = await make_community(slug="block-officers", members=(author,))
    first = await make_thread(
        author, public, title="Pension circular", body="See circular.", tags=["pension", "arrears"]
    )
    await make_thread(
        author, public, title="Pension circular two", body="circular", tags=["pension"]
    )
    await make_thread(
        author, public, title="Pension circular three", body="circular", tags=["pension"]
    )
    await posts.reply(author, first, body="The circular is dated 3 March.")
    await make_thread(author, other, title="Transfer circular", body="circular", tags=["transfer"])
    await make_thread(
        author, other, title="Transfer circular two", body="circular", tags=["transfer"]
    )
    await make_thread(author, other, title="Unrelated", body="Nothing here.", tags=["transfer"])
    await drain(app)

    body = await search(client, "circular", facets="1", limit=2, group="post")

    assert body["total"] == 6
    assert len(body["items"]) == 2
    assert body["facets"]["community"] == {public.slug: 4, "block-officers": 2}
    assert body["facets"]["tag"] == {"pension": 4, "transfer": 2, "arrears": 2}
    assert "facets" not in await search(client, "circular")


async def test_did_you_mean_suggests_an_indexed_spelling(app, client, make_thread, author, public):
    await make_thread(
        author, public, title="Grievance redressal", body="Every grievance must be answered."
    )
    await make_thread(author, public, title="कार्यालय समय", body="कार्यालय दस बजे खुलेगा।")
    await drain(app)

    body = await search(client, "grievence")
    assert body["total"] == 0
    assert body["suggestion"] == "grievance"
    assert (await search(client, "grievance"))["suggestion"] is None
    assert (await search(client, "कार्यलय"))["suggestion"] == "कार्यालय"


async def test_did_you_mean_works_for_a_capitalised_word(app, client, make_thread, author, public):
    await make_thread(
        author, public, title="Grievance redressal", body="Every grievance must be answered."
    )
    await drain(app)

    body = await search(client, "Grievence redressal")

    suggestion = body["suggestion"]
    assert suggestion is not None
    assert "grievance" in suggestion.lower() and "grievence" not in suggestion.lower(), suggestion


async def test_next_pages_through_every_result_once(app, client, make_thread, author, public):
    made = {
        (await make_thread(author, public, title=f"Duty roster week {n}", body="roster")).id
        for n in range(5)
    }
    await drain(app)

    seen: list[int] = []
    page, pages = "1", []
    while page is not None:
        body = await search(client, "roster", limit=2, page=page)
        assert body["total"] == 5
        seen += [i["thread_id"] for i in body["items"]]
        pages.append(page)
        page = body["next"]
    assert pages == ["1", "2", "3"]
    assert sorted(seen) == sorted(made)
    assert (await search(client, "roster", limit=2, page=4))["items"] == []


async def test_limit_is_at_most_fifty(app, client, make_thread, author, public):
    await make_thread(author, public, title="Duty roster", body="roster")
    await drain(app)

    assert (await search(client, "roster", limit=50))["total"] == 1
    r = await client.get(SEARCH, params={"q": "roster", "limit": "51"})
    assert r.status_code == 400, r.text
    r = await client.get(SEARCH, params={"q": "roster", "limit": "1000000"})
    assert r.status_code == 400, r.text


# Hostile queries


async def test_a_very_long_query_is_refused(client):
    r = await client.get(SEARCH, params={"q": "pension arrears " * 400})
    assert r.status_code == 400
    assert error_code(r) == "query_too_long"


@pytest.mark.parametrize(
    "q",
    [" ".join(["ab*"] * 100), "*" * 100, " ".join(["*"] * 100)],
    ids=["prefixes", "stars", "spaced-stars"],
)
async def test_a_hundred_wildcards_are_refused(app, client, make_thread, author, public, q):
    await make_thread(author, public, title="Abstract of accounts", body="abbreviations")
    await drain(app)

    r = await client.get(SEARCH, params={"q": q})

    assert r.status_code == 400, (r.status_code, r.text[:300])


async def test_four_wildcards_are_too_complex(client):
    r = await client.get(SEARCH, params={"q": "pen* arr* gra* tra*"})
    assert r.status_code == 400
    assert error_code(r) == "query_too_complex"


async def test_a_query_without_words_finds_nothing(app, client, make_thread, author, public):
    await make_thread(author, public, title="Abstract of accounts", body="abbreviations")
    await drain(app)

    for q in ("?", "!!!", "--", "..."):
        body = await search(client, q)
        assert body["total"] == 0 and body["items"] == [], (q, body["total"])


async def test_a_wildcard_without_two_letters_is_a_clear_400(client):
    for q in ("* *", "a*", "*"):
        r = await client.get(SEARCH, params={"q": q})
        assert r.status_code == 400, (q, r.status_code)
        assert error_code(r) == "bad_wildcard"


@pytest.mark.parametrize(
    "q",
    [
        '"district collector',
        '"',
        '""',
        "-",
        '-"',
        "OR",
        "OR OR",
        "collector OR",
        "in:",
        "tag:",
        'community:"',
        "-*",
        "((",
        'ज़्या"दा',
        "\u200d",
        "\u0301",
        "a" * 300,
        "\x00",
    ],
)
async def test_odd_queries_never_cause_a_server_error(client, collectors, q):
    r = await client.get(SEARCH, params={"q": q})
    assert r.status_code < 500, (q, r.text)


async def test_an_unmatched_quote_still_searches_the_phrase(client, collectors):
    body = await search(client, '"district collector')
    assert thread_ids(body) == {collectors["chair"].id}


# Permissions


@pytest.fixture
async def private_world(app, make_user, make_community, make_thread, author, public):
    member = author
    outsider = await make_user(username="ravi")
    pending = await make_user(username="kiran")
    private = await make_community(
        slug="vigilance-cell", name="Vigilance Cell", visibility="private", members=(member,)
    )
    await Membership.create(community=private, user=pending, status="pending")
    open_thread = await make_thread(
        member,
        public,
        title="Budget utilisation certificates",
        body="Submit the budget utilisation report by March.",
        tags=["budget"],
    )
    secret_thread = await make_thread(
        member,
        private,
        title="Budget irregularities in procurement",
        body="The procurement budget shows kickbacks from two suppliers.",
        tags=["secret-probe"],
    )
    secret_reply = await posts.reply(
        member, secret_thread, body="Budget ledger confirms kickbacks."
    )
    await drain(app)
    return {
        "member": member,
        "outsider": outsider,
        "pending": pending,
        "private": private,
        "open": open_thread,
        "secret": secret_thread,
        "secret_reply": secret_reply,
    }


async def headers_for(world, who: str, admin) -> dict[str, str]:
    if who == "anonymous":
        return {}
    if who == "admin":
        return await bearer(admin)
    return await bearer(world[who])


@pytest.mark.parametrize("who", ["anonymous", "outsider", "pending"])
async def test_private_posts_are_invisible_to_non_members(client, private_world, admin, who):
    headers = await headers_for(private_world, who, admin)

    body = await search(client, "budget", headers=headers, facets="1")
    assert thread_ids(body) == {private_world["open"].id}
    assert body["total"] == 1
    assert body["facets"]["community"] == {"district-collectors": 1}
    assert "secret-probe" not in body["facets"]["tag"]
    assert "vigilance-cell" not in str(body)

    body = await search(client, "kickbacks", headers=headers, facets="1")
    assert body["total"] == 0 and body["items"] == []
    assert not any(body.get("facets", {}).values())

    body = await search(client, "budget community:vigilance-cell", headers=headers)
    assert body["total"] == 0 and body["items"] == []
    body = await search(client, "budget tag:secret-probe", headers=headers)
    assert body["total"] == 0
    body = await search(client, "budget", headers=headers, kind="post")
    assert body["total"] == 0


@pytest.mark.parametrize("who", ["member", "admin"])
async def test_private_posts_are_found_by_members_and_admins(client, private_world, admin, who):
    headers = await headers_for(private_world, who, admin)

    body = await search(client, "budget", headers=headers, facets="1", group="post")
    assert post_ids(body) == {
        await first_post_id(private_world["open"]),
        await first_post_id(private_world["secret"]),
        private_world["secret_reply"].id,
    }
    assert body["total"] == 3
    assert body["facets"]["community"] == {"vigilance-cell": 2, "district-collectors": 1}
    assert body["facets"]["tag"]["secret-probe"] == 2

    body = await search(client, "kickbacks", headers=headers, community="vigilance-cell")
    assert body["total"] == 1 and body["items"][0]["matches"] == 2
    body = await search(client, "kickbacks", headers=headers, group="post")
    assert body["total"] == 2


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 404), ("outsider", 404), ("pending", 404), ("member", 200), ("admin", 200)],
)
async def test_private_community_filter_is_not_found_for_non_members(
    client, private_world, admin, who, status
):
    headers = await headers_for(private_world, who, admin)
    r = await client.get(
        SEARCH, params={"q": "budget", "community": "vigilance-cell"}, headers=headers
    )
    assert r.status_code == status, r.text
    if status == 404:
        assert "kickbacks" not in r.text and "procurement" not in r.text


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
async def test_did_you_mean_never_reveals_a_private_word(client, private_world, admin, who):
    headers = await headers_for(private_world, who, admin)

    body = await search(client, "kickbaks", headers=headers)

    assert body["total"] == 0
    assert "kickbacks" not in (body["suggestion"] or ""), body["suggestion"]


async def test_similar_threads_share_title_words_and_respect_privacy(
    app, client, private_world, make_thread, public, admin
):
    unrelated = await make_thread(
        private_world["member"], public, title="Casual leave rules", body="Apply early."
    )
    await drain(app)
    title = "Budget irregularities noticed"

    for headers in (
        {},
        await bearer(private_world["outsider"]),
        await bearer(private_world["pending"]),
    ):
        r = await client.get(SIMILAR, params={"title": title}, headers=headers)
        assert r.status_code == 200, r.text
        found = {i["thread_id"] for i in r.json()["items"]}
        assert found == {private_world["open"].id}, found
        assert "vigilance-cell" not in r.text and "irregularities" not in r.text

    for headers in (await bearer(private_world["member"]), await bearer(admin)):
        r = await client.get(SIMILAR, params={"title": title}, headers=headers)
        items = r.json()["items"]
        assert {i["thread_id"] for i in items} == {
            private_world["open"].id,
            private_world["secret"].id,
        }
        assert items[0]["thread_id"] == private_world["secret"].id  # shares two words
        assert unrelated.id not in {i["thread_id"] for i in items}
        assert {i["kind"] for i in items} == {"thread"}


async def test_similar_needs_a_title_of_some_length(client, private_world):
    r = await client.get(SIMILAR, params={"title": "Bu"})
    assert r.status_code == 200 and r.json()["items"] == []


# Changes reach the index


async def test_a_deleted_reply_is_no_longer_found(app, client, author, public):
    headers = await bearer(author)
    thread = await start_thread(client, headers, public, "Waterlogging in ward 12", "Photos below.")
    answer = await reply_via_api(
        client, headers, thread["id"], "Pumps deployed against waterlogging."
    )
    await drain(app)
    assert post_ids(await search(client, "pumps")) == {answer["id"]}

    r = await client.delete(f"/api/v1/posts/{answer['id']}", headers=headers)
    assert r.status_code == 200, r.text
    await drain(app)

    assert (await search(client, "pumps"))["total"] == 0
    assert thread_ids(await search(client, "waterlogging")) == {thread["id"]}
    assert post_ids(await search(client, "waterlogging")) == {thread["posts"][0]["id"]}


async def test_deleting_the_only_post_removes_the_thread(app, client, author, public):
    headers = await bearer(author)
    thread = await start_thread(client, headers, public, "Heatwave advisory", "Keep ORS ready.")
    await drain(app)
    assert thread_ids(await search(client, "heatwave")) == {thread["id"]}

    r = await client.delete(f"/api/v1/posts/{thread['posts'][0]['id']}", headers=headers)
    assert r.status_code == 200, r.text
    await drain(app)

    assert (await search(client, "heatwave"))["total"] == 0
    assert (await search(client, "ORS"))["total"] == 0


async def test_an_edited_reply_matches_its_new_words_only(app, client, author, public):
    headers = await bearer(author)
    thread = await start_thread(client, headers, public, "Election duty", "Who is on duty?")
    answer = await reply_via_api(
        client, headers, thread["id"], "The sector magistrate list is out."
    )
    await drain(app)
    assert post_ids(await search(client, "magistrate")) == {answer["id"]}

    r = await client.patch(
        f"/api/v1/posts/{answer['id']}",
        json={"body": "The zonal officer list is out."},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    await drain(app)

    assert (await search(client, "magistrate"))["total"] == 0
    assert post_ids(await search(client, "zonal")) == {answer["id"]}


async def test_an_edited_opening_post_matches_its_new_words_only(app, client, author, public):
    headers = await bearer(author)
    thread = await start_thread(client, headers, public, "मतदान केंद्र", "पुराना भवन जर्जर है।")
    first = thread["posts"][0]["id"]
    await drain(app)
    assert post_ids(await search(client, "जर्जर")) == {first}

    r = await client.patch(
        f"/api/v1/posts/{first}", json={"body": "नया भवन तैयार है।"}, headers=headers
    )
    assert r.status_code == 200, r.text
    await drain(app)

    assert (await search(client, "जर्जर"))["total"] == 0
    assert post_ids(await search(client, "तैयार")) == {first}
    assert post_ids(await search(client, "मतदान")) == {first}  # the title is still there


async def test_facets_on_an_index_with_nothing_written_yet_are_empty(client):
    """A new site searches before its first post is indexed: the index has no segment yet."""
    r = await client.get(SEARCH, params={"q": "backlogs", "facets": "1"})
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 0
    page = await client.get("/search", params={"q": "backlogs"})
    assert page.status_code == 200
