"""Lists: a resident makes a list of accounts she follows from her app, reads its
timeline (paged), streams it, and an exclusive list takes its members out of home.
Mastodon.py's list methods drive the same routes."""

from __future__ import annotations

import asyncio
import json

import websockets
from mastodon import Mastodon

from tests.api.conftest import make_resident
from tests.api.test_streaming import follow, frames_until, post, socket_url, sse_events


async def test_a_list_of_followed_accounts_with_its_timeline(inst, http, ana, bob) -> None:
    # Given ana follows bob and carl; dan she does not follow
    carl = await make_resident(inst, http, "carl")
    dan = await make_resident(inst, http, "dan")
    await follow(http, ana, bob)
    await follow(http, ana, carl)

    # When she makes a list and puts bob on it
    made = await http.post("/api/v1/lists", headers=ana.headers, data={"title": "Jardin"})
    assert made.status_code == 200, made.text
    garden = made.json()
    assert garden == {
        "id": garden["id"],
        "title": "Jardin",
        "replies_policy": "list",
        "exclusive": False,
    }
    added = await http.post(
        f"/api/v1/lists/{garden['id']}/accounts",
        headers=ana.headers,
        data={"account_ids[]": [str(bob.actor.id)]},
    )
    assert (added.status_code, added.json()) == (200, {})

    # Then someone she does not follow cannot be added, and nothing was added with him
    refused = await http.post(
        f"/api/v1/lists/{garden['id']}/accounts",
        headers=ana.headers,
        json={"account_ids": [str(carl.actor.id), str(dan.actor.id)]},
    )
    assert refused.status_code == 404
    members = await http.get(f"/api/v1/lists/{garden['id']}/accounts", headers=ana.headers)
    assert [a["acct"] for a in members.json()] == ["bob"]

    # And the list timeline holds bob's posts, not carl's, paged with Link
    first = await post(http, bob, "Semis de tomates")
    await post(http, carl, "Vélo à vendre")
    second = await post(http, bob, "Arrosage demain")
    page = await http.get(f"/api/v1/timelines/list/{garden['id']}?limit=1", headers=ana.headers)
    assert [s["id"] for s in page.json()] == [second["id"]]
    older = page.links["next"]["url"]
    assert [s["id"] for s in (await http.get(older, headers=ana.headers)).json()] == [first["id"]]

    # And the nearby list still comes first among her lists; bob's account lists it
    listed = (await http.get("/api/v1/lists", headers=ana.headers)).json()
    assert [item["id"] for item in listed] == ["nearby", garden["id"]]
    of_bob = await http.get(f"/api/v1/accounts/{bob.actor.id}/lists", headers=ana.headers)
    assert [item["id"] for item in of_bob.json()] == [garden["id"]]

    # And bob neither sees nor changes ana's list
    assert (await http.get(f"/api/v1/lists/{garden['id']}", headers=bob.headers)).status_code == 404
    theirs = await http.get(f"/api/v1/timelines/list/{garden['id']}", headers=bob.headers)
    assert theirs.status_code == 404


async def test_an_exclusive_list_takes_its_members_out_of_home(inst, http, ana, bob) -> None:
    carl = await make_resident(inst, http, "carl")
    await follow(http, ana, bob)
    await follow(http, ana, carl)
    made = await http.post(
        "/api/v1/lists", headers=ana.headers, json={"title": "Voisins", "exclusive": True}
    )
    neighbours = made.json()
    assert neighbours["exclusive"] is True
    await http.post(
        f"/api/v1/lists/{neighbours['id']}/accounts",
        headers=ana.headers,
        data={"account_ids[]": str(bob.actor.id)},
    )
    from_bob = await post(http, bob, "Fête des voisins")
    from_carl = await post(http, carl, "Marché samedi")

    home = await http.get("/api/v1/timelines/home", headers=ana.headers)
    assert [s["id"] for s in home.json()] == [from_carl["id"]]
    in_list = await http.get(f"/api/v1/timelines/list/{neighbours['id']}", headers=ana.headers)
    assert [s["id"] for s in in_list.json()] == [from_bob["id"]]

    # When the list stops being exclusive, bob is back in home
    changed = await http.put(
        f"/api/v1/lists/{neighbours['id']}", headers=ana.headers, data={"exclusive": "false"}
    )
    assert changed.json()["exclusive"] is False and changed.json()["title"] == "Voisins"
    home = await http.get("/api/v1/timelines/home", headers=ana.headers)
    assert [s["id"] for s in home.json()] == [from_carl["id"], from_bob["id"]]


async def test_bad_list_input_is_refused(inst, http, ana, bob) -> None:
    blank = await http.post("/api/v1/lists", headers=ana.headers, data={"title": "  "})
    assert blank.status_code == 422 and "Title" in blank.json()["error"]
    policy = await http.post(
        "/api/v1/lists", headers=ana.headers, data={"title": "A", "replies_policy": "all"}
    )
    assert policy.status_code == 422
    nearby = await http.delete("/api/v1/lists/nearby", headers=ana.headers)
    assert nearby.status_code == 422
    unknown = await http.get("/api/v1/lists/99999", headers=ana.headers)
    assert unknown.status_code == 404
    assert (await http.get("/api/v1/lists", headers=ana.headers)).json()[1:] == []


async def test_the_list_stream_delivers_its_members_posts(inst, http, ana, bob) -> None:
    carl = await make_resident(inst, http, "carl")
    await follow(http, ana, bob)
    await follow(http, ana, carl)
    garden = (await http.post("/api/v1/lists", headers=ana.headers, data={"title": "J"})).json()
    await http.post(
        f"/api/v1/lists/{garden['id']}/accounts",
        headers=ana.headers,
        data={"account_ids[]": str(bob.actor.id)},
    )
    bobs_list = (await http.post("/api/v1/lists", headers=bob.headers, data={"title": "B"})).json()
    async with websockets.connect(socket_url(inst, ana.token)) as socket:
        await socket.send(json.dumps({"type": "subscribe", "stream": "list", "list": garden["id"]}))
        # Another resident's list is refused, naming it; hers stays subscribed
        await socket.send(
            json.dumps({"type": "subscribe", "stream": "list", "list": bobs_list["id"]})
        )
        [refusal] = await frames_until(socket, lambda f: len(f) == 1)
        assert refusal["stream"] == ["list", bobs_list["id"]] and refusal["status"] == 401
        await post(http, carl, "Pas sur la liste")
        posted = await post(http, bob, "Sur la liste")
        [frame] = await frames_until(socket, lambda f: len(f) == 1)
    assert frame["stream"] == ["list", garden["id"]] and frame["event"] == "update"
    assert json.loads(frame["payload"])["id"] == posted["id"]


async def test_mastodon_py_manages_lists(inst, http, ana, bob) -> None:
    await follow(http, ana, bob)
    client = Mastodon(access_token=ana.token, api_base_url=inst.base_url)

    def run():
        made = client.list_create("Quartier")
        client.list_accounts_add(made, [bob.actor.id])
        client.list_update(made, "Quartier nord")
        accounts = client.list_accounts(made)
        found = client.list(made)
        client.list_accounts_delete(made, [bob.actor.id])
        emptied = client.list_accounts(made)
        client.list_delete(made)
        return made, accounts, found, emptied, client.lists()

    made, accounts, found, emptied, remaining = await asyncio.to_thread(run)
    assert [a.acct for a in accounts] == ["bob"] and emptied == []
    assert found.title == "Quartier nord"
    assert [item.id for item in remaining] == ["nearby"]
    posted = await post(http, bob, "Bonjour")
    again = await asyncio.to_thread(client.list_create, "Encore")
    await asyncio.to_thread(client.list_accounts_add, again, [bob.actor.id])
    timeline = await asyncio.to_thread(client.timeline_list, again)
    assert [str(s.id) for s in timeline] == [posted["id"]]


async def test_unfollowing_takes_the_account_off_the_lists(inst, http, ana, bob) -> None:
    await follow(http, ana, bob)
    made = (await http.post("/api/v1/lists", headers=ana.headers, data={"title": "L"})).json()
    await http.post(
        f"/api/v1/lists/{made['id']}/accounts",
        headers=ana.headers,
        data={"account_ids[]": str(bob.actor.id)},
    )
    await http.post(f"/api/v1/accounts/{bob.actor.id}/unfollow", headers=ana.headers)
    members = await http.get(f"/api/v1/lists/{made['id']}/accounts", headers=ana.headers)
    assert members.json() == []


async def test_sse_list_stream_and_another_residents_list(inst, http, ana, bob) -> None:
    await follow(http, ana, bob)
    mine = (await http.post("/api/v1/lists", headers=ana.headers, data={"title": "M"})).json()
    theirs = (await http.post("/api/v1/lists", headers=bob.headers, data={"title": "T"})).json()
    await http.post(
        f"/api/v1/lists/{mine['id']}/accounts",
        headers=ana.headers,
        data={"account_ids[]": str(bob.actor.id)},
    )
    refused = await http.get(f"/api/v1/streaming/list?list={theirs['id']}", headers=ana.headers)
    assert refused.status_code == 401 and theirs["id"] in refused.json()["error"]
    async with http.stream(
        "GET", f"/api/v1/streaming/list?list={mine['id']}", headers=ana.headers, timeout=10.0
    ) as stream:
        assert stream.status_code == 200
        reading = asyncio.create_task(sse_events(stream, 1))
        posted = await post(http, bob, "Dans la liste")
        [(event, data)] = await asyncio.wait_for(reading, 10.0)
    assert event == "update" and json.loads(data)["id"] == posted["id"]
