"""Three quarters over loopback: neighbour links, the nearby feed, local-only posts, and an
association group with members on every instance (and one on a Mastodon-like server)."""

from __future__ import annotations

import pytest

from fedlocal.geo import radius_query
from fedlocal.services import follows, groups, listings, neighbours, posts
from fedlocal.services.accounts import create_account
from fedlocal.services.listings import ListingInput
from fedlocal.store import follows as follow_store
from fedlocal.store import outbox as outbox_store
from fedlocal.store import posts as post_store
from fedlocal.store.nearby import posts_within
from tests.support.instance import running_instance
from tests.support.remote_stub import remote_stub
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e

INTRA_MUROS = {"name": "Intra-Muros", "latitude": 48.6493, "longitude": -2.0257}
PARAME = {"name": "Paramé", "latitude": 48.6606, "longitude": -1.9892}
SAINT_SERVAN = {"name": "Saint-Servan", "latitude": 48.6364, "longitude": -2.0150}


async def _post_at(instance, uri):
    async with instance.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, uri)
    return None if post is None or post.is_deleted else post


async def _queue_empty(instance) -> bool:
    async with instance.db.read() as conn:
        return await outbox_store.count_deliveries(
            conn
        ) == 0 and not await outbox_store.pending_fanouts(conn, limit=1)


async def _linked(instance, domain) -> bool:
    links = await neighbours.neighbours(instance.services)
    return any(link.domain == domain and link.linked for link in links)


@pytest.fixture
async def quarters(tmp_path):
    async with (
        running_instance(tmp_path / "a", area={"quarters": [INTRA_MUROS]}) as a,
        running_instance(tmp_path / "b", area={"quarters": [PARAME]}) as b,
        running_instance(tmp_path / "c", area={"quarters": [SAINT_SERVAN]}) as c,
    ):
        yield a, b, c


async def test_three_quarters_linked_as_neighbours_with_a_group(quarters):
    a, b, c = quarters
    _, anne = await create_account(a.services, "anne", "secret-anne-1")
    _, bob = await create_account(b.services, "bob", "secret-bob-1")
    _, chloe = await create_account(c.services, "chloe", "secret-chloe-1")

    # Given A links B and C, and each of them links A back (links are mutual)
    for other in (b, c):
        first = await neighbours.link(a.services, other.config.domain)
        assert first.outgoing == "pending"
        await neighbours.link(other.services, a.config.domain)
    for other in (b, c):
        await wait_for(lambda o=other: _linked(a, o.config.domain), message="A linked")
        await wait_for(lambda o=other: _linked(o, a.config.domain), message="linked back to A")

    # When bob publishes an offer in Paramé
    offer = await listings.publish_listing(
        b.services,
        bob,
        ListingInput(kind="offer", intent="give", title="Lit parapluie", quarter="Paramé"),
    )

    # Then it appears in A's nearby feed, with B's quarter
    await wait_for(lambda: _post_at(a, offer.uri), message="B's offer on A")
    async with a.db.read() as conn:
        found = await posts_within(conn, radius_query(48.6493, -2.0257, 5.0))
    mine = [item for item in found if item.post.uri == offer.uri]
    assert mine and mine[0].post.place.name == "Paramé"

    # When bob publishes a local-only request
    local = await listings.publish_listing(
        b.services,
        bob,
        ListingInput(kind="request", title="Qui garde mon chat ?", visibility="local"),
    )
    # Then B sends nothing for it and A never gets it
    await wait_for(lambda: _queue_empty(b), message="B's delivery queue to drain")
    async with b.db.read() as conn:
        assert await outbox_store.get_outgoing_by_uri(conn, f"{local.uri}/activity") is None
    assert await _post_at(a, local.uri) is None

    # Given a gardening association's group on A, joined by bob (B), chloe (C) and a
    # Mastodon user
    group = await groups.create_group(
        a.services, anne, "jardins", display_name="Jardins partagés de la Côte"
    )
    for instance, person in ((b, bob), (c, chloe)):
        relation = await follows.follow(instance.services, person, f"@jardins@{a.config.domain}")

        async def member(instance=instance, relation=relation):
            async with instance.db.read() as conn:
                row = await follow_store.get_follow_by_uri(conn, relation.uri)
            return row is not None and row.state == "accepted"

        await wait_for(member, message="membership accepted")
    async with remote_stub() as mastodon:
        watcher = mastodon.add_actor("watcher")
        follow = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{watcher.uri}#follows/1",
            "type": "Follow",
            "actor": watcher.uri,
            "object": group.uri,
        }
        response = await mastodon.deliver(watcher, group.inbox_url, follow)
        assert response.status_code == 202
        await wait_for(
            lambda: mastodon.received_of_type("Accept"), message="the group to accept Mastodon"
        )

        # When chloe (on C) posts to the group by mentioning it
        group_on_c = await c.federation.remote.actor_by_handle(f"jardins@{a.config.domain}")
        note = await posts.publish_note(
            c.services, chloe, "Troc de semis samedi au jardin de la Briantais !",
            mentions=[group_on_c],
        )  # fmt: skip

        # Then A holds it and the group shared it; bob's instance B received it through the
        # group's Announce; the Mastodon follower got an Announce of the bare object id
        await wait_for(lambda: _post_at(a, note.uri), message="the note on A")
        await wait_for(lambda: _post_at(b, note.uri), message="the note on B, via the group")

        def bare_announce():
            return [
                item
                for item in mastodon.received_of_type("Announce")
                if item.body.get("object") == note.uri
            ]

        announced = await wait_for(bare_announce, message="Mastodon to get the Announce")
        assert announced[0].body["actor"] == group.uri

    # When A unlinks B
    await neighbours.unlink(a.services, b.config.domain)
    await wait_for(lambda: _queue_empty(a), message="A's Undo and Reject to be delivered")

    async def unlinked_on_b():
        return not await _linked(b, a.config.domain) and not any(
            link.incoming == "accepted"
            for link in await neighbours.neighbours(b.services)
            if link.domain == a.config.domain
        )

    await wait_for(unlinked_on_b, message="B to see the link gone")

    # Then B's next offer no longer reaches A
    later = await listings.publish_listing(
        b.services, bob, ListingInput(kind="offer", title="Tondeuse à prêter", intent="lend")
    )
    await wait_for(lambda: _queue_empty(b), message="B's delivery queue to drain")
    assert await _post_at(a, later.uri) is None
