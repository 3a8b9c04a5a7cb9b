"""Bookmarks: a resident marks statuses, reads them back newest first with `Link`
paging, and unmarks them; Mastodon.py's `status_bookmark` and `bookmarks`."""

from __future__ import annotations

import asyncio

from mastodon import Mastodon

from tests.api.test_streaming import post


async def test_bookmarks_are_kept_listed_and_paged(inst, http, ana, bob) -> None:
    # Given three posts of bob's, bookmarked by ana
    posted = [await post(http, bob, f"Astuce {n}") for n in range(3)]
    for status in posted:
        marked = await http.post(f"/api/v1/statuses/{status['id']}/bookmark", headers=ana.headers)
        assert marked.status_code == 200 and marked.json()["bookmarked"] is True

    # Then her bookmarks list them newest first, two per page with a Link to the next
    first = await http.get("/api/v1/bookmarks?limit=2", headers=ana.headers)
    assert [s["id"] for s in first.json()] == [posted[2]["id"], posted[1]["id"]]
    assert 'rel="next"' in first.headers["link"]
    following = first.links["next"]["url"]
    rest = await http.get(following, headers=ana.headers)
    assert [s["id"] for s in rest.json()] == [posted[0]["id"]]

    # And only hers: bob sees the status as not bookmarked
    seen = await http.get(f"/api/v1/statuses/{posted[0]['id']}", headers=bob.headers)
    assert seen.json()["bookmarked"] is False

    # When she unmarks one, it leaves the list (twice is harmless)
    for _ in range(2):
        unmarked = await http.post(
            f"/api/v1/statuses/{posted[1]['id']}/unbookmark", headers=ana.headers
        )
        assert unmarked.status_code == 200 and unmarked.json()["bookmarked"] is False
    left = await http.get("/api/v1/bookmarks", headers=ana.headers)
    assert [s["id"] for s in left.json()] == [posted[2]["id"], posted[0]["id"]]

    # And a deleted post drops out
    await http.delete(f"/api/v1/statuses/{posted[2]['id']}", headers=bob.headers)
    left = await http.get("/api/v1/bookmarks", headers=ana.headers)
    assert [s["id"] for s in left.json()] == [posted[0]["id"]]


async def test_a_post_one_may_not_see_cannot_be_bookmarked(inst, http, ana, bob) -> None:
    private = await http.post(
        "/api/v1/statuses", headers=bob.headers, data={"status": "Pour moi", "visibility": "direct"}
    )
    refused = await http.post(
        f"/api/v1/statuses/{private.json()['id']}/bookmark", headers=ana.headers
    )
    assert refused.status_code == 404
    assert (await http.get("/api/v1/bookmarks", headers=ana.headers)).json() == []


async def test_mastodon_py_bookmarks(inst, http, ana, bob) -> None:
    client = Mastodon(access_token=ana.token, api_base_url=inst.base_url, version_check_mode="none")
    status = await post(http, bob, "Recette de confiture")
    marked = await asyncio.to_thread(client.status_bookmark, status["id"])
    assert marked.bookmarked is True
    assert [s.id for s in await asyncio.to_thread(client.bookmarks)] == [marked.id]
    await asyncio.to_thread(client.status_unbookmark, status["id"])
    assert await asyncio.to_thread(client.bookmarks) == []
