"""Search results grouped by thread (the default), every matching post with group=post, one
thread's matches with thread=, and the any-word fallback when no post has every word: in the
API and on the search page. Indexing is made deterministic by draining the outbox."""

from __future__ import annotations

import re

import pytest

from forum import posts
from forum.models import Post
from tests.conftest import bearer
from tests.search.helpers import SEARCH, SIMILAR, drain, first_post_id, post_ids, search


@pytest.fixture
async def author(make_user):
    return await make_user(username="meena")


@pytest.fixture
async def forest(make_community, author):
    return await make_community(slug="forest-officers", name="Forest Officers", members=(author,))


async def set_status(post_id: int, status: str) -> None:
    post = await Post.get(id=post_id).select_related("thread", "thread__community")
    assert await posts.change_status(post, status)


@pytest.fixture
async def course_world(app, make_thread, author, forest):
    """One thread where the word is in the title and in four replies, one where it is in a
    single reply, and one without it."""
    busy = await make_thread(
        author, forest, title="Which induction course next year?", body="Suggestions welcome."
    )
    replies = [
        await posts.reply(author, busy, body=f"The course at the academy, batch {n}.")
        for n in range(4)
    ]
    quiet = await make_thread(author, forest, title="Nursery budgets", body="Seedling costs.")
    answer = await posts.reply(author, quiet, body="A short course on costing helps.")
    await make_thread(author, forest, title="Leave rules", body="Nothing about training.")
    await drain(app)
    return {"busy": busy, "replies": replies, "quiet": quiet, "answer": answer}


async def test_results_list_each_thread_once_with_its_best_post_and_how_many_matched(
    client, course_world
):
    busy, quiet = course_world["busy"], course_world["quiet"]

    body = await search(client, "course")

    assert body["total"] == 2 and body["group"] == "thread"
    assert [i["thread_id"] for i in body["items"]] == [busy.id, quiet.id]  # title match first
    first, second = body["items"]
    assert first["post_id"] == await first_post_id(busy)
    assert first["matches"] == 5
    others = [o["post_id"] for o in first["other_matches"]]
    replies = [r.id for r in course_world["replies"]]
    assert len(others) == 3 and set(others) < set(replies)  # the best few of the four
    assert others == sorted(others, key=replies.index)  # in the order they were written
    assert first["other_matches"][0]["url"] == f"/p/{others[0]}"
    assert "<mark" in first["snippet_html"] or "<mark" in first["title_html"]
    assert (second["post_id"], second["matches"], second["other_matches"]) == (
        course_world["answer"].id,
        1,
        [],
    )
    explicit = await search(client, "course", group="thread")
    assert [(i["post_id"], i["matches"]) for i in explicit["items"]] == [
        (i["post_id"], i["matches"]) for i in body["items"]
    ]


async def test_group_post_lists_every_matching_post(client, course_world):
    body = await search(client, "course", group="post")

    assert body["total"] == 6 and body["group"] == "post"
    assert post_ids(body) == {
        await first_post_id(course_world["busy"]),
        course_world["answer"].id,
        *(r.id for r in course_world["replies"]),
    }
    assert all(i["matches"] == 1 for i in body["items"])


async def test_an_unknown_grouping_is_a_clear_client_error(client):
    r = await client.get(SEARCH, params={"q": "course", "group": "community"})
    assert 400 <= r.status_code < 500
    assert r.json()["error"]["code"]


async def test_hidden_held_and_deleted_replies_never_count_as_matches(
    app, client, author, course_world
):
    replies = course_world["replies"]
    await set_status(replies[0].id, "hidden")
    await set_status(replies[1].id, "pending")
    await posts.delete(author, await posts.get(author, replies[2].id))
    await drain(app)

    body = await search(client, "course")
    busy = next(i for i in body["items"] if i["thread_id"] == course_world["busy"].id)
    assert busy["matches"] == 2
    assert [o["post_id"] for o in busy["other_matches"]] == [replies[3].id]
    assert (await search(client, "course", group="post"))["total"] == 3


async def test_paging_and_facets_count_threads_when_grouped(
    app, client, make_community, make_thread, author, forest
):
    other = await make_community(slug="wildlife-wardens", members=(author,))
    made = []
    for n in range(7):
        community = forest if n < 5 else other
        thread = await make_thread(
            author, community, title=f"Patrol roster {n}", body="Patrol plan.", tags=["patrol"]
        )
        await posts.reply(author, thread, body="The patrol went well.")
        made.append(thread.id)
    await drain(app)

    seen: list[int] = []
    page, body = 1, {"next": "1"}
    while body["next"]:
        body = await search(client, "patrol", limit=3, page=page, facets="1")
        assert body["total"] == 7
        assert body["facets"]["community"] == {forest.slug: 5, other.slug: 2}
        assert body["facets"]["tag"] == {"patrol": 7}
        seen += [i["thread_id"] for i in body["items"]]
        page += 1
    assert sorted(seen) == sorted(made) and page == 4
    assert (await search(client, "patrol", group="post", facets="1"))["facets"]["tag"] == {
        "patrol": 14
    }


async def test_grouped_totals_follow_the_permission_mask(
    app, client, make_user, make_community, make_thread, author, forest
):
    outsider = await make_user(username="ravi")
    private = await make_community(slug="vigilance-cell", visibility="private", members=(author,))
    secret = await make_thread(author, private, title="Audit of patrol fuel", body="Fuel.")
    await posts.reply(author, secret, body="The patrol fuel bills do not add up.")
    await make_thread(author, forest, title="Patrol roster", body="Patrol plan.")
    await drain(app)

    outside = await search(client, "patrol", headers=await bearer(outsider), facets="1")
    assert [i["thread_id"] for i in outside["items"]] != [secret.id]
    assert outside["total"] == 1 and outside["facets"]["community"] == {forest.slug: 1}
    inside = await search(client, "patrol", headers=await bearer(author), facets="1")
    assert inside["total"] == 2
    assert inside["facets"]["community"] == {forest.slug: 1, private.slug: 1}
    mine = next(i for i in inside["items"] if i["thread_id"] == secret.id)
    assert mine["matches"] == 2


async def test_thread_filter_lists_the_matches_of_one_thread(
    app, client, make_user, make_community, make_thread, author, course_world
):
    busy = course_world["busy"]

    body = await search(client, "course", thread=str(busy.id), group="post")
    assert body["total"] == 5
    assert {i["thread_id"] for i in body["items"]} == {busy.id}

    owner = await make_user(username="asha")
    private = await make_community(slug="vigilance-cell", visibility="private", members=(owner,))
    secret = await make_thread(owner, private, title="Course fees audit", body="Course fees.")
    await drain(app)
    outsider = await bearer(await make_user(username="ravi"))
    r = await client.get(SEARCH, params={"q": "course", "thread": secret.id}, headers=outsider)
    assert r.status_code == 404
    for bad in ("abc", "-1", "0", "1e3", "²"):
        r = await client.get(SEARCH, params={"q": "course", "thread": bad})
        assert r.status_code == 400, bad


# The any-word fallback, with the demo's thread about elephants

ELEPHANTS = "Ex-gratia for crop damage by elephants: how are you cutting complaint-to-payment time?"
ELEPHANTS_BODY = (
    "In my division we received about 1,400 crop-damage claims last year, mostly paddy and "
    "banana, across 38 villages on the elephant corridor. The average time from complaint to "
    "payment was 74 days."
)


@pytest.fixture
async def elephants(app, make_thread, author, forest):
    thread = await make_thread(
        author, forest, title=ELEPHANTS, body=ELEPHANTS_BODY, tags=["compensation"]
    )
    await make_thread(author, forest, title="Nursery budgets", body="Seedling costs for 2026.")
    await drain(app)
    return thread


async def test_when_no_post_has_every_word_any_word_results_are_shown_and_said_so(
    client, elephants
):
    body = await search(client, "elephant compensation")

    assert body["fallback"] == "any"
    assert [i["thread_id"] for i in body["items"]] == [elephants.id]
    assert body["total"] == 1
    assert "elephant" in body["items"][0]["title_html"].lower()


async def test_no_fallback_when_every_word_matches_or_nothing_does(client, elephants):
    every = await search(client, "elephant corridor")
    assert every["fallback"] is None and every["total"] == 1
    nothing = await search(client, "tiger reserve")
    assert nothing["fallback"] is None and nothing["total"] == 0 and nothing["items"] == []


async def test_the_fallback_keeps_exclusions_and_did_you_mean(client, elephants):
    excluded = await search(client, "elephant compensation -banana")
    assert excluded["total"] == 0 and excluded["fallback"] is None

    typo = await search(client, "elephant paddyy")
    assert typo["fallback"] == "any"
    assert [i["thread_id"] for i in typo["items"]] == [elephants.id]
    assert typo["suggestion"] == "elephant paddy"


async def test_the_search_page_says_when_it_fell_back_to_any_word(client, elephants):
    r = await client.get("/search", params={"q": "elephant compensation"})

    assert r.status_code == 200
    assert "No result has every word; showing results with any of them." in r.text
    assert f'href="/p/{await first_post_id(elephants)}"' in r.text
    plain = await client.get("/search", params={"q": "elephant corridor"})
    assert "No result has every word" not in plain.text


# The search page


def results_block(html: str) -> str:
    found = re.search(r'<ol class="search-results.*?</ol>', html, re.S)
    return found.group(0) if found else ""


async def test_the_search_page_lists_a_thread_once_with_links_to_its_other_matches(
    client, course_world
):
    busy, replies = course_world["busy"], course_world["replies"]

    r = await client.get("/search", params={"q": "course"})

    assert r.status_code == 200
    results = results_block(r.text)
    assert results.count('class="card search-hit"') == 2
    assert "2 results for" in r.text
    assert "5 matching posts in this thread" in results
    assert sum(f'href="/p/{reply.id}"' in results for reply in replies) == 3  # the best few
    every = f"?q=course&amp;thread={busy.id}&amp;group=post"
    assert f'href="{every}"' in results

    one_thread = await client.get(
        "/search", params={"q": "course", "thread": busy.id, "group": "post"}
    )
    assert one_thread.status_code == 200
    assert "5 results for" in one_thread.text
    assert "Showing the matches in one thread" in one_thread.text
    assert results_block(one_thread.text).count('class="card search-hit"') == 5

    posts_page = await client.get("/search", params={"q": "course", "group": "post"})
    assert "6 results for" in posts_page.text


async def test_the_search_filters_fold_away_unless_one_is_in_use(client, course_world):
    plain = await client.get("/search", params={"q": "course"})
    assert re.search(r'<details class="search-filters" data-open-wide>', plain.text)
    assert 'id="f-q"' in plain.text.split('<details class="search-filters"')[0]  # outside it

    narrowed = await client.get("/search", params={"q": "course", "author": "meena"})
    assert '<details class="search-filters" data-open-wide open>' in narrowed.text
    assert "Filters and search tips (filters in use)" in narrowed.text


async def test_a_bad_grouping_on_the_search_page_is_an_inline_error(client):
    r = await client.get("/search", params={"q": "course", "group": "nonsense"})
    assert r.status_code == 400
    assert "There is a problem" in r.text


# Similar threads, while a title is being written


async def test_similar_threads_carry_the_community_name(client, elephants, forest):
    r = await client.get(SIMILAR, params={"title": "crop damage by elephants"})

    assert r.status_code == 200
    (item,) = r.json()["items"]
    assert (item["community"], item["community_name"]) == ("forest-officers", "Forest Officers")


async def test_search_items_carry_the_community_name(client, elephants):
    body = await search(client, "elephants")
    assert body["items"][0]["community_name"] == "Forest Officers"


async def test_the_search_page_refuses_a_thread_it_may_not_show(
    app, client, make_user, make_community, make_thread
):
    owner = await make_user(username="asha")
    private = await make_community(slug="vigilance-cell", visibility="private", members=(owner,))
    secret = await make_thread(owner, private, title="Course fees audit", body="Course fees.")
    await drain(app)

    hidden = await client.get("/search", params={"q": "course", "thread": secret.id})
    assert hidden.status_code == 404
    assert "Course fees audit" not in hidden.text
    bad = await client.get("/search", params={"q": "course", "thread": "x1"})
    assert bad.status_code == 400 and "There is a problem" in bad.text
