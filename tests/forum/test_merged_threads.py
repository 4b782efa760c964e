from tests.conftest import bearer


async def test_a_merged_thread_address_leads_to_the_thread_it_joined(
    client, admin, make_user, make_community, make_thread
):
    member = await make_user()
    community = await make_community(members=(member,))
    source = await make_thread(
        member, community, title="Duplicate question about e-office", body="First copy"
    )
    target = await make_thread(
        member, community, title="E-office file transfer between sections", body="Main copy"
    )

    r = await client.post(
        f"/api/v1/threads/{source.id}/merge", json={"into": target.id}, headers=await bearer(admin)
    )
    assert r.status_code == 200, r.text
    assert r.json()["moved_posts"] == 1

    page = await client.get(f"/t/{source.id}", follow_redirects=False)
    assert page.status_code == 301
    assert page.headers["location"] == f"/t/{target.id}"
    merged = (await client.get(f"/api/v1/threads/{source.id}")).json()
    assert merged["status"] == "merged" and merged["merged_into"] == target.id
    joined = (await client.get(f"/api/v1/threads/{target.id}")).json()
    assert [p["body"] for p in joined["posts"]] == ["Main copy", "First copy"]


async def test_a_thread_merged_into_a_private_community_is_as_private_as_it(
    client, admin, make_user, make_community, make_thread
):
    insider, outsider = await make_user(), await make_user()
    public = await make_community(members=(insider,))
    private = await make_community(visibility="private", members=(insider,))
    source = await make_thread(insider, public, title="Duty roster for the flood season")
    target = await make_thread(insider, private, title="Flood season planning, members only")
    r = await client.post(
        f"/api/v1/threads/{source.id}/merge", json={"into": target.id}, headers=await bearer(admin)
    )
    assert r.status_code == 200, r.text

    for headers in ({}, await bearer(outsider)):
        r = await client.get(f"/api/v1/threads/{source.id}", headers=headers)
        assert r.status_code == 404 and "Duty roster" not in r.text
    r = await client.get(f"/api/v1/threads/{source.id}", headers=await bearer(insider))
    assert r.status_code == 200 and r.json()["merged_into"] == target.id
