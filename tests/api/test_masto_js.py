"""masto.js, the library under Elk and Phanpy, on our streaming WebSocket: one connection
with the user, hashtag, local and nearby-list streams, each delivering its events (the
client matches frames to subscriptions by their `stream`, the tag as it asked for it);
and its REST client making a list, a filter and a push subscription, and the calls behind
the apps' edit, bookmark, "liked/boosted by", hashtag follow and profile buttons; and an
app reading a group purchase and a ride (with its seats left per date) from the timeline.

masto.js comes from the npm registry (`make ui-deps`, tests/clients/package.json); the
test is skipped without it, except under CI where it must run."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest

from fedlocal.services import group_purchases, rides
from tests.api.test_group_purchase_api import firewood
from tests.api.test_push import Subscriber, b64url
from tests.api.test_rides_api import dinan_ride
from tests.api.test_streaming import follow, post
from tests.support.waiting import wait_for

CLIENTS = Path(__file__).parents[1] / "clients"
DEADLINE = 15.0


def _node() -> str:
    node = shutil.which("node")
    if node is None or not (CLIENTS / "node_modules" / "masto").is_dir():
        if os.environ.get("CI"):
            raise AssertionError("masto.js is missing: run `make ui-deps`")
        pytest.skip("masto.js is not installed (make ui-deps)")
    return node


async def _run(node: str, script: str, *args: str) -> dict:
    """Run one of the client scripts to its end; what it printed, read as JSON."""
    process = await asyncio.create_subprocess_exec(
        node,
        str(CLIENTS / script),
        *args,
        cwd=CLIENTS,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), DEADLINE)
    assert process.returncode == 0, err.decode()
    return json.loads(out)


async def test_masto_js_subscriptions_each_deliver(inst, http, ana, bob) -> None:
    node = _node()
    await follow(http, ana, bob)
    streaming = inst.base_url.replace("http://", "ws://")
    process = await asyncio.create_subprocess_exec(
        node,
        str(CLIENTS / "masto_streams.mjs"),
        streaming,
        ana.token,
        "Vélo",
        cwd=CLIENTS,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    lines: list[dict] = []

    async def read() -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            lines.append(json.loads(raw))

    reader = asyncio.create_task(read())
    try:
        # masto.js does not say when the server took its subscriptions: bob posts until
        # one of his tagged posts has reached all three streams that should show it
        async def delivered_everywhere() -> str | None:
            posted = await post(http, bob, "Atelier réparation #velo samedi")
            await wait_for(
                lambda: (
                    {n["name"] for n in lines if n.get("id") == posted["id"]}
                    >= {"user", "hashtag", "local"}
                ),
                timeout=1.0,
                message="the post on the three streams",
            )
            return posted["id"]

        posted_id = None
        async with asyncio.timeout(DEADLINE):
            while posted_id is None:
                try:
                    posted_id = await delivered_everywhere()
                except AssertionError:
                    continue
        # When bob deletes it, each stream tells masto.js
        await http.delete(f"/api/v1/statuses/{posted_id}", headers=bob.headers)
        await wait_for(
            lambda: (
                {n["name"] for n in lines if n.get("event") == "delete" and n["id"] == posted_id}
                >= {"user", "hashtag", "local"}
            ),
            timeout=DEADLINE,
            message="the deletion on the three streams",
        )
    finally:
        process.terminate()
        await process.wait()
        reader.cancel()
    ended = [n for n in lines if n.get("ended")]
    assert ended == [], ended
    tagged = [n for n in lines if n["name"] == "hashtag" and n.get("event") == "update"]
    assert all(n["stream"] == ["hashtag", "Vélo"] for n in tagged)


async def test_masto_js_lists_filters_and_push(inst, http, ana, bob) -> None:
    node = _node()
    await follow(http, ana, bob)
    rainy = await post(http, bob, "De la pluie demain")
    app = Subscriber()
    process = await asyncio.create_subprocess_exec(
        node,
        str(CLIENTS / "masto_rest.mjs"),
        inst.base_url,
        ana.token,
        str(bob.actor.id),
        "https://push.example/masto-js",
        app.p256dh,
        b64url(app.auth),
        cwd=CLIENTS,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(DEADLINE):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    found = json.loads(out)
    assert found["list"]["title"] == "Jardin" and found["list"]["exclusive"] is True
    assert found["list"]["repliesPolicy"] == "none"
    assert found["members"] == ["bob"]
    assert found["lists"] == ["nearby", found["list"]["id"]]
    # The list was read before the filter was made
    assert [s["id"] for s in found["timeline"]] == [rainy["id"]]
    assert found["filter"]["filterAction"] == "warn"
    assert found["filter"]["keywords"][0]["wholeWord"] is True
    assert found["filters"] == [found["filter"]["id"]]
    assert found["subscription"]["alerts"]["mention"] is True
    assert found["subscription"]["policy"] == "followed"
    assert found["fetched"]["id"] == found["subscription"]["id"]
    home = (await http.get("/api/v1/timelines/home", headers=ana.headers)).json()
    assert home == []  # bob is on an exclusive list now
    in_list = await http.get(f"/api/v1/timelines/list/{found['list']['id']}", headers=ana.headers)
    [status] = in_list.json()
    assert status["filtered"][0]["keyword_matches"] == ["pluie"]


async def test_masto_js_edits_bookmarks_lists_tags_and_profile(inst, ana) -> None:
    node = _node()
    found = await _run(node, "masto_rest_apps.mjs", inst.base_url, ana.token)
    assert "Second jet" in found["edited"] and found["editedAt"]
    assert ["Premier jet" in v for v in found["history"]] == [True, False]
    assert found["source"] == "Second jet #jardin"
    assert found["bookmarked"] is True and found["bookmarks"] == [found["id"]]
    assert found["favouritedBy"] == ["ana"] and found["rebloggedBy"] == ["ana"]
    assert found["tag"] == ["jardin", True, 7] and found["followedTags"] == ["jardin"]
    assert found["note"] == "<p>Voisine des Lilas</p>" and found["fields"] == ["Site"]


async def test_masto_js_reads_a_group_purchase_and_a_ride(inst, http, ana, bob) -> None:
    node = _node()
    # Given ana's firewood purchase (bob committed 12 of at least 10 stères) and her
    # weekly ride to Dinan, whose first Thursday bob booked full
    purchase = await firewood(inst, ana.actor)
    await group_purchases.commit(inst.services, bob.actor, purchase.id, "12")
    ride = await dinan_ride(inst, ana.actor)
    await rides.book_seats(inst.services, bob.actor, ride.id, seats=2)

    # When bob's app (masto.js) reads the local timeline and each status
    found = await _run(node, "masto_kinds.mjs", inst.base_url, bob.token)

    # Then both kinds are on the timeline, each reading plainly in its content…
    assert {"ride", "group_purchase"} <= set(found["kinds"])
    bought, driven = found["seen"]["group_purchase"], found["seen"]["ride"]
    assert (bought["id"], driven["id"]) == (str(purchase.id), str(ride.id))
    assert "Achat groupé" in bought["content"]
    assert "Paramé → Dinan · chaque jeudi 8 h · 2 places" in driven["content"]
    # …and in detail in `fedlocal`, which masto.js camelCases as it does Mastodon's keys
    terms = bought["fedlocal"]["groupPurchase"]
    assert (terms["unit"], terms["minimum"], terms["committed"], terms["remaining"]) == (
        "stere",
        "10",
        "12",
        "8",
    )
    assert terms["pickupPlace"] == "Parking du marché de Paramé" and terms["status"] == "open"
    trip = driven["fedlocal"]["ride"]
    assert trip["destination"]["name"] == "Dinan" and trip["weekly"] is True
    assert trip["contribution"] == {"amount": "3.00", "currency": "EUR"}
    first, second = trip["dates"][:2]
    assert first["date"] == ride.ride.departs_at.date().isoformat()
    assert (first["seatsLeft"], first["full"]) == (0, True)
    assert (second["seatsLeft"], second["full"]) == (2, False)
