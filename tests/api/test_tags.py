"""Hashtags: a tag with its week of use, followed tags (their posts come home and into
the user stream), hashtags typed in an offer kept as typed and those of a description
linked and tagged; Mastodon.py's `tag`, `tag_follow`, `followed_tags`."""

from __future__ import annotations

import asyncio
import json

import websockets
from mastodon import Mastodon

from tests.api.test_api import outgoing
from tests.api.test_streaming import frames_until, post, socket_url


async def test_a_tag_and_its_week_of_use(inst, http, ana, bob) -> None:
    await post(http, ana, "Au #Jardin ce matin")
    await post(http, bob, "Le #jardin partagé")
    await post(http, bob, "Encore le #jardin")
    found = await http.get("/api/v1/tags/Jardin", headers=ana.headers)
    assert found.status_code == 200
    tag = found.json()
    assert tag["name"] == "Jardin" and tag["following"] is False
    assert tag["url"].endswith("/tags/jardin")
    assert len(tag["history"]) == 7
    assert (tag["history"][0]["uses"], tag["history"][0]["accounts"]) == ("3", "2")
    assert int(tag["history"][0]["day"]) > int(tag["history"][1]["day"])
    refused = await http.get("/api/v1/tags/pas%20un%20tag")
    assert refused.status_code == 422


async def test_followed_tags_come_home_and_into_the_user_stream(inst, http, ana, bob) -> None:
    # Given ana follows #vélo (not bob)
    followed = await http.post("/api/v1/tags/vélo/follow", headers=ana.headers)
    assert followed.status_code == 200 and followed.json()["following"] is True
    listed = await http.get("/api/v1/followed_tags", headers=ana.headers)
    assert [t["name"] for t in listed.json()] == ["vélo"]

    async with websockets.connect(socket_url(inst, ana.token, "&stream=user")) as socket:
        # When bob posts with #Velo while her user stream is open
        await post(http, bob, "Rien à voir")
        tagged = await post(http, bob, "Atelier #Velo samedi")
        # Then the post reaches her stream and her home timeline
        [frame] = await frames_until(socket, lambda f: len(f) >= 1)
        assert (frame["event"], json.loads(frame["payload"])["id"]) == ("update", tagged["id"])
        home = await http.get("/api/v1/timelines/home", headers=ana.headers)
        assert [s["id"] for s in home.json()] == [tagged["id"]]

        # And its edit and its deletion reach the stream too
        await http.put(
            f"/api/v1/statuses/{tagged['id']}",
            headers=bob.headers,
            data={"status": "Atelier #Velo dimanche"},
        )
        [edited] = await frames_until(socket, lambda f: len(f) >= 1)
        await http.delete(f"/api/v1/statuses/{tagged['id']}", headers=bob.headers)
        [deleted] = await frames_until(socket, lambda f: len(f) >= 1)
    assert (edited["event"], edited["stream"]) == ("status.update", ["user"])
    assert (deleted["event"], deleted["payload"]) == ("delete", tagged["id"])

    # When she unfollows the tag, it leaves her list, and new posts her home
    await http.post("/api/v1/tags/velo/unfollow", headers=ana.headers)
    assert (await http.get("/api/v1/followed_tags", headers=ana.headers)).json() == []
    await post(http, bob, "Atelier #velo encore")
    assert (await http.get("/api/v1/timelines/home", headers=ana.headers)).json() == []


async def test_an_offers_hashtags_stay_as_typed_and_its_description_is_tagged(
    inst, http, ana
) -> None:
    response = await http.post(
        "/api/v1/statuses",
        headers=ana.headers,
        data={
            "status": "#offer #give\nA bike seat\nFits most #bikes, see #workshop",
            "language": "en",
        },
    )
    assert response.status_code == 200, response.text
    status = response.json()
    names = [t["name"] for t in status["tags"]]
    assert names[:2] == ["offer", "offre"] and "give" in names and "don" in names
    assert {"bikes", "workshop"} <= set(names)
    assert 'class="mention hashtag"' in status["content"] and "/tags/bikes" in status["content"]
    tagged = await http.get("/api/v1/timelines/tag/bikes")
    assert [s["id"] for s in tagged.json()] == [status["id"]]
    # And it goes out with the same Hashtag tags
    create = next(a for a in await outgoing(inst) if a["type"] == "Create")
    sent = [t["name"] for t in create["object"]["tag"] if t["type"] == "Hashtag"]
    assert sent[:2] == ["#offer", "#offre"] and "#bikes" in sent


async def test_mastodon_py_follows_tags(inst, http, ana) -> None:
    client = Mastodon(access_token=ana.token, api_base_url=inst.base_url, version_check_mode="none")
    await asyncio.to_thread(client.tag_follow, "entraide")
    assert [t.name for t in await asyncio.to_thread(client.followed_tags)] == ["entraide"]
    tag = await asyncio.to_thread(client.tag, "entraide")
    assert tag.following is True and len(tag.history) == 7
    await asyncio.to_thread(client.tag_unfollow, "entraide")
    assert await asyncio.to_thread(client.followed_tags) == []
