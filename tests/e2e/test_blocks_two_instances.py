"""A block between two fedlocal instances running as separate processes on loopback,
driven through the CLI (`fedlocal block --as …`), as tests/e2e/test_two_instances.py.

A's resident `ana` blocks `bob` on B, who follows her: the follow ends on both sides, B
keeps ana's Block (bob's apps show `blocked_by`), ana's next post reaches B no more and
bob cannot follow her again. Then `carl` on B blocks ana: A honours the Block.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from fedlocal.store import blocks as block_store
from tests.support.processes import Instance, StoreView
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e

DELIVERY_DEADLINE = 20.0


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> Iterator[tuple[Instance, Instance]]:
    a = Instance(tmp_path_factory.mktemp("a"), "a")
    b = Instance(tmp_path_factory.mktemp("b"), "b")

    async def setup() -> None:
        await asyncio.gather(a.create_user("ana"), b.create_user("bob"), b.create_user("carl"))
        await asyncio.gather(a.start(), b.start())

    async def teardown() -> None:
        await asyncio.gather(a.stop(), b.stop())

    try:
        asyncio.run(setup())
        yield a, b
    finally:
        asyncio.run(teardown())


@pytest.fixture
async def stores(pair) -> AsyncIterator[tuple[StoreView, StoreView]]:
    a, b = pair
    async with a.store() as store_a, b.store() as store_b:
        yield store_a, store_b


async def _blocks(store: StoreView, blocker_uri: str, target_uri: str) -> bool:
    blocker = await store.actor_id(blocker_uri)
    target = await store.actor_id(target_uri)
    if blocker is None or target is None:
        return False
    async with store.read() as conn:
        return await block_store.get_block(conn, blocker, target) is not None


async def test_a_block_stops_a_follower_on_the_other_instance(pair, stores) -> None:
    a, b = pair
    store_a, store_b = stores
    ana, bob = a.actor_uri("ana"), b.actor_uri("bob")

    # Given bob on B following ana on A
    await b.cli("follow", "--as", "bob", a.handle("ana"))

    async def following() -> bool:
        return await store_b.follow_state(bob, ana) == "accepted"

    await wait_for(following, timeout=DELIVERY_DEADLINE, message="bob's follow accepted")

    # When ana blocks bob from A's command line
    await a.cli("block", "--as", "ana", b.handle("bob"))

    # Then the follow ends on both sides and B keeps ana's Block
    async def ended() -> bool:
        return (
            await store_a.follow_state(bob, ana) is None
            and await store_b.follow_state(bob, ana) is None
            and await _blocks(store_b, ana, bob)
        )

    await wait_for(ended, timeout=DELIVERY_DEADLINE, message="the follow ended on A and B")

    # And ana's next post reaches B no more: A's outbox empties with nothing for B
    before = {row.activity_uri for row in await store_a.deliveries(domain=b.domain)}
    post = await a.post("ana", "Marché des producteurs samedi")
    await wait_for(store_a.outbox_idle, timeout=DELIVERY_DEADLINE, message="A's outbox idle")
    after = {row.activity_uri for row in await store_a.deliveries(domain=b.domain)}
    assert after == before
    assert await store_b.post(post) is None

    # And bob cannot follow her again: B refuses, saying why
    refused = await b.cli("follow", "--as", "bob", a.handle("ana"), expect=1)
    assert "blocked you" in refused.stderr
    assert await store_b.follow_state(bob, ana) is None


async def test_a_block_from_the_other_instance_is_honoured(pair, stores) -> None:
    a, b = pair
    store_a, _store_b = stores
    ana, carl = a.actor_uri("ana"), b.actor_uri("carl")

    # When carl on B blocks ana
    await b.cli("block", "--as", "carl", a.handle("ana"))

    # Then A keeps the block: ana's apps show that carl blocks her
    async def honoured() -> bool:
        return await _blocks(store_a, carl, ana)

    await wait_for(honoured, timeout=DELIVERY_DEADLINE, message="carl's Block kept on A")
