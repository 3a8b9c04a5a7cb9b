"""What we believe of other servers' organisations: a type claimed by a linked
neighbour's actor is shown, from anyone else nothing; a post filed under our reserved
town-hall category by someone not entitled is kept, under no category."""

from __future__ import annotations

import pytest

from activitypub import keys as key_codec
from fedlocal.federation.from_as import post_from_as
from fedlocal.services import inbound, pins
from fedlocal.store import actors as actor_store
from fedlocal.store import follows as follow_store
from tests.services.sharing_support import local_world, remote_person

NEIGHBOUR = "parame.example"
PEM = key_codec.public_key_to_pem(key_codec.generate_rsa_key().public_key())


@pytest.fixture
async def world(tmp_path):
    async with local_world(tmp_path) as world:
        yield world


def town_hall_actor(host: str) -> dict:
    uri = f"https://{host}/users/mairie"
    return {
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "id": uri,
        "type": "Organization",
        "preferredUsername": "mairie",
        "inbox": f"{uri}/inbox",
        "organizationType": "town_hall",
        "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": PEM},
    }


async def link(world, host: str) -> None:
    """Our instance actor's follow of the neighbour's instance actor, accepted."""
    neighbour = await remote_person(world.federation, host, host)
    async with world.db.write() as conn:
        await follow_store.upsert_follow(
            conn,
            follower_id=world.federation.actors.instance.id,
            followed_id=neighbour.id,
            uri=f"{world.federation.actors.instance.uri}#follows/{host}",
            state="accepted",
        )


async def test_a_linked_neighbours_organisation_keeps_its_type(world):
    await link(world, NEIGHBOUR)

    actor = await world.federation.remote.store_actor_document(town_hall_actor(NEIGHBOUR))

    assert actor.organization_type == "town_hall"


async def test_an_unknown_servers_claim_is_not_believed(world):
    actor = await world.federation.remote.store_actor_document(town_hall_actor("ailleurs.example"))

    assert actor.organization_type is None


def town_hall_note(author_uri: str) -> dict:
    return {
        "id": f"{author_uri}/statuses/1",
        "type": "Note",
        "attributedTo": author_uri,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "content": "<p>Réunion publique mardi #demande #mairie</p>",
        "published": "2026-12-01T10:00:00Z",
        "tag": [
            {"type": "Hashtag", "name": "#demande"},
            {"type": "Hashtag", "name": "#mairie"},
        ],
    }


async def _keep(world, author, document):
    data = post_from_as(document, categories=world.services.categories)
    async with world.db.write() as conn:
        return await inbound.keep_remote_post(conn, author, data, solicited=True)


async def test_a_post_claiming_the_town_hall_category_from_a_person_is_kept_unfiled(world):
    someone = await remote_person(world.federation, "rob")

    kept = await _keep(world, someone, town_hall_note(someone.uri))

    assert kept.post is not None
    assert kept.post.kind == "request"
    assert kept.post.category is None


async def test_a_neighbours_town_hall_is_filed_under_the_category(world):
    await link(world, NEIGHBOUR)
    mairie = await world.federation.remote.store_actor_document(town_hall_actor(NEIGHBOUR))
    async with world.db.read() as conn:
        assert (await actor_store.get_actor(conn, mairie.id)).organization_type == "town_hall"

    kept = await _keep(world, mairie, town_hall_note(mairie.uri))

    assert kept.post is not None and kept.post.category == "town-hall"


async def test_a_neighbour_organisations_pin_tops_our_feeds_until_removed(world):
    await link(world, NEIGHBOUR)
    mairie = await world.federation.remote.store_actor_document(town_hall_actor(NEIGHBOUR))
    kept = await _keep(world, mairie, town_hall_note(mairie.uri))
    featured = f"{mairie.uri}/collections/featured"

    async with world.db.write() as conn:
        assert await pins.receive_featured(conn, mairie, featured, kept.post.uri, pinned=True)
    shown = await pins.organization_announcements(world.services)
    assert [(post.id, author.id) for post, author in shown] == [(kept.post.id, mairie.id)]

    async with world.db.write() as conn:
        assert await pins.receive_featured(conn, mairie, featured, kept.post.uri, pinned=False)
    assert await pins.organization_announcements(world.services) == []


async def test_pins_from_anyone_else_or_of_others_posts_are_ignored(world):
    stranger = await world.federation.remote.store_actor_document(
        town_hall_actor("ailleurs.example")
    )
    kept = await _keep(world, stranger, town_hall_note(stranger.uri))
    await link(world, NEIGHBOUR)
    mairie = await world.federation.remote.store_actor_document(town_hall_actor(NEIGHBOUR))

    async with world.db.write() as conn:
        featured = f"{stranger.uri}/collections/featured"
        assert not await pins.receive_featured(conn, stranger, featured, kept.post.uri, pinned=True)
        # A neighbour's organisation cannot pin someone else's post, nor to another target
        ours = f"{mairie.uri}/collections/featured"
        assert not await pins.receive_featured(conn, mairie, ours, kept.post.uri, pinned=True)
        assert not await pins.receive_featured(conn, mairie, featured, kept.post.uri, pinned=True)
    assert await pins.organization_announcements(world.services) == []
