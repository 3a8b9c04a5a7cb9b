"""Group purchases in the store: totals read from the commitments, one commitment per
person, and the last units going to one of two neighbours racing for them — on SQLite and
on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from fedlocal.purchases import GroupPurchase
from fedlocal.store import group_purchases as purchase_store
from fedlocal.store import posts as post_store
from fedlocal.store.clock import utcnow
from tests.store.helpers import local_actor


async def _purchase(db, *, maximum: int | None = 20_000):
    async with db.write() as conn:
        organiser = await local_actor(conn, "yann")
        post = await post_store.insert_local_post(
            conn,
            actor_id=organiser.id,
            uri_for=lambda i: f"https://local.example/posts/{i}",
            kind="group_purchase",
            type="Offer",
            visibility="public",
            content="Bois de chauffage",
        )
        now = utcnow()
        await purchase_store.insert_purchase(
            conn,
            GroupPurchase(
                post_id=post.id,
                unit="stere",
                whole=False,
                unit_price_cents=8500,
                currency="EUR",
                minimum_milli=10_000,
                maximum_milli=maximum,
                deadline=now + timedelta(days=3),
                pickup_at=now + timedelta(days=5),
                pickup_place="Parking du marché de Paramé",
            ),
        )
        ana = await local_actor(conn, "ana")
        bea = await local_actor(conn, "bea")
    return post.id, ana, bea


async def test_totals_come_from_the_commitments_and_a_second_is_an_update(database):
    post_id, ana, bea = await _purchase(database)
    async with database.write() as conn:
        first = await purchase_store.commit(conn, post_id, ana.id, 3_000)
        again = await purchase_store.commit(conn, post_id, ana.id, 4_500)
        await purchase_store.commit(conn, post_id, bea.id, 2_000)
    assert (first.outcome, again.outcome) == ("created", "changed")
    async with database.read() as conn:
        purchase = await purchase_store.get(conn, post_id)
        listed = await purchase_store.list_commitments(conn, post_id)
    assert purchase is not None
    assert (purchase.committed_milli, purchase.committers) == (6_500, 2)
    assert purchase.remaining_milli == 13_500
    assert [(actor.username, c.quantity_milli) for c, actor in listed] == [
        ("ana", 4_500),
        ("bea", 2_000),
    ]
    async with database.write() as conn:
        assert await purchase_store.withdraw(conn, post_id, ana.id)
        assert (await purchase_store.get(conn, post_id)).committed_milli == 2_000


async def test_changing_ones_own_commitment_counts_what_one_had(database):
    post_id, ana, _ = await _purchase(database)
    async with database.write() as conn:
        await purchase_store.commit(conn, post_id, ana.id, 20_000)
        # All 20 are hers: lowering it is fine, and raising it back too.
        await purchase_store.commit(conn, post_id, ana.id, 5_000)
        await purchase_store.commit(conn, post_id, ana.id, 20_000)
        with pytest.raises(purchase_store.OverMaximum):
            await purchase_store.commit(conn, post_id, ana.id, 20_001)


async def test_two_neighbours_racing_for_the_last_units_one_wins(database):
    """Given 19 of 20 stères taken, when Ana and Béa each ask for the last one at once,
    then one gets it, the other is told what remains (nothing), and the total is 20."""
    post_id, ana, bea = await _purchase(database)
    async with database.write() as conn:
        filler = await local_actor(conn, "carl")
        await purchase_store.commit(conn, post_id, filler.id, 19_000)

    async def take(actor):
        try:
            async with database.write() as conn:
                await purchase_store.commit(conn, post_id, actor.id, 1_000)
            return "won"
        except purchase_store.OverMaximum as refused:
            return f"refused:{refused.remaining_milli}"

    outcomes = await asyncio.gather(take(ana), take(bea))
    assert sorted(outcomes) == ["refused:0", "won"]
    async with database.read() as conn:
        purchase = await purchase_store.get(conn, post_id)
    assert purchase is not None and purchase.committed_milli == 20_000


async def test_one_person_committing_twice_at_once_counts_once(database):
    post_id, ana, _ = await _purchase(database, maximum=None)

    async def take(quantity):
        async with database.write() as conn:
            await purchase_store.commit(conn, post_id, ana.id, quantity)

    await asyncio.gather(take(2_000), take(3_000))
    async with database.read() as conn:
        purchase = await purchase_store.get(conn, post_id)
    assert purchase is not None and purchase.committers == 1
    assert purchase.committed_milli in (2_000, 3_000)


async def test_due_lists_open_purchases_past_their_deadline(database):
    post_id, _, _ = await _purchase(database)
    async with database.read() as conn:
        assert await purchase_store.due(conn, now=utcnow(), limit=10) == []
        assert await purchase_store.due(conn, now=utcnow() + timedelta(days=4), limit=10) == [
            post_id
        ]
