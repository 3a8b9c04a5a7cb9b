"""Blocks and mutes through the client API, as Mastodon answers them, and with
Mastodon.py (`account_block`, `account_unblock`, `account_mute`, `account_unmute`,
`blocks`, `mutes`, `domain_block`)."""

from __future__ import annotations

import asyncio

from mastodon import Mastodon

from tests.api.conftest import make_resident


async def _relationship(http, viewer, other) -> dict:
    response = await http.get(
        "/api/v1/accounts/relationships", params={"id[]": other.actor.id}, headers=viewer.headers
    )
    [found] = response.json()
    return found


async def test_block_shows_both_ways_lists_with_links_and_undoes(inst, http, ana, bob) -> None:
    # Given bob following ana
    await http.post(f"/api/v1/accounts/{ana.actor.id}/follow", headers=bob.headers)

    # When ana blocks bob
    response = await http.post(f"/api/v1/accounts/{bob.actor.id}/block", headers=ana.headers)

    # Then the answer is the relationship: blocking, and bob no longer follows her
    assert response.status_code == 200
    relation = response.json()
    assert relation["id"] == str(bob.actor.id)
    assert (relation["blocking"], relation["followed_by"]) == (True, False)
    assert (await _relationship(http, bob, ana))["blocked_by"] is True
    # And the list of blocks has bob, with a Link header to page on
    listed = await http.get("/api/v1/blocks", headers=ana.headers)
    assert [a["id"] for a in listed.json()] == [str(bob.actor.id)]
    assert 'rel="next"' in listed.headers["link"]

    # And bob can neither follow ana again nor read her posts
    status = await http.post("/api/v1/statuses", data={"status": "Bonjour"}, headers=ana.headers)
    refused = await http.post(f"/api/v1/accounts/{ana.actor.id}/follow", headers=bob.headers)
    assert refused.status_code == 403 and refused.json()["error"] == "this account has blocked you"
    hidden = await http.get(f"/api/v1/statuses/{status.json()['id']}", headers=bob.headers)
    assert hidden.status_code == 404
    own = await http.get(f"/api/v1/accounts/{ana.actor.id}/statuses", headers=bob.headers)
    assert own.json() == []
    # Nor write to her from his app: a direct status naming her is refused
    direct = await http.post(
        "/api/v1/statuses",
        data={"status": "@ana coucou", "visibility": "direct"},
        headers=bob.headers,
    )
    assert direct.status_code == 403 and "blocked you" in direct.json()["error"]

    # When ana unblocks bob, the list is empty again
    undone = await http.post(f"/api/v1/accounts/{bob.actor.id}/unblock", headers=ana.headers)
    assert undone.json()["blocking"] is False
    assert (await http.get("/api/v1/blocks", headers=ana.headers)).json() == []


async def test_the_blocked_accounts_posts_leave_the_blockers_timelines(inst, http, ana, bob):
    status = await http.post("/api/v1/statuses", data={"status": "Salut"}, headers=bob.headers)
    await http.post(f"/api/v1/accounts/{bob.actor.id}/block", headers=ana.headers)
    for path in ("/api/v1/timelines/public", "/api/v1/timelines/home"):
        found = (await http.get(path, headers=ana.headers)).json()
        assert status.json()["id"] not in [s["id"] for s in found], path


async def test_mute_with_notifications_and_duration(inst, http, ana, bob) -> None:
    response = await http.post(
        f"/api/v1/accounts/{bob.actor.id}/mute",
        data={"notifications": "false", "duration": "3600"},
        headers=ana.headers,
    )
    relation = response.json()
    assert (relation["muting"], relation["muting_notifications"]) == (True, False)
    [muted] = (await http.get("/api/v1/mutes", headers=ana.headers)).json()
    assert muted["id"] == str(bob.actor.id) and muted["mute_expires_at"] is not None
    # A mute is not a block: bob sees nothing of it and may follow
    assert (await _relationship(http, bob, ana))["blocked_by"] is False
    follow = await http.post(f"/api/v1/accounts/{ana.actor.id}/follow", headers=bob.headers)
    assert follow.status_code == 200

    undone = await http.post(f"/api/v1/accounts/{bob.actor.id}/unmute", headers=ana.headers)
    assert undone.json()["muting"] is False
    assert (await http.get("/api/v1/mutes", headers=ana.headers)).json() == []


async def test_domain_blocks_are_listed_and_removed(inst, http, ana) -> None:
    added = await http.post(
        "/api/v1/domain_blocks", data={"domain": "spam.example"}, headers=ana.headers
    )
    assert (added.status_code, added.json()) == (200, {})
    assert (await http.get("/api/v1/domain_blocks", headers=ana.headers)).json() == ["spam.example"]
    removed = await http.request(
        "DELETE", "/api/v1/domain_blocks", params={"domain": "spam.example"}, headers=ana.headers
    )
    assert removed.status_code == 200
    assert (await http.get("/api/v1/domain_blocks", headers=ana.headers)).json() == []


async def test_bad_input_is_refused_clearly(inst, http, ana, bob) -> None:
    me = await http.post(f"/api/v1/accounts/{ana.actor.id}/block", headers=ana.headers)
    assert me.status_code == 422 and "yourself" in me.json()["error"]
    for path in ("/api/v1/accounts/999999/block", "/api/v1/accounts/nope/mute"):
        assert (await http.post(path, headers=ana.headers)).status_code == 404
    bad = await http.post(
        f"/api/v1/accounts/{bob.actor.id}/mute", data={"duration": "soon"}, headers=ana.headers
    )
    assert bad.status_code == 422
    for domain in ("", "not a domain", inst.config.domain):
        refused = await http.post(
            "/api/v1/domain_blocks", data={"domain": domain}, headers=ana.headers
        )
        assert refused.status_code == 422, domain
    # A token without the blocks scope may not block
    reader = await make_resident(inst, http, "cleo", scope="read")
    scoped = await http.post(f"/api/v1/accounts/{bob.actor.id}/block", headers=reader.headers)
    assert scoped.status_code == 403
    assert (await http.get("/api/v1/blocks", headers=ana.headers)).json() == []


async def test_mastodon_py_blocks_mutes_and_domain_blocks(inst, http, ana, bob) -> None:
    client = Mastodon(access_token=ana.token, api_base_url=inst.base_url)

    def scenario() -> None:
        relation = client.account_block(bob.actor.id)
        assert relation.blocking
        assert [str(a.id) for a in client.blocks()] == [str(bob.actor.id)]
        assert not client.account_unblock(bob.actor.id).blocking
        assert client.blocks() == []
        muted = client.account_mute(bob.actor.id, notifications=False, duration=600)
        assert muted.muting and not muted.muting_notifications
        assert [str(a.id) for a in client.mutes()] == [str(bob.actor.id)]
        assert not client.account_unmute(bob.actor.id).muting
        client.domain_block("spam.example")
        assert client.domain_blocks() == ["spam.example"]
        client.domain_unblock("spam.example")
        assert client.domain_blocks() == []

    await asyncio.to_thread(scenario)
