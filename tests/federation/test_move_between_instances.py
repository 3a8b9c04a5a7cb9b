"""Moving house between two fedlocal instances over loopback HTTP.

ana on A moves to her new account ana2 on B, which names ana's account in its
`alsoKnownAs`: A publishes `movedTo` and sends a `Move`; bruno on B, who followed ana,
now follows ana2 and no longer ana; carl on A, who followed ana too, follows ana2 as
well (a Follow to B, accepted). ana publishes no more. A move to an account that does
not name ana's is refused and changes nothing.
"""

from __future__ import annotations

import pytest

from fedlocal.services import follows as follow_service
from fedlocal.services import moves
from fedlocal.services import posts as post_service
from fedlocal.services.accounts import create_account
from fedlocal.services.errors import Conflict, Forbidden, InvalidInput
from fedlocal.store import actors as actor_store
from fedlocal.store import follows as follow_store
from fedlocal.store import notifications as notification_store
from tests.support.instance import running_instance
from tests.support.waiting import wait_for


@pytest.fixture
async def pair(tmp_path):
    async with (
        running_instance(tmp_path / "a") as a,
        running_instance(tmp_path / "b") as b,
    ):
        yield a, b


async def _follow_state(instance, follower_uri, followed_uri):
    async with instance.db.read() as conn:
        follower = await actor_store.get_actor_by_uri(conn, follower_uri)
        followed = await actor_store.get_actor_by_uri(conn, followed_uri)
        if follower is None or followed is None:
            return None
        found = await follow_store.get_follow(conn, follower.id, followed.id)
    return found.state if found else None


async def _follows(instance, follower, followed_uri, *, state="accepted"):
    async def reached():
        return await _follow_state(instance, follower.uri, followed_uri) == state

    await wait_for(reached, message=f"{follower.username} follows {followed_uri}: {state}")


async def test_ana_moves_to_her_new_account_and_her_followers_follow(pair):
    a, b = pair
    ana_account, ana = await create_account(a.services, "ana", "secret-ana-1")
    _, carl = await create_account(a.services, "carl", "secret-carl-1")
    ana2_account, ana2 = await create_account(b.services, "ana2", "secret-ana2-1")
    _, bruno = await create_account(b.services, "bruno", "secret-bruno-1")
    ana_handle = f"@ana@{a.config.domain}"
    ana2_handle = f"@ana2@{b.config.domain}"

    # Given bruno on B and carl on A following ana on A
    await follow_service.follow(b.services, bruno, ana_handle)
    await follow_service.follow(a.services, carl, ana_handle)
    await _follows(b, bruno, ana.uri)
    await _follows(a, carl, ana.uri)

    # A move to an account that does not name ana's is refused, nothing changed
    with pytest.raises(InvalidInput):
        await moves.move_out(a.services, ana_account, ana2_handle)
    async with a.db.read() as conn:
        assert (await actor_store.get_actor(conn, ana.id)).moved_to is None

    # When ana2 names ana's account (found through WebFinger) and ana moves to ana2
    await moves.add_alias(b.services, ana2_account, ana_handle)
    await moves.move_out(a.services, ana_account, ana2_handle)

    # Then A publishes that ana moved
    async with a.db.read() as conn:
        assert (await actor_store.get_actor(conn, ana.id)).moved_to == ana2.uri
    # And bruno on B follows ana2 instead of ana, and hears of it
    await _follows(b, bruno, ana2.uri)

    async def bruno_left_ana():
        return await _follow_state(b, bruno.uri, ana.uri) is None

    await wait_for(bruno_left_ana, message="bruno no longer follows ana on B")
    async with b.db.read() as conn:
        told = await notification_store.list_for(conn, bruno.id, types=("move",))
    assert [n.actor_id for n in told] == [ana2.id]
    # And carl on A follows ana2 on B (accepted by B), no longer ana
    await _follows(a, carl, ana2.uri)
    assert await _follow_state(a, carl.uri, ana.uri) is None
    await _follows(b, carl, ana2.uri)
    # And ana publishes no more; a second move within 30 days is refused
    with pytest.raises(Forbidden):
        await post_service.publish_note(a.services, ana, "Toujours là ?")
    with pytest.raises(Conflict):
        await moves.move_out(a.services, ana_account, ana2_handle)
