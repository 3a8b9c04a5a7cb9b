"""A resident renames themselves: their followers' servers are told, as Mastodon tells
them, with an `Update` of the actor signed by the resident."""

from __future__ import annotations

from fedlocal.services import accounts, settings
from tests.support.federation_steps import deliver_and_process, follow_of, send_out


async def test_a_new_display_name_reaches_followers_as_an_update_of_the_actor(inst, stub):
    # Given ana, followed from a Mastodon server
    account, ana = await accounts.create_account(inst.services, "ana", "a long password")
    bea = stub.add_actor("bea")
    await deliver_and_process(inst, stub, bea, follow_of(bea, ana.uri, ana.username))
    await send_out(inst)

    # When she changes her display name, then saves her settings unchanged
    for _ in range(2):
        await settings.update_profile(
            inst.services, account, display_name="Ana  du Sillon", quarter=None
        )
    await send_out(inst)

    # Then bea's server received one Update of ana's Person with the new name, from ana
    [update] = stub.received_of_type("Update")
    assert update.body["actor"] == ana.uri
    assert update.body["object"]["id"] == ana.uri
    assert update.body["object"]["type"] == "Person"
    assert update.body["object"]["name"] == "Ana du Sillon"
    assert update.body["object"]["publicKey"]["owner"] == ana.uri
    assert await stub.signer_of(update) == ana.uri
