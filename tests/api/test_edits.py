"""Status edits: an app edits a note (`PUT /api/v1/statuses/:id`), reads its history and
its source; followers' streams are told with `status.update`; Mastodon.py's
`status_update`, `status_history` and `status_source`."""

from __future__ import annotations

import asyncio
import json

import websockets
from mastodon import Mastodon

from tests.api.test_api import outgoing
from tests.api.test_streaming import follow, frames_until, post, socket_url


async def test_an_edit_keeps_the_history_and_the_source(inst, http, ana, bob) -> None:
    # Given ana's note with a hashtag
    first = await post(http, ana, "Vide-grenier dimanche #brocante")
    assert first["edited_at"] is None
    # And bob boosted it
    boosted = await http.post(f"/api/v1/statuses/{first['id']}/reblog", headers=bob.headers)
    assert boosted.status_code == 200

    # When she edits its text, spoiler and language
    response = await http.put(
        f"/api/v1/statuses/{first['id']}",
        headers=ana.headers,
        data={"status": "Vide-grenier samedi #jardin", "spoiler_text": "Date", "language": "fr"},
    )

    # Then the status reads as edited, with its new hashtag
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["id"] == first["id"] and edited["edited_at"] is not None
    assert "samedi" in edited["content"] and edited["spoiler_text"] == "Date"
    assert [t["name"] for t in edited["tags"]] == ["jardin"]
    tagged = await http.get("/api/v1/timelines/tag/brocante", headers=ana.headers)
    assert tagged.json() == []

    # And the edit goes out as Mastodon's: an Update of the Note with `updated`
    update = next(a for a in await outgoing(inst) if a["type"] == "Update")
    assert update["object"]["id"] == first["uri"] and update["object"]["updated"]
    assert "samedi" in update["object"]["content"] and update["object"]["summary"] == "Date"
    assert "https://www.w3.org/ns/activitystreams#Public" in update["to"]

    # And bob, who boosted it, is told it changed
    told = (await http.get("/api/v1/notifications?types[]=update", headers=bob.headers)).json()
    assert [(n["type"], n["status"]["id"]) for n in told] == [("update", first["id"])]

    # And its history lists both versions, oldest first
    history = (await http.get(f"/api/v1/statuses/{first['id']}/history")).json()
    assert ["dimanche" in v["content"] for v in history] == [True, False]
    assert [v["spoiler_text"] for v in history] == ["", "Date"]
    assert history[1]["account"]["id"] == str(ana.actor.id)

    # And its source is the text she typed
    source = (await http.get(f"/api/v1/statuses/{first['id']}/source", headers=ana.headers)).json()
    assert source == {
        "id": first["id"],
        "text": "Vide-grenier samedi #jardin",
        "spoiler_text": "Date",
    }


async def test_only_the_author_edits(inst, http, ana, bob) -> None:
    first = await post(http, ana, "Ma note")
    for who in (bob,):
        refused = await http.put(
            f"/api/v1/statuses/{first['id']}", headers=who.headers, data={"status": "piraté"}
        )
        assert refused.status_code == 404
        source = await http.get(f"/api/v1/statuses/{first['id']}/source", headers=who.headers)
        assert source.status_code == 404
    blank = await http.put(
        f"/api/v1/statuses/{first['id']}", headers=ana.headers, data={"status": " "}
    )
    assert blank.status_code == 422
    history = (await http.get(f"/api/v1/statuses/{first['id']}/history")).json()
    assert len(history) == 1 and history[0]["content"] == "<p>Ma note</p>"


async def test_an_offer_edited_from_an_app_keeps_its_kind(inst, http, ana) -> None:
    # Given ana's offer, posted from an app
    offer = await post(http, ana, "#offer #give\nA bike seat\nFits most bikes")
    assert offer["fedlocal"]["title"] == "A bike seat"

    # When her app prefills the edit with its source, and she changes both parts
    source = await http.get(f"/api/v1/statuses/{offer['id']}/source", headers=ana.headers)
    assert source.json()["text"] == "A bike seat\nFits most bikes"
    response = await http.put(
        f"/api/v1/statuses/{offer['id']}",
        headers=ana.headers,
        data={"status": "A child bike seat\nFits most bikes, see #workshop"},
    )

    # Then it is the same offer, with its new title, description and hashtags
    assert response.status_code == 200, response.text
    edited = response.json()
    assert (
        edited["fedlocal"]["kind"] == "offer" and edited["fedlocal"]["title"] == "A child bike seat"
    )
    assert edited["fedlocal"]["listing"]["intent"] == "give"
    assert {"offre", "don", "workshop"} <= {t["name"] for t in edited["tags"]}
    history = (await http.get(f"/api/v1/statuses/{offer['id']}/history")).json()
    assert ["A bike seat" in v["content"] for v in history] == [True, False]

    # And a text without a title is refused
    blank = await http.put(
        f"/api/v1/statuses/{offer['id']}", headers=ana.headers, data={"status": "#offre"}
    )
    assert blank.status_code == 422


async def test_an_edit_reaches_the_streams_as_status_update(inst, http, ana, bob) -> None:
    # Given ana follows bob and streams her home, the local timeline and a hashtag
    await follow(http, ana, bob)
    first = await post(http, bob, "Je prête un escabeau #outils")
    url = socket_url(inst, ana.token, "&stream=user")
    async with websockets.connect(url) as socket:
        for request in (
            {"type": "subscribe", "stream": "public:local"},
            {"type": "subscribe", "stream": "hashtag", "tag": "outils"},
            {"type": "subscribe", "stream": "hashtag", "tag": "jardin"},
        ):
            await socket.send(json.dumps(request))
        # When bob edits his post (made before the streams opened)
        response = await http.put(
            f"/api/v1/statuses/{first['id']}",
            headers=bob.headers,
            data={"status": "Je prête un grand escabeau #outils"},
        )
        assert response.status_code == 200
        # Then each stream that could show it gets the new version
        frames = await frames_until(socket, lambda f: len(f) == 3)
    assert {f["event"] for f in frames} == {"status.update"}
    assert all("grand escabeau" in json.loads(f["payload"])["content"] for f in frames)
    assert sorted(tuple(f["stream"]) for f in frames) == [
        ("hashtag", "outils"),
        ("public:local",),
        ("user",),
    ]


async def test_mastodon_py_edits_and_reads_history(inst, http, ana) -> None:
    client = Mastodon(access_token=ana.token, api_base_url=inst.base_url, version_check_mode="none")
    posted = await asyncio.to_thread(client.status_post, "Premier jet")
    edited = await asyncio.to_thread(
        client.status_update, posted.id, "Second jet", spoiler_text="Brouillon", sensitive=True
    )
    assert edited.edited_at is not None and edited.sensitive is True
    history = await asyncio.to_thread(client.status_history, posted.id)
    assert [h.content for h in history] == ["<p>Premier jet</p>", "<p>Second jet</p>"]
    source = await asyncio.to_thread(client.status_source, posted.id)
    assert source.text == "Second jet" and source.spoiler_text == "Brouillon"
