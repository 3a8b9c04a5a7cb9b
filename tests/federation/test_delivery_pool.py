"""The delivery pool of a running server: a hanging host holds only its own slot, a host
never has more than its share of requests at once, and new work goes out on the outbox's
wake-up rather than at the next poll.

Each test runs the pool as the server does (`DeliveryPool.run`) on an instance whose own
workers are off, with loopback inboxes that can be made to hang.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from fedlocal.federation.delivery import DeliveryWorker
from fedlocal.federation.delivery_bounds import most_in_flight
from fedlocal.federation.delivery_pool import DeliveryPool
from fedlocal.federation.runtime import OTHER_CONNECTIONS
from fedlocal.models import Actor
from fedlocal.services import accounts, posts
from fedlocal.store import domains as domain_store
from fedlocal.store.clock import utcnow
from tests.federation.test_delivery import delivery_rows, follower_on
from tests.support.instance import count_write_transactions, running_instance
from tests.support.recording_inbox import RecordingInbox, recording_inbox
from tests.support.waiting import wait_for

# Long enough that nothing here ends by timing out: a hanging host hangs for the whole test.
SETTINGS = {"run_workers": False, "http_timeout_seconds": 120.0}
NEVER = 3600.0  # a poll interval that never comes: only wake-ups and finished sends count


@pytest.fixture
async def inst(tmp_path):
    async with running_instance(tmp_path, **SETTINGS) as instance:
        yield instance


@pytest.fixture
async def alice(inst) -> Actor:
    _account, actor = await accounts.create_account(inst.services, "alice", "correct horse")
    return actor


@contextlib.asynccontextmanager
async def running_pool(
    inst, *, size: int, per_host: int, slow_after: float = NEVER
) -> AsyncIterator[DeliveryPool]:
    pool = DeliveryPool(
        DeliveryWorker(inst.federation), size=size, per_host=per_host, slow_after=slow_after
    )
    task = asyncio.create_task(pool.run(inst.federation.outbox.work_available, NEVER))
    try:
        yield pool
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def inboxes(count: int) -> AsyncIterator[list[RecordingInbox]]:
    async with contextlib.AsyncExitStack() as stack:
        yield [await stack.enter_async_context(recording_inbox()) for _ in range(count)]


async def test_a_hanging_host_does_not_hold_back_the_healthy_ones(inst, alice):
    async with inboxes(7) as hosts:
        # Given a follower on a host that hangs on every request, and a post of alice's
        # already stuck there (so the hanging host holds a slot before anything else)
        hanging, healthy = hosts[0], hosts[1:]
        await follower_on(inst, alice, hanging, "f0")
        hanging.hang()
        async with running_pool(inst, size=2, per_host=1) as pool:
            await posts.publish_note(inst.services, alice, "Premier message")
            await wait_for(lambda: hanging.in_flight == 1, message="the stuck delivery")

            # When six healthy hosts' followers arrive and alice posts again, with one
            # slot left (a lock-step batch would wait for the hanging host first)
            for number, host in enumerate(healthy, start=1):
                await follower_on(inst, alice, host, f"f{number}")
            await posts.publish_note(inst.services, alice, "Qui veut des courgettes ?")

            # Then every healthy host gets it, one after the other, while the first still
            # hangs (and the pool has recorded their answers: only the hanging one is left)
            await wait_for(
                lambda: all(len(host.received) == 1 for host in healthy) and pool.in_flight == 1,
                timeout=30,
                message="every healthy host to receive the post while one hangs",
            )
            assert hanging.in_flight == 1 and hanging.received == []

            # And when the hanging host answers at last, both posts reach it
            hanging.release()
            await wait_for(
                lambda: len(hanging.received) == 2 and pool.in_flight == 0,
                message="the hanging host's deliveries to end",
            )
            await wait_for(delivery_rows_empty(inst), message="every delivery row to go")


def delivery_rows_empty(inst):
    async def check() -> bool:
        return await delivery_rows(inst) == []

    return check


async def test_one_host_never_gets_more_than_its_share_at_once(inst, alice):
    async with inboxes(1) as [host]:
        # Given a follower on a slow host, and six posts for it
        await follower_on(inst, alice, host, "bea")
        host.hang()
        async with running_pool(inst, size=8, per_host=2) as pool:
            for number in range(6):
                await posts.publish_note(inst.services, alice, f"Annonce {number}")

            # Then two requests are held at once, no more, though slots are free (and two
            # more are claimed ahead for the host, the rest left waiting)
            await wait_for(lambda: host.in_flight == 2, message="two requests in flight")
            await wait_for(rows_leased_of(inst, 6, 4), message="four rows leased, the rest waiting")
            assert host.most_in_flight == 2
            assert pool.in_flight == 2

            # When the host answers, the others follow, still two at a time
            host.release()
            await wait_for(lambda: len(host.received) == 6, message="all six posts to arrive")
            await wait_for(delivery_rows_empty(inst), message="every delivery row to go")
        assert host.most_in_flight == 2


async def test_new_work_goes_out_on_the_wake_up_not_at_the_next_poll(inst, alice):
    async with inboxes(1) as [host]:
        await follower_on(inst, alice, host, "cy")
        # Given an idle pool whose poll interval never comes
        async with running_pool(inst, size=4, per_host=2):
            # When alice posts (the outbox wakes the pool when the post is committed)
            await posts.publish_note(inst.services, alice, "Vide-grenier dimanche")
            # Then the delivery goes out without waiting for a poll
            await wait_for(lambda: len(host.received) == 1, message="the delivery")


async def test_a_host_whose_circuit_reopens_gets_one_probe_then_the_rest(inst, alice):
    async with inboxes(1) as [host]:
        # Given a host whose circuit opened an hour ago for a minute (so it is due a
        # probe), and three posts waiting for it
        await follower_on(inst, alice, host, "dan")
        async with inst.db.write() as conn:
            await domain_store.record_failure(
                conn,
                host.host,
                error="down",
                threshold=1,
                open_for=timedelta(minutes=1),
                now=utcnow() - timedelta(hours=1),
            )
        for number in range(3):
            await posts.publish_note(inst.services, alice, f"Troc {number}")
        host.hang()

        # When the pool runs with room for all three
        async with running_pool(inst, size=8, per_host=4) as pool:
            # Then only the probe goes out while the host has not answered
            await wait_for(lambda: host.in_flight == 1, message="the probe")
            await wait_for(rows_leased_of(inst, 3, 3), message="the others held back")
            assert pool.in_flight == 1 and host.most_in_flight == 1

            # When the probe succeeds, the held-back deliveries follow
            host.release()
            await wait_for(lambda: len(host.received) == 3, message="the other two posts")
            await wait_for(delivery_rows_empty(inst), message="every delivery row to go")
        async with inst.db.read() as conn:
            health = await domain_store.get_health(conn, host.host)
        assert health is not None and health.circuit_state == "closed"


def rows_leased_of(inst, total: int, count: int):
    async def check() -> bool:
        rows = await delivery_rows(inst)
        return len(rows) == total and sum(row.locked_until is not None for row in rows) == count

    return check


async def test_hanging_hosts_give_up_their_slots_once_they_are_slow(inst, alice):
    async with inboxes(5) as hosts:
        # Given two hosts that hang, each with a post of alice's stuck there, in a pool of
        # two slots where a delivery unanswered for a fifth of a second counts as slow
        stuck, healthy = hosts[:2], hosts[2:]
        for number, host in enumerate(stuck):
            await follower_on(inst, alice, host, f"s{number}")
            host.hang()
        async with running_pool(inst, size=2, per_host=1, slow_after=0.2) as pool:
            await posts.publish_note(inst.services, alice, "Premier message")
            await wait_for(lambda: all(host.in_flight == 1 for host in stuck), message="both stuck")

            # When healthy hosts' followers arrive and alice posts again
            for number, host in enumerate(healthy):
                await follower_on(inst, alice, host, f"h{number}")
            await posts.publish_note(inst.services, alice, "Qui veut des courgettes ?")

            # Then the healthy hosts get it although both slots' first holders still hang
            # (and the pool has recorded their answers: only the two slow ones are left)
            await wait_for(
                lambda: all(len(host.received) == 1 for host in healthy) and pool.in_flight == 2,
                message="the healthy hosts, past the slow ones",
            )
            assert all(host.in_flight == 1 and host.received == [] for host in stuck)
            for host in stuck:
                host.release()
            await wait_for(delivery_rows_empty(inst), message="every delivery row to go")


async def test_a_step_records_expands_and_claims_in_one_write_turn(inst, alice, monkeypatch):
    async with inboxes(1) as [host]:
        await follower_on(inst, alice, host, "eve")
        pool = DeliveryPool(DeliveryWorker(inst.federation), size=4, per_host=2)
        # Given a delivery the pool sent, which the host has answered
        await posts.publish_note(inst.services, alice, "Premier message")
        assert await pool.step()
        await wait_for(lambda: len(host.received) == 1, message="the first delivery")
        await wait_for(lambda: not pool._per_host, message="its answer, seen by the pool")
        # and a second post, not yet fanned out
        await posts.publish_note(inst.services, alice, "Second message")
        turns = count_write_transactions(inst.db, monkeypatch)

        # When the pool steps
        assert await pool.step()

        # Then the answer is recorded, the post fanned out and its delivery claimed and
        # sent, all in one turn of the write lock
        assert len(turns) == 1
        await wait_for(lambda: len(host.received) == 2, message="the second delivery")
        rows = await delivery_rows(inst)
        assert len(rows) == 1 and rows[0].locked_until is not None  # the second, in flight


async def test_a_step_with_nothing_to_do_takes_no_write_turn(inst, alice, monkeypatch):
    async with inboxes(1) as [host]:
        await follower_on(inst, alice, host, "fred")
        pool = DeliveryPool(DeliveryWorker(inst.federation), size=4, per_host=2)
        turns = count_write_transactions(inst.db, monkeypatch)
        # Given nothing queued and nothing in flight, when the pool steps (its poll)
        # Then it found nothing and wrote nothing
        assert not await pool.step()
        assert turns == []


async def test_answers_that_come_close_together_are_recorded_together(inst, alice, monkeypatch):
    async with inboxes(4) as hosts:
        # Given followers on four hosts that hold their answers, and a pool that gathers
        # for two seconds while busy
        for number, host in enumerate(hosts):
            await follower_on(inst, alice, host, f"g{number}")
            host.hang()
        worker = DeliveryWorker(inst.federation)
        recorded: list[int] = []
        record_in = worker.record_in

        async def spy(conn, outcomes, now, release=()):
            recorded.append(len(outcomes))
            await record_in(conn, outcomes, now, release)

        monkeypatch.setattr(worker, "record_in", spy)
        pool = DeliveryPool(worker, size=8, per_host=1, gather_seconds=2.0)
        task = asyncio.create_task(pool.run(inst.federation.outbox.work_available, NEVER))
        try:
            await posts.publish_note(inst.services, alice, "Soupe partagée ce soir")
            await wait_for(lambda: all(host.in_flight for host in hosts), message="4 in flight")

            # When the hosts answer one after the other within those two seconds
            for host in hosts:
                host.release()
                await wait_for(lambda host=host: host.received, message="an answer")
            await wait_for(delivery_rows_empty(inst), message="the answers recorded")
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        # Then the four answers were recorded in one step, not in a step each
        assert recorded == [4]
        assert pool.in_flight == 0


async def test_a_hosts_next_delivery_starts_when_one_of_its_own_ends(inst, alice):
    async with inboxes(1) as [host]:
        # Given a host with a share of one, two posts for it, and a pool that steps once
        # (while busy, its next step is far away)
        await follower_on(inst, alice, host, "hal")
        host.hang()
        for number in range(2):
            await posts.publish_note(inst.services, alice, f"Annonce {number}")
        pool = DeliveryPool(DeliveryWorker(inst.federation), size=8, per_host=1)
        assert await pool.step()

        # Then one request is out and the second delivery is claimed ahead for the host
        await wait_for(lambda: host.in_flight == 1, message="the first request")
        await wait_for(rows_leased_of(inst, 2, 2), message="both rows leased")

        # When the host answers the first, Then the second goes out at once, no step
        # needed (only its outcome waits for one)
        host.release()
        await wait_for(lambda: len(host.received) == 2, message="the second delivery")
        await wait_for(lambda: pool.in_flight == 2 and not pool._per_host, message="ended")
        assert host.most_in_flight == 1
        await pool.step()
        assert await delivery_rows(inst) == []


async def test_what_was_claimed_ahead_for_a_failing_host_goes_back(inst, alice):
    async with inboxes(1) as [host]:
        # Given a host with a share of one that will answer 503, and two posts for it
        await follower_on(inst, alice, host, "ida")
        host.hang()
        host.answer(503)
        for number in range(2):
            await posts.publish_note(inst.services, alice, f"Annonce {number}")
        pool = DeliveryPool(DeliveryWorker(inst.federation), size=8, per_host=1)
        assert await pool.step()
        await wait_for(rows_leased_of(inst, 2, 2), message="both rows leased")

        # When the first fails
        host.release()
        await wait_for(lambda: len(host.received) == 1, message="the failed request")
        await wait_for(lambda: not pool._per_host, message="its end")

        # Then the second is not sent behind it
        assert len(host.received) == 1
        # When the pool steps, Then the failure is recorded (the first waits for its
        # retry) and the second, given back with no attempt spent, goes out
        await pool.step()
        await wait_for(lambda: len(host.received) == 2, message="the second delivery")
        failed = [row for row in await delivery_rows(inst) if row.attempts == 1]
        assert len(failed) == 1
        assert failed[0].last_status == 503 and failed[0].locked_until is None


async def test_the_client_holds_a_connection_for_every_delivery_the_pool_may_run(inst):
    # Deliveries to hanging hosts keep their connections until the timeout, slow or not;
    # with fewer connections than the pool may have in flight, the healthy hosts' deliveries
    # would wait for one (bench/fanout.py: 100 hanging hosts held the 900 others for 10 s)
    limits = inst.federation.client._transport.limits
    in_flight = most_in_flight(inst.config.delivery_concurrency)
    assert limits.max_connections >= in_flight + OTHER_CONNECTIONS
