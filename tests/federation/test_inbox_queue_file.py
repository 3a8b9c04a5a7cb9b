"""The inbox queue in a SQLite file of its own (store/inbox_file.py): the inbox worker
applies an activity in the store, then removes its row from the queue's file, in two
transactions. Stopped in between, the activity must still have exactly one effect."""

from __future__ import annotations

from sqlalchemy import func, select

from fedlocal.federation.inbox_worker import InboxWorker, QueueChanges
from fedlocal.federation.workers import release_previous_leases
from fedlocal.store import follows as follow_store
from fedlocal.store import inbox_queue
from fedlocal.store.tables import outgoing_activities
from tests.support.federation_steps import deliver, resident


class Stopped(Exception):
    """The worker's process ending where the test says (a kill, a power cut)."""


async def test_the_queue_is_a_file_of_its_own_on_sqlite(inst):
    assert inst.db.is_sqlite and inst.db.inbox_apart
    assert inst.db.inbox.url != inst.db.url


async def test_a_worker_stopped_after_the_store_and_before_the_queue_has_one_effect(
    inst, stub, monkeypatch
):
    # Given a Follow from alice to ana, queued
    ana = await resident(inst, "ana")
    alice = stub.add_actor("alice")
    follow = alice.fixture("mastodon/follow.json", follow_id="12", target=ana.uri)
    await deliver(inst, stub, alice, follow)

    # When the worker stops once the store's transaction has committed, before the queue's
    async def stop(_changes, _conn):
        raise Stopped

    monkeypatch.setattr(QueueChanges, "apply", stop)
    try:
        await InboxWorker(inst.federation).run_once()
    except Stopped:
        pass
    else:
        raise AssertionError("the worker did not reach the queue's transaction")
    monkeypatch.undo()

    # Then the follow is stored and the row is still queued, under the dead worker's lease
    remote = await inst.federation.remote.actor(alice.uri)
    async with inst.db.read() as conn:
        assert await follow_store.get_follow(conn, remote.id, ana.id) is not None
    async with inst.db.inbox.read() as conn:
        assert await inbox_queue.count(conn) == 1

    # And when the process starts again and its worker runs
    await release_previous_leases(inst.db)
    assert await InboxWorker(inst.federation).run_once() == 1

    # Then the row is gone, and the follow was accepted once, not twice
    async with inst.db.inbox.read() as conn:
        assert await inbox_queue.count(conn) == 0
        assert await inbox_queue.count(conn, "failed") == 0
    async with inst.db.read() as conn:
        accepts = (
            await conn.execute(select(func.count()).select_from(outgoing_activities))
        ).scalar_one()
    assert accepts == 1
