"""A reply made in a Mastodon app to a local-only status is local-only too: marked so,
never queued for other servers, never served to them."""

from __future__ import annotations

import json

from sqlalchemy import select

from fedlocal.store.tables import deliveries, outgoing_activities

AP = "application/activity+json"


def _strings(value) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return set().union(*(_strings(item) for item in value))
    return set()


async def _queued(inst) -> set[str]:
    """Every string in the activities queued for other servers (ids, inReplyTo, inboxes…)."""
    async with inst.db.read() as conn:
        bodies = [json.loads(r.body) for r in await conn.execute(select(outgoing_activities))]
        inboxes = [r.inbox_url for r in await conn.execute(select(deliveries))]
    return _strings(bodies) | set(inboxes)


async def test_a_reply_to_a_local_only_status_is_local_only(inst, http, ana, bob) -> None:
    # Given ana's status for her quarter only
    posted = await http.post(
        "/api/v1/statuses",
        headers=ana.headers,
        json={"status": "Apéro dans la cour samedi", "local_only": True},
    )
    original = posted.json()

    # When bob answers it from his app, as apps do (public, no local_only), and ana
    # answers him
    replied = await http.post(
        "/api/v1/statuses",
        headers=bob.headers,
        json={"status": "J'apporte des chips", "in_reply_to_id": original["id"]},
    )
    reply = replied.json()
    again = await http.post(
        "/api/v1/statuses",
        headers=ana.headers,
        json={"status": "Parfait", "in_reply_to_id": reply["id"], "visibility": "public"},
    )

    # Then both replies are local-only, as the apps see them
    assert replied.status_code == 200, replied.text
    assert (reply["visibility"], reply["local_only"]) == ("public", True)
    assert reply["in_reply_to_id"] == original["id"]
    assert again.json()["local_only"] is True
    # And nothing about the thread is queued for another server
    queued = await _queued(inst)
    for status in (original, reply, again.json()):
        assert status["uri"] not in queued
    # And other servers and visitors cannot fetch the reply
    for accept in (AP, "text/html"):
        fetched = await http.get(f"/objects/{reply['id']}", headers={"Accept": accept})
        assert fetched.status_code == 404, accept
    assert (await http.get(f"/api/v1/statuses/{reply['id']}")).status_code == 404
    assert (await http.get(f"/api/v1/statuses/{reply['id']}", headers=ana.headers)).is_success


async def test_a_private_reply_keeps_its_visibility(inst, http, ana, bob) -> None:
    original = (
        await http.post(
            "/api/v1/statuses",
            headers=ana.headers,
            json={"status": "Apéro dans la cour samedi", "local_only": True},
        )
    ).json()

    reply = (
        await http.post(
            "/api/v1/statuses",
            headers=bob.headers,
            json={"status": "Je viens", "in_reply_to_id": original["id"], "visibility": "private"},
        )
    ).json()

    assert (reply["visibility"], reply["local_only"]) == ("private", True)
    assert reply["uri"] not in await _queued(inst)
