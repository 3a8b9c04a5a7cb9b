"""Filters (v2): a resident's keywords and statuses hide posts from her timelines and
streams, or mark them with a warning (Mastodon's FilterResult), in the contexts she
chose and until they expire. Mastodon.py's filter methods drive the same routes."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import websockets
from mastodon import Mastodon

from fedlocal.clock import utcnow
from fedlocal.store import filters as filter_store
from tests.api.test_streaming import follow, frames_until, post, socket_url


async def _home_ids(http, resident) -> list[str]:
    found = await http.get("/api/v1/timelines/home", headers=resident.headers)
    return [s["id"] for s in found.json()]


async def test_hide_and_warn_filters_apply_to_home(inst, http, ana, bob) -> None:
    # Given ana follows bob, who posts about a barbecue, a car and his garden
    await follow(http, ana, bob)
    barbecue = await post(http, bob, "Barbecue dimanche au square")
    car = await post(http, bob, "Voiture à vendre")
    cart = await post(http, bob, "Un caddie abandonné rue des Lices")
    garden = await post(http, bob, "Mon jardin fleurit")

    # When ana hides "barbecue" at home and is warned of the whole word "car"
    hidden = await http.post(
        "/api/v2/filters",
        headers=ana.headers,
        json={
            "title": "Pas de grillades",
            "context": ["home"],
            "filter_action": "hide",
            "keywords_attributes": [{"keyword": "BARBECUE", "whole_word": False}],
        },
    )
    assert hidden.status_code == 200, hidden.text
    warned = await http.post(
        "/api/v2/filters",
        headers=ana.headers,
        data={
            "title": "Autos",
            "context[]": ["home", "public"],
            "filter_action": "warn",
            "keywords_attributes[][keyword]": "voiture",
            "keywords_attributes[][whole_word]": "true",
        },
    )
    assert warned.status_code == 200, warned.text
    autos = warned.json()
    assert autos["keywords"] == [
        {"id": autos["keywords"][0]["id"], "keyword": "voiture", "whole_word": True}
    ]
    assert autos["context"] == ["home", "public"] and autos["expires_at"] is None

    # Then home leaves the barbecue out and warns of the car, not of the "caddie"
    home = (await http.get("/api/v1/timelines/home", headers=ana.headers)).json()
    assert [s["id"] for s in home] == [garden["id"], cart["id"], car["id"]]
    by_id = {s["id"]: s for s in home}
    assert by_id[garden["id"]]["filtered"] == []
    [result] = by_id[car["id"]]["filtered"]
    assert result["keyword_matches"] == ["voiture"] and result["status_matches"] is None
    assert result["filter"]["id"] == autos["id"]
    assert result["filter"]["filter_action"] == "warn"

    # And the public timeline (not a context of the hiding filter) still has the barbecue
    public = (await http.get("/api/v1/timelines/public", headers=ana.headers)).json()
    assert barbecue["id"] in [s["id"] for s in public]
    # And bob, whose filters these are not, sees everything
    bob_home = await _home_ids(http, bob)
    assert barbecue["id"] in bob_home

    # When the hiding filter has expired, the barbecue is back
    async with inst.db.write() as conn:
        await filter_store.change(
            conn, int(hidden.json()["id"]), expires_at=utcnow() - timedelta(seconds=1)
        )
    assert barbecue["id"] in await _home_ids(http, ana)


async def test_a_filtered_status_and_the_v1_view(inst, http, ana, bob) -> None:
    await follow(http, ana, bob)
    first = await post(http, bob, "Premier message")
    second = await post(http, bob, "Deuxième message")
    made = (
        await http.post(
            "/api/v2/filters",
            headers=ana.headers,
            json={"title": "Celui-là", "context": ["home"], "filter_action": "hide"},
        )
    ).json()
    added = await http.post(
        f"/api/v2/filters/{made['id']}/statuses",
        headers=ana.headers,
        data={"status_id": first["id"]},
    )
    assert added.status_code == 200 and added.json()["status_id"] == first["id"]
    assert await _home_ids(http, ana) == [second["id"]]

    keyword = await http.post(
        f"/api/v2/filters/{made['id']}/keywords",
        headers=ana.headers,
        data={"keyword": "chat", "whole_word": "1"},
    )
    v1 = (await http.get("/api/v1/filters", headers=ana.headers)).json()
    assert v1 == [
        {
            "id": keyword.json()["id"],
            "phrase": "chat",
            "context": ["home"],
            "whole_word": True,
            "expires_at": None,
            "irreversible": True,
        }
    ]
    # Removing the status from the filter brings it back
    removed = await http.delete(
        f"/api/v2/filters/statuses/{added.json()['id']}", headers=ana.headers
    )
    assert removed.status_code == 200
    assert await _home_ids(http, ana) == [second["id"], first["id"]]
    # Another resident's filter is not found
    theirs = await http.get(f"/api/v2/filters/{made['id']}", headers=bob.headers)
    assert theirs.status_code == 404


async def test_bad_filters_are_refused(inst, http, ana) -> None:
    for body in (
        {"title": "", "context": ["home"]},
        {"title": "x", "context": []},
        {"title": "x", "context": ["everywhere"]},
        {"title": "x", "context": ["home"], "filter_action": "explode"},
        {"title": "x", "context": ["home"], "keywords_attributes": [{"keyword": " "}]},
        {"title": "x", "context": ["home"], "expires_in": "soon"},
    ):
        refused = await http.post("/api/v2/filters", headers=ana.headers, json=body)
        assert refused.status_code == 422, body
    assert (await http.get("/api/v2/filters", headers=ana.headers)).json() == []


async def test_hidden_statuses_leave_the_streams(inst, http, ana, bob) -> None:
    await follow(http, ana, bob)
    await http.post(
        "/api/v2/filters",
        headers=ana.headers,
        json={
            "title": "Bruit",
            "context": ["home"],
            "filter_action": "hide",
            "keywords_attributes": [{"keyword": "travaux", "whole_word": True}],
        },
    )
    async with websockets.connect(socket_url(inst, ana.token, "&stream=user")) as socket:
        await socket.send(json.dumps({"type": "subscribe", "stream": "barrier"}))
        await frames_until(socket, lambda f: len(f) == 1)
        await post(http, bob, "Travaux rue de la Pie demain")
        kept = await post(http, bob, "Concert ce soir")
        [frame] = await frames_until(socket, lambda f: len(f) == 1)
    assert json.loads(frame["payload"])["id"] == kept["id"]


async def test_notifications_about_hidden_statuses_are_left_out(inst, http, ana, bob) -> None:
    await http.post(
        "/api/v2/filters",
        headers=ana.headers,
        json={
            "title": "Pubs",
            "context": ["notifications"],
            "filter_action": "hide",
            "keywords_attributes": [{"keyword": "promo"}],
        },
    )
    await post(http, bob, "@ana promo sur les pizzas")
    kept = await post(http, bob, "@ana bonjour")
    found = (await http.get("/api/v1/notifications", headers=ana.headers)).json()
    assert [n["status"]["id"] for n in found] == [kept["id"]]


async def test_mastodon_py_filters_v2(inst, http, ana, bob) -> None:
    await follow(http, ana, bob)
    client = Mastodon(access_token=ana.token, api_base_url=inst.base_url)

    def run():
        made = client.create_filter_v2(
            "Météo",
            ["home", "thread"],
            "warn",
            expires_in=3600,
            keywords_attributes=[{"keyword": "pluie", "whole_word": True}],
        )
        client.add_filter_keyword_v2(made, "orage")
        changed = client.update_filter_v2(made, title="Le temps")
        return made, changed, client.filters_v2(), client.filter_keywords_v2(made), client.filters()

    made, changed, listed, keywords, v1 = await asyncio.to_thread(run)
    assert made.filter_action == "warn" and made.expires_at is not None
    assert changed.title == "Le temps"
    assert [f.id for f in listed] == [made.id]
    assert [k.keyword for k in keywords] == ["pluie", "orage"]
    assert sorted(f.phrase for f in v1) == ["orage", "pluie"]
    posted = await post(http, bob, "Orage ce soir")
    [status] = await asyncio.to_thread(client.timeline_home)
    assert str(status.id) == posted["id"]
    assert status.filtered[0].keyword_matches == ["orage"]
    await asyncio.to_thread(client.delete_filter_v2, made)
    assert await asyncio.to_thread(client.filters_v2) == []


async def test_keywords_are_changed_and_removed_through_the_filter(inst, http, ana) -> None:
    made = (
        await http.post(
            "/api/v2/filters",
            headers=ana.headers,
            json={
                "title": "Mots",
                "context": ["public"],
                "keywords_attributes": [{"keyword": "a"}, {"keyword": "b"}],
            },
        )
    ).json()
    first, second = made["keywords"]
    changed = await http.put(
        f"/api/v2/filters/{made['id']}",
        headers=ana.headers,
        data={
            "keywords_attributes[0][id]": first["id"],
            "keywords_attributes[0][keyword]": "alpha",
            "keywords_attributes[1][id]": second["id"],
            "keywords_attributes[1][_destroy]": "true",
            "keywords_attributes[2][keyword]": "gamma",
            "filter_action": "blur",
        },
    )
    assert changed.status_code == 200, changed.text
    assert [k["keyword"] for k in changed.json()["keywords"]] == ["alpha", "gamma"]
    assert changed.json()["filter_action"] == "blur"
    # A keyword of no filter of hers is not found, and nothing changes
    refused = await http.put(
        f"/api/v2/filters/{made['id']}",
        headers=ana.headers,
        json={"title": "Autre", "keywords_attributes": [{"id": "999999", "_destroy": True}]},
    )
    assert refused.status_code == 404
    assert (await http.get(f"/api/v2/filters/{made['id']}", headers=ana.headers)).json()[
        "title"
    ] == "Mots"
