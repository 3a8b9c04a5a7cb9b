from datetime import timedelta

from sqlalchemy import insert

from fedlocal.store import received as store
from fedlocal.store.clock import utcnow
from fedlocal.store.tables import received_activities

ACTIVITY = "https://remote.example/activities/1"


async def test_mark_received_is_true_once_then_false(database):
    async with database.write() as conn:
        assert await store.mark_received(conn, ACTIVITY) is True
    async with database.write() as conn:
        assert await store.mark_received(conn, ACTIVITY) is False
        assert await store.mark_received(conn, ACTIVITY) is False
        assert await store.mark_received(conn, ACTIVITY + "/other") is True


async def test_was_received(database):
    async with database.read() as conn:
        assert await store.was_received(conn, ACTIVITY) is False
    async with database.write() as conn:
        await store.mark_received(conn, ACTIVITY)
    async with database.read() as conn:
        assert await store.was_received(conn, ACTIVITY) is True
        assert await store.was_received(conn, ACTIVITY.upper()) is False


async def test_a_rolled_back_mark_is_forgotten(database):
    class Boom(Exception):
        pass

    try:
        async with database.write() as conn:
            assert await store.mark_received(conn, ACTIVITY) is True
            raise Boom
    except Boom:
        pass
    async with database.write() as conn:
        assert await store.mark_received(conn, ACTIVITY) is True


async def test_prune_received_deletes_only_older_rows(database):
    # Given one old and one recent record
    now = utcnow()
    async with database.write() as conn:
        await conn.execute(
            insert(received_activities).values(uri="old", received_at=now - timedelta(days=8))
        )
        await store.mark_received(conn, "recent")

    # When pruning a week back
    async with database.write() as conn:
        pruned = await store.prune_received(conn, now - timedelta(days=7))

    # Then
    assert pruned == 1
    async with database.read() as conn:
        assert await store.was_received(conn, "old") is False
        assert await store.was_received(conn, "recent") is True


async def test_prune_keeps_a_row_received_exactly_at_the_cutoff(database):
    cutoff = utcnow() - timedelta(days=7)
    async with database.write() as conn:
        await conn.execute(insert(received_activities).values(uri="edge", received_at=cutoff))
        assert await store.prune_received(conn, cutoff) == 0
        assert await store.was_received(conn, "edge") is True


async def test_marking_several_received_tells_which_were_new(database):
    async with database.write() as conn:
        assert await store.mark_received(conn, ACTIVITY) is True
    async with database.write() as conn:
        fresh = await store.mark_received_many(conn, [ACTIVITY, ACTIVITY + "/2", ACTIVITY + "/3"])
    assert fresh == {ACTIVITY + "/2", ACTIVITY + "/3"}
    async with database.read() as conn:
        assert await store.was_received(conn, ACTIVITY + "/3") is True
