from tests.conftest import bearer


async def test_health(client):
    r = await client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


async def test_thread_round_trip(client, make_user, make_community):
    user = await make_user()
    community = await make_community(members=(user,))
    headers = await bearer(user)
    r = await client.post(
        f"/api/v1/communities/{community.slug}/threads",
        json={"title": "A real question", "body": "Body **bold**"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    r = await client.post(
        f"/api/v1/threads/{tid}/posts", json={"body": "An answer"}, headers=headers
    )
    assert r.status_code == 201
    r = await client.get(f"/api/v1/threads/{tid}")
    assert [p["body"] for p in r.json()["posts"]] == ["Body **bold**", "An answer"]
    r = await client.get(f"/t/{tid}")
    assert r.status_code == 200 and "An answer" in r.text
