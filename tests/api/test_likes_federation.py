"""Favourites and boosts across servers: a remote Like of our post notifies its author and
an Undo takes it back; our resident's favourite and boost of a remote post reach its
author as Like and Announce (and their Undos)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from fedlocal.store.tables import favourites
from tests.support.remote_stub import RemoteStub, remote_stub
from tests.support.waiting import wait_for

DEADLINE = 15.0


@pytest.fixture
async def stub() -> AsyncIterator[RemoteStub]:
    async with remote_stub() as found:
        yield found


async def like_count(inst) -> int:
    async with inst.db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(favourites))).scalar_one()


async def test_a_remote_like_notifies_and_its_undo_removes_it(inst, http, ana, stub) -> None:
    # Given ana's post, and alice on a Mastodon server
    alice = stub.add_actor("alice")
    posted = (
        await http.post("/api/v1/statuses", headers=ana.headers, json={"status": "Merci"})
    ).json()
    like = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{alice.uri}#likes/1",
        "type": "Like",
        "actor": alice.uri,
        "object": posted["uri"],
    }

    # When alice likes it
    response = await stub.deliver(alice, f"{inst.base_url}/inbox", like)
    assert response.status_code == 202

    # Then ana is notified and the count shows it
    async def notified():
        notes = (await http.get("/api/v1/notifications", headers=ana.headers)).json()
        return [n for n in notes if n["type"] == "favourite"]

    notes = await wait_for(notified, timeout=DEADLINE, message="the favourite notification")
    assert notes[0]["account"]["acct"] == f"alice@{stub.host}"
    status = (await http.get(f"/api/v1/statuses/{posted['id']}")).json()
    assert status["favourites_count"] == 1

    # When she takes it back
    undo = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{alice.uri}#undo/1",
        "type": "Undo",
        "actor": alice.uri,
        "object": {k: v for k, v in like.items() if k != "@context"},
    }
    await stub.deliver(alice, f"{inst.base_url}/inbox", undo)
    await wait_for(lambda: _zero(like_count(inst)), timeout=DEADLINE, message="the undo")


async def _zero(value) -> bool:
    return await value == 0


async def test_favouriting_and_boosting_a_remote_post_tell_its_author(
    inst, http, ana, stub
) -> None:
    # Given a public note of alice's, found by its URL
    alice = stub.add_actor("alice")
    note = stub.serve(
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{alice.uri}/statuses/1",
            "type": "Note",
            "attributedTo": alice.uri,
            "content": "<p>Vends tondeuse</p>",
            "published": "2026-11-01T10:00:00Z",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [f"{alice.uri}/followers"],
        }
    )
    found = (
        await http.get(
            "/api/v2/search", params={"q": note["id"], "resolve": "true"}, headers=ana.headers
        )
    ).json()
    status_id = found["statuses"][0]["id"]
    assert found["statuses"][0]["account"]["acct"] == f"alice@{stub.host}"

    # When ana favourites and boosts it, then takes both back
    for action in ("favourite", "reblog", "unfavourite", "unreblog"):
        response = await http.post(f"/api/v1/statuses/{status_id}/{action}", headers=ana.headers)
        assert response.status_code == 200, response.text

    # Then alice's server receives Like, Announce and their Undos
    def received() -> list[str]:
        kinds = []
        for item in stub.received:
            kind = item.type
            if kind == "Undo":
                kind = f"Undo({item.body['object']['type']})"
            kinds.append(kind)
        return kinds

    await wait_for(lambda: len(received()) >= 4, timeout=DEADLINE, message="four deliveries")
    assert sorted(received()) == ["Announce", "Like", "Undo(Announce)", "Undo(Like)"]
    like = stub.received_of_type("Like")[0].body
    assert like["object"] == note["id"]
    assert like["actor"] == ana.actor.uri
