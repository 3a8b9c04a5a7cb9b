"""A block between two fedlocal instances over loopback HTTP.

ana on A blocks bruno on B, who follows her: the follow ends on both sides, B learns of
the block (bruno's apps show `blocked_by`), bruno no longer receives ana's posts and
cannot follow her again. The other way, carl on B blocks ana: A honours the Block and
ana's apps show `blocked_by`.
"""

from __future__ import annotations

import pytest

from fedlocal.services import blocks, timelines
from fedlocal.services import follows as follow_service
from fedlocal.services import posts as post_service
from fedlocal.services.accounts import create_account
from fedlocal.services.errors import Forbidden
from fedlocal.store import actors as actor_store
from fedlocal.store import follows as follow_store
from fedlocal.store import posts as post_store
from tests.support.instance import running_instance
from tests.support.waiting import wait_for


@pytest.fixture
async def pair(tmp_path):
    async with (
        running_instance(tmp_path / "a") as a,
        running_instance(tmp_path / "b") as b,
    ):
        yield a, b


async def _actor(instance, uri):
    async with instance.db.read() as conn:
        return await actor_store.get_actor_by_uri(conn, uri)


async def _follow_state(instance, follower_uri, followed_uri):
    async with instance.db.read() as conn:
        follower = await actor_store.get_actor_by_uri(conn, follower_uri)
        followed = await actor_store.get_actor_by_uri(conn, followed_uri)
        if follower is None or followed is None:
            return None
        found = await follow_store.get_follow(conn, follower.id, followed.id)
    return found.state if found else None


async def _blocked_by(instance, viewer, other_uri) -> bool:
    other = await _actor(instance, other_uri)
    if other is None:
        return False
    [relation] = await timelines.relationships(instance.services, viewer, [other.id])
    return relation.blocked_by


async def test_a_block_stops_a_follower_on_another_instance(pair):
    a, b = pair
    _, ana = await create_account(a.services, "ana", "secret-ana-1")
    _, bruno = await create_account(b.services, "bruno", "secret-bruno-1")
    ana_handle = f"ana@{a.config.domain}"

    # Given bruno on B following ana on A
    await follow_service.follow(b.services, bruno, ana_handle)

    async def accepted():
        return await _follow_state(b, bruno.uri, ana.uri) == "accepted"

    await wait_for(accepted, message="bruno's follow of ana accepted on B")

    # When ana blocks bruno
    await blocks.block(a.services, ana, (await _actor(a, bruno.uri)).id)

    # Then the follow is gone on A at once, and on B once A's activities arrive; B keeps
    # the block, so bruno's apps show that ana blocks him
    assert await _follow_state(a, bruno.uri, ana.uri) is None

    async def ended_on_b():
        return await _follow_state(b, bruno.uri, ana.uri) is None and await _blocked_by(
            b, bruno, ana.uri
        )

    await wait_for(ended_on_b, message="the follow ended and the block known on B")

    # And ana's new post reaches bruno no more: A delivers it to no inbox of B
    note = await post_service.publish_note(a.services, ana, "Marché samedi")
    async with a.db.read() as conn:
        assert await follow_store.follower_inboxes(conn, ana.id, after=None, limit=10) == []
    async with b.db.read() as conn:
        assert await post_store.get_post_by_uri(conn, note.uri) is None

    # And bruno cannot follow her again: B refuses, with the reason
    with pytest.raises(Forbidden, match="this account has blocked you"):
        await follow_service.follow(b.services, bruno, ana_handle)

    # When ana unblocks bruno, B hears of it: the block is lifted there too
    await blocks.unblock(a.services, ana, (await _actor(a, bruno.uri)).id)

    async def lifted_on_b():
        return not await _blocked_by(b, bruno, ana.uri)

    await wait_for(lifted_on_b, message="the Undo(Block) honoured on B")


async def test_a_block_from_the_other_instance_is_honoured(pair):
    a, b = pair
    _, ana = await create_account(a.services, "ana", "secret-ana-1")
    _, carl = await create_account(b.services, "carl", "secret-carl-1")

    # Given ana following carl
    await follow_service.follow(a.services, ana, f"carl@{b.config.domain}")

    async def accepted():
        return await _follow_state(a, ana.uri, carl.uri) == "accepted"

    await wait_for(accepted, message="ana's follow of carl accepted")

    # When carl blocks ana from B
    await blocks.block(b.services, carl, (await _actor(b, ana.uri)).id)

    # Then A ends ana's follow and ana's apps show that carl blocks her
    async def honoured():
        return await _follow_state(a, ana.uri, carl.uri) is None and await _blocked_by(
            a, ana, carl.uri
        )

    await wait_for(honoured, message="carl's Block honoured on A")
