"""Who liked and boosted a status, with counts that match the lists (the community's
automatic share of every public post is neither counted nor listed); several statuses
at once with `GET /api/v1/statuses?id[]=`."""

from __future__ import annotations

import asyncio

from mastodon import Mastodon

from tests.api.conftest import make_resident
from tests.api.test_streaming import post


async def test_counts_match_the_lists_of_who_liked_and_boosted(inst, http, ana, bob) -> None:
    # Given ana's public post (which the community shares automatically)
    status = await post(http, ana, "Soupe partagée ce soir")
    fresh = (await http.get(f"/api/v1/statuses/{status['id']}")).json()
    assert fresh["reblogs_count"] == 0
    reblogged = await http.get(f"/api/v1/statuses/{status['id']}/reblogged_by")
    assert reblogged.json() == []

    # When bob and carl like it and boost it
    carl = await make_resident(inst, http, "carl")
    for who in (bob, carl):
        for action in ("favourite", "reblog"):
            done = await http.post(f"/api/v1/statuses/{status['id']}/{action}", headers=who.headers)
            assert done.status_code == 200

    # Then the counts and the lists agree, newest first, with Link paging
    seen = (await http.get(f"/api/v1/statuses/{status['id']}")).json()
    assert (seen["favourites_count"], seen["reblogs_count"]) == (2, 2)
    for path in ("favourited_by", "reblogged_by"):
        listed = await http.get(f"/api/v1/statuses/{status['id']}/{path}")
        assert [a["username"] for a in listed.json()] == ["carl", "bob"], path
        first = await http.get(f"/api/v1/statuses/{status['id']}/{path}?limit=1")
        assert [a["username"] for a in first.json()] == ["carl"]
        rest = await http.get(first.links["next"]["url"])
        assert [a["username"] for a in rest.json()] == ["bob"]

    # And ana was told of the two boosts only (not of the community's share)
    told = (await http.get("/api/v1/notifications?types[]=reblog", headers=ana.headers)).json()
    assert sorted(n["account"]["username"] for n in told) == ["bob", "carl"]


async def test_who_liked_a_post_one_may_not_see_is_not_found(inst, http, ana, bob) -> None:
    private = await http.post(
        "/api/v1/statuses", headers=bob.headers, data={"status": "Secret", "visibility": "direct"}
    )
    found = await http.get(
        f"/api/v1/statuses/{private.json()['id']}/favourited_by", headers=ana.headers
    )
    assert found.status_code == 404


async def test_several_statuses_at_once(inst, http, ana, bob) -> None:
    first = await post(http, bob, "Un")
    second = await post(http, bob, "Deux")
    private = await http.post(
        "/api/v1/statuses", headers=bob.headers, data={"status": "Trois", "visibility": "direct"}
    )
    asked = [second["id"], "999999", private.json()["id"], first["id"], "pas-un-id"]
    response = await http.get(
        "/api/v1/statuses", params=[("id[]", i) for i in asked], headers=ana.headers
    )
    assert response.status_code == 200
    assert [s["id"] for s in response.json()] == [second["id"], first["id"]]
    many = [("id[]", first["id"])] + [("id[]", str(n)) for n in range(1, 30)]
    assert (await http.get("/api/v1/statuses", params=many)).status_code == 200


async def test_mastodon_py_favourited_and_reblogged_by(inst, http, ana, bob) -> None:
    client = Mastodon(access_token=ana.token, api_base_url=inst.base_url, version_check_mode="none")
    status = await post(http, bob, "Qui aime ?")
    await asyncio.to_thread(client.status_favourite, status["id"])
    await asyncio.to_thread(client.status_reblog, status["id"])
    liked = await asyncio.to_thread(client.status_favourited_by, status["id"])
    boosted = await asyncio.to_thread(client.status_reblogged_by, status["id"])
    assert [a.acct for a in liked] == ["ana"] and [a.acct for a in boosted] == ["ana"]
    other = await post(http, bob, "Et toi ?")
    both = await asyncio.to_thread(client.statuses, [other["id"], status["id"]])
    assert [s.id for s in both] == [other["id"], status["id"]] and both[1].favourited
