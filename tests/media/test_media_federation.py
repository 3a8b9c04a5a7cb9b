"""Our pictures reach a follower's server (a Mastodon-shaped stub over loopback HTTP): a
post's photo with its alternative text, and a new avatar as an `Update` with `icon`."""

from __future__ import annotations

from fedlocal.services import accounts, media, posts
from tests.support.federation_steps import deliver_and_process, follow_of, send_out

from .pictures import photo_with_gps, picture


async def followed_ana(inst, stub):
    account, ana = await accounts.create_account(inst.services, "ana", "a long password")
    bea = stub.add_actor("bea")
    await deliver_and_process(inst, stub, bea, follow_of(bea, ana.uri, ana.username))
    await send_out(inst)
    return account, ana


async def test_a_follower_receives_our_photo_with_its_alt_text(inst, stub) -> None:
    # Given ana, followed from a Mastodon server, posts a described photo
    _account, ana = await followed_ana(inst, stub)
    photo = await media.upload(
        inst.services, ana, photo_with_gps(), description="Une perceuse", focus="0.1,0.2"
    )
    await posts.publish_note(inst.services, ana, "À prêter", media_ids=[photo.id])
    await send_out(inst)
    # Then bea's server gets a Create whose Note carries it as Mastodon would
    [create] = stub.received_of_type("Create")
    [attachment] = create.body["object"]["attachment"]
    assert attachment["type"] == "Document"
    assert attachment["name"] == "Une perceuse"
    assert attachment["mediaType"] == "image/jpeg"
    assert attachment["url"] == inst.services.files.url(photo.file_key)
    assert attachment["blurhash"] == photo.blurhash
    assert (attachment["width"], attachment["height"]) == (photo.width, photo.height)
    assert attachment["focalPoint"] == [0.1, 0.2]
    assert "blurhash" in create.body["@context"][1]


async def test_a_new_avatar_reaches_followers_as_an_update_with_icon(inst, stub) -> None:
    account, ana = await followed_ana(inst, stub)
    updated = await media.set_profile_pictures(
        inst.services, account, avatar=picture((300, 300)), header=picture((900, 300))
    )
    await send_out(inst)
    [update] = stub.received_of_type("Update")
    person = update.body["object"]
    assert person["id"] == ana.uri
    assert person["icon"] == {"type": "Image", "mediaType": "image/jpeg", "url": updated.icon_url}
    assert person["image"]["url"] == updated.image_url
