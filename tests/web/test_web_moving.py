"""Moving house from the settings: a resident names another account of hers (and can take
it back), is refused a move to an account that does not name hers, and, once it does,
moves (asked first): her profile says where she went and she publishes no more."""

from __future__ import annotations

from fedlocal.services import moves

from .conftest import make_resident
from .web_client import notice


async def test_naming_another_account_and_taking_it_back(inst, alice, alice_web):
    _account, bob = await make_resident(inst, "bob", display_name="Bob")

    added = await alice_web.submit("/settings/moving", "/settings/moving/alias", {"alias": "@bob"})
    assert notice(added) == "alias-added"
    assert bob.uri in (await alice_web.get("/settings/moving")).text

    removed = await alice_web.submit(
        "/settings/moving", "/settings/moving/alias/remove", {"uri": bob.uri}
    )
    assert notice(removed) == "alias-removed"
    assert bob.uri not in (await alice_web.get("/settings/moving")).text


async def test_an_empty_or_unknown_address_is_refused_plainly(inst, alice, alice_web):
    empty = await alice_web.submit("/settings/moving", "/settings/moving/alias", {"alias": " "})
    assert empty.status_code == 422
    assert "Type an address like @name@server.example." in empty.text
    unknown = await alice_web.submit(
        "/settings/moving", "/settings/moving/alias", {"alias": "@nobody"}
    )
    assert unknown.status_code == 404


async def test_moving_needs_the_new_account_to_name_the_old_one(inst, alice, alice_web):
    bob_account, bob = await make_resident(inst, "bob", display_name="Bob")
    alice_actor = alice[1]

    # Refused while bob's account does not name alice's: nothing changed
    refused = await alice_web.submit(
        "/settings/moving", "/settings/moving/move", {"target": "@bob"}
    )
    assert refused.status_code == 422
    assert "does not name this account among its other accounts" in refused.text
    assert "This account has moved" not in (await alice_web.get("/@alice")).text

    # The move asks first
    asked = await alice_web.submit(
        "/settings/moving", "/settings/moving/move", {"target": "@bob"}, confirmed=False
    )
    assert "Move this account to @bob?" in asked.text

    # Once bob names alice's account, the move is made
    await moves.add_alias(inst.services, bob_account, alice_actor.uri)
    moved = await alice_web.submit("/settings/moving", "/settings/moving/move", {"target": "@bob"})
    assert notice(moved) == "moved"
    assert f"This account has moved to {bob.uri}" in (await alice_web.get("/@alice")).text


async def _upload(client, content: bytes):
    token = await client.token("/settings/moving")
    return await client.http.post(
        "/settings/moving/import",
        data={"csrf_token": token},
        files={"file": ("following_accounts.csv", content, "text/csv")},
    )


async def test_importing_follows_says_what_was_done_and_what_failed(inst, alice, alice_web):
    await make_resident(inst, "bob", display_name="Bob")
    export = (
        "Account address,Show boosts,Notify on new posts,Languages\n"
        f"bob@{inst.config.domain},true,false,\n"
        f"nobody@{inst.config.domain},true,false,\n"
    )

    done = await _upload(alice_web, export.encode())

    assert done.status_code == 200
    assert "1 account followed (or asked)." in done.text
    assert f"nobody@{inst.config.domain} — " in done.text


async def test_importing_without_a_file_or_a_list_is_refused_plainly(inst, alice, alice_web):
    token = await alice_web.token("/settings/moving")
    empty = await alice_web.http.post("/settings/moving/import", data={"csrf_token": token})
    assert empty.status_code == 422 and "Choose a file." in empty.text

    refused = await _upload(alice_web, b"\xff\xfe")
    assert refused.status_code == 422
    assert "This file is not a list of addresses." in refused.text
