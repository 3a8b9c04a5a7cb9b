"""An account that moved house shows Mastodon's `moved` (the new account) in the client
API, so apps show their "has moved" banner; one that did not move has no `moved`."""

from __future__ import annotations

from fedlocal.services import moves


async def test_a_moved_account_names_its_new_one(inst, http, ana, bob) -> None:
    # Given bob names ana's account among his, and ana moves to bob's
    await moves.add_alias(inst.services, bob.account, ana.actor.uri)
    await moves.move_out(inst.services, ana.account, "@bob")

    # Then ana's account, as apps see it, has moved to bob's
    shown = (await http.get(f"/api/v1/accounts/{ana.actor.id}", headers=bob.headers)).json()
    assert shown["moved"]["id"] == str(bob.actor.id)
    assert shown["moved"]["acct"] == "bob"
    assert "moved" not in shown["moved"]
    # And bob's has not moved
    assert (
        "moved"
        not in (await http.get(f"/api/v1/accounts/{bob.actor.id}", headers=bob.headers)).json()
    )
