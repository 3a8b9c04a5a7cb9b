"""The inbox worker's deference to inbound traffic: wait for a lull, but never too long."""

from __future__ import annotations

import asyncio
import time

import pytest

from fedlocal.federation.pressure import InboxPressure
from fedlocal.store.signals import Signals
from tests.support.instance import instance_on_database
from tests.support.waiting import wait_for

# No wall-clock upper bounds (a loaded machine would fail them): the waits that must not
# happen are made an hour long, so a wrong wait shows as the test's own deadline passing.
HOUR = 3600.0


async def test_without_recent_requests_the_worker_goes_at_once():
    pressure = InboxPressure(quiet_for=HOUR, max_wait=HOUR)
    async with asyncio.timeout(30):
        await pressure.lull()


async def test_after_a_request_the_worker_waits_for_the_quiet_period():
    # Given a request just now
    pressure = InboxPressure(quiet_for=0.2, max_wait=HOUR)
    pressure.note_request()
    started = time.monotonic()
    # When the worker asks for a lull, Then it waits the quiet period, not the maximum
    async with asyncio.timeout(30):
        await pressure.lull()
    assert time.monotonic() - started >= 0.15


async def test_a_flood_of_requests_cannot_hold_the_worker_beyond_max_wait():
    # Given traffic that never goes quiet long enough (quiet period beyond the maximum)
    pressure = InboxPressure(quiet_for=HOUR, max_wait=0.3)
    pressure.note_request()
    started = time.monotonic()
    # When the worker asks for a lull, Then it still goes after max_wait
    async with asyncio.timeout(30):
        await pressure.lull()
    assert time.monotonic() - started >= 0.25


async def test_once_behind_the_worker_runs_batch_after_batch_under_a_steady_flow():
    # Given a worker whose last batch came back full (it is behind), requests arriving
    # all the time, and a wait for a lull that would outlast the test
    pressure = InboxPressure(quiet_for=10.0, max_wait=3600.0)
    pressure.after_batch(50, 50, 0.01)
    batches = 0

    async def full_batch() -> int:
        nonlocal batches
        batches += 1
        pressure.note_request()
        return 50

    step = pressure.paced(full_batch, 50)
    # When it runs, Then batches follow one another (each after the inbox's share)
    async with asyncio.timeout(30):
        for _ in range(20):
            pressure.note_request()
            await step()
    assert batches == 20 and pressure.behind


async def test_a_worker_behind_steps_aside_for_its_own_requests_only():
    # Given a worker behind (its last batch came back full, and took an hour: stepping
    # aside for a share of it would outlast the test)
    pressure = InboxPressure(quiet_for=HOUR, max_wait=HOUR)

    async def full_batch() -> int:
        return 50

    step = pressure.paced(full_batch, 50)
    # When activities keep being queued by another process (a worker process: no
    # request of its own to answer)
    async with asyncio.timeout(30):
        for _ in range(5):
            pressure.after_batch(50, 50, HOUR)
            pressure.note_queued_elsewhere()
            await step()
    # Then it ran batch after batch, and still counts them for its lulls
    assert pressure.behind and pressure.seconds_since_request() < HOUR

    # But given its own inbox's request, it leaves the inbox its share of the loop
    pressure.after_batch(50, 50, 0.2)
    pressure.note_request()
    started = time.monotonic()
    await step()
    assert time.monotonic() - started >= 0.09


async def test_a_batch_that_empties_the_queue_brings_back_the_wait_for_a_lull():
    pressure = InboxPressure(quiet_for=0.05, max_wait=5.0)
    pressure.after_batch(50, 50, 0.01)
    assert pressure.behind
    pressure.after_batch(7, 50, 0.01)
    assert not pressure.behind


@pytest.mark.postgres
async def test_a_worker_process_paces_itself_on_activities_other_processes_queued(tmp_path):
    # Given an instance on PostgreSQL whose worker receives no POSTs itself (as a
    # `fedlocal worker` process), and another process on the same database
    async with instance_on_database("postgres", tmp_path) as inst:
        pressure = inst.federation.inbox_pressure
        assert pressure.seconds_since_request() == float("inf")
        web_process = Signals(inst.federation.db)
        await web_process.start()
        try:
            # When the other process queues an activity and says so
            web_process.tell_others("inbox")

            # Then this process's worker counts it as a request for its pacing (it waits
            # for the flow to go quiet, or for a batch's worth, as after a POST of its
            # own) rather than running a batch for every activity
            await wait_for(
                lambda: pressure.seconds_since_request() < HOUR,
                message="the activity queued elsewhere to be counted",
            )
        finally:
            await web_process.close()


async def test_while_requests_wait_for_room_the_worker_goes_at_once():
    # Given requests arriving all the time (a lull an hour away), a worker behind, and
    # the inbox holding requests until the worker makes room in the backlog
    pressure = InboxPressure(quiet_for=HOUR, max_wait=HOUR)
    pressure.note_request()
    pressure.waiting_on_worker = lambda: True
    # When the worker is level with the queue, and when it is behind, Then it neither
    # waits for a lull nor steps aside for those requests: they are waiting for it
    async with asyncio.timeout(30):
        await pressure.before_batch()
    pressure.after_batch(50, 50, HOUR)
    pressure.note_request()
    async with asyncio.timeout(30):
        await pressure.before_batch()
